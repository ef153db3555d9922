"""A reverse proxy with a request-size limit in front of the live server (nginx from Debian, 10 MB, as
docs/reverse-proxy.md describes): resumable uploads in 5 MB chunks pass, a plain upload over the limit is
stopped with a clear error instead of failing somewhere in the client."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
from tusclient.client import TusClient

from accounts import services as account_services
from assets.models import Asset
from tests.live import shared_media_root  # noqa: F401  (the media_root fixture: the shared processes' folder)
from tests.nginx import NGINX, running_nginx
from workers.embedded_redis import free_tcp_port

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed (bin/test installs Debian's nginx with apt)"),
]

MIB = 1024 * 1024
CREATED = "2021-06-15T10:30:00.000Z"

# The example of docs/reverse-proxy.md with test paths.
SERVERS = """
    upstream immich {{
        server {upstream};
        keepalive 8;
    }}

    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 10m;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_read_timeout 600s;
        proxy_send_timeout 600s;

        client_header_timeout 30s;
        client_body_timeout 60s;

        location / {{
            proxy_pass http://immich;
        }}

        location = /api/assets {{
            proxy_pass http://immich;
            proxy_request_buffering off;
        }}

        # Resumable uploads: every chunk is one request under the limit, streamed to the server as it arrives.
        location /api/upload/ {{
            proxy_pass http://immich;
            proxy_request_buffering off;
            proxy_buffering off;
        }}

        # A body over client_max_body_size: say so in the shape Immich clients print.
        error_page 413 @too_large;
        location @too_large {{
            default_type application/json;
            return 413 '{{"message":"The file is larger than this proxy accepts in one request (client_max_body_size 10m): raise the limit or use resumable uploads at /api/upload/","error":"Payload Too Large","statusCode":413}}';
        }}
    }}
"""


@pytest.fixture
def proxy(server, tmp_path):
    port = free_tcp_port()
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return requests.get(f"{url}/api/server/ping", timeout=1).status_code == 200
        except requests.ConnectionError:
            return False

    servers = SERVERS.format(port=port, upstream=urlparse(server).netloc)
    with running_nginx(tmp_path / "nginx", servers, answers):
        yield url


def api_key() -> str:
    user = account_services.user_create(email="proxy@example.com", password="password123")
    return account_services.api_key_create(user=user, name="proxy", permissions=["all"])[1]


def _files(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()}


def test_tus_upload_in_5mb_chunks_passes_a_10mb_proxy(proxy, tmp_path, media_root):
    key = api_key()
    source = tmp_path / "clip.mp4"
    source.write_bytes(os.urandom(15 * MIB))
    client = TusClient(f"{proxy}/api/upload/", headers={"x-api-key": key})
    uploader = client.uploader(
        str(source), chunk_size=5 * MIB, upload_checksum=True,
        metadata={"filename": "clip.mp4", "fileCreatedAt": CREATED, "fileModifiedAt": CREATED},
    )  # fmt: skip
    uploader.upload()
    headers = uploader.request.response_headers
    assert headers["x-immich-asset-status"] == "created"
    asset = Asset.objects.get(pk=headers["x-immich-asset-id"])
    assert bytes(asset.checksum) == hashlib.sha1(source.read_bytes()).digest()
    assert list(media_root.rglob("*.part")) == []


def test_plain_upload_over_the_proxy_limit_gets_a_clear_413(proxy, tmp_path, media_root):
    key = api_key()
    source = tmp_path / "clip.mp4"
    source.write_bytes(os.urandom(15 * MIB))
    before = _files(media_root)
    with open(source, "rb") as handle:
        response = requests.post(
            f"{proxy}/api/assets",
            headers={"x-api-key": key},
            data={"fileCreatedAt": CREATED, "fileModifiedAt": CREATED},
            files={"assetData": ("clip.mp4", handle, "video/mp4")},
            timeout=60,
        )
    assert response.status_code == 413
    body = response.json()
    assert body["statusCode"] == 413
    assert "client_max_body_size" in body["message"] and "/api/upload/" in body["message"]
    assert Asset.objects.count() == 0
    assert _files(media_root) == before


def test_plain_upload_under_the_proxy_limit_passes(proxy, tmp_path):
    key = api_key()
    source = tmp_path / "clip.mp4"
    source.write_bytes(os.urandom(MIB))
    with open(source, "rb") as handle:
        response = requests.post(
            f"{proxy}/api/assets",
            headers={"x-api-key": key},
            data={"fileCreatedAt": CREATED, "fileModifiedAt": CREATED},
            files={"assetData": ("clip.mp4", handle, "video/mp4")},
            timeout=60,
        )
    assert response.status_code == 201, response.text
