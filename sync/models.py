"""The mobile sync stream's state: each login session's checkpoints, and audit tables recording what disappeared from
a user's view (an asset deleted, purged or given to another user; an album or an album's asset link removed; a user
removed; a partnership ended, an album member removed), so that the next sync can tell the phone.

Every synced row and every audit row carries a change key `(sync_xid, sync_seq)`, set by database triggers (migration
0002): the id of the transaction that wrote it and a value of one sequence. A stream only reads rows whose transaction
is older than every transaction of this database still running, in key order: those rows can never be joined by a row
with a smaller key, so an ack resumes exactly, even when transactions commit in another order than they began."""

from __future__ import annotations

from django.db import models

from accounts.models import Session


class SessionSyncCheckpoint(models.Model):
    """The last ack a session sent for one entity type (Immich's `session_sync_checkpoint`)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="sync_checkpoints")
    type = models.CharField(max_length=64)
    ack = models.CharField(max_length=255)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "type"], name="uq_sync_checkpoint_session_type")]


class _Audit(models.Model):
    id = models.BigAutoField(primary_key=True)
    sync_xid = models.BigIntegerField()
    sync_seq = models.BigIntegerField()
    deleted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class AssetAudit(_Audit):
    """An asset left `owner_id`'s library: deleted, marked deleted, or moved to another owner; or, `partners_only`,
    it left what the owner's partners see (archived, locked or trashed) and stays on the owner's phone."""

    asset_id = models.UUIDField()
    owner_id = models.UUIDField()
    partners_only = models.BooleanField(default=False, db_default=False)

    class Meta:
        indexes = [models.Index(fields=["owner_id", "sync_xid", "sync_seq"], name="sync_asset_audit_owner")]


class AlbumAudit(_Audit):
    album_id = models.UUIDField()
    user_id = models.UUIDField()

    class Meta:
        indexes = [models.Index(fields=["user_id", "sync_xid", "sync_seq"], name="sync_album_audit_user")]


class AlbumAssetAudit(_Audit):
    """An asset taken out of an album (`user_id`: the album's owner)."""

    album_id = models.UUIDField()
    asset_id = models.UUIDField()
    user_id = models.UUIDField()

    class Meta:
        indexes = [models.Index(fields=["user_id", "sync_xid", "sync_seq"], name="sync_albumasset_audit_user")]


class AlbumUserAudit(_Audit):
    """A member removed from an album, or leaving it (the album's other users are told; the member gets an
    AlbumAudit row: the album leaves their phone)."""

    album_id = models.UUIDField()
    user_id = models.UUIDField()

    class Meta:
        indexes = [models.Index(fields=["album_id", "sync_xid", "sync_seq"], name="sync_albumuser_audit_album")]


class PartnerAudit(_Audit):
    """A partnership ended: `shared_by_id` no longer shares their library with `shared_with_id`."""

    shared_by_id = models.UUIDField()
    shared_with_id = models.UUIDField()

    class Meta:
        indexes = [
            models.Index(fields=["shared_by_id", "sync_xid", "sync_seq"], name="sync_partner_audit_by"),
            models.Index(fields=["shared_with_id", "sync_xid", "sync_seq"], name="sync_partner_audit_with"),
        ]


class StackAudit(_Audit):
    """A stack left `owner_id`'s library: deleted, dissolved, or given to another user (a transfer)."""

    stack_id = models.UUIDField()
    owner_id = models.UUIDField()

    class Meta:
        indexes = [models.Index(fields=["owner_id", "sync_xid", "sync_seq"], name="sync_stack_audit_owner")]


class UserAudit(_Audit):
    user_id = models.UUIDField()

    class Meta:
        indexes = [models.Index(fields=["sync_xid", "sync_seq"], name="sync_user_audit_key")]


class PersonAudit(_Audit):
    person_id = models.UUIDField()
    owner_id = models.UUIDField()

    class Meta:
        indexes = [models.Index(fields=["owner_id", "sync_xid", "sync_seq"], name="sync_person_audit_owner")]


class AssetFaceAudit(_Audit):
    """A face removed from an asset (`owner_id`: the asset's owner)."""

    face_id = models.UUIDField()
    owner_id = models.UUIDField()

    class Meta:
        indexes = [models.Index(fields=["owner_id", "sync_xid", "sync_seq"], name="sync_face_audit_owner")]
