"""A page of assets written as JSON by PostgreSQL: one statement reads the page's ids from the list's index, each
asset's row with its EXIF, tags and stack, and returns each body's JSON text, in the page's order, which the answer
joins into one array and passes on without decoding it (a thousand bodies built in Python, their thousand ids quoted
into an `IN` list twice for the rows and the tags, were most of a metadata search page's CPU time). The bodies come as
rows, not as one `json_agg`: the aggregate's 1.3 MB text, grown by doubling in fresh memory, then copied to be sent,
cost PostgreSQL a third more CPU than the bodies alone (page faults and copies).

The bodies are exactly those of assets.row_bodies (SQLite's way) and AssetResponseDto, keys in the same order, which
tests/assets/test_row_bodies.py holds equal: a body is a shape (immich.json_shapes) whose columns are expressions
over the asset (compiled by Django, joins and all), rendered in SQL."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    UUIDField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, NullIf

from assets import media_types
from assets.hooks import asset_row_expressions
from assets.models import Asset, AssetType, Visibility
from assets.rows import ASSET_DATES, EXIF_DATES
from immich.fields import date_text_sql
from immich.json_shapes import Field, Kind, Shape, constant, shape

ID, BASE64 = Kind.ID, Kind.BASE64


class MimeTypeOf(Func):
    """`media_types.mime_type_for` of a file name column, in PostgreSQL: the extension (after the last dot of the
    last path part, neither its first nor its last character), lower-cased, looked up among the known ones (a
    regular expression took three times as long)."""

    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra):
        name, params = compiler.compile(self.source_expressions[0])
        known = json.dumps({extension[1:]: mime for extension, mime in media_types.known_mime_types().items()})
        extension = (
            "CASE WHEN length({0}) > length({1}) + 1 AND {1} <> '' AND strpos({1}, '/') = 0 "
            "AND substr({0}, length({0}) - length({1}) - 1, 1) <> '/' THEN lower({1}) END"
        )
        uses = extension.count("{0}") + extension.count("{1}")  # the name's params, once for each time it is written
        extension = extension.format(name, f"split_part({name}, '.', -1)")
        unknown = media_types.UNKNOWN_MIME_TYPE
        return f"coalesce(CAST('{known}' AS jsonb) ->> {extension}, '{unknown}')", tuple(params) * uses


def _is(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def _of_videos(column: str) -> Case:
    return Case(When(type=AssetType.VIDEO, then=F(column)), default=Value(None))


_EXIF = (
    ("make", "make"), ("model", "model"), ("exifImageWidth", "exif_image_width"),
    ("exifImageHeight", "exif_image_height"), ("fileSizeInByte", "file_size_in_byte"), ("orientation", "orientation"),
    ("dateTimeOriginal", None), ("modifyDate", None), ("timeZone", "time_zone"), ("lensModel", "lens_model"),
    ("fNumber", "f_number"), ("focalLength", "focal_length"), ("iso", "iso"), ("exposureTime", "exposure_time"),
    ("latitude", "latitude"), ("longitude", "longitude"), ("city", "city"), ("state", "state"),
    ("country", "country"), ("description", "description"), ("projectionType", "projection_type"),
    ("rating", "rating"),
)  # fmt: skip
_STACK_COUNT = Subquery(
    Asset.objects.filter(stack_link__stack_id=OuterRef("stack_link__stack_id"))
    .values("stack_link__stack_id").annotate(count=Count("id")).values("count")
)  # fmt: skip
_TAG = shape(Field("id", ID), "name", "value", "createdAt", "updatedAt")
_COLOR, _PARENT = shape("color"), shape(Field("parentId", ID))


@dataclass
class _Body:
    """A body being declared: its shape's fields, the SQL of each column they read (over the rows' query, `r`), and
    the expressions that query selects (`r."c0"`, ...)."""

    fields: list[Field] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    expressions: dict[str, Any] = field(default_factory=dict)

    def column(self, expression: Any) -> str:
        alias = f"c{len(self.expressions)}"
        self.expressions[alias] = expression
        return f'r."{alias}"'

    def add(self, key: str | Field, expression: Any) -> None:
        self.fields.append(key if isinstance(key, Field) else Field(key))
        self.columns.append(self.column(expression))

    def add_sql(self, key: str, sql: str) -> None:
        """A value made in SQL (a nested object or list, already json)."""
        self.fields.append(Field(key))
        self.columns.append(sql)

    def add_constant(self, key: str, value: Any) -> None:
        self.fields.append(constant(key, value))

    def shape(self) -> Shape:
        return Shape(tuple(self.fields))


def _body(*, with_exif: bool, with_tags: bool, with_stack: bool) -> _Body:
    body = _Body()
    body.add(Field("id", ID), F("id"))
    body.add("deviceAssetId", Coalesce("device_asset_id", Value("")))
    body.add("deviceId", Coalesce("device_id", Value("")))
    body.add(Field("ownerId", ID), F("owner_id"))
    body.add(Field("libraryId", ID), F("library_id"))
    for key, column in (
        ("type", "type"),
        ("originalPath", "original_path"),
        ("originalFileName", "original_file_name"),
    ):
        body.add(key, F(column))
    body.add("originalMimeType", MimeTypeOf("original_file_name"))
    body.add(Field("thumbhash", BASE64), NullIf("thumbhash", Value(b"")))
    for key, date in ASSET_DATES.items():
        body.add(key, date)
    body.add("isFavorite", F("is_favorite"))
    body.add("isArchived", _is(Q(visibility=Visibility.ARCHIVE)))
    body.add("isTrashed", _is(Q(deleted_at__isnull=False)))
    body.add("isOffline", F("is_offline"))
    body.add("visibility", F("visibility"))
    body.add("duration", F("duration_ms"))
    if with_exif:
        exif_columns = [
            body.column(EXIF_DATES[key] if column is None else F(f"exif__{column}")) for key, column in _EXIF
        ]
        present = body.column(F("exif__asset_id"))
        exif_shape = shape(*(key for key, _ in _EXIF))
        body.add_sql(
            "exifInfo", f"CASE WHEN {present} IS NULL THEN NULL ELSE {exif_shape.object_sql(exif_columns)} END"
        )
    body.add(Field("livePhotoVideoId", ID), F("live_photo_video_id"))
    body.add_constant("people", [])
    body.add(Field("checksum", BASE64), NullIf("checksum", Value(b"")))
    if with_stack:
        stack = [body.column(F("stack_link__stack_id")), body.column(F("stack_link__stack__primary_asset_id"))]
        stack.append(body.column(_STACK_COUNT))
        stack_shape = shape(Field("id", ID), Field("primaryAssetId", ID), "assetCount")
        body.add_sql("stack", f"CASE WHEN {stack[0]} IS NULL THEN NULL ELSE {stack_shape.object_sql(stack)} END")
    else:
        body.add_constant("stack", None)
    body.add(Field("duplicateId", ID), F("duplicate_link__duplicate_id"))
    body.add("hasMetadata", _is(Q(exif__exif_image_width__isnull=False)))
    body.add("width", F("width"))
    body.add("height", F("height"))
    body.add_constant("isEdited", False)
    body.add("transcodeDecision", _of_videos("video__decision"))
    body.add("transcodeReason", _of_videos("video__reason"))
    for key, expression in asset_row_expressions().items():
        body.add(key, expression)
    if with_tags:
        body.add_sql("tags", "coalesce(g.tags, '[]')")  # the page's tags, grouped by asset (_page_tags_sql)
    return body


def _page_tags_sql() -> str:
    """The tags of the page's assets (`page`), each asset's (`asset_id`) as a JSON list (`tags`), by value as Python
    compares strings (code points: UTF-8's bytes, "C"); `color` and `parentId` only when set, as TagResponseDto.
    Grouped in one join: a subquery per asset took half the statement's time. The links are found by the page's ids
    as an array (the asset_id index), not joined to the page: the planner then hashed all the library's links (10,000
    in the bench: half the tags' time, and growing with the library)."""
    links, tags = Asset.tags.through._meta.db_table, Asset.tags.field.model._meta.db_table
    columns = ["t.id", "regexp_replace(t.value, '^.*/', '')", "t.value", date_text_sql("t.created_at"),
               date_text_sql("t.updated_at")]  # fmt: skip
    has_color, has_parent = "coalesce(t.color, '') <> ''", "t.parent_id IS NOT NULL"
    variants = (
        (f"{has_color} AND {has_parent}", (_TAG + _COLOR + _PARENT).object_sql([*columns, "t.color", "t.parent_id"])),
        (has_color, (_TAG + _COLOR).object_sql([*columns, "t.color"])),
        (has_parent, (_TAG + _PARENT).object_sql([*columns, "t.parent_id"])),
    )
    tag = (
        "CASE "
        + " ".join(f"WHEN {when} THEN {sql}" for when, sql in variants)
        + f" ELSE {_TAG.object_sql(columns)} END"
    )
    return (
        f'SELECT link.asset_id, json_agg({tag} ORDER BY t.value COLLATE "C") AS tags FROM {links} link '
        f"JOIN {tags} t ON t.id = link.tag_id WHERE link.asset_id = ANY(ARRAY(SELECT id FROM page)) "
        "GROUP BY link.asset_id"
    )


@dataclass(frozen=True)
class JsonPage:
    """A page of bodies: their JSON array's text, how many, and whether a next page has any."""

    items: str
    count: int
    has_next: bool


def page_json(
    ordered: QuerySet[Asset], *, start: int, size: int, with_exif: bool, with_tags: bool, with_stack: bool
) -> JsonPage:
    """The page of `ordered` (filtered and ordered by the caller: by a date, then id, either way) from `start`, up
    to `size` bodies, in one statement. The page's ids come first, from the index alone (joined before the OFFSET,
    PostgreSQL would join every skipped row too); then each row is read by its id (a lateral join: primary-key
    lookups, where an `IN (subquery)` had the planner hash the ids against all the assets)."""
    order = ordered.query.order_by
    direction = "DESC" if order[0].startswith("-") else "ASC"
    try:
        ids = ordered.values_list("id", order[0].lstrip("-"))[start : start + size + 1]
        ids_sql, ids_params = ids.query.sql_with_params()
    except EmptyResultSet:  # a filter that matches nothing (`.none()`, an empty IN): no statement to run
        return JsonPage(items="[]", count=0, has_next=False)
    body = _body(with_exif=with_exif, with_tags=with_tags, with_stack=with_stack)
    rows = Asset.objects.filter(pk=RawSQL("p.id", (), output_field=UUIDField()))
    rows_sql, rows_params = rows.annotate(**body.expressions).values(*body.expressions).query.sql_with_params()
    in_order = f"p.taken {direction}, p.id {direction}"
    tags, tags_join = (
        (f", page_tags AS ({_page_tags_sql()})", " LEFT JOIN page_tags g ON g.asset_id = p.id")
        if with_tags
        else ("", "")
    )
    sql = (
        f"WITH page (id, taken) AS MATERIALIZED ({ids_sql}){tags} SELECT (SELECT count(*) FROM page), "
        f"CAST({body.shape().object_sql(body.columns)} AS text) "
        f"FROM (SELECT * FROM page p ORDER BY {in_order} LIMIT %s) p CROSS JOIN LATERAL ({rows_sql}) r{tags_join} "
        f"ORDER BY {in_order}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*ids_params, size, *rows_params))
        rows = cursor.fetchall()
    found = rows[0][0] if rows else 0  # no row: the page starts past the list's end
    items = "[" + ",".join(text for _, text in rows) + "]"
    return JsonPage(items=items, count=min(found, size), has_next=found > size)
