from django.urls import path

from search import apis, map_apis

urlpatterns = [
    path("search/metadata", apis.SearchMetadataApi.as_view()),
    path("search/statistics", apis.SearchStatisticsApi.as_view()),
    path("search/suggestions", apis.SearchSuggestionsApi.as_view()),
    path("search/random", apis.SearchRandomApi.as_view()),
    path("search/smart", apis.SearchSmartApi.as_view()),
    path("search/cities", apis.SearchCitiesApi.as_view()),
    path("search/explore", apis.SearchExploreApi.as_view()),
    path("search/places", apis.SearchPlacesApi.as_view()),
    path("search/person", apis.SearchPersonApi.as_view()),
    path("map/markers", map_apis.MapMarkersApi.as_view()),
    path("map/reverse-geocode", map_apis.MapReverseGeocodeApi.as_view()),
]
