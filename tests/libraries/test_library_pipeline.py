"""A library file through the whole chain (metadata -> storage template -> thumbnails): thumbnails are made in
the media location, the original stays exactly where and what it was (the storage template never applies)."""

from __future__ import annotations

import os

from django.conf import settings

from assets.models import Asset, AssetFile, AssetStatus
from assets.services import assets_delete, trash_empty
from tests.jobs.helpers import run_pending_steps
from tests.libraries.helpers import photo, scan


def test_a_library_photo_runs_the_chain_and_its_original_is_untouched(library, photos, user, media_root):
    original = photo(photos / "2021", "IMG_1.jpg")
    before = (original.read_bytes(), original.stat().st_mtime_ns, original.stat().st_ino)
    scan(library)

    ran = run_pending_steps()

    asset = Asset.objects.get()
    assert "metadata:done" in ran[0] and any(entry.startswith("thumbnails:") for entry in ran)
    assert asset.original_path == str(original) and (asset.width, asset.height) == (64, 48)
    assert (original.read_bytes(), original.stat().st_mtime_ns, original.stat().st_ino) == before
    assert sorted(os.listdir(photos / "2021")) == ["IMG_1.jpg"]
    thumbnails = list(AssetFile.objects.filter(asset=asset).values_list("path", flat=True))
    assert thumbnails and all(path.startswith(str(settings.MEDIA_LOCATION)) for path in thumbnails)


def test_deleting_a_library_asset_for_good_never_deletes_the_original(
    library, photos, user, django_capture_on_commit_callbacks
):
    from assets import tasks as asset_tasks

    original = photo(photos, "IMG_1.jpg")
    sidecar = photos / "IMG_1.jpg.xmp"
    sidecar.write_bytes(b"<x/>")
    scan(library)
    asset = Asset.objects.get()
    assets_delete(owner=user, ids=[asset.pk], force=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        trash_empty(owner=user)
    assert Asset.objects.get().status == AssetStatus.DELETED
    asset_tasks.delete_asset.run(str(asset.pk))
    assert not Asset.objects.exists() and callbacks
    assert original.exists() and sidecar.exists()
