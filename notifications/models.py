"""A user's notifications (Immich's `/api/notifications`): here, what the pipeline could not do with their files."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class NotificationLevel(models.TextChoices):
    SUCCESS = "success"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class NotificationType(models.TextChoices):
    JOB_FAILED = "JobFailed"
    BACKUP_FAILED = "BackupFailed"
    SYSTEM_MESSAGE = "SystemMessage"
    ALBUM_INVITE = "AlbumInvite"
    ALBUM_UPDATE = "AlbumUpdate"
    CUSTOM = "Custom"


class Notification(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    level = models.CharField(max_length=16, choices=NotificationLevel.choices, default=NotificationLevel.INFO)
    type = models.CharField(max_length=32, choices=NotificationType.choices, default=NotificationType.CUSTOM)
    title = models.CharField(max_length=500)
    description = models.TextField(blank=True, default="")
    data = models.JSONField(null=True, blank=True)
    # What a notice is about (a pipeline step, a library's scans), so that what comes next adds to the unread one.
    step = models.CharField(max_length=24, blank=True, default="")
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"], name="notification_user_created")]

    def __str__(self) -> str:
        return f"{self.type} for {self.user_id}: {self.title}"
