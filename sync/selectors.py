"""Reading the sync stream: a session's checkpoints, and the JSON lines of every change after them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection, models, transaction
from django.utils import timezone
from psycopg.abc import Buffer
from psycopg.adapt import Loader

from sync import entities
from sync.acks import START, Ack, ChangeKey, ack_text, parse_ack, reset_ack
from sync.entities import Entity
from sync.models import SessionSyncCheckpoint
from sync.types import AUDIT_RETENTION, REQUEST_TYPES

_USER_ID_FIELD = models.UUIDField()  # how the database spells a uuid (SQLite: 32 hex digits)
ROWS_PER_FETCH = 2000  # rows a server-side cursor hands over at a time
LINES_PER_CHUNK = 500  # lines joined into one write to the client

# Each request type, the entity types it streams, in Immich's order (deletes before upserts). The types whose
# entities this server does not have yet (partners, stacks, memories, asset edits, metadata and OCR) answer nothing;
# AlbumAssets*: every album asset is the caller's own (there is no album sharing yet), so it already reaches the phone
# as an AssetV2.
STREAMS: dict[str, tuple[Entity, ...]] = {
    "AuthUsersV1": (entities.AUTH_USER,),
    "UsersV1": (entities.USER_DELETE, entities.USER),
    "AssetsV1": (entities.ASSET_DELETE, entities.ASSET_V1),
    "AssetsV2": (entities.ASSET_DELETE, entities.ASSET_V2),
    "AssetExifsV1": (entities.ASSET_EXIF,),
    "AlbumsV1": (entities.ALBUM_DELETE, entities.ALBUM_V1),
    "AlbumsV2": (entities.ALBUM_DELETE, entities.ALBUM_V2),
    "AlbumToAssetsV1": (entities.ALBUM_TO_ASSET_DELETE, entities.ALBUM_TO_ASSET),
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
    checkpoints: dict[str, ChangeKey] = field(default_factory=dict)
    visible_before: int = 0  # transactions of this database below it have all ended: their rows can be streamed
    own_xid: int | None = None


def checkpoints_of(*, session) -> list[SessionSyncCheckpoint]:
    return list(SessionSyncCheckpoint.objects.filter(session=session).order_by("type"))


def needs_reset(*, session) -> bool:
    """The last complete sync is older than the deletes the audit tables still hold: the phone must start over."""
    complete = SessionSyncCheckpoint.objects.filter(session=session, type="SyncCompleteV1").first()
    return complete is not None and complete.updated_at < timezone.now() - AUDIT_RETENTION


def stream_scope(*, session, types: Iterable[str], tag: str) -> StreamScope:
    checkpoints: dict[str, ChangeKey] = {}
    for checkpoint in checkpoints_of(session=session):
        ack: Ack = parse_ack(checkpoint.ack, tag=tag)
        checkpoints[ack.type] = ack.key
    visible_before, own_xid = _window_bound()
    return StreamScope(session.user_id, tag, frozenset(types), checkpoints, visible_before, own_xid)


# On SQLite every committed row can be streamed: its writers commit one at a time, in key order
# (sync/migrations/_sqlite_change_keys.py).
_SQLITE_BOUND = 2**62


def _window_bound() -> tuple[int, int | None]:
    """The oldest transaction of this database still running (or, with none, the next transaction id), and the
    caller's own transaction. Transactions of other databases of the cluster cannot write our tables: they do not
    hold the stream back. The snapshot is taken before the running transactions are listed, so a transaction that
    began in between has an id at or past the snapshot's xmax, beyond the bound anyway."""
    if connection.vendor == "sqlite":
        return _SQLITE_BOUND, None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_snapshot()::text, pg_current_xact_id_if_assigned()::text::bigint")
        snapshot, own_xid = cursor.fetchone()
        cursor.execute(
            "SELECT lock.transactionid::text::bigint FROM pg_locks lock "
            "JOIN pg_stat_activity activity ON activity.pid = lock.pid "
            "WHERE lock.locktype = 'transactionid' AND activity.datname = current_database()"
        )
        running_here = {row[0] for row in cursor.fetchall()}  # 32-bit transaction ids
    _, xmax, in_progress = snapshot.split(":")
    ours = [int(xid) for xid in in_progress.split(",") if xid and int(xid) % 2**32 in running_here]
    return min(ours, default=int(xmax)), own_xid


def _line(entity_type: str, data: dict, ack: str) -> str:
    return json.dumps({"type": entity_type, "data": data, "ack": ack}, separators=(",", ":")) + "\n"


class UtcTimestampText(Loader):
    """PostgreSQL's text of a UTC timestamptz (`2020-01-01 10:00:00.5+00`, the connection's zone is UTC) turned
    straight into the stream's ISO text (`2020-01-01T10:00:00.5Z`): parsing a datetime only to print it again was a
    third of the stream's time."""

    def load(self, data: Buffer) -> str:
        text = bytes(data).decode()
        if not text.endswith("+00"):  # Django opens every connection in UTC
            raise ValueError(f"a timestamp not in UTC in the sync stream: {text}")
        return text[:10] + "T" + text[11:-3] + "Z"


def _rows(sql: str, params: dict) -> Iterator[tuple]:
    """The rows of a server-side cursor, a fetch at a time: memory stays flat whatever the library's size. In a
    transaction, so that the cursor is not one WITH HOLD (which PostgreSQL would materialise whole first); read-only,
    it takes no transaction id and holds no other stream back. Closing the generator (a client that went away) closes
    the cursor and ends the transaction."""
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.cursor.adapters.register_loader("timestamptz", UtcTimestampText)
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(ROWS_PER_FETCH):
            yield from rows


def _entity_lines(scope: StreamScope, entity: Entity) -> Iterator[str]:
    after = scope.checkpoints.get(entity.type, START)
    params = {
        "user_id": _USER_ID_FIELD.get_db_prep_value(scope.user_id, connection), "visible_before": scope.visible_before, "own_xid": scope.own_xid,
        "after_xid": after.xid, "after_seq": after.seq,
    }  # fmt: skip
    for xid, seq, *values in _rows(entity.sql, params):
        yield _line(entity.type, entity.data(tuple(values)), ack_text(entity.type, ChangeKey(xid, seq), scope.tag))


def _entities(scope: StreamScope) -> Iterator[Entity]:
    for request_type in REQUEST_TYPES:
        if request_type in scope.types:
            yield from STREAMS.get(request_type, ())
        if request_type == "AlbumUsersV1" and request_type in scope.types and "AlbumsV2" in scope.types:
            yield entities.ALBUM_OWNER


def stream_lines(scope: StreamScope) -> Iterator[str]:
    """Every change after the session's checkpoints, then SyncCompleteV1, in chunks of lines."""
    chunk: list[str] = []
    for entity in _entities(scope):
        for line in _entity_lines(scope, entity):
            chunk.append(line)
            if len(chunk) >= LINES_PER_CHUNK:
                yield "".join(chunk)
                chunk = []
    chunk.append(_line("SyncCompleteV1", {}, ack_text("SyncCompleteV1", ChangeKey(scope.visible_before, 0), scope.tag)))
    yield "".join(chunk)


def reset_lines() -> Iterator[str]:
    yield _line("SyncResetV1", {}, reset_ack())
