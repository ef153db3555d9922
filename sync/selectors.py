"""Reading the sync stream: a session's checkpoints, and the JSON lines of every change after them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection, models
from django.utils import timezone

from accounts.models import User
from nsfw.selectors import nsfw_stream_params
from sync import album_entities as albums
from sync import entities
from sync import partner_entities as partners
from sync import stack_entities as stacks
from sync.acks import COMPLETE, START, Ack, ChangeKey, ack_text, parse_ack, reset_ack, row_ack_parts
from sync.entities import Backfill, Entity
from sync.models import SessionSyncCheckpoint
from sync.rendering import Query, Step, line, step_lines
from sync.types import AUDIT_RETENTION, REQUEST_TYPES

_USER_ID_FIELD = models.UUIDField()  # how the database spells a uuid (SQLite: 32 hex digits)
LINES_PER_CHUNK = 500  # lines joined into one write to the client

Part = Entity | Backfill

# Each request type, what it streams, in Immich's order (deletes, then backfills, then upserts). The types whose
# entities this server does not have yet (memories, asset edits, metadata and OCR) answer nothing.
STREAMS: dict[str, tuple[Part, ...]] = {
    "AuthUsersV1": (entities.AUTH_USER,),
    "UsersV1": (entities.USER_DELETE, entities.USER),
    "PartnersV1": (partners.PARTNER_DELETE, partners.PARTNER),
    "AssetsV1": (entities.ASSET_DELETE, entities.ASSET_V1),
    "AssetsV2": (entities.ASSET_DELETE, entities.ASSET_V2),
    "StacksV1": stacks.STACKS,
    "PartnerAssetsV1": (partners.PARTNER_ASSET_DELETE, partners.PARTNER_ASSET_BACKFILL_V1, partners.PARTNER_ASSET_V1),
    "PartnerAssetsV2": (partners.PARTNER_ASSET_DELETE, partners.PARTNER_ASSET_BACKFILL_V2, partners.PARTNER_ASSET_V2),
    "PartnerStacksV1": stacks.PARTNER_STACKS,
    "AlbumAssetsV1": albums.ALBUM_ASSETS_V1,
    "AlbumAssetsV2": albums.ALBUM_ASSETS_V2,
    "AlbumsV1": (albums.ALBUM_DELETE, albums.ALBUM_V1),
    "AlbumsV2": (albums.ALBUM_DELETE, albums.ALBUM_V2),
    "AlbumUsersV1": albums.ALBUM_MEMBERS,
    "AlbumToAssetsV1": albums.ALBUM_TO_ASSETS,
    "AssetExifsV1": (entities.ASSET_EXIF,),
    "AlbumAssetExifsV1": albums.ALBUM_ASSET_EXIFS,
    "PartnerAssetExifsV1": (partners.PARTNER_ASSET_EXIF_BACKFILL, partners.PARTNER_ASSET_EXIF),
    "UserMetadataV1": (entities.USER_METADATA,),
    "PeopleV1": (entities.PERSON_DELETE, entities.PERSON),
    "AssetFacesV1": (entities.FACE_DELETE, entities.FACE_V1),
    "AssetFacesV2": (entities.FACE_DELETE, entities.FACE_V2),
}
assert set(STREAMS) <= set(REQUEST_TYPES)


@dataclass(frozen=True)
class StreamScope:
    """Everything a stream reads by: who, for which session, which types, from which checkpoints, up to which bound."""

    user_id: uuid.UUID
    tag: str
    types: frozenset[str]
    checkpoints: dict[str, Ack] = field(default_factory=dict)
    visible_before: int = 0  # transactions of this database below it have all ended: their rows can be streamed
    own_xid: int | None = None
    now: ChangeKey = START  # past every row this stream can read
    nsfw: dict = field(default_factory=lambda: {"nsfw_hide": False, "nsfw_threshold": 1.0})  # nsfw.selectors

    def after(self, entity_type: str) -> ChangeKey:
        checkpoint = self.checkpoints.get(entity_type)
        return checkpoint.key if checkpoint else START


def checkpoints_of(*, session) -> list[SessionSyncCheckpoint]:
    return list(SessionSyncCheckpoint.objects.filter(session=session).order_by("type"))


def needs_reset(checkpoints: list[SessionSyncCheckpoint]) -> bool:
    """The last complete sync is older than the deletes the audit tables still hold: the phone must start over."""
    complete = next((checkpoint for checkpoint in checkpoints if checkpoint.type == "SyncCompleteV1"), None)
    return complete is not None and complete.updated_at < timezone.now() - AUDIT_RETENTION


def stream_scope(
    *, checkpoints: list[SessionSyncCheckpoint], viewer: User, types: Iterable[str], tag: str
) -> StreamScope:
    """What a stream of the session whose `checkpoints` these are reads, for `viewer`, the session's user."""
    acks: dict[str, Ack] = {}
    for checkpoint in checkpoints:
        ack: Ack = parse_ack(checkpoint.ack, tag=tag)
        acks[ack.type] = ack
    visible_before, own_xid, now = _window_bound()
    nsfw = nsfw_stream_params(viewer=viewer)
    return StreamScope(viewer.id, tag, frozenset(types), acks, visible_before, own_xid, now, nsfw)


def _window_bound() -> tuple[int, int | None, ChangeKey]:
    """The oldest transaction of this database still running (or, with none, the next transaction id), the caller's
    own transaction, and a key past every row the stream can read. Transactions of other databases of the cluster
    cannot write our tables: they do not hold the stream back. The snapshot is taken before the running transactions
    are listed, so a transaction that began in between has an id at or past the snapshot's xmax, beyond the bound
    anyway. On SQLite every committed row can be streamed (its writers commit one at a time, in key order:
    sync/migrations/_sqlite_change_keys.py): the bound is past the change counter."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT value FROM sync_change_counter WHERE id = 1")
            bound = cursor.fetchone()[0] + 1
        return bound, None, ChangeKey(bound, 0)
    with connection.cursor() as cursor:  # one statement: its snapshot is taken before the locks are listed
        cursor.execute(
            "SELECT pg_current_snapshot()::text, pg_current_xact_id_if_assigned()::text::bigint, "
            "(SELECT last_value FROM sync_change_seq), ARRAY(SELECT lock.transactionid::text::bigint "
            "FROM pg_locks lock JOIN pg_stat_activity activity ON activity.pid = lock.pid "
            "WHERE lock.locktype = 'transactionid' AND activity.datname = current_database())"
        )
        snapshot, own_xid, last_seq, running = cursor.fetchone()
        running_here = set(running)  # 32-bit transaction ids
    _, xmax, in_progress = snapshot.split(":")
    ours = [int(xid) for xid in in_progress.split(",") if xid and int(xid) % 2**32 in running_here]
    visible_before = min(ours, default=int(xmax))
    now = ChangeKey(own_xid, last_seq) if own_xid is not None else ChangeKey(visible_before, 0)
    return visible_before, own_xid, now


def _params(scope: StreamScope, **keys: ChangeKey) -> dict:
    params = {
        "user_id": _USER_ID_FIELD.get_db_prep_value(scope.user_id, connection),
        "visible_before": scope.visible_before, "own_xid": scope.own_xid, **scope.nsfw,
    }  # fmt: skip
    for name, key in keys.items():
        params.update({f"{name}_xid": key.xid, f"{name}_seq": key.seq})
    return params


def _entity_steps(scope: StreamScope, entity: Entity) -> list[Step]:
    keys = {"after": scope.after(entity.type)}
    if entity.bound_by is not None:
        if entity.bound_by not in scope.checkpoints:
            return []
        keys["bound"] = scope.after(entity.bound_by)
    acks_first = None
    if entity.acks_first is not None:
        acks_first = line("SyncAckV1", {}, ack_text(entity.acks_first, scope.now, scope.tag))
    ack_parts = row_ack_parts(entity.type, scope.tag)
    return [Query(entity.type, entity.sql, entity.shape, _params(scope, **keys), ack_parts, acks_first)]


def _parents(backfill: Backfill, params: dict) -> list[tuple]:
    """A backfill's parents: the caller's partnerships or album memberships, a few rows."""
    with connection.cursor() as cursor:
        cursor.execute(backfill.parents_sql, params)
        return cursor.fetchall()


def _backfill_steps(scope: StreamScope, backfill: Backfill) -> list[Step]:
    """Immich's backfill: each parent created after what the phone has (its end checkpoint, and the backfills it
    acked complete) gets its rows up to the end checkpoint, then a SyncAckV1 acking it complete; a parent whose
    backfill was acked part way resumes after its last row acked. A phone that never acked the end type gets
    everything from the upserts: it is only told that the parents there are need no backfill. A parent older than the
    end checkpoint was there when the phone synced up to it, and was sent then: a lost complete ack (the app acks
    the last line of a run of one type, and SyncAckV1 lines can follow one another) costs nothing."""
    end = scope.checkpoints.get(backfill.end_type)
    if end is None:
        parents = _parents(backfill, _params(scope, after=START))
        if not parents:
            return []
        last = ChangeKey(parents[-1][0], parents[-1][1])
        return [line("SyncAckV1", {}, ack_text(backfill.type, last, scope.tag, COMPLETE))]
    done = scope.checkpoints.get(backfill.type)
    resume = done is not None and done.extra != COMPLETE and done.key > end.key
    if done is not None and resume:
        first = done.key
    else:
        last = max(end.key, done.key) if done is not None else end.key
        first = ChangeKey(last.xid, last.seq + 1)
    steps: list[Step] = []
    for created_xid, created_seq, parent_id in _parents(backfill, _params(scope, after=first)):
        created = ChangeKey(created_xid, created_seq)
        after = done.extra if done is not None and resume and done.key == created else START
        params = {**_params(scope, after=after, end=end.key), "parent_id": parent_id}
        ack_parts = row_ack_parts(backfill.type, scope.tag, parent=created)
        steps.append(Query(backfill.type, backfill.sql, backfill.shape, params, ack_parts))
        steps.append(line("SyncAckV1", {}, ack_text(backfill.type, created, scope.tag, COMPLETE)))
    return steps


def _entities(scope: StreamScope) -> Iterator[Part]:
    for request_type in REQUEST_TYPES:
        if request_type not in scope.types:
            continue
        if request_type == "AlbumUsersV1" and "AlbumsV2" in scope.types:
            yield from albums.ALBUM_MEMBERS_AND_OWNERS
        else:
            yield from STREAMS.get(request_type, ())


def stream_lines(scope: StreamScope) -> Iterator[str]:
    """Every change after the session's checkpoints, then SyncCompleteV1, in chunks of lines."""
    steps: list[Step] = []
    for part in _entities(scope):
        steps += _backfill_steps(scope, part) if isinstance(part, Backfill) else _entity_steps(scope, part)
    chunk: list[str] = []
    for text in step_lines(steps):
        chunk.append(text)
        if len(chunk) >= LINES_PER_CHUNK:
            yield "".join(chunk)
            chunk = []
    chunk.append(line("SyncCompleteV1", {}, ack_text("SyncCompleteV1", ChangeKey(scope.visible_before, 0), scope.tag)))
    yield "".join(chunk)


def reset_lines() -> Iterator[str]:
    yield line("SyncResetV1", {}, reset_ack())
