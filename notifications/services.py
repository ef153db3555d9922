"""Writes of notifications. The owner of a file that a pipeline step failed on for good is told so (Immich tells
only the admin, in its logs and jobs page): one unread notice per step, which adds up the files until it is read.
The owner of a library whose scan stops is told why; administrators, when the database backup fails, and they may
write to a user. Users mark their notifications read and delete them.

Each notification made or brought up to date is sent to its user's sockets as `on_notification` with its
NotificationDto, after commit (Immich sends it for the notifications its server makes; the web app reads the list
again)."""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction

from accounts.models import User
from assets.models import Asset
from immich import live_events
from immich.errors import BadRequest
from immich.locks import AdvisoryLock
from jobs.models import Step
from jobs.registry import StepFailure
from notifications.models import Notification, NotificationLevel, NotificationType
from notifications.serializers import NotificationDto

MAX_LISTED_ASSETS = 50  # the newest ones a notice names in its data; its count says how many there are
LIBRARY_SCAN = "library_scan"  # what a library's notices are about (`Notification.step`)
# What could not be done, for one file (its name) or several ("3 files").
_FAILED = {
    Step.METADATA: "Could not read the metadata of {what}",
    Step.STORAGE_TEMPLATE: "Could not move {what} to the storage template's folder",
    Step.THUMBNAILS: "Could not make thumbnails for {what}",
    Step.VIDEO_ENCODE: "Could not transcode {what}",
    Step.NSFW: "Could not check {what} for NSFW content",
    Step.DUPLICATES: "Could not compare {what} with your other files for duplicates",
}


def _tell(notice: Notification) -> None:
    live_events.send_to_user("on_notification", notice.user_id, NotificationDto(notice).data)


def notify_step_failures(failures: list[StepFailure]) -> None:
    """Tell the owners of the files these steps failed on for good (in the caller's transaction, if any)."""
    if not failures:
        return
    assets = Asset.objects.filter(pk__in={failure.asset_id for failure in failures}).only(
        "id", "owner_id", "original_file_name"
    )
    by_id = {str(asset.id): asset for asset in assets}
    groups: dict[tuple, list[tuple[Asset, str]]] = {}
    for failure in failures:
        asset = by_id.get(str(failure.asset_id))
        if asset is not None:  # deleted meanwhile: nobody to tell
            groups.setdefault((asset.owner_id, failure.step), []).append((asset, failure.reason))
    with transaction.atomic():
        for (owner_id, step), failed in sorted(groups.items(), key=lambda item: str(item[0])):
            _lock_notices_of(owner_id)
            _add_to_notice(owner_id, step, failed)


def _lock_notices_of(owner_id) -> None:
    """Until the transaction ends: two workers failing files of one owner at once add to one notice instead of
    making two. An advisory lock, not the user's row, which uploads and deletions lock in another order."""
    if connection.vendor == "postgresql":  # SQLite lets one writer at a time anyway
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [AdvisoryLock.USER_NOTICES, str(owner_id)])


def _unread_notice(owner_id, step: str, **about) -> Notification:
    """The owner's unread JobFailed notice about `step` (and the `about` data), or a new one (not saved yet)."""
    found = Notification.objects.filter(
        user_id=owner_id,
        type=NotificationType.JOB_FAILED,
        step=step,
        read_at__isnull=True,
        **{f"data__{key}": value for key, value in about.items()},
    )
    return found.order_by("-created_at").first() or Notification(
        user_id=owner_id, type=NotificationType.JOB_FAILED, level=NotificationLevel.ERROR, step=step, data=about
    )


def _add_to_notice(owner_id, step: str, failed: list[tuple[Asset, str]]) -> None:
    notice = _unread_notice(owner_id, step)
    listed = notice.data.get("assetIds", [])
    # A file that fails again (a retry, a Missing run) counts once; it moves to the front of the list.
    newest_first = list(dict.fromkeys(str(asset.id) for asset, _ in reversed(failed)))
    count = notice.data.get("count", 0) + len([asset_id for asset_id in newest_first if asset_id not in listed])
    latest, reason = failed[-1]
    template = _FAILED.get(Step(step)) or f"{Step(step).label.capitalize()} failed for {{what}}"
    notice.title = template.format(what=latest.original_file_name if count == 1 else f"{count} files")[:500]
    notice.description = f"{latest.original_file_name}: {reason}"
    rest = [asset_id for asset_id in listed if asset_id not in newest_first]
    notice.data = {"step": step, "count": count, "assetIds": (newest_first + rest)[:MAX_LISTED_ASSETS]}
    notice.save()
    _tell(notice)


def notify_library_not_scanned(*, library, reason: str, changed_nothing: bool) -> None:
    """Tell a library's owner why its scan stopped: a refusal (a dropped mount) changed nothing and is a warning. One
    unread notice per library, brought up to date by the next scan that stops."""
    with transaction.atomic():
        _lock_notices_of(library.owner_id)
        notice = _unread_notice(library.owner_id, LIBRARY_SCAN, libraryId=str(library.pk))
        notice.level = NotificationLevel.WARNING if changed_nothing else NotificationLevel.ERROR
        notice.title = f"The library {library.name} was not scanned"[:500]
        notice.description = reason
        notice.save()
        _tell(notice)


def notify_backup_failed(*, reason: str) -> None:
    """Tell every administrator that the scheduled database backup failed (as Immich does)."""
    notices = Notification.objects.bulk_create(
        Notification(
            user=admin,
            type=NotificationType.BACKUP_FAILED,
            level=NotificationLevel.ERROR,
            title="Database backup failed",
            description=reason,
        )
        for admin in User.objects.filter(is_superuser=True, is_active=True, deleted_at__isnull=True)
    )
    for notice in notices:
        _tell(notice)


def notification_create(
    *, user_id, title: str, description: str | None, level: str, type: str, data, read_at: datetime | None
) -> Notification:
    """An administrator's notification to a user (Immich's `POST /admin/notifications`)."""
    user = User.objects.filter(pk=user_id, deleted_at__isnull=True).first()
    if user is None:
        raise BadRequest("User not found")
    notice = Notification.objects.create(
        user=user, title=title, description=description or "", level=level, type=type, data=data, read_at=read_at
    )
    _tell(notice)
    return notice


def notifications_mark_read(*, user: User, ids: list, read_at: datetime | None) -> int:
    """Set (or with None, clear) when the user's notifications among `ids` were read; others' are ignored."""
    return Notification.objects.filter(user=user, pk__in=ids).update(read_at=read_at)


def notification_mark_read(*, notification: Notification, read_at: datetime | None) -> Notification:
    notification.read_at = read_at
    notification.save(update_fields=["read_at", "updated_at"])
    return notification


def notifications_delete(*, user: User, ids: list) -> int:
    """Delete the user's notifications among `ids`; others' are ignored."""
    return Notification.objects.filter(user=user, pk__in=ids).delete()[0]
