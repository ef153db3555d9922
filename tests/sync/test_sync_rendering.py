"""PostgreSQL writes the stream's JSON lines itself (immich/json_shapes.py): for a library of varied rows (nulls, instants
with fractions and far years, a live photo, a stack, trashed, archived, hidden, NSFW hidden as archived, faces whose
boxes round on a tie, text that JSON must escape), every entity type's lines are the values Python's renderer gives
for the same rows, and the values the app expects."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from django.db import connection

from accounts.models import UserPreferences
from albums.models import Album, AlbumAsset, AlbumUser
from assets.models import Asset, AssetExif
from nsfw.models import AssetNsfw
from people.models import AssetFace, Person
from sharing.models import Partner
from stacks.models import Stack, StackAsset
from sync import album_entities, selectors
from sync.acks import START, row_ack_parts
from sync.entities import Backfill
from sync.rendering import Query, row_lines
from sync.selectors import STREAMS, StreamScope

pytestmark = pytest.mark.django_db

PLUS_FIVE = timezone(timedelta(hours=5))


def _asset(owner, name: str, **fields) -> Asset:
    taken = datetime(2020, 2, 29, 23, 59, 59, 500000, tzinfo=PLUS_FIVE)
    defaults = dict(
        type="IMAGE", original_path=f"/library/{name}", original_file_name=name, checksum=name.encode().ljust(20, b"."),
        file_created_at=taken, file_modified_at=taken, local_date_time=taken,
    )  # fmt: skip
    return Asset.objects.create(owner=owner, **{**defaults, **fields})


@pytest.fixture
def library(user, other_user) -> dict:
    still = _asset(
        user, 'Ünïcode "quoted"\n.jpg', thumbhash=bytes(range(60)), width=4000, height=3000, is_favorite=True,
        file_modified_at=datetime(2021, 6, 1, 12, 0, tzinfo=UTC), local_date_time=datetime(99, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    AssetExif.objects.create(
        asset=still, description="Line\tone\u2028two 😀 \\ /", exif_image_width=4000, exif_image_height=3000,
        file_size_in_byte=9_000_000_000, orientation="1", time_zone="Asia/Karachi",
        date_time_original=datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), modify_date=None,
        latitude=45.76, longitude=-0.000012, make="Canon", model="EOS R6", f_number=2.8, focal_length=50.0,
        iso=200, exposure_time="1/250", rating=5, fps=29.97,
    )  # fmt: skip
    motion = _asset(user, "motion.mov", type="VIDEO", duration_ms=3_723_004, visibility="hidden")
    _asset(user, "live.heic", live_photo_video=motion, duration_ms=0)
    _asset(user, "trashed.jpg", deleted_at=datetime(2024, 5, 5, 5, 5, 5, 50, tzinfo=UTC))
    archived = _asset(user, "archived.jpg", visibility="archive")
    flagged = _asset(user, "flagged.jpg")
    AssetNsfw.objects.create(asset=flagged, score=0.95, model="test")
    bare = _asset(user, "bare.png", width=None, height=None)
    AssetExif.objects.create(asset=bare)
    gone = _asset(user, "gone.jpg")
    stack = Stack.objects.create(owner=user, primary_asset=still)
    StackAsset.objects.bulk_create([StackAsset(stack=stack, asset=still), StackAsset(stack=stack, asset=archived)])
    person = Person.objects.create(owner=user, name="Ann", birth_date=date(1990, 7, 14), is_hidden=True)
    face = AssetFace.objects.create(
        asset=still, person=person, x1=0.25, y1=0.5, x2=0.75, y2=0.9, image_width=10, image_height=5, source="mwg-rs"
    )
    Person.objects.filter(pk=person.pk).update(feature_face=face)
    Person.objects.create(owner=user, name="Gone").delete()
    UserPreferences.objects.create(user=user, changes={"tags": {"enabled": True}, "ratings": {"enabled": False}})
    album = Album.objects.create(owner=user, album_name="Trip", description="")
    AlbumAsset.objects.create(album=album, asset=still)
    AlbumUser.objects.create(album=album, user=other_user, role="viewer")
    theirs = _asset(other_user, "theirs.jpg", thumbhash=b"\x00")
    AssetExif.objects.create(asset=theirs, city="Lyon")
    shared = Album.objects.create(owner=other_user, album_name="Shared")
    AlbumAsset.objects.create(album=shared, asset=theirs)
    AlbumUser.objects.create(album=shared, user=user)
    Partner.objects.create(shared_by=other_user, shared_with=user, in_timeline=True)
    gone.delete()
    return {"still": still, "motion": motion, "flagged": flagged, "bare": bare, "stack": stack, "face": face}


def _scope(user) -> StreamScope:
    visible_before, own_xid, now = selectors._window_bound()
    nsfw = {"nsfw_hide": True, "nsfw_threshold": 0.8}
    return StreamScope(user.id, "0a1b2c3d", frozenset(), {}, visible_before, own_xid, now, nsfw)


def _python_lines(part, params: dict, ack_parts: tuple[str, str]) -> list[dict]:
    """Python's renderer over a plain cursor's rows (psycopg's datetimes, uuids and bytes)."""
    before, after = ack_parts
    with connection.cursor() as cursor:
        cursor.execute(part.sql, params)
        return [
            {"type": part.type, "data": part.shape.data(tuple(values)), "ack": f"{before}{xid}.{seq}{after}"}
            for xid, seq, *values in cursor.fetchall()
        ]


def _both(part, scope: StreamScope) -> list[tuple[list[dict], list[dict]]]:
    """Each renderer's lines of `part` from the start; a backfill's for each of its parents."""
    params = selectors._params(scope, after=START, bound=scope.now, end=scope.now)
    if not isinstance(part, Backfill):
        runs = [(params, row_ack_parts(part.type, scope.tag))]
    else:
        with connection.cursor() as cursor:
            cursor.execute(part.parents_sql, params)
            parents = cursor.fetchall()
        runs = [
            ({**params, "parent_id": parent_id}, row_ack_parts(part.type, scope.tag, parent=START))
            for _, _, parent_id in parents
        ]
    results = []
    for run_params, ack_parts in runs:
        query = Query(part.type, part.sql, part.shape, run_params, ack_parts)
        in_sql = [json.loads(line) for line in row_lines(query)]
        results.append((in_sql, _python_lines(part, run_params, ack_parts)))
    return results


def _strict(lines: list[dict]) -> str:
    """JSON's own text of the values, numbers as numbers: true is not 1 and "1" is not 1, but a float without a
    fraction is the same number whether written 50 (PostgreSQL, and Immich's own server) or 50.0 (Python)."""
    return json.dumps(json.loads(json.dumps(lines), parse_int=float), sort_keys=True)


def _parts() -> list:
    parts = {part for stream in STREAMS.values() for part in stream} | set(album_entities.ALBUM_MEMBERS_AND_OWNERS)
    return sorted(parts, key=lambda part: part.type + part.sql)


def test_postgresql_writes_every_entity_types_lines_with_pythons_values(library, user):
    scope = _scope(user)
    rendered = set()
    for part in _parts():
        for in_sql, in_python in _both(part, scope):
            assert _strict(in_sql) == _strict(in_python), part.type
            rendered |= {line["type"] for line in in_sql}
    expected = {
        "AuthUserV1", "UserV1", "AssetV1", "AssetV2", "AssetDeleteV1", "AssetExifV1", "UserMetadataV1", "PersonV1",
        "PersonDeleteV1", "AssetFaceV1", "AssetFaceV2", "StackV1", "AlbumV1", "AlbumV2", "AlbumUserV1",
        "AlbumToAssetV1", "AlbumAssetCreateV1", "AlbumAssetCreateV2", "AlbumAssetUpdateV2", "AlbumAssetExifCreateV1",
        "PartnerV1", "PartnerAssetV1", "PartnerAssetV2", "PartnerAssetExifV1", "PartnerAssetBackfillV2",
        "AlbumToAssetBackfillV1",
    }  # fmt: skip
    assert expected <= rendered


def _data(part, scope: StreamScope) -> dict[str, dict]:
    [(in_sql, _)] = _both(part, scope)
    return {line["data"].get("id") or line["data"].get("assetId"): line["data"] for line in in_sql}


def test_assets_come_in_the_shapes_the_app_reads(library, user):
    from sync import entities

    scope = _scope(user)
    assets_v2, assets_v1 = _data(entities.ASSET_V2, scope), _data(entities.ASSET_V1, scope)
    still, motion = assets_v2[str(library["still"].id)], assets_v2[str(library["motion"].id)]
    assert still["fileCreatedAt"] == "2020-02-29T18:59:59.5Z" and still["fileModifiedAt"] == "2021-06-01T12:00:00Z"
    assert still["localDateTime"] == "0099-01-01T00:00:00Z"
    assert still["originalFileName"] == 'Ünïcode "quoted"\n.jpg' and still["isFavorite"] is True
    assert still["thumbhash"] == "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7"
    assert still["stackId"] == str(library["stack"].id) and still["width"] == 4000 and still["isEdited"] is False
    assert motion["duration"] == 3_723_004 and motion["visibility"] == "hidden"
    assert assets_v1[str(library["motion"].id)]["duration"] == "1:02:03.004000"
    assert assets_v1[str(library["still"].id)]["duration"] == "0:00:00.00000"
    [live] = [asset for asset in assets_v2.values() if asset["originalFileName"] == "live.heic"]
    assert live["livePhotoVideoId"] == str(library["motion"].id) and live["duration"] == 0
    [trashed] = [asset for asset in assets_v2.values() if asset["originalFileName"] == "trashed.jpg"]
    assert trashed["deletedAt"] == "2024-05-05T05:05:05.00005Z"
    assert assets_v2[str(library["flagged"].id)]["visibility"] == "archive"
    bare = assets_v2[str(library["bare"].id)]
    assert bare["width"] is None and bare["thumbhash"] is None and bare["stackId"] is None


def test_exif_and_faces_come_in_the_shapes_the_app_reads(library, user):
    from sync import entities

    scope = _scope(user)
    exifs = _data(entities.ASSET_EXIF, scope)
    exif = exifs[str(library["still"].id)]
    assert exif["dateTimeOriginal"] == "9999-12-31T23:59:59.999999Z" and exif["modifyDate"] is None
    assert exif["description"] == "Line\tone\u2028two 😀 \\ /" and exif["fileSizeInByte"] == 9_000_000_000
    assert exif["latitude"] == 45.76 and exif["longitude"] == -0.000012 and exif["fNumber"] == 2.8
    assert exif["fps"] == 29.97 and exif["iso"] == 200 and exif["exposureTime"] == "1/250"
    assert set(exifs[str(library["bare"].id)].values()) == {str(library["bare"].id), "", None}  # "": no description
    [face] = _data(entities.FACE_V2, scope).values()
    assert (face["boundingBoxX1"], face["boundingBoxY1"], face["boundingBoxX2"], face["boundingBoxY2"]) == (2, 2, 8, 4)
    [person] = _data(entities.PERSON, scope).values()
    assert person["birthDate"] == "1990-07-14" and person["faceAssetId"] == str(library["still"].id)
