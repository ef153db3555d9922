from django.urls import path

from albums import apis

urlpatterns = [
    path("albums", apis.AlbumsApi.as_view()),
    path("albums/<uuid:album_id>", apis.AlbumDetailApi.as_view()),
    path("albums/<uuid:album_id>/assets", apis.AlbumAssetsApi.as_view()),
]
