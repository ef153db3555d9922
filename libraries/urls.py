from django.urls import path

from libraries import apis

urlpatterns = [
    path("libraries", apis.LibrariesApi.as_view()),
    path("libraries/<uuid:library_id>", apis.LibraryDetailApi.as_view()),
    path("libraries/<uuid:library_id>/validate", apis.LibraryValidateApi.as_view()),
    path("libraries/<uuid:library_id>/scan", apis.LibraryScanApi.as_view()),
    path("libraries/<uuid:library_id>/statistics", apis.LibraryStatisticsApi.as_view()),
]
