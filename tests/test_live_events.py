"""socket.io at /api/socket.io against the real processes (gunicorn, a Celery worker, `manage.py live_events`), with a
real python-socketio client over a real socket, connecting as the Immich app does (mobile/lib/providers/
websocket.provider.dart: path `<endpoint>/socket.io`, websocket transport only, the API's headers with the session
token in `x-immich-user-token`)."""

from __future__ import annotations

import io
import json
import queue
import time

import pytest
import requests
import socketio
from PIL import Image

from accounts import services as account_services
from tests.contract.conftest import sdk_contract  # noqa: F401  (the fixture)
from tests.contract.validation import violations
from tests.live import api_key_for
from tests.media_factories import make_jpeg, make_mp4

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WAIT_S = 90  # thumbnails on two cores shared with other test runs


class AppSocket:
    """The app's socket: every event it hears, in order."""

    def __init__(self, url: str, headers: dict[str, str], origin: str | None = None) -> None:
        self.heard: queue.Queue[tuple[str, tuple]] = queue.Queue()
        # websocket-client sends the server's own origin unless told another (a browser page's).
        extra = {"origin": origin} if origin else {}
        self.client = socketio.Client(reconnection=False, websocket_extra_options=extra)
        self.client.on("*", lambda event, *args: self.heard.put((event, args)))
        self.client.connect(
            url, socketio_path="/api/socket.io", transports=["websocket"], headers=headers, wait_timeout=30
        )

    def next(self, event: str, timeout: float = WAIT_S) -> tuple:
        """The arguments of the next `event`, skipping others."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                name, args = self.heard.get(timeout=left)
            except queue.Empty:
                break
            if name == event:
                return args
        raise AssertionError(f"no {event} within {timeout} s")

    def names_heard(self) -> list[str]:
        names = []
        while not self.heard.empty():
            names.append(self.heard.get_nowait()[0])
        return names

    def close(self) -> None:
        self.client.disconnect()


def _login(url: str, email: str) -> str:
    account_services.user_create(email=email, password="password123")
    answer = requests.post(f"{url}/api/auth/login", json={"email": email, "password": "password123"}, timeout=30)
    assert answer.status_code == 201, answer.text
    return answer.json()["accessToken"]


def _upload(url: str, token: str, name: str, seed: int) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (seed % 256, 90, 160)).save(buffer, "JPEG")
    answer = requests.post(
        f"{url}/api/assets",
        headers={"x-immich-user-token": token},
        files={"assetData": (name, buffer.getvalue(), "application/octet-stream")},
        data={
            "deviceAssetId": f"local-{seed}", "deviceId": "phone", "fileCreatedAt": "2024-05-01T10:00:00.000Z",
            "fileModifiedAt": "2024-05-01T10:00:00.000Z", "isFavorite": "false", "duration": "0",
        },
        timeout=60,
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


@pytest.fixture
def app_socket(server):
    sockets: list[AppSocket] = []

    def connect(token: str) -> AppSocket:
        sockets.append(AppSocket(server, {"x-immich-user-token": token}))
        return sockets[-1]

    yield connect
    for opened in sockets:
        opened.close()


def test_the_app_hears_its_upload_with_the_asset_once_thumbnails_exist(server, app_socket, sdk_contract):
    url = server
    token = _login(url, "phone@example.com")
    phone = app_socket(token)
    asset_id = _upload(url, token, "IMG_0001.jpg", seed=1)

    (asset,) = phone.next("on_upload_success")
    assert asset["id"] == asset_id and asset["originalFileName"] == "IMG_0001.jpg"
    assert violations(sdk_contract, "AssetResponseDto", asset) == []
    thumbnail = requests.get(
        f"{url}/api/assets/{asset_id}/thumbnail", headers={"x-immich-user-token": token}, timeout=30
    )
    assert thumbnail.status_code == 200  # announced once there is something to show

    (ready,) = phone.next("AssetUploadReadyV2")
    stream = requests.post(
        f"{url}/api/sync/stream", json={"types": ["AssetsV2", "AssetExifsV1"]}, timeout=30,
        headers={"x-immich-user-token": token, "Accept": "application/jsonlines+json"},
    )  # fmt: skip
    synced = {line["type"]: line["data"] for line in map(json.loads, stream.text.splitlines())}
    assert ready == {"asset": synced["AssetV2"], "exif": synced["AssetExifV1"]}  # what the next sync would bring


def test_a_trashed_then_deleted_asset_reaches_the_app(server, app_socket):
    url = server
    token = _login(url, "phone@example.com")
    phone = app_socket(token)
    asset_id = _upload(url, token, "IMG_0002.jpg", seed=2)
    headers = {"x-immich-user-token": token}

    assert requests.delete(f"{url}/api/assets", json={"ids": [asset_id]}, headers=headers, timeout=30).ok
    assert phone.next("on_asset_trash") == ([asset_id],)
    restored = requests.post(f"{url}/api/trash/restore/assets", json={"ids": [asset_id]}, headers=headers, timeout=30)
    assert restored.ok, restored.text
    assert phone.next("on_asset_restore") == ([asset_id],)
    deleted = requests.delete(f"{url}/api/assets", json={"ids": [asset_id], "force": True}, headers=headers, timeout=30)
    assert deleted.ok
    assert phone.next("on_asset_delete") == (asset_id,)


def test_another_users_upload_is_not_heard(server, app_socket):
    url = server
    owner_token, other_token = _login(url, "owner@example.com"), _login(url, "other@example.com")
    owner, other = app_socket(owner_token), app_socket(other_token)
    other.next("on_server_version")

    _upload(url, owner_token, "IMG_0003.jpg", seed=3)
    owner.next("on_upload_success")
    owner.next("AssetUploadReadyV2")
    time.sleep(1)  # what the other socket would hear arrives with the owner's (one Redis message per event)
    assert other.names_heard() == []


def test_a_socket_without_valid_credentials_is_told_unauthorized_and_closed(server):
    phone = AppSocket(server, {"x-immich-user-token": "not-a-session"})
    assert phone.next("error", timeout=30) == ("unauthorized",)
    deadline = time.monotonic() + 10
    while phone.client.connected and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not phone.client.connected


def test_socket_io_over_http_polling_is_refused_and_the_api_stays_served(server):
    url = server
    polling = requests.get(f"{url}/api/socket.io/?EIO=4&transport=polling", timeout=30)
    assert polling.status_code == 400
    assert polling.json()["message"] == "socket.io is served over websocket only"
    assert requests.get(f"{url}/api/server/ping", timeout=30).json() == {"res": "pong"}


def test_the_session_cookie_counts_from_this_servers_pages_only(server):
    url = server
    token = _login(url, "browser@example.com")
    cookie = {"Cookie": f"immich_access_token={token}"}
    own_page = AppSocket(url, cookie)
    assert own_page.next("on_server_version", timeout=30)[0]["major"] == 3
    own_page.close()
    other_site = AppSocket(url, cookie, origin="https://evil.example")
    assert other_site.next("error", timeout=30) == ("unauthorized",)
    other_site.close()


def test_the_system_config_change_reaches_every_socket(server, app_socket):
    url = server
    admin = account_services.user_create(email="admin@example.com", password="password123", is_admin=True)
    headers = {"x-api-key": api_key_for(admin)}
    phone = app_socket(_login(url, "phone@example.com"))
    phone.next("on_server_version")
    config = requests.get(f"{url}/api/system-config", headers=headers, timeout=30).json()
    config["trash"]["days"] = 7
    assert requests.put(f"{url}/api/system-config", json=config, headers=headers, timeout=30).ok
    assert phone.next("on_config_update") == ()


def test_open_sockets_hold_no_api_thread(server, app_socket):
    """The fixture's API has 8 threads: twice as many open sockets leave it answering at once."""
    url = server
    token = _login(url, "family@example.com")
    sockets = [app_socket(token) for _ in range(16)]
    for opened in sockets:
        opened.next("on_server_version")
    assert requests.get(f"{url}/api/server/ping", timeout=5).json() == {"res": "pong"}
    assert all(opened.client.connected for opened in sockets)


def test_a_live_photos_motion_part_hidden_by_its_still_is_dropped_by_the_app(server, app_socket, tmp_path):
    url = server
    token = _login(url, "iphone@example.com")
    phone = app_socket(token)
    headers = {"x-immich-user-token": token}
    fields = {"deviceAssetId": "live-1", "deviceId": "iphone", "fileCreatedAt": "2024-05-01T10:00:00.000Z",
              "fileModifiedAt": "2024-05-01T10:00:00.000Z"}  # fmt: skip
    video = make_mp4(tmp_path / "IMG_0005.MOV").read_bytes()
    video_id = requests.post(
        f"{url}/api/assets", headers=headers, data=fields, files={"assetData": ("IMG_0005.MOV", video)}, timeout=60
    ).json()["id"]
    still = make_jpeg(tmp_path / "IMG_0005.JPG").read_bytes()
    requests.post(
        f"{url}/api/assets", headers=headers, data={**fields, "livePhotoVideoId": video_id},
        files={"assetData": ("IMG_0005.JPG", still)}, timeout=60,
    )  # fmt: skip
    assert phone.next("on_asset_hidden") == (video_id,)
