from django.urls import path

from search import apis

urlpatterns = [
    path("search/metadata", apis.SearchMetadataApi.as_view()),
    path("search/statistics", apis.SearchStatisticsApi.as_view()),
    path("search/suggestions", apis.SearchSuggestionsApi.as_view()),
]
