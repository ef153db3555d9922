"""`DELETE /api/admin/users/{id}` with `force` (issue 22): the user is gone at once (no sign-in, not listed, status
"removing"), and a recorded UserDelete run removes their files and rows in the background: idempotent, and a run
killed part way finishes when it runs again."""

from pathlib import Path

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiKey, User
from albums.models import Album, AlbumAsset
from assets.models import Asset, AssetFile
from assets.services import asset_delete_files
from jobs.models import JobRun, Step
from jobs.services import step_run
from maintenance.tasks import user_delete
from maintenance.user_removal import user_remove
from tags.models import Tag
from tests.assets.helpers import upload_photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def bobs_library(other_api, other_user, tmp_path):
    """Bob's two photos with their thumbnails, in an album, tagged, and an API key."""
    ids = [upload_photo(other_api, tmp_path / str(i), color=(30 * i, 90, 9)) for i in range(2)]
    for asset_id in ids:
        for step in (Step.METADATA, Step.STORAGE_TEMPLATE, Step.THUMBNAILS):
            step_run(asset_id=asset_id, step=step)
    other_api.post("/api/albums", {"albumName": "Bob's", "assetIds": ids}, format="json")
    tag = other_api.put("/api/tags", {"tags": ["Bob"]}, format="json").json()[0]
    other_api.put(f"/api/tags/{tag['id']}/assets", {"ids": ids}, format="json")
    return ids


def _files(user: User, media_root: Path) -> list[Path]:
    return [path for path in media_root.rglob("*") if path.is_file() and str(user.id) in str(path)]


def _force_delete(admin_api, user) -> dict:
    response = admin_api.delete(f"/api/admin/users/{user.id}", {"force": True}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_forced_delete_removes_the_user_at_once(admin_api, other_user, bobs_library):
    key = ApiKey.objects.filter(user=other_user).first()
    body = _force_delete(admin_api, other_user)
    assert body["status"] == "removing" and body["deletedAt"]
    assert str(other_user.id) not in {user["id"] for user in admin_api.get("/api/admin/users").json()}
    assert str(other_user.id) not in {user["id"] for user in admin_api.get("/api/users").json()}
    login = APIClient().post("/api/auth/login", {"email": other_user.email, "password": "password123"}, format="json")
    assert login.status_code == 401
    assert key is None or not ApiKey.objects.filter(pk=key.pk).exists()
    run = JobRun.objects.get(name="UserDelete", subject=f"user:{other_user.id}")
    assert run.args == {"user_id": str(other_user.id)}


def test_the_removal_job_leaves_no_file_and_no_row_of_the_user(admin_api, other_user, bobs_library, media_root):
    assert _files(other_user, media_root)  # originals and thumbnails
    assert AssetFile.objects.filter(asset_id__in=bobs_library).exists()
    _force_delete(admin_api, other_user)
    run = JobRun.objects.get(name="UserDelete")

    result = user_delete(run.pk)

    assert result["assets"] == 2
    assert _files(other_user, media_root) == []
    assert not User.objects.filter(pk=other_user.pk).exists()
    assert not Asset.objects.filter(pk__in=bobs_library).exists()
    assert not AssetFile.objects.filter(asset_id__in=bobs_library).exists()
    assert not Album.objects.filter(owner_id=other_user.pk).exists() and not AlbumAsset.objects.exists()
    assert not Tag.objects.filter(owner_id=other_user.pk).exists()
    run.refresh_from_db()
    assert run.status == "done"


def test_a_removal_killed_part_way_finishes_when_run_again(admin_api, other_user, bobs_library, media_root):
    _force_delete(admin_api, other_user)
    # The run was killed after its first asset: that asset's files and row are gone, the rest is there.
    Asset.objects.filter(pk=bobs_library[0]).update(status="deleted")
    asset_delete_files(asset_id=bobs_library[0])
    assert _files(other_user, media_root)

    assert user_remove(user_id=str(other_user.id))["assets"] == 1

    assert _files(other_user, media_root) == [] and not User.objects.filter(pk=other_user.pk).exists()


def test_a_second_run_does_nothing(admin_api, other_user, bobs_library):
    _force_delete(admin_api, other_user)
    user_remove(user_id=str(other_user.id))
    assert "skipped" in user_remove(user_id=str(other_user.id))


def test_a_user_being_removed_cannot_be_restored(admin_api, other_user):
    _force_delete(admin_api, other_user)
    response = admin_api.post(f"/api/admin/users/{other_user.id}/restore")
    assert response.status_code == 400
    assert "skipped" not in user_remove(user_id=str(other_user.id))


def test_a_delete_without_force_keeps_the_data_and_sends_no_job(admin_api, other_user, bobs_library, media_root):
    response = admin_api.delete(f"/api/admin/users/{other_user.id}")
    assert response.status_code == 200 and response.json()["status"] == "deleted"
    assert not JobRun.objects.filter(name="UserDelete").exists()
    assert "skipped" in user_remove(user_id=str(other_user.id))
    assert Asset.objects.filter(pk__in=bobs_library).count() == 2 and _files(other_user, media_root)
