"""Writes on people and faces: importing the face tags of one asset, the person thumbnail, edits, and moving people
with a user's data. File reading and pixel work happen in `workers.media.faces`; this module decides rows."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q

from assets.hooks import MetadataRead
from assets.models import Asset, AssetExif, AssetType
from assets.storage import local_original, nested_folder
from immich import live_events, storage
from immich.errors import BadRequest
from jobs.system_config import config_cached
from people.models import AssetFace, Person
from people.selectors import people_missing_thumbnails, visible_asset_q
from workers.media import faces, fs
from workers.media.errors import UnreadableMedia

logger = logging.getLogger(__name__)

MAX_PIXELS = 250_000_000  # as the asset thumbnails
THUMBNAIL_CANDIDATES = 5  # faces tried, largest first, when the preferred one's file cannot be used
SWAPPING_ORIENTATIONS = {5, 6, 7, 8}


class PersonNameTaken(BadRequest):
    pass


class FaceNotFound(BadRequest):
    pass


@dataclass
class FacesImportResult:
    warnings: list[str] = field(default_factory=list)
    origin: str | None = None  # "sidecar" | "embedded" | None
    faces: int = 0  # faces on the asset after the import
    created: int = 0
    updated: int = 0
    deleted: int = 0
    people_created: int = 0


def faces_import_enabled() -> bool:
    """The `metadata.faces.import` setting (system config)."""
    return bool(config_cached()["metadata"]["faces"]["import"])


def faces_read(read: MetadataRead) -> list[str]:
    """The metadata step's reader (registered in PeopleConfig.ready): an image's face tags, when
    `metadata.faces.import` is on; returns the warnings."""
    if read.asset_type != AssetType.IMAGE or not faces_import_enabled():
        return []
    result = faces_import(
        asset_id=read.asset_id,
        original=read.original,
        sidecar=read.sidecar,
        orientation=read.orientation,
        width=read.width,
        height=read.height,
    )
    return list(result.warnings)


def person_thumbnail_path(person: Person) -> Path:
    """`<media>/thumbs/<ownerId>/<pid[0:2]>/<pid[2:4]>/<personId>.jpeg`"""
    return nested_folder("thumbs", person.owner_id, str(person.id)) / f"{person.id}.jpeg"


def _queue_thumbnails(person_ids) -> None:
    from people import tasks

    ids = sorted({str(person_id) for person_id in person_ids})
    if ids:
        transaction.on_commit(lambda: [tasks.person_generate_thumbnail.delay(person_id) for person_id in ids])


# -- import ------------------------------------------------------------------------------------------------------


def faces_import(
    *, asset_id, original: Path, sidecar: Path | None, orientation: int | None, width: int, height: int
) -> FacesImportResult:
    """Read the face tags of one asset and make its faces match them. `width`/`height` are the displayed
    (oriented) size, as Asset.width/height; `orientation` the EXIF orientation (1-8, None: none) the metadata step
    settled on. Bad files give warnings, never an exception; re-running with an unchanged file changes nothing."""
    row = (
        Asset.objects.filter(pk=asset_id)
        .values_list("type", Exists(AssetFace.objects.filter(asset_id=OuterRef("pk"))))
        .first()
    )
    if row is None:
        return FacesImportResult(warnings=["the asset no longer exists; faces not imported"])
    kind, has_faces = row
    if kind != AssetType.IMAGE:
        return FacesImportResult()  # face tags are read from images only
    stored = (height, width) if orientation in SWAPPING_ORIENTATIONS else (width, height)
    found = faces.read_face_regions(
        Path(original),
        sidecar=Path(sidecar) if sidecar else None,
        orientation=orientation,
        stored_size=stored if width and height else None,
    )
    result = FacesImportResult(warnings=list(found.warnings), origin=found.origin)
    if not found.regions and not has_faces:
        return result  # no tags, and no faces from earlier tags to remove: the common case, without a lock
    with transaction.atomic():
        owner_id = Asset.objects.select_for_update().filter(pk=asset_id).values_list("owner_id", flat=True).first()
        if owner_id is None:
            result.warnings.append("the asset no longer exists; faces not imported")
            return result
        _apply(result, asset_id, owner_id, found.regions, width or 0, height or 0)
    return result


def _people_for_tags(owner_id, tags: set[str], result: FacesImportResult) -> dict[str, Person]:
    """The person each tag means: the person of that name; else the one earlier faces with this tag were given
    (the user renamed it); else a new person."""
    if not tags:
        return {}
    people = {person.name: person for person in Person.objects.filter(owner_id=owner_id, name__in=tags)}
    renamed = (
        AssetFace.objects.filter(asset__owner_id=owner_id, tag_name__in=tags - people.keys(), person__isnull=False)
        .values_list("tag_name", "person_id")
        .order_by("tag_name", "created_at")
        .distinct()
    )
    for tag, person_id in renamed:
        people.setdefault(tag, Person(id=person_id, owner_id=owner_id))
    missing = tags - people.keys()
    if missing:
        # ON CONFLICT DO NOTHING: another asset's import may create the same person at the same moment.
        Person.objects.bulk_create([Person(owner_id=owner_id, name=name) for name in missing], ignore_conflicts=True)
        created = {person.name: person for person in Person.objects.filter(owner_id=owner_id, name__in=missing)}
        result.people_created = len(created)
        people.update(created)
    return people


def _apply(result: FacesImportResult, asset_id, owner_id, regions, width: int, height: int) -> None:
    existing = list(AssetFace.objects.filter(asset_id=asset_id))
    by_key = {(face.tag_name, (face.x1, face.y1, face.x2, face.y2)): face for face in existing}
    kept, pending = [], []
    for region in regions:
        face = by_key.pop((region.name or "", (region.box.x1, region.box.y1, region.box.x2, region.box.y2)), None)
        (kept if face else pending).append((face, region))
    # A tag whose box moved (re-tagged, or cropped elsewhere) keeps its face row and its person.
    leftover_by_tag = defaultdict(list)
    for face in by_key.values():
        leftover_by_tag[face.tag_name].append(face)
    moved, created = [], []
    for _, region in pending:
        candidates = leftover_by_tag.get(region.name or "") if region.name else None
        (moved.append((candidates.pop(0), region)) if candidates else created.append(region))
    gone = [face for faces_left in leftover_by_tag.values() for face in faces_left]
    people = _people_for_tags(owner_id, {region.name for region in created if region.name}, result)

    stale = {face.id for face in gone} | {face.id for face, _ in moved}
    touched = set(Person.objects.filter(feature_face_id__in=stale).values_list("id", flat=True))
    Person.objects.filter(id__in=touched).update(thumbnail_path="", feature_face=None)
    if gone:
        AssetFace.objects.filter(id__in=[face.id for face in gone]).delete()
    taken = {(face.person_id, face.x1, face.y1, face.x2, face.y2) for face, _ in kept}
    for face, region in kept:
        if (face.source, face.image_width, face.image_height) != (region.source, width, height):
            AssetFace.objects.filter(pk=face.pk).update(source=region.source, image_width=width, image_height=height)
            result.updated += 1
    for face, region in moved:
        key = (face.person_id, region.box.x1, region.box.y1, region.box.x2, region.box.y2)
        if key in taken:
            AssetFace.objects.filter(pk=face.pk).delete()
            continue
        taken.add(key)
        AssetFace.objects.filter(pk=face.pk).update(
            x1=region.box.x1,
            y1=region.box.y1,
            x2=region.box.x2,
            y2=region.box.y2,
            source=region.source,
            image_width=width,
            image_height=height,
        )
        result.updated += 1
    rows = []
    for region in created:
        person = people.get(region.name) if region.name else None
        key = (person.id if person else None, region.box.x1, region.box.y1, region.box.x2, region.box.y2)
        if key not in taken:
            taken.add(key)
            rows.append(
                AssetFace(
                    asset_id=asset_id,
                    person=person,
                    tag_name=region.name or "",
                    x1=region.box.x1,
                    y1=region.box.y1,
                    x2=region.box.x2,
                    y2=region.box.y2,
                    image_width=width,
                    image_height=height,
                    source=region.source,
                )
            )
    AssetFace.objects.bulk_create(rows, batch_size=500)
    result.created, result.deleted = len(rows), len(gone)
    result.faces = AssetFace.objects.filter(asset_id=asset_id).count()

    on_asset = {person_id for person_id, *_ in taken if person_id}
    missing = Person.objects.filter(Q(id__in=on_asset | touched), thumbnail_path="").filter(faces__isnull=False)
    _queue_thumbnails(missing.values_list("id", flat=True).distinct())


# -- thumbnails --------------------------------------------------------------------------------------------------


def _candidates(person: Person) -> list[AssetFace]:
    faces_of = AssetFace.objects.filter(visible_asset_q(), person=person).select_related("asset")
    preferred = list(faces_of.filter(pk=person.feature_face_id)) if person.feature_face_id else []
    largest = faces_of.exclude(pk=person.feature_face_id).annotate(size=(F("x2") - F("x1")) * (F("y2") - F("y1")))
    return preferred + list(largest.order_by("-size", "created_at", "id")[: THUMBNAIL_CANDIDATES - len(preferred)])


def person_thumbnail_generate(*, person_id, force: bool = False) -> str:
    """Cut the person's thumbnail from its feature face (else its largest face). Returns "done", "exists" (nothing
    was missing: zero work), "no-face", "gone" or "failed" (the reason is kept on the person; not retried)."""
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        return "gone"
    path = person_thumbnail_path(person)
    if not force and person.thumbnail_path == str(path) and person.feature_face_id and storage.exists(path):
        return "exists"
    image = config_cached()["image"]
    problems = []
    for face in _candidates(person):
        box = faces.Box(face.x1, face.y1, face.x2, face.y2)
        orientation = AssetExif.objects.filter(asset_id=face.asset_id).values_list("orientation", flat=True).first()
        try:
            with local_original(face.asset) as original, storage.outputs({"face": path}) as written:
                faces.generate_face_thumbnail(
                    original,
                    written["face"],
                    box,
                    orientation=int(orientation) if orientation and orientation.isdigit() else None,
                    quality=image["thumbnail"]["quality"],
                    colorspace=image["colorspace"],
                    max_pixels=MAX_PIXELS,
                    decode_limit=settings.DECODE_MEMORY_LIMIT,
                )
        except FileNotFoundError:
            problems.append(f"{face.asset.original_file_name}: the original file is missing")
            continue
        except fs.OutsideRoots:
            problems.append(f"{face.asset.original_file_name}: the original file leads out of its folders (offline)")
            continue
        except UnreadableMedia as error:
            problems.append(f"{face.asset.original_file_name}: {error}")
            continue
        with transaction.atomic():
            # The face must still be there with the box the file was cut from (a re-import may have moved it).
            # Person before face, the order an import locks them in.
            list(Person.objects.select_for_update().filter(pk=person.pk))
            unchanged = AssetFace.objects.select_for_update().filter(
                pk=face.pk, x1=face.x1, y1=face.y1, x2=face.x2, y2=face.y2
            )
            if unchanged.exists():
                Person.objects.filter(pk=person.pk).update(
                    feature_face=face, thumbnail_path=str(path), thumbnail_error=""
                )
                # Immich's on_person_thumbnail: the owner's pages show the new face (its id, the picture's URL).
                live_events.send_to_user("on_person_thumbnail", person.owner_id, str(person.pk))
                return "done"
        problems.append("the face changed while its thumbnail was made")
    if not problems:
        return "no-face"
    Person.objects.filter(pk=person.pk).update(thumbnail_error="; ".join(problems)[:2000])
    logger.warning("thumbnail of person %s failed: %s", person.pk, problems)
    return "failed"


def people_queue_missing_thumbnails(*, force: bool = False) -> int:
    """Queue the thumbnail job for every person with faces and no current thumbnail (none, or its face is gone, e.g.
    with its asset), or for all people with faces if force: what the reference's thumbnail "Missing"/"All" queues
    for people. For the thumbnail queue's start command and the nightly missing-thumbnails run."""
    people = Person.objects.filter(faces__isnull=False) if force else people_missing_thumbnails()
    ids = list(people.values_list("id", flat=True).distinct())
    with transaction.atomic():
        if force:
            Person.objects.filter(id__in=ids).update(thumbnail_path="")
        _queue_thumbnails(ids)
    return len(ids)


def people_thumbnails_remake(*, person_ids) -> int:
    """Mark these people's thumbnails missing and queue them (the admin's action)."""
    ids = list(person_ids)
    with transaction.atomic():
        count = Person.objects.filter(id__in=ids).update(thumbnail_path="")
        _queue_thumbnails(ids)
    return count


# -- edits -------------------------------------------------------------------------------------------------------


def person_update(*, person: Person, changes: dict) -> Person:
    """`changes` holds any of name, birth_date, is_hidden, feature_face_asset_id."""
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        if "name" in changes:
            name = " ".join(changes["name"].split())
            if name and Person.objects.filter(owner_id=person.owner_id, name=name).exclude(pk=person.pk).exists():
                raise PersonNameTaken(f"A person named {name!r} already exists")
            person.name = name
        for key in ("birth_date", "is_hidden"):
            if key in changes:
                setattr(person, key, changes[key])
        if changes.get("feature_face_asset_id"):
            face = (
                AssetFace.objects.filter(person=person, asset_id=changes["feature_face_asset_id"])
                .annotate(size=(F("x2") - F("x1")) * (F("y2") - F("y1")))
                .order_by("-size")
                .first()
            )
            if face is None:
                raise FaceNotFound("This person has no face on that asset")
            if face.pk != person.feature_face_id:
                person.feature_face, person.thumbnail_path = face, ""
                _queue_thumbnails([person.pk])
        person.save()
    return person


# -- moving a user's data ----------------------------------------------------------------------------------------


def people_transfer(*, source, destination) -> int:
    """After the source's assets moved to the destination (inside the caller's transaction): people follow their
    faces. A person whose name the destination already has is merged into that person; a person with faces on
    assets that stayed with the source (duplicates) stays too, and its moved faces go to a destination person of
    the same name. Thumbnails are remade under the new owner. Returns how many source people moved or merged."""
    moved, old_files = 0, []
    theirs = {person.name: person for person in Person.objects.filter(owner=destination).exclude(name="")}
    for person in Person.objects.select_for_update().filter(owner=source):
        moving = AssetFace.objects.filter(person=person, asset__owner=destination)
        stays = AssetFace.objects.filter(person=person).exclude(asset__owner=destination).exists()
        target = theirs.get(person.name) if person.name else None
        if target is None and stays:
            target = Person.objects.create(
                owner=destination, name=person.name, is_hidden=person.is_hidden, birth_date=person.birth_date
            )
            if person.name:
                theirs[person.name] = target
        if target is not None:
            moving.update(person=target)
            if stays:
                # Its thumbnail may show a face that now belongs to the destination's person.
                Person.objects.filter(pk=person.pk).exclude(feature_face__person=person).update(
                    feature_face=None, thumbnail_path=""
                )
            else:
                old_files.append(person.thumbnail_path)
                person.delete()
                moved += 1
            continue
        old_files.append(person.thumbnail_path)
        Person.objects.filter(pk=person.pk).update(owner=destination, thumbnail_path="")
        moved += 1
    remains = [path for path in old_files if path]
    transaction.on_commit(lambda: storage.delete(*remains))
    _queue_thumbnails(
        Person.objects.filter(Q(owner=destination) | Q(owner=source), thumbnail_path="", faces__isnull=False)
        .values_list("id", flat=True)
        .distinct()
    )
    return moved
