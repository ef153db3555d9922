"""Issue 20, item 8: immich-go's `upload from-folder` run replayed against the server and a worker as real processes
(clients.md section 2, G1-G16), speaking as its Go code does and decoding every answer with its Go structs.

The user already has 1,000 photos (so the tool pages its search), a small copy of a photo in an album, an archived
and a trashed one. The run pauses the five queues with an admin key, learns what the server has, uploads a folder
(a sidecar, a Takeout-style photo whose metadata it then sets, a burst to stack, an archived photo, the same bytes
twice, a bigger copy of the server's small one, which it replaces), files the uploads in albums and tags, resumes
the queues, and leaves the server with every edit kept over the files' metadata and no queue paused."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from accounts import services as account_services
from assets.models import Asset, AssetExif
from jobs.models import AssetStep, Step, StepStatus
from tests.clients.immich_go import PAUSED_QUEUES, ImmichGo, checksum_of
from tests.live import wait_until
from tests.media_factories import make_exif_jpeg, make_jpeg, make_xmp, make_xmp_packet

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SEEDED = 1000
TAKEN = datetime(2021, 6, 15, 10, 30, tzinfo=timezone.utc)  # what make_jpeg writes, no offset: read as UTC
TAKEOUT_SAYS = {"description": "Grandma's garden", "latitude": 43.2965, "longitude": 5.3698, "rating": 5,
                "captured": datetime(2004, 7, 14, 16, 20, tzinfo=timezone(timedelta(hours=2)))}  # fmt: skip
TAGS = ["immich-go/2024", "trips/Marseille"]


def _seed_library(user) -> None:
    """1,000 photos already on the server, rows only (the run reads them through the search)."""
    start = datetime(2010, 1, 1, tzinfo=timezone.utc)
    assets = [
        Asset(owner=user, type="IMAGE", original_path=f"/seed/{index}.jpg", original_file_name=f"seed{index}.jpg",
              checksum=uuid.uuid4().bytes + b"seed", file_created_at=start + timedelta(hours=index),
              file_modified_at=start, local_date_time=start + timedelta(hours=index), file_size=1000 + index)
        for index in range(SEEDED)
    ]  # fmt: skip
    Asset.objects.bulk_create(assets)
    AssetExif.objects.bulk_create(
        AssetExif(asset=asset, date_time_original=asset.file_created_at, file_size_in_byte=asset.file_size)
        for asset in assets
    )


def _metadata_done(asset_ids) -> bool:
    done = AssetStep.objects.filter(asset_id__in=asset_ids, step=Step.METADATA, status=StepStatus.DONE)
    return done.count() == len(set(asset_ids))


@pytest.fixture
def before(live_server_processes, tmp_path):
    """The server as the run finds it, and the run's client."""
    alice = account_services.user_create(email="alice@example.com", password="password123", name="Alice")
    admin = account_services.user_create(email="admin@example.com", password="password123", is_admin=True)
    _, key = account_services.api_key_create(user=alice, name="immich-go", permissions=["all"])
    _, admin_key = account_services.api_key_create(user=admin, name="immich-go admin", permissions=["all"])
    _seed_library(alice)
    phone = ImmichGo(live_server_processes, key, admin_key)
    phone.open()
    earlier = tmp_path / "phone"
    small = phone.upload(make_jpeg(earlier / "IMG_2001.jpg", size=(64, 48)), captured=TAKEN, favorite=True)["id"]
    archived = phone.upload(make_jpeg(earlier / "old.jpg", color=(9, 9, 9)), captured=TAKEN, archived=True)["id"]
    trashed = phone.upload(make_jpeg(earlier / "gone.jpg", color=(1, 1, 1)), captured=TAKEN)["id"]
    phone.delete_assets([trashed], force=False)
    phone.create_album("Holidays", [small])
    wait_until(lambda: _metadata_done([small, archived, trashed]), 90, "the metadata of the phone's uploads")
    return {"client": ImmichGo(live_server_processes, key, admin_key), "small": small, "archived": archived,
            "trashed": trashed, "folder": tmp_path / "folder"}  # fmt: skip


def _folder(root):
    """The folder immich-go uploads, by what it does with each file."""
    beach = make_jpeg(root / "Summer" / "beach.jpg", color=(30, 144, 255))
    garden = make_exif_jpeg(
        root / "Summer" / "garden.jpg",
        xmp=make_xmp_packet(**{"dc:description": "from the file", "xmp:Rating": "2",
                               "photoshop:DateCreated": "2019-03-01T08:00:00+01:00"}),
    )  # fmt: skip
    return {
        "beach": beach, "beach sidecar": make_xmp(root / "Summer" / "beach.jpg.xmp", description="from sidecar"),
        "garden": garden, "bigger": make_jpeg(root / "Summer" / "IMG_2001.jpg", size=(640, 480)),
        "burst 1": make_jpeg(root / "Burst" / "BURST_1.jpg", color=(200, 0, 0)),
        "burst 2": make_jpeg(root / "Burst" / "BURST_2.jpg", color=(0, 200, 0)),
        "archived": make_jpeg(root / "Burst" / "dark.jpg", color=(3, 3, 3)),
    }  # fmt: skip


def _smaller_on_server(index: list[dict], path) -> dict | None:
    """immich-go's SmallerOnServer advice: same name, same capture date, fewer bytes on the server."""
    local_size = path.stat().st_size
    for asset in index:
        exif = asset["exifInfo"]
        same = asset["originalFileName"] == path.name and exif["dateTimeOriginal"] == TAKEN
        if same and 0 < exif["fileSizeInByte"] < local_size:
            return asset
    return None


def test_an_immich_go_run_uploads_files_edits_and_replaces_and_leaves_no_queue_paused(before):
    go, files = before["client"], _folder(before["folder"])
    go.open()
    go.pause_jobs()
    assert all(go.jobs()[queue]["queueStatus"]["isPaused"] for queue in PAUSED_QUEUES)
    assert go.asset_statistics()["total"] >= SEEDED
    index = go.all_assets()
    by_id = {asset["id"]: asset for asset in index}
    assert len(index) == SEEDED + 3
    assert sum(call.startswith("POST /search/metadata") for call in go.calls) == 7  # the timeline took two pages
    assert by_id[before["archived"]]["isArchived"] and by_id[before["trashed"]]["isTrashed"]
    assert all(asset["fileCreatedAt"] is not None for asset in index)  # every date read in ImmichTime's layout
    albums = go.albums()
    assert [asset["id"] for asset in albums["Holidays"]["assets"]] == [before["small"]]

    uploaded = {}
    for name in ("beach", "garden", "burst 1", "burst 2"):
        sidecar = files["beach sidecar"] if name == "beach" else None
        uploaded[name] = go.upload(files[name], captured=TAKEN, sidecar=sidecar)
    uploaded["archived"] = go.upload(files["archived"], captured=TAKEN, archived=True)
    again = go.upload(files["beach"], captured=TAKEN)  # the same bytes under another name in the folder
    assert again == {"id": uploaded["beach"]["id"], "status": "duplicate"}
    assert {answer["status"] for answer in uploaded.values()} == {"created"}
    ids = {name: answer["id"] for name, answer in uploaded.items()}
    edited = go.update_asset(ids["garden"], **TAKEOUT_SAYS)  # Takeout's JSON, metadataExtraction still paused
    assert (edited["exifInfo"]["description"], edited["exifInfo"]["rating"]) == ("Grandma's garden", 5)

    server_copy = _smaller_on_server(index, files["bigger"])
    assert server_copy is not None and server_copy["id"] == before["small"]
    ids["bigger"] = go.upload(files["bigger"], captured=TAKEN)["id"]
    go.copy_asset(server_copy["id"], ids["bigger"])
    go.delete_assets([server_copy["id"]], force=True)

    summer = go.create_album("Summer", [ids["beach"], ids["garden"]])
    added = go.add_to_album(albums["Holidays"]["id"], [ids["bigger"]])  # the server copy's album, already copied
    assert added == [{"id": ids["bigger"], "success": False, "error": "duplicate"}]
    tagged = [ids[name] for name in ("beach", "garden", "burst 1", "burst 2", "archived", "bigger")]
    for value in TAGS:
        tag = go.upsert_tags([value])[0]
        assert (tag["value"], tag["name"]) == (value, value.split("/")[-1])
        assert {result["id"] for result in go.tag_assets(tag["id"], tagged) if result["success"]} == set(tagged)
    stack = go.create_stack([ids["burst 1"], ids["burst 2"]])
    assert stack["primaryAssetId"] == ids["burst 1"]
    go.resume_jobs()

    assert not any(job["queueStatus"]["isPaused"] for job in go.jobs().values())
    wait_until(lambda: _metadata_done(ids.values()), 120, "the worker's metadata extraction after the resume")
    after = {asset["id"]: asset for asset in go.all_assets()}
    garden = after[ids["garden"]]
    assert (garden["exifInfo"]["description"], garden["exifInfo"]["rating"]) == ("Grandma's garden", 5)
    assert (garden["exifInfo"]["latitude"], garden["exifInfo"]["longitude"]) == (43.2965, 5.3698)
    assert garden["exifInfo"]["dateTimeOriginal"] == TAKEOUT_SAYS["captured"]  # parsed by ImmichExifTime
    assert garden["fileCreatedAt"] == TAKEOUT_SAYS["captured"]
    assert after[ids["beach"]]["exifInfo"]["description"] == "from sidecar"
    assert after[ids["archived"]]["isArchived"] and after[ids["archived"]]["visibility"] == "archive"
    assert before["small"] not in after and after[ids["bigger"]]["isFavorite"]
    assert not Asset.objects.filter(pk=before["small"]).exists()
    assert {tag["value"] for tag in after[ids["burst 2"]]["tags"]} >= set(TAGS)
    assert all(asset["exifInfo"]["dateTimeOriginal"] is not None for asset in after.values())
    albums = go.albums()
    assert {asset["id"] for asset in albums["Holidays"]["assets"]} == {ids["bigger"]}
    assert {asset["id"] for asset in albums["Summer"]["assets"]} == {ids["beach"], ids["garden"]}
    assert albums["Summer"]["id"] == summer["id"]
    checksums = {asset["checksum"] for asset in after.values()}  # a second run would upload nothing
    assert all(checksum_of(path) in checksums for path in files.values() if path.suffix == ".jpg")
