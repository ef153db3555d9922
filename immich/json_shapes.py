"""How a row becomes a JSON object of Immich's (the sync stream's `data`: SyncAssetV2, SyncAssetExifV1, ... of the 3.1
SDK; the asset bodies of a metadata search page): a shape lists the object's keys in order, each with how the next
column turns into its value, or a constant. Both renderers come from the one shape: PostgreSQL's writes the JSON in
SQL (the stream's whole lines, a search page's items: Python then only passes the text on), Python's serves SQLite
and the live events. tests/sync/test_sync_rendering.py and tests/assets/test_row_bodies.py hold them to the same
values."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any


def duration_text(milliseconds: int | None) -> str:
    """AssetV1's duration, as Immich 2.x answered it: "H:MM:SS.ffffff" ("0:00:00.00000" for stills)."""
    if not milliseconds:
        return "0:00:00.00000"
    seconds, millis = divmod(int(milliseconds), 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}.{millis * 1000:06d}"


def iso_text(value: datetime | None) -> str | None:
    """A UTC instant as PostgreSQL writes it, in ISO form: `2020-01-01T10:00:00Z`, `2020-01-01T10:00:00.5Z` (the
    fraction without its trailing zeros). SQLite's raw rows give naive datetimes, stored in UTC."""
    if value is None:
        return None
    text = (
        value.astimezone(UTC).isoformat(timespec="microseconds")
        if value.tzinfo
        else value.isoformat("T", "microseconds")
    )
    whole, fraction = text[:19], text[20:26].rstrip("0")
    return f"{whole}.{fraction}Z" if fraction else f"{whole}Z"


def id_text(value) -> str | None:
    """PostgreSQL gives UUIDs; SQLite stores them as 32 hex digits."""
    if value is None:
        return None
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))


class Kind(Enum):
    """What a column holds, and so how each renderer writes it."""

    VALUE = "value"  # a text, number or boolean, as is
    ID = "id"  # a uuid: its text
    INSTANT = "instant"  # a timestamptz: iso_text
    DAY = "day"  # a date: YYYY-MM-DD
    BASE64 = "base64"  # bytes
    DURATION_TEXT = "duration_text"  # milliseconds, as duration_text
    JSON = "json"  # the text of a JSON document, embedded
    ROUNDED = "rounded"  # a float, to the nearest integer (ties to even, as Python's round and PostgreSQL's rint)


def _python(kind: Kind, value: Any) -> Any:
    if value is None:
        return duration_text(None) if kind is Kind.DURATION_TEXT else None
    match kind:
        case Kind.ID:
            return id_text(value)
        case Kind.INSTANT:
            return iso_text(value)
        case Kind.DAY:
            return value.isoformat() if isinstance(value, date) else value
        case Kind.BASE64:
            return base64.b64encode(bytes(value)).decode()
        case Kind.DURATION_TEXT:
            return duration_text(value)
        case Kind.JSON:
            return json.loads(value)
        case Kind.ROUNDED:
            return round(value)
    return value


def _sql(kind: Kind, column: str) -> str:
    """The PostgreSQL expression whose to_json is `_python`'s value (a NULL column stays NULL, JSON's null)."""
    match kind:
        case Kind.INSTANT:  # `2020-01-01 10:00:00.5` whatever the session's zone, then ISO's T and Z
            return f"overlay(({column} AT TIME ZONE 'UTC')::text placing 'T' from 11 for 1) || 'Z'"
        case Kind.BASE64:  # encode() breaks lines every 76 characters
            return f"replace(encode({column}, 'base64'), chr(10), '')"
        case Kind.DURATION_TEXT:
            return (
                f"CASE WHEN coalesce({column}, 0) = 0 THEN '0:00:00.00000' ELSE ({column} / 3600000)::text || ':' || "
                f"lpad(mod({column} / 60000, 60)::text, 2, '0') || ':' || lpad(mod({column} / 1000, 60)::text, 2, '0') "
                f"|| '.' || lpad((mod({column}, 1000) * 1000)::text, 6, '0') END"
            )
        case Kind.JSON:
            return f"CAST({column} AS json)"
        case Kind.ROUNDED:
            return f"CAST(round({column}) AS bigint)"
    return column  # to_json writes uuids and dates as Immich does


_NO_CONSTANT = object()


@dataclass(frozen=True)
class Field:
    key: str
    kind: Kind = Kind.VALUE
    constant: Any = _NO_CONSTANT  # a value no column gives

    @property
    def reads_a_column(self) -> bool:
        return self.constant is _NO_CONSTANT


def constant(key: str, value: Any) -> Field:
    return Field(key, constant=value)


@dataclass(frozen=True)
class Shape:
    fields: tuple[Field, ...]

    def __add__(self, other: Shape) -> Shape:
        return Shape(self.fields + other.fields)

    def data(self, values: tuple) -> dict:
        """Python's renderer: the object of one row's values (the columns after the change key)."""
        columns = iter(values)
        return {
            field.key: _python(field.kind, next(columns)) if field.reads_a_column else field.constant
            for field in self.fields
        }

    def line_sql(self, sql: str) -> str:
        """PostgreSQL's renderer: `sql` (selecting sync_xid, sync_seq, then the shape's columns, in change-key order)
        made to select each row's whole line, `{"type":..,"data":..,"ack":..}` and its newline. The parameters
        `line_start` (up to `"data":`), `ack_start` (from `,"ack":"` to the change key) and `ack_end` (after it) say
        the type and how its ack reads."""
        names = [f"c{index}" for index in range(sum(field.reads_a_column for field in self.fields))]
        return (
            "SELECT %(line_start)s || row_to_json(d)::text || %(ack_start)s || x.sync_xid || '.' || x.sync_seq "
            f"|| %(ack_end)s FROM ({sql}) AS x(sync_xid, sync_seq, {', '.join(names)}) "
            f"CROSS JOIN LATERAL (SELECT {self._values_sql([f'x.{name}' for name in names])}) AS d "
            "ORDER BY x.sync_xid, x.sync_seq"
        )

    def object_sql(self, columns: list[str]) -> str:
        """PostgreSQL's renderer, as a json expression: the object of `columns` (SQL expressions, one per field that
        reads a column, in order)."""
        return f"(SELECT row_to_json(d) FROM (SELECT {self._values_sql(columns)}) AS d)"

    def _values_sql(self, columns: list[str]) -> str:
        """Each key's value, named by the key (row_to_json's keys, in order)."""
        values: list[str] = []
        column = iter(columns)
        for field in self.fields:
            if field.reads_a_column:
                values.append(f'{_sql(field.kind, next(column))} AS "{field.key}"')
            else:
                values.append(f"CAST('{json.dumps(field.constant)}' AS json) AS \"{field.key}\"")
        return ", ".join(values)


def shape(*fields: Field | str) -> Shape:
    """A key alone is a plain value."""
    return Shape(tuple(Field(field) if isinstance(field, str) else field for field in fields))
