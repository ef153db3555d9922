"""The live events of changes (beyond uploads and the trash: tests/test_live_events.py), each heard through a real
socket.io connection to the real processes, which the module's tests share (tests/live.py), with Immich 3.1's
names, rooms and payloads (server/src/services/notification.service.ts, job.service.ts)."""

from __future__ import annotations

import time

import pytest
import requests

from accounts import services as account_services
from assets.live import ANNOUNCED_AT_ONCE
from stacks.models import Stack
from tests.contract.conftest import sdk_contract  # noqa: F401  (the fixture)
from tests.contract.validation import violations
from tests.jobs.helpers import make_assets
from tests.live import api_key_for
from tests.people.face_factories import face_picture, jpeg_with_xmp, mwg_block, packet, stored_box
from tests.test_live_events import AppSocket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sockets():
    """The sockets a test opens, closed after it."""
    opened: list[AppSocket] = []
    yield opened
    for socket in opened:
        socket.close()


def _sign_in(url: str, email: str, *, is_admin: bool = False) -> tuple[object, str]:
    """A new user and the token of a login session of theirs."""
    user = account_services.user_create(email=email, password="password123", is_admin=is_admin)
    return user, _login(url, email)


def _login(url: str, email: str) -> str:
    answer = requests.post(f"{url}/api/auth/login", json={"email": email, "password": "password123"}, timeout=30)
    assert answer.status_code == 201, answer.text
    return answer.json()["accessToken"]


def _phone(url: str, token: str, sockets: list[AppSocket]) -> AppSocket:
    """A connected app socket, past its `on_server_version` (it has joined its rooms)."""
    sockets.append(AppSocket(url, {"x-immich-user-token": token}))
    sockets[-1].next("on_server_version", timeout=30)
    return sockets[-1]


def test_an_edited_asset_reaches_the_app_as_it_now_is(server, sockets, sdk_contract):
    user, token = _sign_in(server, "editor@example.com")
    phone = _phone(server, token, sockets)
    (asset_id,) = make_assets(user, 1)
    headers = {"x-immich-user-token": token}

    answer = requests.put(
        f"{server}/api/assets/{asset_id}", json={"isFavorite": True, "description": "At the lake"}, headers=headers,
        timeout=30,
    )  # fmt: skip
    assert answer.ok, answer.text
    (asset,) = phone.next("on_asset_update")
    assert asset["id"] == asset_id and asset["isFavorite"] is True
    assert asset["exifInfo"]["description"] == "At the lake"
    assert violations(sdk_contract, "AssetResponseDto", asset) == []


def test_a_bulk_edit_tells_each_asset(server, sockets):
    user, token = _sign_in(server, "bulk@example.com")
    phone = _phone(server, token, sockets)
    ids = make_assets(user, 3)

    answer = requests.put(
        f"{server}/api/assets", json={"ids": ids, "isArchived": True}, headers={"x-immich-user-token": token},
        timeout=30,
    )  # fmt: skip
    assert answer.status_code == 204, answer.text
    updated = [phone.next("on_asset_update")[0] for _ in ids]
    assert sorted(asset["id"] for asset in updated) == sorted(ids)
    assert {asset["visibility"] for asset in updated} == {"archive"}


def test_a_bulk_edit_of_many_is_told_by_a_worker_without_holding_the_answer(server, sockets):
    user, token = _sign_in(server, "manyedits@example.com")
    phone = _phone(server, token, sockets)
    ids = make_assets(user, ANNOUNCED_AT_ONCE + 1)

    answer = requests.put(
        f"{server}/api/assets", json={"ids": ids, "isFavorite": True}, headers={"x-immich-user-token": token},
        timeout=30,
    )  # fmt: skip
    assert answer.status_code == 204, answer.text
    updated = {phone.next("on_asset_update")[0]["id"] for _ in ids}
    assert updated == set(ids)


def test_metadata_read_again_by_a_worker_updates_the_app(server, sockets, tmp_path):
    _, token = _sign_in(server, "refresh@example.com")
    phone = _phone(server, token, sockets)
    headers = {"x-immich-user-token": token}
    picture = tmp_path / "IMG_0100.jpg"
    face_picture().save(picture, "JPEG")
    asset_id = requests.post(
        f"{server}/api/assets", headers=headers, files={"assetData": ("IMG_0100.jpg", picture.read_bytes())},
        data={"fileCreatedAt": "2024-05-01T10:00:00.000Z", "fileModifiedAt": "2024-05-01T10:00:00.000Z"}, timeout=60,
    ).json()["id"]  # fmt: skip
    phone.next("on_upload_success")  # the upload's metadata was read before its first thumbnails: no update
    assert "on_asset_update" not in phone.names_heard()

    answer = requests.post(
        f"{server}/api/assets/jobs", json={"assetIds": [asset_id], "name": "refresh-metadata"}, headers=headers,
        timeout=30,
    )  # fmt: skip
    assert answer.status_code == 204, answer.text
    (asset,) = phone.next("on_asset_update")
    assert asset["id"] == asset_id and asset["exifInfo"]["exifImageWidth"] == 300


def test_stack_changes_tell_the_owner_without_arguments(server, sockets):
    user, token = _sign_in(server, "stacker@example.com")
    phone = _phone(server, token, sockets)
    ids = make_assets(user, 3)
    headers = {"x-immich-user-token": token}

    created = requests.post(f"{server}/api/stacks", json={"assetIds": ids}, headers=headers, timeout=30)
    assert created.status_code == 201, created.text
    assert phone.next("on_asset_stack_update") == ()
    stack_id = created.json()["id"]
    removed = requests.delete(f"{server}/api/stacks/{stack_id}/assets/{ids[2]}", headers=headers, timeout=30)
    assert removed.status_code == 204, removed.text
    assert phone.next("on_asset_stack_update") == ()
    assert requests.delete(f"{server}/api/stacks/{stack_id}", headers=headers, timeout=30).status_code == 204
    assert phone.next("on_asset_stack_update") == ()
    assert not Stack.objects.exists()


def test_a_new_persons_thumbnail_is_announced_with_the_persons_id(server, sockets, tmp_path):
    _, token = _sign_in(server, "faces@example.com")
    phone = _phone(server, token, sockets)
    headers = {"x-immich-user-token": token}
    picture = face_picture()
    tagged = jpeg_with_xmp(
        tmp_path / "tagged.jpg", picture=picture, orientation=1,
        xmp=packet(mwg_block([("Alice", stored_box(picture, 1))])),
    )  # fmt: skip
    requests.post(
        f"{server}/api/assets", headers=headers, files={"assetData": ("tagged.jpg", tagged.read_bytes())},
        data={"fileCreatedAt": "2024-05-01T10:00:00.000Z", "fileModifiedAt": "2024-05-01T10:00:00.000Z"}, timeout=60,
    )  # fmt: skip

    (person_id,) = phone.next("on_person_thumbnail")
    people = requests.get(f"{server}/api/people", headers=headers, timeout=30).json()["people"]
    assert [person["id"] for person in people] == [person_id]
    thumbnail = requests.get(f"{server}/api/people/{person_id}/thumbnail", headers=headers, timeout=30)
    assert thumbnail.status_code == 200  # announced once there is a face to show


def test_a_session_signed_out_elsewhere_is_told_and_closed(server, sockets):
    _, token = _sign_in(server, "twophones@example.com")
    other_token = _login(server, "twophones@example.com")
    phone, other_phone = _phone(server, token, sockets), _phone(server, other_token, sockets)
    listed = requests.get(f"{server}/api/sessions", headers={"x-immich-user-token": token}, timeout=30).json()
    (session_id,) = [session["id"] for session in listed if session["current"]]

    ended = requests.delete(
        f"{server}/api/sessions/{session_id}", headers={"x-immich-user-token": other_token}, timeout=30
    )
    assert ended.status_code == 204, ended.text
    assert phone.next("on_session_delete") == (session_id,)
    deadline = time.monotonic() + 10
    while phone.client.connected and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not phone.client.connected  # it hears the user's events no more
    time.sleep(1)
    assert other_phone.names_heard() == [] and other_phone.client.connected


def test_logging_out_tells_the_sessions_own_sockets(server, sockets):
    _, token = _sign_in(server, "leaving@example.com")
    phone = _phone(server, token, sockets)
    headers = {"x-immich-user-token": token}
    (session_id,) = [s["id"] for s in requests.get(f"{server}/api/sessions", headers=headers, timeout=30).json()]

    assert requests.post(f"{server}/api/auth/logout", headers=headers, timeout=30).ok
    assert phone.next("on_session_delete") == (session_id,)


def test_a_notification_for_the_user_reaches_their_sockets(server, sockets, sdk_contract):
    admin = account_services.user_create(email="admin@example.com", password="password123", is_admin=True)
    user, token = _sign_in(server, "notified@example.com")
    phone = _phone(server, token, sockets)

    answer = requests.post(
        f"{server}/api/admin/notifications", json={"userId": str(user.id), "title": "Welcome", "level": "info"},
        headers={"x-api-key": api_key_for(admin)}, timeout=30,
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    (notification,) = phone.next("on_notification")
    assert notification == answer.json()
    assert violations(sdk_contract, "NotificationDto", notification) == []


def test_a_deleted_user_is_announced_to_everyone(server, sockets):
    admin = account_services.user_create(email="admin@example.com", password="password123", is_admin=True)
    leaving, leaving_token = _sign_in(server, "gone@example.com")
    _, token = _sign_in(server, "stays@example.com")
    phone, leaving_phone = _phone(server, token, sockets), _phone(server, leaving_token, sockets)

    answer = requests.delete(
        f"{server}/api/admin/users/{leaving.id}", json={}, headers={"x-api-key": api_key_for(admin)}, timeout=30
    )
    assert answer.ok, answer.text
    assert phone.next("on_user_delete") == (str(leaving.id),)
    assert leaving_phone.next("on_session_delete")  # signed out everywhere
