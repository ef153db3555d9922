"""A file moved or renamed inside the library keeps its asset, albums and favorite."""

from __future__ import annotations

import os
import shutil

from albums.models import Album, AlbumAsset
from assets.models import Asset
from jobs.models import AssetStep, StepStatus
from libraries.models import LibraryFile
from libraries.services import library_fingerprint_files
from tests.libraries.helpers import photo, scan


def _in_album_and_favorite(asset: Asset, user) -> Album:
    album = Album.objects.create(owner=user, album_name="Holidays")
    AlbumAsset.objects.create(album=album, asset=asset)
    Asset.objects.filter(pk=asset.pk).update(is_favorite=True)
    return album


def test_a_renamed_file_keeps_its_asset_albums_and_favorite(library, photos, user):
    old = photo(photos / "2019", "IMG_1.jpg")
    photo(photos, "other.jpg")
    scan(library)
    asset = Asset.objects.get(original_path=str(old))
    album = _in_album_and_favorite(asset, user)
    AssetStep.objects.update(status=StepStatus.DONE)
    new = photos / "2019 Holidays" / "beach.jpg"
    new.parent.mkdir()
    os.rename(old, new)

    outcome = scan(library)

    assert outcome.counts["moved"] == 1 and outcome.counts["new"] == 0 and outcome.counts["offline"] == 0
    asset.refresh_from_db()
    assert asset.original_path == str(new) and asset.original_file_name == "beach.jpg"
    assert asset.is_favorite and not asset.is_offline
    assert AlbumAsset.objects.filter(album=album, asset=asset).exists()
    assert Asset.objects.count() == 2
    assert LibraryFile.objects.get(asset=asset).path == str(new)
    assert not AssetStep.objects.filter(status=StepStatus.PENDING).exists()  # same content: nothing to redo


def test_a_renamed_folder_moves_every_file_in_it(library, photos):
    for index in range(30):
        photo(photos / "old", f"{index}.jpg", color=(index, 0, 0))
    photo(photos, "stays.jpg")
    scan(library)
    ids = set(Asset.objects.values_list("id", flat=True))
    os.rename(photos / "old", photos / "new")

    outcome = scan(library)

    assert outcome.counts["moved"] == 30
    assert set(Asset.objects.values_list("id", flat=True)) == ids
    assert Asset.objects.filter(original_path__startswith=str(photos / "new") + "/").count() == 30


def test_a_file_copied_elsewhere_and_removed_is_recognised_by_its_content(library, photos, user):
    old = photo(photos, "IMG_1.jpg")
    photo(photos, "other.jpg", color=(1, 2, 3))
    scan(library)
    asset = Asset.objects.get(original_path=str(old))
    _in_album_and_favorite(asset, user)
    assert library_fingerprint_files(library_id=library.pk) == 2
    new = photos / "sorted" / "IMG_1.jpg"
    new.parent.mkdir()
    shutil.copyfile(old, new)  # a new inode and a new mtime: only the content says it is the same file
    old.unlink()

    outcome = scan(library)

    assert outcome.counts["moved"] == 1 and outcome.counts["new"] == 0
    asset.refresh_from_db()
    assert asset.original_path == str(new) and asset.is_favorite and asset.albums.count() == 1


def test_a_file_moved_while_offline_is_recognised_when_it_reappears(library, photos):
    old = photo(photos, "IMG_1.jpg")
    photo(photos, "other.jpg", color=(1, 2, 3))
    scan(library)
    asset = Asset.objects.get(original_path=str(old))
    parked = photos.parent / "parked.jpg"
    os.rename(old, parked)
    scan(library)
    asset.refresh_from_db()
    assert asset.is_offline
    os.rename(parked, photos / "back.jpg")

    outcome = scan(library)

    asset.refresh_from_db()
    assert outcome.counts["moved"] == 1
    assert asset.original_path == str(photos / "back.jpg") and not asset.is_offline and asset.deleted_at is None


def test_a_new_file_with_different_content_is_not_taken_for_a_move(library, photos):
    old = photo(photos, "IMG_1.jpg", color=(200, 0, 0))
    photo(photos, "other.jpg", color=(1, 2, 3))
    scan(library)
    library_fingerprint_files(library_id=library.pk)
    old_id = Asset.objects.get(original_path=str(old)).pk
    old.unlink()
    photo(photos, "IMG_9.jpg", color=(0, 0, 200))

    outcome = scan(library)

    assert outcome.counts["moved"] == 0 and outcome.counts["new"] == 1 and outcome.counts["offline"] == 1
    assert Asset.objects.get(pk=old_id).is_offline
