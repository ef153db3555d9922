from django.urls import path

from albums import activity_apis, apis

urlpatterns = [
    path("albums", apis.AlbumsApi.as_view()),
    path("albums/statistics", apis.AlbumStatisticsApi.as_view()),
    path("albums/<uuid:album_id>", apis.AlbumDetailApi.as_view()),
    path("albums/<uuid:album_id>/assets", apis.AlbumAssetsApi.as_view()),
    path("albums/<uuid:album_id>/users", apis.AlbumUsersApi.as_view()),
    path("albums/<uuid:album_id>/user/<str:user_id>", apis.AlbumUserApi.as_view()),
    path("activities", activity_apis.ActivitiesApi.as_view()),
    path("activities/statistics", activity_apis.ActivityStatisticsApi.as_view()),
    path("activities/<uuid:activity_id>", activity_apis.ActivityDetailApi.as_view()),
]
