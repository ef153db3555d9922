"""The audit tables: what the triggers record, and the nightly cleanup past the retention."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from assets.models import Asset
from sync.models import AssetAudit, UserAudit
from sync.tasks import audit_table_cleanup
from tests.assets.helpers import upload_photo

pytestmark = pytest.mark.django_db


def test_a_deleted_row_is_recorded_once_with_its_owner(api, user, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    api.delete("/api/assets", {"ids": [asset_id], "force": True}, format="json")  # marked deleted
    Asset.objects.filter(pk=asset_id).delete()  # then the row goes with its files
    assert list(AssetAudit.objects.values_list("asset_id", "owner_id")) == [(uuid.UUID(asset_id), user.id)]


def test_a_removed_user_is_recorded(other_user):
    user_id = other_user.id
    User.objects.filter(pk=user_id).delete()
    assert list(UserAudit.objects.values_list("user_id", flat=True)) == [user_id]


def test_the_cleanup_removes_only_what_is_past_the_retention(api, tmp_path):
    for index in range(2):
        asset_id = upload_photo(api, tmp_path, f"{index}.jpg", color=(index * 90, 9, 9))
        Asset.objects.filter(pk=asset_id).delete()
    old, recent = AssetAudit.objects.order_by("id")
    AssetAudit.objects.filter(pk=old.pk).update(deleted_at=timezone.now() - timedelta(days=32))
    assert audit_table_cleanup() == 1
    assert list(AssetAudit.objects.values_list("pk", flat=True)) == [recent.pk]
