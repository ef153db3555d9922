"""Reads of a user's own notifications, newest first."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from notifications.models import Notification


def notifications_of(
    *, user: User, notification_id=None, level: str | None = None, type: str | None = None, unread: bool | None = None
) -> QuerySet[Notification]:
    found = Notification.objects.filter(user=user)
    if notification_id is not None:
        found = found.filter(pk=notification_id)
    if level is not None:
        found = found.filter(level=level)
    if type is not None:
        found = found.filter(type=type)
    if unread is not None:
        found = found.filter(read_at__isnull=unread)
    return found.order_by("-created_at")


def notification_for(*, user: User, notification_id) -> Notification | None:
    return notifications_of(user=user, notification_id=notification_id).first()
