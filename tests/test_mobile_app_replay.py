"""The Immich mobile app's call sequence from server URL to backed-up timeline (../shared/docs/clients.md §1, §3, §4),
replayed against the real processes (gunicorn, a Celery worker, live events) speaking as the app's code does, and
asserting on what the app reads:

  M1-M5 server discovery (well-known, ping, version, features, config) -> M6 login with deviceModel/deviceType ->
  M7 users/me and users/me/preferences together -> M10 the socket -> M8/M9 the first full sync and its ack ->
  M11 backup uploads (foreground fields, the background task's `filename`, iOS `metadata`, a live photo: motion part
  first, a duplicate) -> M12 the sync that marks them backed up -> timeline buckets -> M14 thumbnails; then an upload
  from another client reaching the phone by the incremental sync alone, a delete reaching it, and a reset."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from accounts import services as account_services
from jobs.models import AssetStep, StepStatus
from tests.contract.conftest import sdk_contract  # noqa: F401  (the fixture)
from tests.contract.validation import violations
from tests.live import api_key_for
from tests.media_factories import make_jpeg, make_mp4
from tests.sync.app import APP_TYPES
from tests.test_live_events import AppSocket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


PASSWORD = "password123"
WAIT_S = 120


class App:
    """The app's HTTP side: its endpoint, and after login the token it sends as `x-immich-user-token`
    (ApiService.getRequestHeaders) on every call."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.http = requests.Session()
        self.http.headers["Accept"] = "application/json"
        self.endpoint = ""
        self.token = ""

    def get(self, path: str, **options) -> requests.Response:
        return self.http.get(f"{self.endpoint}{path}", timeout=60, **options)

    def post(self, path: str, **options) -> requests.Response:
        return self.http.post(f"{self.endpoint}{path}", timeout=60, **options)

    def discover(self) -> None:
        """M1-M5 (login_form.dart getServerAuthSettings): the endpoint from .well-known, then ping, version, features
        and config."""
        known = self.http.get(f"{self.server_url}/.well-known/immich", timeout=30)
        assert known.status_code == 200
        self.endpoint = self.server_url + known.json()["api"]["endpoint"]  # "/api"

    def login(self, email: str) -> dict:
        answer = self.post(
            "/auth/login", json={"email": email, "password": PASSWORD},
            headers={"deviceModel": "Pixel 8", "deviceType": "Android"},
        )  # fmt: skip
        assert answer.status_code == 201, answer.text
        self.token = answer.json()["accessToken"]
        self.http.headers["x-immich-user-token"] = self.token
        return answer.json()

    def sync(self, types=APP_TYPES, reset: bool = False) -> list[dict]:
        """M8 (sync_api.repository.dart streamChanges): JSON lines, each `{type, data, ack}`."""
        answer = self.post(
            "/sync/stream", json={"types": types, "reset": reset}, headers={"Accept": "application/jsonlines+json"}
        )
        assert answer.status_code == 200, answer.text
        assert answer.headers["Content-Type"] == "application/jsonlines+json"
        return [json.loads(line) for line in answer.text.splitlines()]

    def ack(self, lines: list[dict]) -> None:
        """M9: the ack of the last line of each run of one type (sync_stream.service.dart), in one POST."""
        acks = [line["ack"] for index, line in enumerate(lines) if index + 1 == len(lines) or lines[index + 1]["type"] != line["type"]]  # fmt: skip
        assert self.post("/sync/ack", json={"acks": acks}).status_code == 204

    def upload(self, path: Path, *, local_id: str, background: bool = False, **fields: str) -> requests.Response:
        """M11 (foreground_upload.service.dart / background_upload.service.dart): the app's multipart fields and the
        file part `assetData`; no x-immich-checksum, no visibility."""
        data = {
            "deviceAssetId": local_id, "deviceId": "android-device-1",
            "fileCreatedAt": "2024-05-01T10:00:00.000Z", "fileModifiedAt": "2024-05-01T10:00:05.000Z",
            "isFavorite": "false", "duration": "0" if background else "0:00:00.000000", **fields,
        }  # fmt: skip
        part_name = path.name
        if background:  # the background task's part is named after its copy on disk; `filename` is the photo's
            data["filename"], part_name = path.name, f"upload-task-{local_id}{path.suffix}"
        with path.open("rb") as handle:
            return self.post("/assets", data=data, files={"assetData": (part_name, handle, "application/octet-stream")})


def of_type(lines: list[dict], entity_type: str) -> list[dict]:
    return [line["data"] for line in lines if line["type"] == entity_type]


def local_checksum(path: Path) -> str:
    """What the app hashes on the phone (hash.service.dart) and compares with the synced `checksum`."""
    return base64.b64encode(hashlib.sha1(path.read_bytes()).digest()).decode()


def _pipeline_done() -> bool:
    return not AssetStep.objects.filter(status__in=[StepStatus.PENDING, StepStatus.RUNNING]).exists()


def _wait_for_pipeline() -> None:
    deadline = time.monotonic() + WAIT_S
    while not _pipeline_done():
        assert time.monotonic() < deadline, "the pipeline did not finish"
        time.sleep(0.5)


def _user(email: str):
    return account_services.user_create(email=email, password=PASSWORD)


def test_the_app_logs_in_backs_up_and_shows_its_timeline(server, tmp_path, sdk_contract):
    _user("phone@example.com")
    app = App(server)

    app.discover()
    assert app.get("/server/ping").json() == {"res": "pong"}
    version = app.get("/server/version").json()
    assert (version["major"], version["minor"]) >= (3, 0)  # server_capability.model.dart: syncV2 from 3.0
    features = app.get("/server/features").json()
    assert features["passwordLogin"] is True and features["trash"] is True
    assert violations(sdk_contract, "ServerFeaturesDto", features) == []
    assert violations(sdk_contract, "ServerConfigDto", app.get("/server/config").json()) == []

    login = app.login("phone@example.com")
    assert login["shouldChangePassword"] is False and login["isAdmin"] is False

    # saveAuthInfo: `(getMyUser(), getMyPreferences()).wait`; either failing leaves the app without a user.
    with ThreadPoolExecutor(2) as pair:
        me, preferences = pair.map(app.get, ["/users/me", "/users/me/preferences"])
    assert me.status_code == preferences.status_code == 200
    assert violations(sdk_contract, "UserAdminResponseDto", me.json()) == []
    assert violations(sdk_contract, "UserPreferencesResponseDto", preferences.json()) == []
    user_id = me.json()["id"]

    socket = AppSocket(server, {"x-immich-user-token": app.token})
    try:
        assert socket.next("on_server_version", timeout=30)[0]["major"] == version["major"]

        first = app.sync()
        assert of_type(first, "AuthUserV1")[0]["id"] == user_id
        assert of_type(first, "AssetV2") == [] and first[-1]["type"] == "SyncCompleteV1"
        app.ack(first)

        # The backup: candidates are local assets whose checksum the synced remote assets lack (all of them now).
        photo = make_jpeg(tmp_path / "IMG_0001.jpg", color=(10, 120, 30))
        background_photo = make_jpeg(tmp_path / "1000012345.jpg", color=(210, 20, 90))
        ios_photo = make_jpeg(tmp_path / "IMG_0003.HEIC.jpg", color=(30, 30, 220))
        motion, still = make_mp4(tmp_path / "IMG_0004.MOV"), make_jpeg(tmp_path / "IMG_0004.JPG", color=(90, 90, 9))
        created = app.upload(photo, local_id="1000012001")
        assert created.status_code == 201
        from_background = app.upload(background_photo, local_id="1000012345", background=True)
        assert from_background.status_code == 201
        ios_metadata = [{"key": "mobile-app", "value": {"iCloudId": "ABC-123", "createdAt": "2024-05-01T10:00:00Z",
                                                           "adjustmentTime": "", "latitude": "", "longitude": ""}}]  # fmt: skip
        from_ios = app.upload(ios_photo, local_id="ios-3", metadata=json.dumps(ios_metadata))
        assert from_ios.status_code == 201
        motion_id = app.upload(motion, local_id="ios-4", duration="0:00:01.000000").json()["id"]  # motion part first
        still_id = app.upload(still, local_id="ios-4", livePhotoVideoId=motion_id).json()["id"]
        again = app.upload(photo, local_id="1000012001")  # a re-run of the backup: the server's dedup answers
        assert (again.status_code, again.json()) == (200, {"id": created.json()["id"], "status": "duplicate"})

        # AssetUploadReadyV2 once each has its thumbnails (the app adds it to its synced tables at once).
        visible = {created.json()["id"], from_background.json()["id"], from_ios.json()["id"], still_id}
        announced = set()
        while not visible <= announced:
            announced.add(socket.next("AssetUploadReadyV2")[0]["asset"]["id"])
        _wait_for_pipeline()

        second = app.sync()
        app.ack(second)
        remote = {asset["checksum"]: asset for asset in of_type(second, "AssetV2")}
        local = [photo, background_photo, ios_photo, motion, still]
        assert {local_checksum(path) for path in local} <= set(remote)  # backup.repository.dart: all backed up
        assert remote[local_checksum(background_photo)]["originalFileName"] == "1000012345.jpg"
        assert remote[local_checksum(still)]["livePhotoVideoId"] == motion_id
        assert remote[local_checksum(motion)]["visibility"] == "hidden"
        assert {exif["assetId"] for exif in of_type(second, "AssetExifV1")} == {a["id"] for a in remote.values()}

        # The timeline: buckets and their assets (the motion part not among them), then the thumbnails.
        buckets = app.get("/timeline/buckets").json()
        assert sum(bucket["count"] for bucket in buckets) == 4
        bucket = app.get("/timeline/bucket", params={"timeBucket": buckets[0]["timeBucket"]}).json()
        assert still_id in bucket["id"] and motion_id not in bucket["id"]
        still_asset = remote[local_checksum(still)]
        for size in ("thumbnail", "preview"):  # getThumbnailUrlForRemoteId
            image = app.get(
                f"/assets/{still_id}/thumbnail", params={"size": size, "edited": "true", "c": still_asset["thumbhash"]}
            )
            assert image.status_code == 200 and image.headers["Content-Type"].startswith("image/")
    finally:
        socket.close()


def test_the_phone_sees_another_clients_upload_and_delete_by_incremental_syncs(server, tmp_path):
    user = _user("phone@example.com")
    web = requests.Session()
    web.headers["x-api-key"] = api_key_for(user)  # another client of the same user (immich-go, the web)
    app = App(server)
    app.discover()
    app.login("phone@example.com")
    phone_photo = make_jpeg(tmp_path / "IMG_0001.jpg", color=(10, 120, 30))
    phone_id = app.upload(phone_photo, local_id="1000012001").json()["id"]
    _wait_for_pipeline()
    app.ack(app.sync())

    from_elsewhere = make_jpeg(tmp_path / "from-elsewhere.jpg", color=(250, 250, 0))
    elsewhere = web.post(
        f"{server}/api/assets", timeout=60,
        files={"assetData": ("from-elsewhere.jpg", from_elsewhere.read_bytes())},
        data={"deviceAssetId": "web-1", "deviceId": "WEB", "fileCreatedAt": "2024-06-01T08:00:00.000Z",
              "fileModifiedAt": "2024-06-01T08:00:00.000Z"},
    ).json()["id"]  # fmt: skip
    _wait_for_pipeline()
    incremental = app.sync()
    assert [asset["id"] for asset in of_type(incremental, "AssetV2")] == [elsewhere]  # only what is new
    assert [exif["assetId"] for exif in of_type(incremental, "AssetExifV1")] == [elsewhere]
    app.ack(incremental)

    deleted = web.delete(f"{server}/api/assets", json={"ids": [phone_id], "force": True}, timeout=60)
    assert deleted.status_code == 204
    after_delete = app.sync()
    assert of_type(after_delete, "AssetDeleteV1") == [{"assetId": phone_id}]
    app.ack(after_delete)

    # A reset (the app's "full sync", or after a SyncResetV1): everything the user has comes again.
    everything = app.sync(reset=True)
    assert [asset["id"] for asset in of_type(everything, "AssetV2")] == [elsewhere]
