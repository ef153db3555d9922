"""The S3 backend of `immich.storage`: a key is the object `<IMMICH_S3_PREFIX>/<key>` of the bucket.

django-storages (`STORAGES["media"]`, storages.backends.s3.S3Storage) holds the configuration, the per-thread boto3
connection, the transfer settings and the presigned URLs; ranges, metadata, managed uploads (multipart above the
transfer threshold), server-side copies and listings are boto3 calls on that connection. The file's modification
time travels as object metadata, so a fetched copy has the time the original had when it was stored.
"""

from __future__ import annotations

import io
import mimetypes
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.storage import storages
from django.utils.http import content_disposition_header
from storages.utils import clean_name, safe_join

from immich.storage_backends import READ_CHUNK, FileStat

MTIME_KEY = "mtime-ns"
DELETE_BATCH = 1000  # the most keys one DeleteObjects request takes
_MISSING = {"404", "NoSuchKey", "NotFound"}


class StorageUnavailable(OSError):
    """The object store failed (unreachable, refused, throttled): transient, as a failing disk's I/O error."""


@contextmanager
def _errors(key: str) -> Iterator[None]:
    """Boto's errors in the terms the callers handle: a missing object is FileNotFoundError, the rest OSError."""
    try:
        yield
    except ClientError as error:
        if str(error.response.get("Error", {}).get("Code")) in _MISSING:
            raise FileNotFoundError(f"no object {key} in the bucket") from error
        raise StorageUnavailable(f"S3 request for {key} failed: {error}") from error
    except BotoCoreError as error:
        raise StorageUnavailable(f"S3 request for {key} failed: {error}") from error


class _ChunkReader(io.RawIOBase):
    """A readable file over an iterator of byte chunks (what boto3's managed upload reads from)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            self._pending = next(self._chunks, b"")
            if not self._pending:
                return 0
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


class S3Backend:
    name = "s3"

    def __init__(self, storage) -> None:
        self.storage = storage

    @classmethod
    def configured(cls) -> S3Backend:
        if "media" not in storages.backends:
            raise ValueError("the S3 backend needs IMMICH_S3_BUCKET (and its endpoint and credentials)")
        return cls(storages["media"])

    @property
    def _client(self):
        return self.storage.connection.meta.client

    @property
    def _bucket(self) -> str:
        return self.storage.bucket_name

    def _object(self, key: str) -> str:
        return safe_join(self.storage.location, clean_name(key))

    def _upload_args(self, key: str, mtime_ns: int) -> dict:
        return {
            "Metadata": {MTIME_KEY: str(mtime_ns)},
            "ContentType": mimetypes.guess_type(key)[0] or "application/octet-stream",
        }

    def local_path(self, key: str) -> None:
        return None

    def _head(self, key: str) -> dict | None:
        try:
            with _errors(key):
                return self._client.head_object(Bucket=self._bucket, Key=self._object(key))
        except FileNotFoundError:
            return None

    def stat(self, key: str) -> FileStat | None:
        head = self._head(key)
        if head is None:
            return None
        stored = head.get("Metadata", {}).get(MTIME_KEY)
        mtime_ns = int(stored) if stored else int(head["LastModified"].timestamp() * 1_000_000_000)
        return FileStat(head["ContentLength"], mtime_ns)

    def occupied(self, key: str) -> bool:
        return self._head(key) is not None

    def read(self, key: str, start: int = 0, length: int | None = None) -> Iterator[bytes]:
        if length == 0:
            return
        span = {}
        if start or length is not None:
            span["Range"] = f"bytes={start}-{'' if length is None else start + length - 1}"
        with _errors(key):
            body = self._client.get_object(Bucket=self._bucket, Key=self._object(key), **span)["Body"]
            try:
                yield from body.iter_chunks(READ_CHUNK)
            finally:
                body.close()

    def put(self, local: Path, key: str) -> None:
        with _errors(key):
            self._client.upload_file(
                str(local),
                self._bucket,
                self._object(key),
                ExtraArgs=self._upload_args(key, os.stat(local).st_mtime_ns),
                Config=self.storage.transfer_config,
            )
        os.unlink(local)

    def write(self, key: str, chunks: Iterable[bytes], *, mtime_ns: int) -> None:
        # A managed upload completes whole or not at all (an unfinished multipart upload is aborted).
        with _errors(key):
            self._client.upload_fileobj(
                io.BufferedReader(_ChunkReader(chunks), READ_CHUNK),
                self._bucket,
                self._object(key),
                ExtraArgs=self._upload_args(key, mtime_ns),
                Config=self.storage.transfer_config,
            )

    def fetch(self, key: str, local: Path) -> None:
        found = self.stat(key)
        if found is None:
            raise FileNotFoundError(f"no object {key} in the bucket")
        with _errors(key):
            self._client.download_file(self._bucket, self._object(key), str(local), Config=self.storage.transfer_config)
        os.utime(local, ns=(found.mtime_ns, found.mtime_ns))

    def copy(self, old: str, new: str) -> None:
        # On the server (multipart for large objects), metadata included: the bytes never come here.
        with _errors(old):
            self._client.copy(
                {"Bucket": self._bucket, "Key": self._object(old)},
                self._bucket,
                self._object(new),
                Config=self.storage.transfer_config,
            )

    def delete(self, key: str) -> None:
        with _errors(key):
            self._client.delete_object(Bucket=self._bucket, Key=self._object(key))

    def delete_tree(self, key: str) -> None:
        doomed = [found for found, _ in self.files(key)]
        for start in range(0, len(doomed), DELETE_BATCH):
            batch = [{"Key": self._object(found)} for found in doomed[start : start + DELETE_BATCH]]
            with _errors(key):
                self._client.delete_objects(Bucket=self._bucket, Delete={"Objects": batch, "Quiet": True})

    def files(self, prefix: str) -> Iterator[tuple[str, int]]:
        root = self._object("")
        folder = self._object(prefix).rstrip("/") + "/" if prefix else root
        with _errors(prefix):
            for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=folder):
                for entry in page.get("Contents", ()):
                    yield entry["Key"][len(root) :].lstrip("/"), entry["Size"]

    def presigned_url(self, key: str, *, content_type: str, download_name: str | None) -> str:
        parameters = {"ResponseContentType": content_type}
        if download_name:
            parameters["ResponseContentDisposition"] = content_disposition_header(True, download_name)
        return self.storage.url(clean_name(key), parameters=parameters)
