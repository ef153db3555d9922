"""`manage.py serve` with nothing configured runs the whole service (SQLite, an embedded Redis): it takes uploads,
processes them and tells the app's socket, and Ctrl-C leaves no process behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests

from immich.env import REPO_ROOT
from tests.live import first_admin_api_key, stop, this_machines_address, wait_for_api, wait_until
from tests.media_factories import make_jpeg
from tests.test_live_events import AppSocket
from workers.embedded_redis import free_tcp_port

pytestmark = pytest.mark.e2e


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _serve_embedded(media: Path, port: int) -> subprocess.Popen:
    """`manage.py serve` as `bin/run` starts it, with nothing configured; returns once the API answers."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        IMMICH_MEDIA_LOCATION=str(media), IMMICH_PORT=str(port), DJANGO_SETTINGS_MODULE="immich.settings.embedded"
    )
    serve = subprocess.Popen(
        [sys.executable, "manage.py", "serve"], cwd=REPO_ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_for_api(serve, port, timeout=120, name="serve")  # migrations on a loaded machine: ~45 s
    return serve


def test_serve_starts_embedded_and_ctrl_c_stops_every_process(tmp_path):
    media, port = tmp_path / "media", free_tcp_port()
    serve = _serve_embedded(media, port)
    try:
        family = [p.pid for p in psutil.Process(serve.pid).children(recursive=True)]
        assert len(family) >= 4  # embedded Redis, gunicorn, Celery worker, Celery beat (and their workers)

        serve.send_signal(signal.SIGINT)
        assert serve.wait(timeout=30) == 0
    finally:
        stop(serve, signal.SIGINT, timeout=30)  # Ctrl-C, as a user stops it

    time.sleep(0.5)  # the last reaped grandchildren may still be on their way out
    assert [pid for pid in family if _alive(pid)] == []
    leftovers = [
        p.info["cmdline"] for p in psutil.process_iter(["cmdline"])
        if any(str(media) in arg or f":{port}" in arg for arg in p.info["cmdline"] or [])
    ]  # fmt: skip
    assert leftovers == []
    assert (media / "redis" / "appendonly.aof").exists()  # the embedded broker persisted its queue


def test_the_embedded_server_takes_an_upload_and_makes_its_thumbnails(tmp_path):
    """The README's first command end to end: SQLite and the embedded Redis, the first admin, an API key, uploads."""
    port = free_tcp_port()
    serve = _serve_embedded(tmp_path / "media", port)
    try:
        # Reachable by this machine's address, as a phone on the LAN reaches it, with no setting changed; the
        # admin's stylesheet is served by the API itself.
        lan = f"http://{this_machines_address()}:{port}"
        assert requests.get(f"{lan}/api/server/ping", timeout=30).json() == {"res": "pong"}
        assert "immich login" in requests.get(f"{lan}/", timeout=30).text
        stylesheet = requests.get(f"{lan}/static/admin/css/base.css", timeout=30)
        assert (stylesheet.status_code, stylesheet.headers["Content-Type"]) == (200, 'text/css; charset="utf-8"')
        api = f"http://127.0.0.1:{port}/api"
        key = first_admin_api_key(api)
        headers = {"x-api-key": key}
        # The app's socket, by the LAN address, with the app's login token: the embedded server's live events
        # (SQLite, the embedded Redis).
        login = {"email": "admin@example.com", "password": "change-me-please"}
        token = requests.post(f"{api}/auth/login", json=login, timeout=30).json()["accessToken"]
        phone = AppSocket(lan, {"x-immich-user-token": token})
        photos = [make_jpeg(tmp_path / f"photo-{n}.jpg", color=(n * 40, 90, 160)) for n in range(4)]
        ids = []
        for photo in photos:
            with open(photo, "rb") as handle:
                answer = requests.post(
                    f"{api}/assets",
                    headers=headers,
                    files={"assetData": handle},
                    timeout=30,
                    data={
                        "deviceAssetId": photo.name,
                        "deviceId": "test",
                        "fileCreatedAt": "2021-07-01T12:00:00Z",
                        "fileModifiedAt": "2021-07-01T12:00:00Z",
                    },
                )
            assert answer.status_code == 201, answer.text
            ids.append(answer.json()["id"])

        def thumbnails_made() -> bool:
            answers = [
                requests.get(f"{api}/assets/{asset_id}/thumbnail", headers=headers, timeout=30) for asset_id in ids
            ]
            return all(
                answer.status_code == 200 and answer.headers["Content-Type"] == "image/webp" for answer in answers
            )

        wait_until(thumbnails_made, 60, "the thumbnails of the uploads")
        announced = {phone.next("on_upload_success", timeout=60)[0]["id"] for _ in ids}
        phone.close()
        assert announced == set(ids)
        assert requests.get(f"{api}/users/me", headers=headers, timeout=30).json()["quotaUsageInBytes"] == sum(
            photo.stat().st_size for photo in photos
        )
    finally:
        stop(serve, signal.SIGINT, timeout=30)  # Ctrl-C, as a user stops it


def test_a_busy_port_is_refused_with_what_to_do(tmp_path):
    with socket.socket() as holder:
        holder.bind(("0.0.0.0", 0))
        holder.listen()
        port = holder.getsockname()[1]
        env = {**os.environ, "IMMICH_MEDIA_LOCATION": str(tmp_path / "media"), "IMMICH_PORT": str(port)}
        env.update(DJANGO_SETTINGS_MODULE="immich.settings.embedded")
        env.pop("DATABASE_URL", None)
        done = subprocess.run(
            [sys.executable, "manage.py", "serve"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 1
    assert f"port {port} is in use" in done.stderr
    assert f"IMMICH_PORT={port + 1} bin/run" in done.stderr
    assert "Traceback" not in done.stderr
