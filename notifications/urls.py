from django.urls import path

from notifications import apis

urlpatterns = [
    path("notifications", apis.NotificationsApi.as_view()),
    path("notifications/<uuid:notification_id>", apis.NotificationDetailApi.as_view()),
    path("admin/notifications", apis.AdminNotificationsApi.as_view()),
]
