"""The storage backends' interface (`Backend`: files by key, a relative POSIX path) and the filesystem backend,
whose keys are paths below the media location, each file opened inside its allowed folders only. The S3 backend is
`storage_s3`'s; `storage` turns the database's absolute paths into a backend and a key."""

from __future__ import annotations

import errno
import os
import shutil
import stat as stat_kind
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from workers.media import fs

READ_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class FileStat:
    size: int
    mtime_ns: int


class Backend(Protocol):
    """Files by key (a relative POSIX path). Reading a missing key raises FileNotFoundError; other failures of the
    store raise OSError, so the jobs retry them as they retry a failing disk."""

    name: str

    def local_path(self, key: str) -> Path | None: ...  # where the file is on this machine's disk, if it is there
    def stat(self, key: str) -> FileStat | None: ...  # None: no regular file there
    def occupied(self, key: str) -> bool: ...  # anything at all under that name (a dangling link counts)
    def read(self, key: str, start: int = 0, length: int | None = None) -> Iterator[bytes]: ...
    def put(self, local: Path, key: str) -> None: ...  # store a finished local file there; the local file goes
    def write(self, key: str, chunks: Iterable[bytes], *, mtime_ns: int) -> None: ...  # all or nothing
    def fetch(self, key: str, local: Path) -> None: ...  # a local copy, with the stored modification time
    def copy(self, old: str, new: str) -> None: ...
    def delete(self, key: str) -> None: ...  # quietly: a missing key is not an error
    def delete_tree(self, key: str) -> None: ...
    def files(self, prefix: str) -> Iterator[tuple[str, int]]: ...  # (key, size) of every file under the prefix
    def presigned_url(self, key: str, *, content_type: str, download_name: str | None) -> str | None: ...


class FilesystemBackend:
    """Keys are paths below `root`: every operation is the plain file operation on that path, each file opened
    inside the `allowed` folders only (`root` itself unless told otherwise)."""

    name = "filesystem"

    def __init__(self, root: Path, *, allowed: tuple[str | os.PathLike, ...] | None = None) -> None:
        self.root = root
        self.allowed = (root,) if allowed is None else allowed

    def local_path(self, key: str) -> Path:
        return self.root / key

    def open(self, key: str) -> BinaryIO:
        """The regular file at `key`, opened for reading inside the allowed folders (OutsideRoots otherwise)."""
        fd = fs.open_beneath(self.root / key, self.allowed, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO never blocks
        handle = os.fdopen(fd, "rb")
        if not stat_kind.S_ISREG(os.fstat(fd).st_mode):
            handle.close()
            raise IsADirectoryError(errno.EISDIR, "not a regular file", str(self.root / key))
        return handle

    def check_writable(self, key: str) -> Path:
        """The path of `key`, once its folder is known to lie inside the allowed folders (OutsideRoots otherwise)."""
        target = self.root / key
        if not fs.is_beneath(target.parent, self.allowed):
            raise fs.OutsideRoots(errno.EACCES, "leads out of the folders it may be in", str(target))
        return target

    def stat(self, key: str) -> FileStat | None:
        try:
            fd = fs.open_beneath(self.root / key, self.allowed, os.O_PATH)
        except (FileNotFoundError, NotADirectoryError):
            return None
        try:
            found = os.fstat(fd)
        finally:
            os.close(fd)
        return FileStat(found.st_size, found.st_mtime_ns) if stat_kind.S_ISREG(found.st_mode) else None

    def occupied(self, key: str) -> bool:
        return os.path.lexists(self.root / key)

    def read(self, key: str, start: int = 0, length: int | None = None) -> Iterator[bytes]:
        with self.open(key) as handle:
            handle.seek(start)
            remaining = length
            while remaining is None or remaining > 0:
                chunk = handle.read(READ_CHUNK if remaining is None else min(READ_CHUNK, remaining))
                if not chunk:
                    break
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    def put(self, local: Path, key: str) -> None:
        target = self.check_writable(key)
        if Path(local) != target:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(local, target)

    def write(self, key: str, chunks: Iterable[bytes], *, mtime_ns: int) -> None:
        target = self.root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        self.check_writable(key)
        with fs.write_then_replace(target, durable=True) as partial:
            with open(partial, "xb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
            os.utime(partial, ns=(mtime_ns, mtime_ns))

    def fetch(self, key: str, local: Path) -> None:
        with self.open(key) as source, open(local, "wb") as target:
            shutil.copyfileobj(source, target, READ_CHUNK)
            found = os.fstat(source.fileno())
        os.utime(local, ns=(found.st_atime_ns, found.st_mtime_ns))

    def copy(self, old: str, new: str) -> None:
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        self.fetch(old, self.check_writable(new))

    def delete(self, key: str) -> None:
        remove_quietly(self.root / key)

    def delete_tree(self, key: str) -> None:
        shutil.rmtree(self.root / key, ignore_errors=True)

    def files(self, prefix: str) -> Iterator[tuple[str, int]]:
        for folder, subfolders, names in os.walk(self.root / prefix):
            subfolders.sort()
            for name in sorted(names):
                key = os.path.relpath(os.path.join(folder, name), self.root)
                found = self.stat(key)
                if found is not None:
                    yield key, found.size

    def presigned_url(self, key: str, *, content_type: str, download_name: str | None) -> None:
        return None


def remove_quietly(*paths: str | os.PathLike | None) -> None:
    """Remove local files that may or may not exist (staged bytes of a refused upload, a temporary output)."""
    for path in paths:
        if path:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
