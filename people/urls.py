from django.urls import path

from people import apis

urlpatterns = [
    path("people", apis.PeopleApi.as_view()),
    path("people/<uuid:person_id>", apis.PersonDetailApi.as_view()),
    path("people/<uuid:person_id>/thumbnail", apis.PersonThumbnailApi.as_view()),
    path("people/<uuid:person_id>/statistics", apis.PersonStatisticsApi.as_view()),
]
