"""Asset bodies made from rows (assets.rows, assets.row_bodies: the metadata search's pages on SQLite) are exactly the
bodies AssetResponseDto makes of the same assets as models, keys in the same order, for every kind of asset a list
holds; and so are the bodies PostgreSQL writes as JSON (assets.row_json: the pages on PostgreSQL)."""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime

import pytest

from assets import media_types
from assets.models import Asset, AssetExif, AssetType, AssetVideo, Visibility
from assets.responses import AssetResponseDto
from assets.row_bodies import asset_bodies
from assets.row_json import page_json
from assets.rows import asset_rows
from assets.selectors import with_duplicate_group
from duplicates.models import AssetHash
from libraries.models import Library
from nsfw.models import AssetNsfw
from stacks.models import Stack, StackAsset
from tags.models import Tag, TagAsset
from tests.nsfw.helpers import nsfw_configure

pytestmark = pytest.mark.django_db

TAKEN = datetime(2021, 6, 15, 10, 30, 0, 500123, tzinfo=UTC)


def _asset(owner, name: str, **fields) -> Asset:
    return Asset.objects.create(
        owner=owner, type=fields.pop("type", AssetType.IMAGE), original_path=f"/photos/{name}",
        original_file_name=name, checksum=os.urandom(20), file_created_at=TAKEN, file_modified_at=TAKEN,
        local_date_time=TAKEN, **fields,
    )  # fmt: skip


@pytest.fixture
def varied(user) -> list[Asset]:
    """A photo with full EXIF and tags, one without EXIF, a video with a transcode decision, a live photo's two
    halves, a stack of two (also a duplicate group), a trashed archived asset of a library, and verdicts scored and overridden."""
    photo = _asset(user, "photo.heic", thumbhash=b"\x01\x02", width=4000, height=3000, is_favorite=True,
                   device_asset_id="photo-1", device_id="phone")  # fmt: skip
    AssetExif.objects.create(
        asset=photo, make="Canon", model="EOS R6", exif_image_width=4000, exif_image_height=3000,
        file_size_in_byte=123, orientation="1", date_time_original=TAKEN, modify_date=datetime(2022, 1, 1, tzinfo=UTC),
        time_zone="UTC+2", lens_model="RF 50", f_number=1.8, focal_length=50.0, iso=100, exposure_time="1/200",
        latitude=45.76, longitude=4.83, city="Lyon", state="Rhône", country="France", description="Fête",
        projection_type="EQUIRECTANGULAR", rating=4,
    )  # fmt: skip
    parent = Tag.objects.create(owner=user, value="Places")
    for tag in (Tag.objects.create(owner=user, value="Places/lyon", color="#ff0000", parent=parent), parent):
        TagAsset.objects.create(tag=tag, asset=photo)
    bare = _asset(user, "bare.jpg")
    AssetExif.objects.create(asset=_asset(user, "no-size.jpg"), make="Nikon")
    video = _asset(user, "clip.mp4", type=AssetType.VIDEO, duration_ms=5000)
    AssetVideo.objects.create(asset=video, decision="transcode", reason="codec")
    motion = _asset(user, "live.mov", type=AssetType.VIDEO, visibility=Visibility.HIDDEN)
    live = _asset(user, "live.jpg", live_photo_video=motion)
    first, second = _asset(user, "s1.jpg"), _asset(user, "s2.jpg")
    stack = Stack.objects.create(owner=user, primary_asset=first)
    StackAsset.objects.bulk_create([StackAsset(stack=stack, asset=first), StackAsset(stack=stack, asset=second)])
    group = uuid.uuid4()
    AssetHash.objects.bulk_create(
        AssetHash(asset=asset, owner=user, phash=0, band0=0, band1=0, band2=0, band3=0, hash_version="test",
                  duplicate_id=group)
        for asset in (first, second)
    )  # fmt: skip
    library = Library.objects.create(owner=user)
    trashed = _asset(user, "old.png", library=library, visibility=Visibility.ARCHIVE, deleted_at=TAKEN)
    AssetNsfw.objects.create(asset=bare, score=0.9)
    AssetNsfw.objects.create(asset=video, score=0.1, override=True)
    AssetNsfw.objects.create(asset=live)
    return [photo, bare, video, motion, live, first, second, trashed]


def _model_bodies(assets: list[Asset], *, with_exif: bool, with_stack: bool) -> list[dict]:
    queryset = Asset.objects.filter(pk__in=[asset.pk for asset in assets]).order_by("id")
    queryset = with_duplicate_group(queryset.select_related("exif", "video", "nsfw"))
    queryset = queryset.prefetch_related("tags", "stack_link__stack")
    context = {"with_exif": with_exif, "with_tags": with_exif, "with_stack": with_stack}
    bodies = json.loads(json.dumps(AssetResponseDto(queryset, many=True, context=context).data))
    if not with_exif:
        for body in bodies:
            del body["exifInfo"]
    return bodies


def _row_bodies(assets: list[Asset], *, with_exif: bool, with_stack: bool) -> list[dict]:
    queryset = Asset.objects.filter(pk__in=[asset.pk for asset in assets]).order_by("id")
    rows = asset_rows(queryset, with_exif=with_exif, with_tags=with_exif, with_stack=with_stack)
    return json.loads(json.dumps(asset_bodies(rows)))


def _json_bodies(assets: list[Asset], *, with_exif: bool, with_stack: bool) -> list[dict]:
    queryset = Asset.objects.filter(pk__in=[asset.pk for asset in assets]).order_by("file_created_at", "id")
    page = page_json(
        queryset, start=0, size=len(assets), with_exif=with_exif, with_tags=with_exif, with_stack=with_stack
    )
    return json.loads(page.items)


# The two ways a list's bodies are made without models: in Python from rows (SQLite), written by PostgreSQL.
LIST_BODIES = [pytest.param(_row_bodies, id="rows"), pytest.param(_json_bodies, id="json")]


@pytest.mark.parametrize("list_bodies", LIST_BODIES)
@pytest.mark.parametrize("with_exif", [True, False])
@pytest.mark.parametrize("with_stack", [True, False])
def test_list_bodies_equal_the_model_bodies(varied, list_bodies, with_exif, with_stack):
    bodies = list_bodies(varied, with_exif=with_exif, with_stack=with_stack)
    models = _model_bodies(varied, with_exif=with_exif, with_stack=with_stack)
    assert bodies == models
    assert [list(body) for body in bodies] == [list(body) for body in models]


@pytest.mark.parametrize("list_bodies", LIST_BODIES)
def test_list_bodies_carry_the_verdict_while_detection_is_on(varied, list_bodies):
    nsfw_configure(enabled=True)
    bodies = list_bodies(varied, with_exif=True, with_stack=False)
    assert bodies == _model_bodies(varied, with_exif=True, with_stack=False)
    assert {body["originalFileName"]: body["isNsfw"] for body in bodies if body["nsfwScore"] is not None} == {
        "bare.jpg": True,
        "clip.mp4": True,
    }


def test_json_bodies_type_files_by_extension_as_python_does(user):
    names = ["a.JPG", ".jpg", "a.", "a..mov", "x.tar.gz", "dir/x.MP4", "dir/.jpg", "a.b/c", "bare", "r.ARW", "s.xmp",
             "hidden.", "v.insv"]  # fmt: skip
    assets = [_asset(user, name) for name in names]
    written = {
        body["originalFileName"]: body["originalMimeType"]
        for body in _json_bodies(assets, with_exif=False, with_stack=False)
    }
    assert written == {name: media_types.mime_type_for(name) for name in names}


def test_json_page_says_whether_a_next_page_has_assets(varied):
    queryset = Asset.objects.filter(pk__in=[asset.pk for asset in varied]).order_by("-file_created_at", "-id")
    first = page_json(queryset, start=0, size=5, with_exif=False, with_tags=False, with_stack=False)
    last = page_json(queryset, start=5, size=5, with_exif=False, with_tags=False, with_stack=False)
    ids = sorted((str(asset.pk) for asset in varied), reverse=True)
    assert (first.count, first.has_next, last.count, last.has_next) == (5, True, 3, False)
    assert [body["id"] for body in json.loads(first.items) + json.loads(last.items)] == ids
