"""The scan: new, unchanged, changed, missing, back, excluded; originals are never written."""

from __future__ import annotations

import hashlib
import os

from assets import selectors as asset_selectors
from assets.models import Asset, AssetStatus
from jobs.models import AssetStep, Priority, Step, StepStatus
from libraries.models import Library, LibraryFile, OfflineReason, ScanState
from tests.libraries.helpers import photo, scan, touch


def _asset(path) -> Asset:
    return Asset.objects.get(original_path=str(path))


def test_new_files_become_external_assets_queued_for_metadata(library, photos):
    first = photo(photos, "a.jpg")
    video = touch(photos / "trip" / "clip.MP4", b"not really a video")
    touch(photos / "notes.txt", b"ignored")

    outcome = scan(library)

    assert outcome.state == ScanState.DONE
    assert outcome.counts["new"] == 2
    asset = _asset(first)
    assert asset.is_external and asset.library_id == library.pk and asset.owner_id == library.owner_id
    assert asset.checksum_algorithm == "sha1-path"
    assert bytes(asset.checksum) == hashlib.sha1(b"path:" + str(first).encode()).digest()
    assert asset.type == "IMAGE" and _asset(video).type == "VIDEO"
    assert asset.file_size == first.stat().st_size
    step = AssetStep.objects.get(asset=asset, step=Step.METADATA)
    assert (step.status, step.priority, step.continue_chain) == (StepStatus.PENDING, Priority.BACKFILL, True)
    row = LibraryFile.objects.get(asset=asset)
    assert (row.path, row.size, row.mtime_ns) == (str(first), first.stat().st_size, first.stat().st_mtime_ns)
    library.refresh_from_db()
    assert library.refreshed_at is not None and library.last_scan["counts"]["new"] == 2


def test_scanning_never_writes_the_originals(library, photos):
    original = photo(photos, "a.jpg")
    before = (original.read_bytes(), original.stat().st_mtime_ns, original.stat().st_ino)
    scan(library)
    scan(library)
    assert (original.read_bytes(), original.stat().st_mtime_ns, original.stat().st_ino) == before
    assert sorted(p.name for p in photos.iterdir()) == ["a.jpg"]


def test_a_rescan_with_nothing_changed_does_no_work(library, photos):
    for index in range(5):
        photo(photos, f"{index}.jpg")
    scan(library)
    AssetStep.objects.update(status=StepStatus.DONE)
    stamps = dict(Asset.objects.values_list("id", "updated_at"))

    outcome = scan(library)

    assert outcome.counts["new"] == outcome.counts["changed"] == outcome.counts["offline"] == 0
    assert outcome.counts["seen"] == 5
    assert not AssetStep.objects.filter(status=StepStatus.PENDING).exists()
    assert dict(Asset.objects.values_list("id", "updated_at")) == stamps


def test_a_changed_file_is_extracted_and_thumbnailed_again(library, photos):
    path = photo(photos, "a.jpg")
    scan(library)
    AssetStep.objects.update(status=StepStatus.DONE)
    photo(photos, "a.jpg", color=(10, 200, 10))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 5_000_000_000))

    outcome = scan(library)

    assert outcome.counts["changed"] == 1 and outcome.counts["new"] == 0
    step = AssetStep.objects.get(asset=_asset(path), step=Step.METADATA)
    assert step.status == StepStatus.PENDING and step.continue_chain  # the chain runs thumbnails after it
    assert LibraryFile.objects.get(asset=_asset(path)).size == path.stat().st_size


def test_a_missing_file_goes_offline_is_hidden_and_kept(library, photos, user):
    path = photo(photos, "a.jpg")
    photo(photos, "b.jpg")
    scan(library)
    asset_id = _asset(path).pk
    path.unlink()

    outcome = scan(library)

    asset = Asset.objects.get(pk=asset_id)
    assert outcome.counts["offline"] == 1
    assert asset.is_offline and asset.deleted_at is not None and asset.status == AssetStatus.ACTIVE
    assert LibraryFile.objects.get(asset=asset).offline_reason == OfflineReason.MISSING
    assert asset_id not in set(asset_selectors.filtered_assets(user=user).values_list("id", flat=True))
    # Offline is a state: the user's "empty trash" and the nightly purge leave it alone.
    from assets.services import trash_empty, trash_purge_expired

    trash_empty(owner=user)
    trash_purge_expired(days=0)
    assert Asset.objects.filter(pk=asset_id, status=AssetStatus.ACTIVE).exists()


def test_a_file_that_comes_back_goes_online_without_reprocessing(library, photos, user):
    path = photo(photos, "a.jpg")
    photo(photos, "b.jpg")
    scan(library)
    asset_id = _asset(path).pk
    kept = path.read_bytes()
    stat = path.stat()
    path.unlink()
    scan(library)
    AssetStep.objects.update(status=StepStatus.DONE)
    path.write_bytes(kept)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    outcome = scan(library)

    asset = Asset.objects.get(pk=asset_id)
    assert outcome.counts["online"] == 1 and outcome.counts["changed"] == 0
    assert not asset.is_offline and asset.deleted_at is None
    assert not AssetStep.objects.filter(asset_id=asset_id, status=StepStatus.PENDING).exists()
    assert asset_id in set(asset_selectors.filtered_assets(user=user).values_list("id", flat=True))


def test_a_trashed_asset_that_goes_offline_and_back_stays_in_the_trash(library, photos, user):
    path = photo(photos, "a.jpg")
    photo(photos, "b.jpg")
    scan(library)
    asset = _asset(path)
    Asset.objects.filter(pk=asset.pk).update(status=AssetStatus.TRASHED, deleted_at="2024-01-01T00:00:00Z")
    data, stat = path.read_bytes(), path.stat()
    path.unlink()
    scan(library)
    path.write_bytes(data)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    scan(library)
    asset.refresh_from_db()
    assert not asset.is_offline and asset.status == AssetStatus.TRASHED and asset.deleted_at is not None


def test_newly_excluded_files_go_offline_and_come_back_when_the_pattern_goes(library, photos):
    kept = photo(photos, "keep.jpg")
    raw = touch(photos / "raw" / "IMG_1.ARW", b"raw bytes")
    dng = touch(photos / "IMG_2.dng", b"dng bytes")
    scan(library)

    Library.objects.filter(pk=library.pk).update(exclusion_patterns=["**/*.{arw,dng}"])
    library.refresh_from_db()
    outcome = scan(library)

    assert outcome.counts["offline"] == 2
    assert _asset(raw).is_offline and _asset(dng).is_offline and not _asset(kept).is_offline
    assert LibraryFile.objects.get(asset=_asset(raw)).offline_reason == OfflineReason.EXCLUDED

    Library.objects.filter(pk=library.pk).update(exclusion_patterns=[])
    library.refresh_from_db()
    assert scan(library).counts["online"] == 2


def test_files_outside_a_removed_import_path_go_offline(library, photos, tmp_path):
    photo(photos, "a.jpg")
    scan(library)
    other = tmp_path / "other"
    other.mkdir()
    photo(other, "b.jpg")
    Library.objects.filter(pk=library.pk).update(import_paths=[str(other)])
    library.refresh_from_db()

    outcome = scan(library)

    assert outcome.counts["new"] == 1 and outcome.counts["offline"] == 1
    assert LibraryFile.objects.get(path=str(photos / "a.jpg")).offline_reason == OfflineReason.OUTSIDE


def test_hidden_files_and_default_exclusions_are_skipped(library, photos):
    photo(photos, "a.jpg")
    touch(photos / ".hidden.jpg", b"x")
    touch(photos / ".cache" / "b.jpg", b"x")
    touch(photos / "@eaDir" / "a.jpg" / "SYNOFILE_THUMB_XL.jpg", b"x")
    touch(photos / "._a.jpg", b"x")
    touch(photos / "#recycle" / "old.jpg", b"x")

    outcome = scan(library)

    assert outcome.counts["new"] == 1
    assert list(Asset.objects.values_list("original_file_name", flat=True)) == ["a.jpg"]


def test_sidecars_are_found_and_a_changed_sidecar_is_extracted_again(library, photos):
    first = photo(photos, "IMG_1.jpg")
    second = photo(photos, "IMG_2.jpg")
    touch(photos / "IMG_1.jpg.xmp", b"<x:xmpmeta/>")
    touch(photos / "IMG_2.XMP", b"<x:xmpmeta/>")
    scan(library)
    assert _asset(first).sidecar_path == str(photos / "IMG_1.jpg.xmp")
    assert _asset(second).sidecar_path == str(photos / "IMG_2.XMP")
    AssetStep.objects.update(status=StepStatus.DONE)

    touch(photos / "IMG_1.jpg.xmp", b"<x:xmpmeta rating='5'/>", mtime=first.stat().st_mtime + 60)
    outcome = scan(library)

    assert outcome.counts["changed"] == 1
    assert list(AssetStep.objects.filter(status=StepStatus.PENDING).values_list("asset_id", flat=True)) == [
        _asset(first).pk
    ]


def test_a_deleted_sidecar_is_forgotten_but_never_deleted_by_the_server(library, photos):
    path = photo(photos, "IMG_1.jpg")
    photo(photos, "IMG_2.jpg")
    sidecar = touch(photos / "IMG_1.xmp", b"<x:xmpmeta/>")
    scan(library)
    path.unlink()
    scan(library)
    assert sidecar.exists()
    sidecar.unlink()
    photo(photos, "IMG_1.jpg")
    scan(library)
    assert _asset(path).sidecar_path is None
