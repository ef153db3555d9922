"""Acks, in Immich's format `<entity type>|<update id>[|<extra id>]`. Our update id is the change key of the line and
a tag of the session it was written for: `<xid>.<seq>.<session tag>`, so an ack from another session is refused
instead of silently moving this one's checkpoint."""

from __future__ import annotations

import re
from dataclasses import dataclass

from immich.errors import BadRequest
from sync.types import ENTITY_TYPES

RESET = "SyncResetV1"
_UPDATE_ID = re.compile(r"^(\d+)\.(\d+)\.([0-9a-f]{8})$")


@dataclass(frozen=True, order=True)
class ChangeKey:
    xid: int
    seq: int


START = ChangeKey(0, 0)


@dataclass(frozen=True)
class Ack:
    type: str
    key: ChangeKey
    raw: str


def session_tag(session) -> str:
    return session.id.hex[:8]


def ack_text(entity_type: str, key: ChangeKey, tag: str) -> str:
    return f"{entity_type}|{key.xid}.{key.seq}.{tag}"


def reset_ack() -> str:
    return f"{RESET}|reset"


def parse_ack(raw: str, *, tag: str) -> Ack:
    """The ack, checked: a known entity type, a well-formed update id, written for this session."""
    entity_type, _, rest = raw.partition("|")
    if entity_type not in ENTITY_TYPES:
        raise BadRequest(f"Invalid ack type: {entity_type}")
    if entity_type == RESET:
        return Ack(RESET, START, raw)
    match = _UPDATE_ID.match(rest.split("|", 1)[0])
    if match is None:
        raise BadRequest(f"Invalid ack: {raw}")
    if match.group(3) != tag:
        raise BadRequest(f"Ack was not issued to this session: {raw}")
    return Ack(entity_type, ChangeKey(int(match.group(1)), int(match.group(2))), raw)
