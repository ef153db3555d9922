"""The Django admin's "transfer user data" action: choose a destination, preview, then transfer."""

import pytest
from django.test import Client

from albums.models import Album
from assets.models import Asset
from tests.assets.helpers import upload_photo

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/accounts/user/"


@pytest.fixture
def staff(admin) -> Client:
    client = Client()
    client.force_login(admin)
    return client


def _post(staff, source, **fields):
    return staff.post(CHANGELIST, {"action": "transfer_data", "_selected_action": [str(source.pk)], **fields})


def test_the_action_asks_for_a_destination(staff, user, other_user):
    response = _post(staff, user)
    assert response.status_code == 200
    assert other_user.email in response.content.decode()


def test_preview_changes_nothing(staff, api, user, other_user, tmp_path):
    upload_photo(api, tmp_path)
    response = _post(staff, user, destination=str(other_user.pk), preview="Preview")
    assert "Would move 1 assets" in response.content.decode()
    assert Asset.objects.filter(owner=user).count() == 1


def test_transfer_moves_assets_and_albums(staff, api, user, other_user, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    api.post("/api/albums", {"albumName": "Trip", "assetIds": [asset_id]}, format="json")
    response = _post(staff, user, destination=str(other_user.pk), apply="Transfer now")
    assert response.status_code == 302
    assert Asset.objects.get(pk=asset_id).owner == other_user
    assert Album.objects.get(album_name="Trip").owner == other_user


def test_only_staff_can_transfer(user, other_user):
    client = Client()
    client.force_login(user)
    response = _post(client, user, destination=str(other_user.pk), apply="Transfer now")
    assert response.status_code == 302 and "/login/" in response["Location"]
