from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from assets.models import Asset
from assets.services import asset_delete_files, trash_purge_expired
from tests.assets.helpers import upload_photo

pytestmark = pytest.mark.django_db


def test_purge_deletes_only_assets_trashed_long_enough(api, tmp_path):
    old = upload_photo(api, tmp_path / "a")
    recent = upload_photo(api, tmp_path / "b", color=(1, 1, 1))
    kept = upload_photo(api, tmp_path / "c", color=(2, 2, 2))
    api.delete("/api/assets", {"ids": [old, recent]}, format="json")
    Asset.objects.filter(pk=old).update(deleted_at=timezone.now() - timedelta(days=31))
    assert trash_purge_expired(days=30) == 1
    statuses = dict(Asset.objects.values_list("id", "status"))
    assert {str(k): v for k, v in statuses.items()} == {old: "deleted", recent: "trashed", kept: "active"}


def test_purged_upload_loses_its_file(api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    original = Path(Asset.objects.get(pk=asset_id).original_path)
    api.delete("/api/assets", {"ids": [asset_id]}, format="json")
    trash_purge_expired(days=0)
    asset_delete_files(asset_id=asset_id)
    assert not original.exists()


def test_purge_never_deletes_an_external_original(api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    original = Path(Asset.objects.get(pk=asset_id).original_path)
    Asset.objects.filter(pk=asset_id).update(is_external=True)
    api.delete("/api/assets", {"ids": [asset_id]}, format="json")
    trash_purge_expired(days=0)
    assert asset_delete_files(asset_id=asset_id) is True
    assert original.exists()
    assert not Asset.objects.filter(pk=asset_id).exists()
