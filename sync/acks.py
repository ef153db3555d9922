"""Acks, in Immich's format `<entity type>|<update id>[|<extra id>]`. Our update id is the change key of the line and
a tag of the session it was written for: `<xid>.<seq>.<session tag>`, so an ack from another session is refused
instead of silently moving this one's checkpoint. A backfill's ack names the partnership or album membership being
backfilled (its creation key) and, as the extra id, the change key of the last row sent (`<xid>.<seq>`) or
`complete`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from immich.errors import BadRequest
from sync.types import ENTITY_TYPES

RESET = "SyncResetV1"
_UPDATE_ID = re.compile(r"^(\d+)\.(\d+)\.([0-9a-f]{8})$")
_EXTRA_ID = re.compile(r"^(\d+)\.(\d+)$")
_COMPLETE = "complete"


@dataclass(frozen=True, order=True)
class ChangeKey:
    xid: int
    seq: int


START = ChangeKey(0, 0)
COMPLETE = ChangeKey(2**63, 0)  # past every row: a backfill that sent everything


@dataclass(frozen=True)
class Ack:
    type: str
    key: ChangeKey
    raw: str
    extra: ChangeKey = START

    @property
    def position(self) -> tuple[ChangeKey, ChangeKey]:
        return self.key, self.extra


def session_tag(session) -> str:
    return session.id.hex[:8]


def ack_text(entity_type: str, key: ChangeKey, tag: str, extra: ChangeKey | None = None) -> str:
    text = f"{entity_type}|{key.xid}.{key.seq}.{tag}"
    if extra is None:
        return text
    return f"{text}|{_COMPLETE if extra == COMPLETE else f'{extra.xid}.{extra.seq}'}"


def row_ack_parts(entity_type: str, tag: str, parent: ChangeKey | None = None) -> tuple[str, str]:
    """What an ack of a row reads before and after the row's change key `<xid>.<seq>`: the update id of the row, or
    for a backfill (`parent`: the creation key of what is backfilled) the extra id."""
    if parent is None:
        return f"{entity_type}|", f".{tag}"
    return f"{ack_text(entity_type, parent, tag)}|", ""


def reset_ack() -> str:
    return f"{RESET}|reset"


def _extra(raw: str, extra: str | None) -> ChangeKey:
    if extra is None:
        return START
    if extra == _COMPLETE:
        return COMPLETE
    match = _EXTRA_ID.match(extra)
    if match is None:
        raise BadRequest(f"Invalid ack: {raw}")
    return ChangeKey(int(match.group(1)), int(match.group(2)))


def parse_ack(raw: str, *, tag: str) -> Ack:
    """The ack, checked: a known entity type, a well-formed update id, written for this session."""
    entity_type, _, rest = raw.partition("|")
    if entity_type not in ENTITY_TYPES:
        raise BadRequest(f"Invalid ack type: {entity_type}")
    if entity_type == RESET:
        return Ack(RESET, START, raw)
    update_id, _, extra = rest.partition("|")
    match = _UPDATE_ID.match(update_id)
    if match is None:
        raise BadRequest(f"Invalid ack: {raw}")
    if match.group(3) != tag:
        raise BadRequest(f"Ack was not issued to this session: {raw}")
    key = ChangeKey(int(match.group(1)), int(match.group(2)))
    return Ack(entity_type, key, raw, _extra(raw, extra or None))
