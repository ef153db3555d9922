"""Run in a process of its own on the embedded SQLite settings (`bin/run`'s database), by test_sync_sqlite.py: a
library made before the SQLite sync migration, then a phone's syncs, acks and the changes in between. Prints what
each sync answered, as JSON, for the test to check."""

from __future__ import annotations

import hashlib
import json

from django.core.management import call_command
from django.test import Client
from django.utils import timezone


def _asset(owner, name: str):
    from assets.models import Asset, AssetExif

    now = timezone.now()
    asset = Asset.objects.create(
        owner=owner, type="IMAGE", original_path=f"/nowhere/{name}", original_file_name=name,
        checksum=hashlib.sha1(name.encode()).digest(), file_created_at=now, file_modified_at=now, local_date_time=now,
    )  # fmt: skip
    AssetExif.objects.create(asset=asset, make="Camera")
    return asset


OWN_TYPES = ["AuthUsersV1", "AssetsV2", "AssetExifsV1", "AlbumsV2", "AlbumToAssetsV1"]
SHARING_TYPES = ["PartnersV1", "PartnerAssetsV2", "AlbumsV2", "AlbumUsersV1", "AlbumAssetsV2"]


def _sync(phone: Client, types: list[str] = OWN_TYPES) -> list[dict]:
    response = phone.post(
        "/api/sync/stream", {"types": types}, content_type="application/json",
        HTTP_ACCEPT="application/jsonlines+json",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    return [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]


def _ack(phone: Client, lines: list[dict]) -> None:
    last_of_runs = [
        line["ack"] for i, line in enumerate(lines) if i + 1 == len(lines) or lines[i + 1]["type"] != line["type"]
    ]
    assert phone.post("/api/sync/ack", {"acks": last_of_runs}, content_type="application/json").status_code == 204


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("migrate", "sync", "0004", verbosity=0)  # back to before the SQLite sync, as an older install
    from accounts.services import user_create

    user = user_create(email="phone@example.com", password="password123")
    before = _asset(user, "before.jpg")
    call_command("migrate", verbosity=0)

    login = Client().post(
        "/api/auth/login", {"email": user.email, "password": "password123"}, content_type="application/json"
    )
    phone = Client(HTTP_X_IMMICH_USER_TOKEN=login.json()["accessToken"])
    report: dict[str, object] = {"user": str(user.id), "before": str(before.id), "first": _sync(phone)}
    _ack(phone, report["first"])

    from albums.models import Album, AlbumAsset

    after = _asset(user, "after.jpg")
    album = Album.objects.create(owner=user, album_name="Holidays")
    AlbumAsset.objects.create(album=album, asset=after)
    report.update(after=str(after.id), album=str(album.id), second=_sync(phone))
    _ack(phone, report["second"])

    AlbumAsset.objects.filter(album=album).delete()
    before.delete()
    report["third"] = _sync(phone)
    report.update(_sharing(phone, user))
    report.update(_stacks(phone, user))
    report.update(_duplicates(phone, user))
    print("REPORT " + json.dumps(report))


def _sharing(phone: Client, user) -> dict[str, object]:
    """Carol shares her library and an album with the phone's user; then Dave, whose photo is older than the phone's
    last sync, shares his (a backfill); then Carol archives her photo, the user leaves her album, Dave stops."""
    from accounts.services import user_create
    from albums.models import Album, AlbumAsset, AlbumUser
    from sharing.models import Partner

    dave = user_create(email="dave@example.com", password="password123")
    daves = _asset(dave, "dave.jpg")
    carol = user_create(email="carol@example.com", password="password123")
    carols = _asset(carol, "carol.jpg")
    Partner.objects.create(shared_by=carol, shared_with=user)
    album = Album.objects.create(owner=carol, album_name="Carol's")
    AlbumAsset.objects.create(album=album, asset=carols)
    AlbumUser.objects.create(album=album, user=user, role="viewer")
    report: dict[str, object] = {"carol": str(carol.id), "carols": str(carols.id), "dave": str(dave.id)}
    report.update(daves=str(daves.id), shared_album=str(album.id), shared=_sync(phone, SHARING_TYPES))
    _ack(phone, report["shared"])
    Partner.objects.create(shared_by=dave, shared_with=user)
    report["backfill"] = _sync(phone, SHARING_TYPES)
    _ack(phone, report["backfill"])
    carols.visibility = "archive"
    carols.save(update_fields=["visibility"])
    AlbumUser.objects.filter(album=album, user=user).delete()
    Partner.objects.filter(shared_by=dave).delete()
    report["unshared"] = _sync(phone, SHARING_TYPES)
    return report


def _stacks(phone: Client, user) -> dict[str, object]:
    """Two synced photos of the user become a stack (they come again with its id), then the stack is deleted."""
    from stacks.models import Stack, StackAsset

    types = ["AssetsV2", "StacksV1"]
    photos = [_asset(user, "burst1.jpg"), _asset(user, "burst2.jpg")]
    _ack(phone, _sync(phone, types))
    stack = Stack.objects.create(owner=user, primary_asset=photos[0])
    StackAsset.objects.bulk_create([StackAsset(stack=stack, asset=photo) for photo in photos])
    report: dict[str, object] = {"stack": str(stack.id), "stacked": _sync(phone, types)}
    _ack(phone, report["stacked"])
    stack.delete()
    report["unstacked"] = _sync(phone, types)
    return report


def _duplicates(phone: Client, user) -> dict[str, object]:
    """Two synced photos of the user are hashed alike and grouped (they come again), then the group is dismissed
    (they come again); a third photo hashed alone does not."""
    import uuid

    from duplicates.models import AssetHash

    photos = [_asset(user, "copy1.jpg"), _asset(user, "copy2.jpg"), _asset(user, "alone.jpg")]
    bands = {f"band{index}": 0 for index in range(4)}
    AssetHash.objects.bulk_create(
        [AssetHash(asset=photo, owner=user, phash=0, hash_version="test", **bands) for photo in photos]
    )
    _ack(phone, _sync(phone, ["AssetsV2"]))
    group = uuid.uuid4()
    AssetHash.objects.filter(asset__in=photos[:2]).update(duplicate_id=group)
    AssetHash.objects.filter(asset=photos[2]).update(hash_version="test2")
    report: dict[str, object] = {
        "copies": [str(photo.id) for photo in photos[:2]],
        "grouped": _sync(phone, ["AssetsV2"]),
    }
    _ack(phone, report["grouped"])
    AssetHash.objects.filter(duplicate_id=group).update(duplicate_id=None)
    report["dismissed"] = _sync(phone, ["AssetsV2"])
    return report
