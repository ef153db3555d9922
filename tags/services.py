"""Writes on tags. A tag, and the assets it is put on, are always its owner's."""

from __future__ import annotations

import re
import uuid

from django.db import IntegrityError, transaction

from accounts.models import User
from assets.models import Asset, AssetStatus
from assets.responses import bulk_add_results, bulk_remove_results
from immich.errors import BadRequest
from tags.models import SEPARATOR, Tag, TagAsset

MAX_NAME = 255  # one part of a path
COLOR = re.compile(r"^#?([0-9a-f]{3}|[0-9a-f]{4}|[0-9a-f]{6}|[0-9a-f]{8})$", re.IGNORECASE)


def tag_parts(value: str) -> list[str]:
    """The parts of a path "a/b/c"; an empty part ("a//b", "/a", "a/") or an over-long one is refused."""
    parts = value.split(SEPARATOR)
    if any(not part.strip() for part in parts):
        raise BadRequest(f"Invalid tag value {value!r}: a part of the path is empty")
    if any(len(part) > MAX_NAME for part in parts):
        raise BadRequest(f"Invalid tag value: a part of the path is longer than {MAX_NAME} characters")
    return parts


def tag_color(color: str | None) -> str | None:
    if color is None or color == "":
        return None
    if not COLOR.match(color):
        raise BadRequest("color must be a hexadecimal color")
    return color if color.startswith("#") else f"#{color}"


def tag_create(*, owner: User, name: str, parent_id: uuid.UUID | None = None, color: str | None = None) -> Tag:
    parent = None
    if parent_id is not None:
        parent = Tag.objects.filter(owner=owner, pk=parent_id).first()
        if parent is None:
            raise BadRequest("Tag not found")
    if SEPARATOR in name:
        raise BadRequest("A tag name cannot contain '/': create the path with PUT /api/tags")
    tag_parts(name)
    value = f"{parent.value}{SEPARATOR}{name}" if parent else name
    try:
        with transaction.atomic():
            return Tag.objects.create(owner=owner, value=value, parent=parent, color=tag_color(color))
    except IntegrityError:
        raise BadRequest("A tag with that name already exists") from None


def tags_upsert(*, owner: User, values: list[str]) -> list[Tag]:
    """The tags with these paths, each created with its missing parents; one per distinct value, in order."""
    paths = [tag_parts(value) for value in dict.fromkeys(values)]
    wanted = {SEPARATOR.join(parts[: depth + 1]) for parts in paths for depth in range(len(parts))}
    with transaction.atomic():
        existing = {tag.value: tag for tag in Tag.objects.filter(owner=owner, value__in=wanted)}
        missing = wanted - existing.keys()
        # One INSERT per depth, parents first (a tag needs its parent's id); a tag another request made meanwhile is
        # left as it is (ON CONFLICT DO NOTHING) and read back with the others.
        for depth in sorted({value.count(SEPARATOR) for value in missing}):
            level = [value for value in missing if value.count(SEPARATOR) == depth]
            Tag.objects.bulk_create(
                [Tag(owner=owner, value=value, parent=existing.get(value.rpartition(SEPARATOR)[0])) for value in level],
                ignore_conflicts=True,
            )
            existing |= {tag.value: tag for tag in Tag.objects.filter(owner=owner, value__in=level)}
    return [existing[SEPARATOR.join(parts)] for parts in paths]


def tag_update(*, tag: Tag, color: str | None) -> Tag:
    tag.color = tag_color(color)
    tag.save(update_fields=["color", "updated_at"])
    return tag


def tag_delete(*, tag: Tag) -> None:
    tag.delete()  # its children go with it


def _owned_asset_ids(owner: User, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    return set(
        Asset.objects.filter(owner=owner, pk__in=ids).exclude(status=AssetStatus.DELETED).values_list("id", flat=True)
    )


def tag_add_assets(*, owner: User, tag: Tag, ids: list[uuid.UUID]) -> list[dict]:
    """Each id's outcome, as Immich reports them: duplicate, no_permission (not the owner's, or unknown)."""
    owned = _owned_asset_ids(owner, ids)
    present = set(TagAsset.objects.filter(tag=tag, asset_id__in=ids).values_list("asset_id", flat=True))
    results, new_ids = bulk_add_results(ids, present=present, allowed=owned)
    new = [TagAsset(tag=tag, asset_id=asset_id) for asset_id in new_ids]
    TagAsset.objects.bulk_create(new, ignore_conflicts=True)
    return results


def tag_remove_assets(*, tag: Tag, ids: list[uuid.UUID]) -> list[dict]:
    present = set(TagAsset.objects.filter(tag=tag, asset_id__in=ids).values_list("asset_id", flat=True))
    TagAsset.objects.filter(tag=tag, asset_id__in=present).delete()
    return bulk_remove_results(ids, present=present)


def tags_bulk_add_assets(*, owner: User, tag_ids: list[uuid.UUID], asset_ids: list[uuid.UUID]) -> int:
    """Every (tag, asset) pair of the owner's tags and assets (others' ids are left out, as Immich's access check
    does); returns how many links are new."""
    tags = list(Tag.objects.filter(owner=owner, pk__in=tag_ids).values_list("id", flat=True))
    assets = _owned_asset_ids(owner, asset_ids)
    links = [TagAsset(tag_id=tag_id, asset_id=asset_id) for tag_id in tags for asset_id in assets]
    with transaction.atomic():
        before = TagAsset.objects.filter(tag_id__in=tags, asset_id__in=assets).count()
        TagAsset.objects.bulk_create(links, ignore_conflicts=True, batch_size=5000)
        after = TagAsset.objects.filter(tag_id__in=tags, asset_id__in=assets).count()
    return after - before


def tags_merge_duplicates(actor, kept_id, group_ids: list) -> None:
    """A resolved duplicate group (Immich 3.1): the kept asset gets every tag of its group's assets (the caller's
    tags only, as Immich's tag.asset access)."""
    tag_ids = set(TagAsset.objects.filter(asset_id__in=group_ids).values_list("tag_id", flat=True))
    tags_bulk_add_assets(owner=actor.user, tag_ids=list(tag_ids), asset_ids=[kept_id])


def tags_from_keywords(asset: Asset, keywords: tuple[str, ...]) -> None:
    """Metadata extraction read keywords from the file: each becomes a tag of the asset's owner (with its parents)
    put on the asset. Tags put on by the user stay (Immich replaces them; issue 20 keeps them). A keyword that is no
    valid path once its parts are trimmed (only empty parts, a part too long) is left out."""
    values = []
    for keyword in keywords:
        parts = [part.strip() for part in keyword.split(SEPARATOR) if part.strip()]
        if parts and all(len(part) <= MAX_NAME for part in parts):
            values.append(SEPARATOR.join(parts))
    if values:
        tags = tags_upsert(owner=asset.owner, values=values)
        TagAsset.objects.bulk_create([TagAsset(tag=tag, asset_id=asset.pk) for tag in tags], ignore_conflicts=True)


# -- moving a user's data ----------------------------------------------------------------------------------------


def tags_transfer(*, source: User, destination: User, duplicate_of: dict) -> int:
    """After the source's assets moved to the destination (inside the caller's transaction): the source's tags follow
    them. A tag whose path the destination already has is merged into the destination's; an asset that stayed with
    the source as a duplicate hands its tags to the destination's own copy (`duplicate_of`: source id -> copy id), so
    no tag of one user is ever on another's asset. Returns how many source tags moved or merged."""
    for link in TagAsset.objects.filter(tag__owner=source, asset_id__in=duplicate_of):
        if TagAsset.objects.filter(tag_id=link.tag_id, asset_id=duplicate_of[link.asset_id]).exists():
            link.delete()
        else:
            TagAsset.objects.filter(pk=link.pk).update(asset_id=duplicate_of[link.asset_id])
    theirs = dict(Tag.objects.filter(owner=destination).values_list("value", "id"))
    moved = 0
    # A parent's path sorts before its children's: a merged parent is re-pointed before they are looked at.
    for tag in Tag.objects.select_for_update().filter(owner=source).order_by("value"):
        twin = theirs.get(tag.value)
        if twin is None:
            Tag.objects.filter(pk=tag.pk).update(owner=destination)
        else:
            already = TagAsset.objects.filter(tag_id=twin).values("asset_id")
            TagAsset.objects.filter(tag=tag).exclude(asset_id__in=already).update(tag_id=twin)
            Tag.objects.filter(parent=tag).update(parent_id=twin)
            tag.delete()
        moved += 1
    return moved
