"""The sync stream on the embedded SQLite database, the one `bin/run` uses: the mobile app syncs there as it does on
PostgreSQL (change keys and audit rows kept by SQLite triggers), rows made before the upgrade included."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.sync.app import of_type

pytestmark = pytest.mark.slow

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    media = tmp_path_factory.mktemp("sqlite-media")
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(DJANGO_SETTINGS_MODULE="immich.settings.embedded", IMMICH_MEDIA_LOCATION=str(media),
               ALLOWED_HOSTS="testserver")  # fmt: skip
    script = "import django; django.setup(); from tests.sync.sqlite_phone import main; main()"
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    [line] = [line for line in run.stdout.splitlines() if line.startswith("REPORT ")]
    return json.loads(line.removeprefix("REPORT "))


def test_the_first_sync_sends_rows_made_before_the_upgrade_with_immichs_ids_and_dates(report):
    first = report["first"]
    assert [asset["id"] for asset in of_type(first, "AssetV2")] == [report["before"]]
    [asset] = of_type(first, "AssetV2")
    assert asset["ownerId"] == report["user"] and asset["fileCreatedAt"].endswith("Z")
    assert asset["isFavorite"] is False and asset["visibility"] == "timeline"
    assert [exif["assetId"] for exif in of_type(first, "AssetExifV1")] == [report["before"]]
    assert [user["id"] for user in of_type(first, "AuthUserV1")] == [report["user"]]
    assert first[-1]["type"] == "SyncCompleteV1"


def test_after_an_ack_only_the_new_asset_and_album_come(report):
    second = report["second"]
    assert [asset["id"] for asset in of_type(second, "AssetV2")] == [report["after"]]
    assert [album["id"] for album in of_type(second, "AlbumV2")] == [report["album"]]
    assert of_type(second, "AlbumToAssetV1") == [{"albumId": report["album"], "assetId": report["after"]}]
    assert of_type(second, "AuthUserV1") == []


def test_deletes_reach_the_phone_from_the_audit_triggers(report):
    third = report["third"]
    assert of_type(third, "AssetDeleteV1") == [{"assetId": report["before"]}]
    assert of_type(third, "AlbumToAssetDeleteV1") == [{"albumId": report["album"], "assetId": report["after"]}]
    assert of_type(third, "AssetV2") == []


def test_partners_and_shared_albums_reach_the_phone_with_their_backfill_and_their_end(report):
    shared, user = report["shared"], report["user"]
    assert of_type(shared, "PartnerV1") == [{"sharedById": report["carol"], "sharedWithId": user, "inTimeline": False}]
    assert [asset["id"] for asset in of_type(shared, "PartnerAssetV2")] == [report["carols"]]
    assert {"albumId": report["shared_album"], "userId": user, "role": "viewer"} in of_type(shared, "AlbumUserV1")
    assert [asset["id"] for asset in of_type(shared, "AlbumAssetCreateV2")] == [report["carols"]]
    assert [asset["id"] for asset in of_type(report["backfill"], "PartnerAssetBackfillV2")] == [report["daves"]]
    unshared = report["unshared"]
    assert of_type(unshared, "PartnerAssetDeleteV1") == [{"assetId": report["carols"]}]
    assert of_type(unshared, "AlbumDeleteV1") == [{"albumId": report["shared_album"]}]
    assert of_type(unshared, "PartnerDeleteV1") == [{"sharedById": report["dave"], "sharedWithId": user}]


def test_stacks_and_their_removal_reach_the_phone_from_the_sqlite_triggers(report):
    stack = report["stack"]
    [synced] = of_type(report["stacked"], "StackV1")
    assert synced["id"] == stack and synced["ownerId"] == report["user"]
    assert [asset["stackId"] for asset in of_type(report["stacked"], "AssetV2")] == [stack, stack]
    assert of_type(report["unstacked"], "StackDeleteV1") == [{"stackId": stack}]
    assert [asset["stackId"] for asset in of_type(report["unstacked"], "AssetV2")] == [None, None]


def test_a_change_of_duplicate_group_reaches_the_phone_from_the_sqlite_triggers(report):
    copies = sorted(report["copies"])
    assert sorted(asset["id"] for asset in of_type(report["grouped"], "AssetV2")) == copies
    assert sorted(asset["id"] for asset in of_type(report["dismissed"], "AssetV2")) == copies
