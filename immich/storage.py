"""Where stored files live: one interface for originals, sidecars, thumbnails, encoded videos and backups.

The database keeps absolute paths under the media location (IMMICH_MEDIA_LOCATION) whatever the backend. A path
under that root is a key (the path relative to the root) in the configured backend (IMMICH_STORAGE_BACKEND): the
filesystem backend keeps it at that very path, with zero extra copies; the S3 backend keeps the object
`<prefix>/<key>` of its bucket, and the local path never exists. So the database never changes between backends,
and moving a library from one to the other is a byte move. Paths outside the media root (external libraries'
originals: users' own folders) are always the local filesystem's, whatever the backend.

Every local file is opened through `fs.open_beneath`: a path under the media root only inside it, a path outside it
only inside the `roots` its caller names (a library's import paths), through no link leading elsewhere. A path that
leads out raises `fs.OutsideRoots`; outside the media root without `roots`, every path does.

Media operations (workers.media) work on local paths only: `local_copy` gives one for a stored file (the file
itself on the filesystem, a copy fetched into the scratch folder otherwise, removed afterwards), `outputs` gives
local paths to write and stores what was written there.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import shutil
import socket
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TypeVar

from django.conf import settings

from immich.storage_backends import Backend, FileStat, FilesystemBackend
from immich.storage_backends import remove_quietly as remove_quietly

BACKENDS = ("filesystem", "s3")
K = TypeVar("K")


# -- where a path is ------------------------------------------------------------------------------------------


def media_root() -> Path:
    return Path(settings.MEDIA_LOCATION)


def scratch_root() -> Path:
    return Path(settings.SCRATCH_LOCATION)


# The media location's folders, each of which may be a link to another disk (a volume mounted beside the others):
# the folders those links lead to are inside the media location too. No other link in it is followed out of it.
MEDIA_FOLDERS = ("upload", "library", "thumbs", "encoded-video", "profile", "backups")


def backend_named(name: str) -> Backend:
    if name == "filesystem":
        root = media_root()
        return FilesystemBackend(root, allowed=(root, *(root / folder for folder in MEDIA_FOLDERS)))
    if name == "s3":
        from immich.storage_s3 import S3Backend

        return S3Backend.configured()
    raise ValueError(f"unknown storage backend {name!r}: one of {', '.join(BACKENDS)}")


def configured_backend() -> Backend:
    return backend_named(settings.STORAGE_BACKEND)


def key_of(path: str | os.PathLike) -> str | None:
    """The key of a path under the media root (its relative path), None for a path outside it."""
    normal = os.path.normpath(os.fspath(path))
    root = os.path.normpath(os.fspath(media_root()))
    return normal[len(root) + 1 :] if normal.startswith(root + os.sep) else None


Roots = tuple[str | os.PathLike, ...]


def _locate(path: str | os.PathLike, roots: Roots = ()) -> tuple[Backend, str]:
    """The backend and key of `path`: the configured backend under the media root, else the local disk, there
    inside `roots` only."""
    key = key_of(path)
    if key is None:
        return FilesystemBackend(Path("/"), allowed=roots), os.path.normpath(os.fspath(path)).lstrip(os.sep)
    return configured_backend(), key


def is_local(path: str | os.PathLike) -> bool:
    """True when the path itself is the file (the filesystem backend, or a path outside the media root)."""
    backend, key = _locate(path)
    return backend.local_path(key) is not None


def open_local(path: str | os.PathLike, *, roots: Roots = ()) -> BinaryIO:
    """The local file at `path` opened for reading, inside its roots (see `_locate`); only where `is_local`."""
    backend, key = _locate(path, roots)
    assert isinstance(backend, FilesystemBackend), f"{path} is not a local file"
    return backend.open(key)


# -- the interface callers use: absolute paths as the database holds them --------------------------------------


def stat(path: str | os.PathLike, *, roots: Roots = ()) -> FileStat | None:
    """None where no regular file is; OutsideRoots where the path leads out of its roots."""
    backend, key = _locate(path, roots)
    return backend.stat(key)


def exists(path: str | os.PathLike, *, roots: Roots = ()) -> bool:
    return stat(path, roots=roots) is not None


def occupied(path: str | os.PathLike) -> bool:
    backend, key = _locate(path)
    return backend.occupied(key)


def read(path: str | os.PathLike, start: int = 0, length: int | None = None, *, roots: Roots = ()) -> Iterator[bytes]:
    backend, key = _locate(path, roots)
    return backend.read(key, start, length)


def sha1(path: str | os.PathLike, *, roots: Roots = ()) -> bytes:
    digest = hashlib.sha1()
    for chunk in read(path, roots=roots):
        digest.update(chunk)
    return digest.digest()


def put(local: Path, path: str | os.PathLike) -> None:
    """Store the finished local file at `path` (the filesystem backend renames it there); the local file is gone."""
    backend, key = _locate(path)
    backend.put(local, key)


def retrieve(path: str | os.PathLike, local: Path) -> None:
    """The reverse of `put`: the stored file becomes the local file again and is no longer stored."""
    backend, key = _locate(path)
    if backend.local_path(key) is not None:
        os.rename(backend.local_path(key), local)
        return
    backend.fetch(key, local)
    backend.delete(key)


def copy(old: str | os.PathLike, new: str | os.PathLike) -> None:
    """A copy within one storage (the S3 backend copies on the server, the bytes never travel)."""
    if (key_of(old) is None) != (key_of(new) is None):
        raise ValueError(f"{old} and {new} are not in the same storage")
    backend, old_key = _locate(old)
    backend.copy(old_key, _locate(new)[1])


def delete(*paths: str | os.PathLike | None) -> None:
    """Remove stored files that may or may not exist."""
    for path in paths:
        if path:
            backend, key = _locate(path)
            backend.delete(key)


def delete_tree(path: str | os.PathLike) -> None:
    backend, key = _locate(path)
    backend.delete_tree(key)


def files(folder: str | os.PathLike) -> Iterator[tuple[Path, int]]:
    """(path, size) of every stored file below `folder`."""
    backend, key = _locate(folder)
    base = Path(folder)
    for found, size in backend.files(key):
        yield base / posixpath.relpath(found, key), size


def presigned_url(path: str | os.PathLike, *, content_type: str, download_name: str | None = None) -> str | None:
    """A time-limited URL the client can fetch the file from directly; None where the backend has none."""
    backend, key = _locate(path)
    return backend.presigned_url(key, content_type=content_type, download_name=download_name)


def staging_path(path: str | os.PathLike) -> Path:
    """Where a file on its way to `path` is written locally (a streamed upload, a backup being made): the path
    itself on the filesystem backend (then stored by a rename in place), else its place in the scratch folder."""
    backend, key = _locate(path)
    return backend.local_path(key) or scratch_root() / "staging" / key


def _this_host_prefix() -> str:
    """Job scratch folders are named `<host>-<pid>-<random>`, so the debris of a dead process can be told apart."""
    return f"{socket.gethostname()}-"


@contextmanager
def _scratch_folder() -> Iterator[Path]:
    folder = scratch_root() / "jobs" / f"{_this_host_prefix()}{os.getpid()}-{uuid.uuid4().hex}"
    folder.mkdir(parents=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def scratch_debris_remove() -> int:
    """Removes the scratch folders left by processes of this machine that died mid-job (a killed worker cannot
    clean up after itself); folders of live processes, and of other machines sharing the folder, stay. Returns
    how many were removed."""
    prefix = _this_host_prefix()
    try:
        folders = list((scratch_root() / "jobs").iterdir())
    except FileNotFoundError:
        return 0
    removed = 0
    for folder in folders:
        pid_text, _, _ = folder.name.removeprefix(prefix).partition("-")
        if folder.name.startswith(prefix) and pid_text.isdigit() and not _process_alive(int(pid_text)):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


@contextmanager
def local_copy(path: str | os.PathLike, *, roots: Roots = (), missing_ok: bool = False) -> Iterator[Path]:
    """A local path holding the stored file, under its own name (formats are told by their extension): the file
    itself where it is local, else a copy fetched into the scratch folder and removed afterwards, also on error.
    A missing file raises FileNotFoundError, or with `missing_ok` gives a path where nothing is (as the file
    itself would), for readers that report a missing file in their own words. A path leading out of its roots
    raises OutsideRoots.

    A local file is opened through the guarded opener first: the media tools open paths, so a link swapped in
    between that check and their own open is the window left (they run on a copy where the backend is not
    local)."""
    backend, key = _locate(path, roots)
    local = backend.local_path(key)
    if local is not None:
        assert isinstance(backend, FilesystemBackend)  # the one backend with local paths
        try:
            backend.open(key).close()
        except FileNotFoundError:
            if not missing_ok:
                raise
        yield local
        return
    with _scratch_folder() as folder:
        target = folder / posixpath.basename(key)
        try:
            backend.fetch(key, target)
        except FileNotFoundError:
            if not missing_ok:
                raise
        yield target


@contextmanager
def outputs(paths: Mapping[K, str | os.PathLike]) -> Iterator[dict[K, Path]]:
    """Local paths to write the files meant for `paths` (their folders exist): the paths themselves on the
    filesystem backend; else files in a scratch folder, each stored at its path when the block ends without an
    error if it was written, and removed in any case."""
    located = {name: _locate(path) for name, path in paths.items()}
    if all(backend.local_path(key) is not None for backend, key in located.values()):
        local = {name: backend.local_path(key) for name, (backend, key) in located.items()}
        for path in local.values():
            path.parent.mkdir(parents=True, exist_ok=True)
        yield local
        return
    with _scratch_folder() as folder:
        local = {
            name: folder / str(index) / posixpath.basename(key)
            for index, (name, (_, key)) in enumerate(located.items())
        }
        for path in local.values():
            path.parent.mkdir()
        yield local
        for name, (backend, key) in located.items():
            if local[name].exists():
                backend.put(local[name], key)
