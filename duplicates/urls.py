from django.urls import path

from duplicates import apis

urlpatterns = [
    path("duplicates", apis.DuplicatesApi.as_view()),
    path("duplicates/resolve", apis.DuplicateResolveApi.as_view()),
    path("duplicates/<uuid:duplicate_id>", apis.DuplicateDetailApi.as_view()),
]
