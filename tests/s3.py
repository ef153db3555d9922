"""A real S3 API for the tests: moto's server over HTTP, started once per session as its own process, and a fresh
bucket per test that switches the storage backend to it (with a key prefix, as a shared bucket would have)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
import requests

from immich.settings.base import s3_media_storage
from tests.live import wait_until
from workers.embedded_redis import free_tcp_port

CREDENTIALS = {"access_key_id": "test-key", "secret_access_key": "test-secret", "region": "us-east-1"}
PREFIX = "immich"


def _answers(url: str) -> bool:
    try:
        return requests.get(f"{url}/moto-api/", timeout=2).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory):
    port = free_tcp_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=open(log, "w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(url), 60, "moto's S3 server")
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


@dataclass
class Bucket:
    client: object
    name: str
    endpoint_url: str

    def keys(self, under: str = "") -> set[str]:
        """Every object's key below the prefix (without it), optionally only those starting with `under`."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=f"{PREFIX}/{under}")
        return {entry["Key"][len(PREFIX) + 1 :] for page in pages for entry in page.get("Contents", ())}

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=f"{PREFIX}/{key}")["Body"].read()

    def head(self, key: str) -> dict:
        return self.client.head_object(Bucket=self.name, Key=f"{PREFIX}/{key}")

    def settings(self, **options) -> dict:
        return s3_media_storage(
            bucket=self.name, endpoint_url=self.endpoint_url, prefix=PREFIX, **CREDENTIALS, **options
        )

    def environment(self) -> dict[str, str]:
        """The same bucket for a process of the server's (a worker on another host)."""
        return {
            "IMMICH_STORAGE_BACKEND": "s3",
            "IMMICH_S3_BUCKET": self.name,
            "IMMICH_S3_ENDPOINT_URL": self.endpoint_url,
            "IMMICH_S3_PREFIX": PREFIX,
            "IMMICH_S3_REGION": CREDENTIALS["region"],
            "IMMICH_S3_ACCESS_KEY_ID": CREDENTIALS["access_key_id"],
            "IMMICH_S3_SECRET_ACCESS_KEY": CREDENTIALS["secret_access_key"],
        }


def make_bucket(moto_server: str) -> Bucket:
    client = boto3.client(
        "s3",
        endpoint_url=moto_server,
        aws_access_key_id=CREDENTIALS["access_key_id"],
        aws_secret_access_key=CREDENTIALS["secret_access_key"],
        region_name=CREDENTIALS["region"],
    )
    name = f"test-{uuid.uuid4().hex[:20]}"
    client.create_bucket(Bucket=name)
    return Bucket(client, name, moto_server)


@pytest.fixture
def s3_bucket(moto_server) -> Bucket:
    """A new, empty bucket; the storage backend stays as it is (see `s3` to store in it)."""
    return make_bucket(moto_server)


@pytest.fixture
def s3(s3_bucket, settings, tmp_path) -> Bucket:
    """The S3 backend, storing in a new bucket, with this test's own scratch folder."""
    settings.STORAGES = {**settings.STORAGES, "media": s3_bucket.settings()}
    settings.STORAGE_BACKEND = "s3"
    settings.SCRATCH_LOCATION = tmp_path / "scratch"
    return s3_bucket


def stored_files(root: Path) -> list[Path]:
    """Every file under a local folder (the media root must hold none when storing in S3)."""
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []
