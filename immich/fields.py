"""The two date formats of Immich's responses, as output fields. Clients parse them strictly: immich-go accepts
asset dates only as `2021-06-15T10:30:00.000Z` (a JavaScript Date's JSON) and EXIF dates only with a `+00:00`
offset, so both always carry three fraction digits and a UTC marker, whatever the stored microseconds. Both are
made in Python (`immich_date`, `exif_date`) or, for lists read as rows, by the database (`ImmichDateText`,
`ExifDateText`)."""

from __future__ import annotations

from datetime import datetime, timezone

from django.db.models import CharField, Func
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


def _utc_milliseconds(value: datetime) -> str:
    """`2021-06-15T10:30:00.000+00:00` (a value without a zone is taken as UTC)."""
    moment = value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return moment.isoformat(timespec="milliseconds")


def immich_date(value: datetime | None) -> str | None:
    """`2021-06-15T10:30:00.000Z`."""
    return _utc_milliseconds(value)[:-6] + "Z" if value else None


def exif_date(value: datetime | None) -> str | None:
    """`2021-06-15T10:30:00.000+00:00`."""
    return _utc_milliseconds(value) if value else None


@extend_schema_field(OpenApiTypes.DATETIME)
class ImmichDateTimeField(serializers.Field):
    """A date of an Immich response (assets, timeline): UTC with milliseconds and `Z`."""

    def to_representation(self, value):
        return immich_date(value)


@extend_schema_field(OpenApiTypes.DATETIME)
class ExifDateTimeField(serializers.Field):
    """An EXIF date (`dateTimeOriginal`, `modifyDate`): UTC with milliseconds and `+00:00`."""

    def to_representation(self, value):
        return exif_date(value)


def date_text_sql(sql: str, suffix: str = "Z") -> str:
    """PostgreSQL's text of the timestamptz `sql` as `immich_date` writes it (`exif_date` with the suffix "+00:00"):
    the UTC timestamp cut to milliseconds (as `isoformat` truncates) and 100 µs added, so that its text always has a
    fraction of four digits or more (`2021-06-15 10:30:00.0001`), of which the first 23 characters are the instant to
    the millisecond; ISO's T in place of the space. Padding the text when it had no fraction (its length, `rpad` and
    `overlay` over the text written twice) took twice the CPU time, and a page of a thousand bodies writes 7,000
    dates."""
    return (
        f"replace(left((date_trunc('milliseconds', ({sql}) AT TIME ZONE 'UTC') + interval '100 microseconds')::text, "
        f"23), ' ', 'T') || '{suffix}'"
    )


class _DateText(Func):
    """A date column rendered by the database as the text `immich_date` or `exif_date` makes of it (null stays
    null): a list of a thousand assets reads several thousand dates, and having psycopg parse each (Django's
    timestamptz loader is pure Python) and Python format it again was a large part of such an answer's CPU time.
    PostgreSQL's text is cut to milliseconds as `isoformat` does (`date_text_sql`); SQLite holds Django's
    `YYYY-MM-DD HH:MM:SS[.f]` text in UTC, cut to the same form."""

    output_field = CharField()
    suffix = ""

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return date_text_sql(sql, self.suffix), params

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        text = f"(replace(substr({sql}, 1, 19), ' ', 'T') || '.' || substr({sql} || '.000', 21, 3) || '{self.suffix}')"
        return text, (*params, *params)


class ImmichDateText(_DateText):
    suffix = "Z"


class ExifDateText(_DateText):
    suffix = "+00:00"
