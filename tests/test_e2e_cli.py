"""End to end: the API under gunicorn and a Celery worker as real processes, driven by the official Immich CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from accounts import services as account_services
from albums.models import Album
from assets.models import Asset
from immich.env import REPO_ROOT
from jobs.models import AssetStep, Step, StepStatus
from tests.live import wait_until
from tests.media_factories import make_jpeg, make_mp4, make_png, make_webp, make_xmp

CLI = REPO_ROOT.parent / "shared" / "tools" / "immich-cli"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CLI.exists() or shutil.which("npm") is None, reason="the Immich CLI needs npm"),
]


def _cli(*args: str, config: Path) -> str:
    env = {**os.environ, "IMMICH_CONFIG_DIR": str(config)}
    result = subprocess.run([str(CLI), *args], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def _photo_tree(root: Path) -> Path:
    make_jpeg(root / "Summer 2021" / "beach.jpg", taken="2021:07:01 12:00:00")
    make_xmp(root / "Summer 2021" / "beach.jpg.xmp")
    make_png(root / "Summer 2021" / "drawing.png")
    make_webp(root / "Summer 2021" / "nested" / "Ünïcödé ñame.webp")
    make_jpeg(root / "Winter" / "snow.jpg", color=(250, 250, 250), taken="2020:12:24 18:00:00")
    make_mp4(root / "Winter" / "sledge.mp4")
    return root


def test_official_cli_uploads_a_tree_into_albums_and_detects_duplicates(live_server_processes, tmp_path):
    server = live_server_processes
    alice = account_services.user_create(email="alice@example.com", password="password123")
    bob = account_services.user_create(email="bob@example.com", password="password123")
    _, alice_key = account_services.api_key_create(user=alice, name="cli", permissions=["all"])
    _, bob_key = account_services.api_key_create(
        user=bob,
        name="cli",
        permissions=["asset.upload", "user.read", "album.read", "album.create", "albumAsset.create"],
    )
    tree = _photo_tree(tmp_path / "photos")

    _cli("login", f"{server}/api", alice_key, config=tmp_path / "alice")
    _cli("upload", "--recursive", "--album", str(tree), config=tmp_path / "alice")

    assets = Asset.objects.filter(owner=alice)
    assert sorted(assets.values_list("original_file_name", flat=True)) == sorted(
        ["beach.jpg", "drawing.png", "Ünïcödé ñame.webp", "snow.jpg", "sledge.mp4"]
    )
    assert assets.get(original_file_name="beach.jpg").sidecar_path.endswith(".xmp")
    albums = {
        album.album_name: sorted(a.original_file_name for a in album.assets.all())
        for album in Album.objects.filter(owner=alice)
    }
    assert albums == {
        "Summer 2021": ["beach.jpg", "drawing.png"],
        "nested": ["Ünïcödé ñame.webp"],
        "Winter": ["sledge.mp4", "snow.jpg"],
    }
    wait_until(
        lambda: AssetStep.objects.filter(step=Step.METADATA, status=StepStatus.DONE).count() == 5, 60, "the worker"
    )
    beach = assets.get(original_file_name="beach.jpg")
    assert (beach.width, beach.height) == (64, 48)
    assert beach.local_date_time.year == 2021 and beach.local_date_time.month == 7

    again = _cli("upload", "--recursive", "--album", str(tree), config=tmp_path / "alice")
    assert "5 duplicates" in again, again
    assert Asset.objects.filter(owner=alice).count() == 5

    _cli("login", f"{server}/api", bob_key, config=tmp_path / "bob")
    _cli("upload", str(tree / "Winter" / "snow.jpg"), config=tmp_path / "bob")
    bobs = Asset.objects.get(owner=bob)
    assert bobs.checksum == assets.get(original_file_name="snow.jpg").checksum
    assert bobs.id != assets.get(original_file_name="snow.jpg").id
