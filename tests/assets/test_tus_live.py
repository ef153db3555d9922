"""Resumable uploads with a real tus client (tuspy) against the live server processes (gunicorn + a worker)."""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
from django.utils import timezone
from tusclient.client import TusClient
from tusclient.exceptions import TusCommunicationError

from accounts import services as account_services
from assets.models import Asset, TusUpload
from jobs.models import AssetStep, Step, StepStatus
from tests.live import (
    shared_media_root,  # noqa: F401  (the media_root fixture: the shared processes' folder)
    wait_until,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MIB = 1024 * 1024
CHUNK = 5 * MIB


CREATED = "2021-06-15T10:30:00.000Z"
MODIFIED = "2021-06-16T08:00:00.000Z"


def api_key(email: str = "tus@example.com") -> str:
    user = account_services.user_create(email=email, password="password123")
    return account_services.api_key_create(user=user, name="tus", permissions=["all"])[1]


def random_file(path: Path, size: int) -> Path:
    path.write_bytes(os.urandom(size))
    return path


def uploader(client: TusClient, source: Path, **options):
    metadata = {"filename": source.name, "fileCreatedAt": CREATED, "fileModifiedAt": MODIFIED}
    return client.uploader(str(source), chunk_size=CHUNK, metadata=metadata, **options)


def offset_of(url: str, key: str) -> int:
    response = requests.head(url, headers={"Tus-Resumable": "1.0.0", "x-api-key": key}, timeout=10)
    return int(response.headers["Upload-Offset"])


def staged_files(media_root: Path) -> list[Path]:
    return [p for p in media_root.rglob("*.part")]


def patch_then_drop(url: str, key: str, offset: int, data: bytes, announced: int, *, checksum: str | None = None):
    """A PATCH that announces `announced` bytes, sends only `data`, then the connection dies."""
    address = urlparse(url)
    head = (
        f"PATCH {address.path} HTTP/1.1\r\nHost: {address.netloc}\r\nx-api-key: {key}\r\nTus-Resumable: 1.0.0\r\n"
        f"Upload-Offset: {offset}\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: {announced}\r\n"
        + (f"Upload-Checksum: {checksum}\r\n" if checksum else "")
        + "\r\n"
    )
    with socket.create_connection((address.hostname, address.port)) as connection:
        connection.sendall(head.encode() + data)


def test_tuspy_uploads_a_file_in_5mb_chunks_and_the_pipeline_takes_it(server, tmp_path, media_root):
    key = api_key()
    source = random_file(tmp_path / "clip.mp4", 12 * MIB + 345)
    client = TusClient(f"{server}/api/upload/", headers={"x-api-key": key})
    tus = uploader(client, source, upload_checksum=True)
    tus.upload()
    headers = tus.request.response_headers
    assert headers["x-immich-asset-status"] == "created"
    asset = Asset.objects.get(pk=headers["x-immich-asset-id"])
    assert bytes(asset.checksum) == hashlib.sha1(source.read_bytes()).digest()
    assert Path(asset.original_path).read_bytes() == source.read_bytes()
    assert staged_files(media_root) == []
    # The same pipeline as a plain upload: the worker picks the metadata step up.
    wait_until(
        lambda: (
            AssetStep.objects.filter(asset=asset, step=Step.METADATA)
            .exclude(status__in=[StepStatus.PENDING, StepStatus.RUNNING])
            .exists()
        ),
        60,
        "the metadata step of the uploaded asset",
    )


def test_connection_killed_mid_upload_resumes_from_the_server_offset(server, tmp_path, media_root):
    key = api_key()
    source = random_file(tmp_path / "clip.mp4", 12 * MIB)
    data = source.read_bytes()
    client = TusClient(f"{server}/api/upload/", headers={"x-api-key": key})
    first = uploader(client, source)
    first.set_url(first.create_url())
    first.upload_chunk()
    assert first.offset == CHUNK

    # The second chunk dies after 2 MiB: the server keeps what arrived (no checksum asked for).
    patch_then_drop(first.url, key, CHUNK, data[CHUNK : CHUNK + 2 * MIB], CHUNK)
    wait_until(lambda: offset_of(first.url, key) == CHUNK + 2 * MIB, 20, "the server to keep the 2 MiB received")

    # A chunk with a checksum that dies is discarded whole: it cannot be verified.
    checksum = "sha1 " + base64.b64encode(hashlib.sha1(data[7 * MIB : 12 * MIB]).digest()).decode()
    patch_then_drop(first.url, key, 7 * MIB, data[7 * MIB : 8 * MIB], 5 * MIB, checksum=checksum)
    time.sleep(1)
    assert offset_of(first.url, key) == 7 * MIB

    # A new client (as after an app restart) asks the server where to go on from, and finishes.
    resumed = uploader(client, source, url=first.url, retries=3, retry_delay=1)
    assert resumed.offset == 7 * MIB
    resumed.upload()
    headers = resumed.request.response_headers
    asset = Asset.objects.get(pk=headers["x-immich-asset-id"])
    assert bytes(asset.checksum) == hashlib.sha1(data).digest()
    assert hashlib.sha1(Path(asset.original_path).read_bytes()).digest() == hashlib.sha1(data).digest()
    assert staged_files(media_root) == []


def test_duplicate_of_a_plain_upload_is_detected_at_the_end(server, tmp_path, media_root):
    key = api_key()
    source = random_file(tmp_path / "clip.mp4", 11 * MIB)
    with open(source, "rb") as handle:
        plain = requests.post(
            f"{server}/api/assets",
            headers={"x-api-key": key},
            data={"fileCreatedAt": CREATED, "fileModifiedAt": MODIFIED},
            files={"assetData": ("clip.mp4", handle, "video/mp4")},
            timeout=60,
        )
    assert plain.status_code == 201, plain.text
    client = TusClient(f"{server}/api/upload/", headers={"x-api-key": key})
    tus = uploader(client, source)
    tus.upload()
    headers = tus.request.response_headers
    assert headers["x-immich-asset-status"] == "duplicate"
    assert headers["x-immich-asset-id"] == plain.json()["id"]
    assert Asset.objects.count() == 1
    assert staged_files(media_root) == []


def test_expired_upload_is_cleaned_up_by_the_periodic_task(server, tmp_path, media_root):
    from assets.uploads.tasks import expire_tus_uploads

    key = api_key()
    source = random_file(tmp_path / "clip.mp4", 12 * MIB)
    client = TusClient(f"{server}/api/upload/", headers={"x-api-key": key})
    tus = uploader(client, source)
    tus.set_url(tus.create_url())
    tus.upload_chunk()
    upload = TusUpload.objects.get()
    staging = Path(upload.staging_path)
    assert staging.stat().st_size == CHUNK
    TusUpload.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    expire_tus_uploads.delay()  # what beat sends; the live worker runs it
    wait_until(lambda: not TusUpload.objects.exists(), 30, "the worker to remove the expired upload")
    assert not staging.exists()
    assert staged_files(media_root) == []
    assert requests.head(tus.url, headers={"Tus-Resumable": "1.0.0", "x-api-key": key}, timeout=10).status_code == 404
    with pytest.raises(TusCommunicationError):
        uploader(client, source, url=tus.url)  # resuming asks for the offset: there is none


def test_chunked_request_bodies_with_a_checksum_are_streamed_too(server, tmp_path):
    key = api_key()
    data = os.urandom(3 * MIB + 5)
    headers = {"x-api-key": key, "Tus-Resumable": "1.0.0"}
    metadata = ",".join(
        f"{name} {base64.b64encode(value.encode()).decode()}"
        for name, value in (("filename", "clip.mp4"), ("fileCreatedAt", CREATED), ("fileModifiedAt", MODIFIED))
    )
    created = requests.post(
        f"{server}/api/upload/", timeout=10,
        headers={**headers, "Upload-Length": str(len(data)), "Upload-Metadata": metadata},
    )  # fmt: skip
    url = f"{server}/api/upload/{created.headers['Location']}"
    pieces = (data[i : i + 100_000] for i in range(0, len(data), 100_000))  # no Content-Length: chunked encoding
    checksum = "sha1 " + base64.b64encode(hashlib.sha1(data).digest()).decode()
    response = requests.patch(url, data=pieces, timeout=30, headers={
        **headers, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream", "Upload-Checksum": checksum,
    })  # fmt: skip
    assert response.status_code == 204, response.text
    assert response.headers["X-Immich-Asset-Status"] == "created"
    asset = Asset.objects.get(pk=response.headers["X-Immich-Asset-Id"])
    assert bytes(asset.checksum) == hashlib.sha1(data).digest()
