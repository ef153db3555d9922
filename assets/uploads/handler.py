"""Streaming upload handler: the multipart body goes straight to its staging file while its SHA-1 is computed in the
same pass: its final folder under the media location on the filesystem backend (then renamed into place), the
scratch folder with S3 (then put to its key). Nothing is buffered in memory."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopFutureHandlers

from assets.storage import nested_folder
from immich import storage
from workers.media.fs import write_fully

ASSET_FIELD = "assetData"
SIDECAR_FIELD = "sidecarData"
PARTIAL_SUFFIX = ".part"


def upload_path(owner_id: object, file_id: uuid.UUID, suffix: str) -> Path:
    """`<media>/upload/<ownerId>/<xx>/<yy>/<fileId><suffix>`: an uploaded file's stored path (the suffix is its
    extension), or with PARTIAL_SUFFIX the logical path of its bytes in transit (see `storage.staging_path`)."""
    return nested_folder("upload", owner_id, file_id.hex) / f"{file_id}{suffix}"


class StreamedUpload(UploadedFile):
    """A file already written to the local `partial_path` (see `storage.staging_path`), with its SHA-1."""

    def __init__(self, *, partial_path: Path, file_id: uuid.UUID, name: str, size: int, sha1: bytes, content_type: str):
        super().__init__(file=None, name=name, content_type=content_type, size=size)
        self.partial_path = partial_path
        self.file_id = file_id
        self.sha1 = sha1

    def close(self) -> None:
        pass


class AssetUploadHandler(FileUploadHandler):
    chunk_size = 1024 * 1024

    def __init__(self, request=None, *, owner_id: object):
        super().__init__(request)
        self.owner_id = owner_id
        self.written: list[Path] = []
        self._file = None
        self._hash = None
        self._file_id: uuid.UUID | None = None

    def new_file(self, field_name, file_name, content_type, content_length, charset=None, content_type_extra=None):
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)
        if field_name not in (ASSET_FIELD, SIDECAR_FIELD):
            raise SkipFile()
        self._file_id = uuid.uuid4()
        path = storage.staging_path(upload_path(self.owner_id, self._file_id, PARTIAL_SUFFIX))
        path.parent.mkdir(parents=True, exist_ok=True)
        self.written.append(path)
        self._file = open(path, "xb", buffering=0)
        self._hash = hashlib.sha1()
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data, start):
        write_fully(self._file.write, raw_data)
        self._hash.update(raw_data)
        return None

    def file_complete(self, file_size):
        self._file.close()
        upload = StreamedUpload(
            partial_path=Path(self._file.name),
            file_id=self._file_id,
            name=self.file_name,
            size=file_size,
            sha1=self._hash.digest(),
            content_type=self.content_type,
        )
        self._file = None
        return upload

    def upload_interrupted(self):
        self._close_current()

    def _close_current(self) -> None:
        if self._file is not None and not self._file.closed:
            self._file.close()
        self._file = None

    def discard_unclaimed(self) -> None:
        """Remove every partial file of this request: the service stores the ones it keeps before this runs."""
        self._close_current()
        storage.remove_quietly(*self.written)
