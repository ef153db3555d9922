"""Uploads against the real server process: what a dropped connection leaves behind, and what an answer given
before the body was read leaves of the connection."""

import hashlib
import io
import os
import socket
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
from PIL import Image

from assets.models import Asset
from tests.live import (
    api_session,
    new_api_key,
    post_asset,
    shared_media_root,  # noqa: F401  (the media_root fixture: the shared processes' folder)
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _uploaded_files(media_root: Path) -> set[Path]:
    return {path for path in (media_root / "upload").rglob("*") if path.is_file()}


def _multipart_head(boundary: str, filename: str) -> bytes:
    fields = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in (("fileCreatedAt", "2020-01-01T00:00:00Z"), ("fileModifiedAt", "2020-01-01T00:00:00Z"))
    )
    file_head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="assetData"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    return (fields + file_head).encode()


def test_dropped_connection_leaves_no_file_and_no_row(server, media_root):
    _, key = new_api_key("carol@example.com")
    before = _uploaded_files(media_root)
    address = urlparse(server)
    boundary = uuid.uuid4().hex
    head = _multipart_head(boundary, "big.mp4")
    announced = len(head) + 50 * 1024 * 1024
    with socket.create_connection((address.hostname, address.port)) as connection:
        connection.sendall(
            (
                f"POST /api/assets HTTP/1.1\r\nHost: {address.netloc}\r\nx-api-key: {key}\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {announced}\r\n\r\n"
            ).encode()
            + head
            + b"\0" * (5 * 1024 * 1024)
        )
        time.sleep(0.5)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _uploaded_files(media_root) != before:
        time.sleep(0.2)
    assert _uploaded_files(media_root) == before
    assert Asset.objects.count() == 0


def test_a_duplicate_answered_before_its_body_leaves_the_connection_usable(server, tmp_path):
    """The `x-immich-checksum` answer comes before the body is read. The client's next request on the same
    kept-alive connection must be served, not met by a closed connection (gunicorn alone closes it after the
    answer when more than 64 KiB of body is left)."""
    _, key = new_api_key("erin@example.com")
    buffer = io.BytesIO()
    Image.frombytes("RGB", (640, 480), os.urandom(640 * 480 * 3)).save(buffer, "JPEG", quality=95)
    content = buffer.getvalue()
    session = api_session(key)
    created = post_asset(session, server, "noise.jpg", content).json()["id"]
    checksum = hashlib.sha1(content).hexdigest()
    duplicate = {"id": created, "status": "duplicate"}
    for _ in range(10):  # the closed connection was met about one time in two
        early = post_asset(session, server, "noise.jpg", content, **{"x-immich-checksum": checksum})
        assert early.json() == duplicate
        assert post_asset(session, server, "noise.jpg", content).json() == duplicate
