"""GET/POST/DELETE /api/sync/ack, and the refusals of the sync endpoints: API keys, malformed requests, unknown types,
acks of a wrong format or of another session, and a client that goes away mid-stream."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from sync import selectors
from sync.models import SessionSyncCheckpoint
from tests.assets.helpers import upload_photo
from tests.sync.app import ack_all, phone_for, stream, sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def phone(user):
    return phone_for(user)


def _acks(phone) -> dict[str, str]:
    response = phone.get("/api/sync/ack")
    assert response.status_code == 200
    return {item["type"]: item["ack"] for item in response.json()}


def _message(response) -> str:
    assert response.status_code == 400, response.content
    return response.json()["message"]


def test_acks_are_stored_per_type_and_read_back(phone, api, tmp_path):
    upload_photo(api, tmp_path)
    lines = sync(phone)
    ack_all(phone, lines)
    stored = _acks(phone)
    assert stored["AssetV2"] == [line["ack"] for line in lines if line["type"] == "AssetV2"][-1]
    assert stored["SyncCompleteV1"] == lines[-1]["ack"]


def test_the_furthest_ack_of_a_type_is_kept(phone, api, tmp_path):
    upload_photo(api, tmp_path, "a.jpg", color=(1, 2, 3))
    upload_photo(api, tmp_path, "b.jpg", color=(200, 2, 3))
    first, second = [line["ack"] for line in sync(phone) if line["type"] == "AssetV2"]
    assert phone.post("/api/sync/ack", {"acks": [second, first]}, format="json").status_code == 204
    assert _acks(phone)["AssetV2"] == second


def test_checkpoints_belong_to_the_login_session(user, api, tmp_path):
    upload_photo(api, tmp_path)
    phone, tablet = phone_for(user), phone_for(user)
    ack_all(phone, sync(phone))
    assert len([line for line in sync(tablet) if line["type"] == "AssetV2"]) == 1
    assert _acks(tablet) == {}


def test_delete_forgets_the_named_types_or_all(phone, api, tmp_path):
    upload_photo(api, tmp_path)
    ack_all(phone, sync(phone))
    assert phone.delete("/api/sync/ack", {"types": ["AssetV2"]}, format="json").status_code == 204
    assert "AssetV2" not in _acks(phone) and "AuthUserV1" in _acks(phone)
    assert phone.delete("/api/sync/ack", {}, format="json").status_code == 204
    assert _acks(phone) == {}


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [("post", "/api/sync/stream", {"types": ["AssetsV2"]}), ("get", "/api/sync/ack", None),
     ("post", "/api/sync/ack", {"acks": []}), ("delete", "/api/sync/ack", {})],
)  # fmt: skip
def test_api_keys_are_refused_as_in_immich(api, method, url, body):
    response = getattr(api, method)(url, body, format="json") if body is not None else api.get(url)
    assert response.status_code == 403
    assert response.json()["message"] == "Sync endpoints cannot be used with API keys"


@pytest.mark.parametrize(
    "body", [{}, {"types": "AssetsV2"}, {"types": ["AssetsV2", "PhotosV9"]}, {"types": ["AssetsV2"], "reset": "maybe"}]
)
def test_a_malformed_stream_request_is_a_400(phone, body):
    response = phone.post("/api/sync/stream", json.dumps(body), content_type="application/json")
    assert response.status_code == 400 and response.json()["statusCode"] == 400


def test_an_unknown_type_is_pointed_at_in_the_400(phone):
    [issue] = stream(phone, ["AssetsV1", "PhotosV9"]).json()["errors"]
    assert (issue["code"], issue["path"]) == ("invalid_value", ["types", 1])
    assert issue["message"].startswith('Invalid option: expected one of "')


@pytest.mark.parametrize(
    ("ack", "message"),
    [
        ("PhotoV9|1.2.abcdef01", "Invalid ack type: PhotoV9"),
        ("AssetV2|not-an-id", "Invalid ack: AssetV2|not-an-id"),
        ("AssetV2", "Invalid ack: AssetV2"),
        ("AssetV2|1.2.abcdef01", "Ack was not issued to this session: AssetV2|1.2.abcdef01"),
    ],
)
def test_a_bad_ack_is_a_400_and_no_ack_of_the_request_is_stored(phone, api, tmp_path, ack, message):
    upload_photo(api, tmp_path)
    good = [line["ack"] for line in sync(phone) if line["type"] == "AssetV2"][0]
    assert _message(phone.post("/api/sync/ack", {"acks": [good, ack]}, format="json")) == message
    assert not SessionSyncCheckpoint.objects.exists()


def test_an_ack_of_another_session_is_refused(user, api, tmp_path):
    upload_photo(api, tmp_path)
    phone, tablet = phone_for(user), phone_for(user)
    phone_ack = sync(phone)[-1]["ack"]
    assert "not issued to this session" in _message(tablet.post("/api/sync/ack", {"acks": [phone_ack]}, format="json"))


def test_too_many_acks_are_refused(phone):
    assert phone.post("/api/sync/ack", {"acks": ["SyncAckV1|1.1.abcdef01"] * 1001}, format="json").status_code == 400


def test_a_client_that_goes_away_mid_stream_leaves_no_checkpoint_and_no_open_cursor(phone, api, tmp_path, monkeypatch):
    monkeypatch.setattr(selectors, "LINES_PER_CHUNK", 1)
    for index in range(3):
        upload_photo(api, tmp_path, f"{index}.jpg", color=(index * 80, 0, 0))
    response = stream(phone, ["AssetsV2"])
    chunks = iter(response.streaming_content)
    assert json.loads(next(chunks))["type"] == "AssetV2"
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors")
        assert cursor.fetchone()[0] >= 1  # the stream reads through a server-side cursor
    # The client disconnects: the server closes the response. Through the test client's own wrapper, which keeps the
    # test's connection open while it does (response.close() alone would close it, as after any request).
    response._iterator.close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors")
        assert cursor.fetchone()[0] == 0
    assert not SessionSyncCheckpoint.objects.exists()
