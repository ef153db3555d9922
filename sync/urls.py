from django.urls import path

from sync import apis

urlpatterns = [
    path("sync/stream", apis.SyncStreamApi.as_view()),
    path("sync/ack", apis.SyncAckApi.as_view()),
]
