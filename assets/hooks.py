"""What the apps above assets add to assets' own work, registered in their AppConfig.ready: assets import none of
them (people, libraries, albums...), they call what was registered here.

- metadata readers run in the metadata step, inside its transaction, on the local copy of the original it read
  (people: the face regions); each returns its warnings, recorded with the step's;
- keyword hooks hear the keywords the metadata step read from a file, inside its transaction (tags: they become
  tags);
- the people of an asset fill `people` and `unassignedFaces` of an asset response that asks for them;
- location hooks hear, inside the transaction, that assets' coordinates may have changed: read from the file by the
  metadata step, or set by their owner (search: their city, state and country, by reverse geocoding);
- duplicate-group hooks hear that an owner took assets out of their duplicate groups (`duplicateId: null` in a
  bulk update; duplicates: the groups);
- merge hooks give the asset kept when a duplicate group is resolved what the group's other assets had (albums: their
  albums; tags: their tags);
- offline hooks hear, inside the transaction, that an asset was taken offline because its original leads out of its
  folders (libraries: the reason on the library file);
- ready hooks hear that a new asset's thumbnails exist, which is when its owner's apps are told of it (sync: the
  AssetUploadReadyV2 live event, in the sync stream's shapes)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class MetadataRead:
    """What the metadata step read of one asset: the local copy of its original, its sidecar, its EXIF orientation
    (1-8, None: none) and its displayed (oriented) size."""

    asset_id: Any
    asset_type: str
    original: Path
    sidecar: Path | None
    orientation: int | None
    width: int
    height: int


MetadataReader = Callable[[MetadataRead], list[str]]
AssetPeople = Callable[[Any], dict[str, list[Any]]]  # asset -> {"people": [...], "unassignedFaces": [...]}
OfflineHook = Callable[[Any], None]  # asset id
KeywordsHook = Callable[[Any, tuple[str, ...]], None]  # asset, keywords as "/"-separated paths
LocationHook = Callable[[list[Any]], object]  # asset ids
ReadyHook = Callable[[Any], None]  # asset
UngroupHook = Callable[[Any, list[Any]], None]  # owner, asset ids

_metadata_readers: list[MetadataReader] = []
_asset_people: list[AssetPeople] = []
_offline_hooks: list[OfflineHook] = []
_keyword_hooks: list[KeywordsHook] = []
_location_hooks: list[LocationHook] = []
_ready_hooks: list[ReadyHook] = []
_ungroup_hooks: list[UngroupHook] = []


def register_metadata_reader(reader: MetadataReader) -> None:
    _metadata_readers.append(reader)


def metadata_read(read: MetadataRead) -> list[str]:
    """Every registered reader over `read`; their warnings, in order."""
    return [warning for reader in _metadata_readers for warning in reader(read)]


def register_asset_people(provider: AssetPeople) -> None:
    _asset_people[:] = [provider]


def asset_people(asset: Any) -> dict[str, list[Any]]:
    """`people` and `unassignedFaces` of an asset response: the registered provider's, else none."""
    if not _asset_people:
        return {"people": [], "unassignedFaces": []}
    return _asset_people[0](asset)


def register_offline_hook(hook: OfflineHook) -> None:
    _offline_hooks.append(hook)


def asset_taken_offline(asset_id: Any) -> None:
    for hook in _offline_hooks:
        hook(asset_id)


def register_keywords_hook(hook: KeywordsHook) -> None:
    _keyword_hooks.append(hook)


def keywords_read(asset: Any, keywords: tuple[str, ...]) -> None:
    """Tells the keyword hooks, when the file has keywords."""
    if keywords:
        for hook in _keyword_hooks:
            hook(asset, keywords)


def register_location_hook(hook: LocationHook) -> None:
    _location_hooks.append(hook)


def locations_changed(asset_ids: list[Any]) -> None:
    """Tells the location hooks that these assets' coordinates were (re)written, once they are in the database."""
    if asset_ids:
        for hook in _location_hooks:
            hook(asset_ids)


def register_ready_hook(hook: ReadyHook) -> None:
    _ready_hooks.append(hook)


def asset_ready(asset: Any) -> None:
    for hook in _ready_hooks:
        hook(asset)


# What an app adds to the assets a viewer is shown (nsfw: flagged assets a user hides, flagged images a user sees
# blurred, the verdict in asset responses), registered in its AppConfig.ready.
ShownFilter = Callable[[Any], Any]  # viewer (a user) -> an expression an asset must match to be shown, or None
VeiledCheck = Callable[[Any, Any], bool]  # viewer, asset -> whether its thumbnails are served veiled (blurred)
AssetFields = Callable[[Any], dict[str, Any]]  # asset -> extra fields of its response

_shown_filters: list[ShownFilter] = []
_veiled_checks: list[VeiledCheck] = []
_asset_fields: list[AssetFields] = []


def register_shown_filter(shown: ShownFilter) -> None:
    _shown_filters.append(shown)


def shown_filters(viewer: Any) -> list[Any]:
    """The conditions the assets shown to `viewer` must meet (the registered filters', where they apply)."""
    return [condition for shown in _shown_filters if (condition := shown(viewer)) is not None]


def register_veiled_check(check: VeiledCheck) -> None:
    _veiled_checks.append(check)


def is_veiled(viewer: Any, asset: Any) -> bool:
    return any(check(viewer, asset) for check in _veiled_checks)


def register_asset_fields(provider: AssetFields) -> None:
    _asset_fields.append(provider)


def asset_fields(asset: Any) -> dict[str, Any]:
    """The fields the apps add to an asset's response (Immich's clients ignore fields they do not know)."""
    fields: dict[str, Any] = {}
    for provider in _asset_fields:
        fields.update(provider(asset))
    return fields


# The same fields for the answers built from rows (assets.rows): the columns an app reads through the asset's
# relations, and what makes, once per answer (settings are read once, not per asset), a row's fields from them; and
# for the answers PostgreSQL writes as JSON (assets.row_json), the same fields as expressions over an asset, by key.
RowFields = Callable[[dict[str, Any]], dict[str, Any]]  # row -> extra fields of its response
RowExpressions = Callable[[], dict[str, Any]]  # for one answer: key -> a query expression over the asset


@dataclass(frozen=True)
class _RowFields:
    columns: tuple[str, ...]
    fields_for_answer: Callable[[], RowFields]
    expressions_for_answer: RowExpressions


_asset_row_fields: list[_RowFields] = []


def register_asset_row_fields(
    columns: tuple[str, ...], fields_for_answer: Callable[[], RowFields], expressions_for_answer: RowExpressions
) -> None:
    _asset_row_fields.append(_RowFields(columns, fields_for_answer, expressions_for_answer))


def asset_row_columns() -> tuple[str, ...]:
    return tuple(column for fields in _asset_row_fields for column in fields.columns)


def asset_row_fields() -> list[RowFields]:
    """For one answer: what makes each row's extra fields, one function per app."""
    return [fields.fields_for_answer() for fields in _asset_row_fields]


def asset_row_expressions() -> dict[str, Any]:
    """For one answer: the extra fields' expressions, in the order the row bodies add them."""
    return {
        key: expression for fields in _asset_row_fields for key, expression in fields.expressions_for_answer().items()
    }


def register_ungroup_hook(hook: UngroupHook) -> None:
    _ungroup_hooks.append(hook)


def duplicates_ungroup(owner: Any, asset_ids: list[Any]) -> None:
    """The owner's assets leave their duplicate groups (nothing happens without the duplicates app)."""
    for hook in _ungroup_hooks:
        hook(owner, asset_ids)


MergeHook = Callable[[Any, Any, list[Any]], None]  # actor, the kept asset's id, the ids of its whole group
_merge_hooks: list[MergeHook] = []


def register_merge_hook(hook: MergeHook) -> None:
    _merge_hooks.append(hook)


def duplicates_merged(actor: Any, kept_id: Any, group_ids: list[Any]) -> None:
    """The kept asset of a resolved duplicate group receives what the apps keep of the others (inside the
    resolution's transaction; each hook checks what `actor` may do)."""
    for hook in _merge_hooks:
        hook(actor, kept_id, group_ids)
