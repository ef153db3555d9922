from django.urls import path

from tags import apis

urlpatterns = [
    path("tags", apis.TagsApi.as_view()),
    path("tags/assets", apis.TagBulkAssetsApi.as_view()),
    path("tags/<uuid:tag_id>", apis.TagDetailApi.as_view()),
    path("tags/<uuid:tag_id>/assets", apis.TagAssetsApi.as_view()),
]
