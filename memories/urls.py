from django.urls import path

from memories import apis

urlpatterns = [
    path("memories", apis.MemoriesApi.as_view()),
    path("memories/statistics", apis.MemoryStatisticsApi.as_view()),
    path("memories/<uuid:memory_id>", apis.MemoryDetailApi.as_view()),
    path("memories/<uuid:memory_id>/assets", apis.MemoryAssetsApi.as_view()),
]
