"""Filesystem primitives, written once: the guarded opener every reader and writer of a stored or library file goes
through, a rename that never replaces, durability by filesystem (syncfs) and early writeback, copy-and-hash, removal
of emptied folders, and the atomic write-then-replace every writer of a derived file uses. Pure: no ORM, no
settings, no app: callers pass the folders a file may be in.

`crash_point(name)` marks where a fault test may kill the process (as `kill -9` would); it does nothing in
production. Callers call it through this module (`fs.crash_point(...)`) so that a test's monkeypatch reaches them.
"""

from __future__ import annotations

import ctypes
import errno
import glob
import hashlib
import os
import stat as stat_kind
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from pathlib import Path

FOLDER_THREADS = 8
_CHUNK = 4 * 1024 * 1024
_COPY_CHUNK = 1024 * 1024  # small enough to hash what was just copied from the CPU's cache


def crash_point(name: str) -> None:
    """A place where a fault test may kill the process; a no-op unless a test replaces it."""


# -- writing ---------------------------------------------------------------------------------------------------


def write_fully(write: Callable[[memoryview], int], data: bytes) -> None:
    """Write all of `data` with an unbuffered `write` (a raw file's, or os.write on a descriptor), which may take
    only part of it when the disk fills up: the rest is written again, so a full disk raises ENOSPC instead of
    bytes going missing unnoticed."""
    view = memoryview(data)
    while view:
        view = view[write(view) :]


NAME_MAX = 255  # bytes in one file name (every Linux filesystem the server runs on)
_TOKEN_ROOM = 64  # bytes a temporary name's token may take
_TEMPORARY_SUFFIX = ".partial"


def name_within(name: str, limit: int) -> str:
    """The longest start of `name` that takes at most `limit` bytes on disk, never cutting a character in two."""
    name = name[:limit]  # a character takes at least one byte
    while len(os.fsencode(name)) > limit:
        name = name[:-1]
    return name


def temporary_prefix(path: Path) -> str:
    """What every temporary name of `path` starts with: `.` and as much of its name as leaves room for a token."""
    return f".{name_within(path.name, NAME_MAX - len('..') - len(_TEMPORARY_SUFFIX) - _TOKEN_ROOM)}."


def temporary_name(path: Path, token: str) -> Path:
    """`.<name>.<token>.partial` beside `path`, the name shortened so that the whole fits NAME_MAX whatever the
    original's name: hidden, and the name the debris sweep and the consistency check know as a writer's temporary
    output. `token` (a random one, a row's id) tells the temporary names of one path apart."""
    if len(os.fsencode(token)) > _TOKEN_ROOM:
        raise ValueError(f"a temporary name's token takes at most {_TOKEN_ROOM} bytes: {token!r}")
    return path.with_name(f"{temporary_prefix(path)}{token}{_TEMPORARY_SUFFIX}")


@contextmanager
def write_then_replace(
    path: Path, *, token: str | None = None, durable: bool = False, clear_stale: bool = False
) -> Iterator[Path]:
    """Yields a temporary name beside `path` to write; when the block ends without error the temporary file
    replaces `path` in one rename, so a reader sees the old file or the whole new one, never half of one. A block
    that decides to keep nothing removes the temporary file itself, and nothing is replaced. The temporary file
    never outlives the block.

    `durable`: fsync the temporary file before the rename (the new contents survive a machine crash).
    `clear_stale`: first remove the temporary files of a writer killed mid-write (for outputs that one process at a
    time writes, so none of them is being written now)."""
    if clear_stale:
        for stale in path.parent.glob(f"{glob.escape(temporary_prefix(path))}*{_TEMPORARY_SUFFIX}"):
            stale.unlink(missing_ok=True)
    temp = temporary_name(path, token or uuid.uuid4().hex[:12])
    try:
        yield temp
        if os.path.lexists(temp):
            if durable:
                fd = os.open(temp, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
            os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


# -- opening inside allowed folders ----------------------------------------------------------------------------


class OutsideRoots(PermissionError):
    """The path leads out of the folders it may be in (a symlink to /etc/passwd, to another user's original), or a
    link appeared on its way while it was being opened. Its message says which path, for a step's failure reason."""


class _OpenHow(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]


_SYS_OPENAT2 = 437  # the same number on every architecture (added with Linux 5.6)
_RESOLVE_NO_MAGICLINKS = 0x02
_RESOLVE_NO_SYMLINKS = 0x04
_RESOLVE_BENEATH = 0x08
_openat2_works = True  # until the kernel (or a seccomp filter) says it has no openat2


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _openat2(root_fd: int, relative: str, flags: int, mode: int) -> int | None:
    """openat2 resolving `relative` below `root_fd` through no link at all; None where the kernel has none."""
    global _openat2_works
    if not _openat2_works:
        return None
    how = _OpenHow(
        flags | os.O_CLOEXEC,
        mode if flags & os.O_CREAT else 0,
        _RESOLVE_BENEATH | _RESOLVE_NO_SYMLINKS | _RESOLVE_NO_MAGICLINKS,
    )
    fd: int = _libc.syscall(
        ctypes.c_long(_SYS_OPENAT2),
        ctypes.c_int(root_fd),
        ctypes.c_char_p(os.fsencode(relative)),
        ctypes.byref(how),
        ctypes.c_size_t(ctypes.sizeof(how)),
    )
    if fd >= 0:
        return fd
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EPERM) and not flags & os.O_CREAT:
        _openat2_works = False  # too old a kernel, or a container's seccomp filter refusing it: walk instead
        return None
    raise OSError(code, os.strerror(code), relative)


def _open_walking(root_fd: int, relative: str, flags: int, mode: int) -> int:
    """The same without openat2: each folder opened below the previous one with O_NOFOLLOW, the file too."""
    *folders, name = relative.split(os.sep)
    fd = os.dup(root_fd)
    try:
        for folder in folders:
            below = os.open(folder, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
            os.close(fd)
            fd = below
        opened = os.open(name, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode, dir_fd=fd)
    finally:
        os.close(fd)
    if flags & os.O_PATH and stat_kind.S_ISLNK(os.fstat(opened).st_mode):  # O_PATH opens the link itself
        os.close(opened)
        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), relative)
    return opened


def open_beneath(
    path: str | os.PathLike[str], roots: Iterable[str | os.PathLike[str]], flags: int = os.O_RDONLY, mode: int = 0o644
) -> int:
    """A descriptor for `path` (os.open's `flags`) when it lies in one of the `roots` folders once its links are
    resolved, else OutsideRoots. The resolved path is then opened below its root through no link at all
    (openat2's RESOLVE_BENEATH and RESOLVE_NO_SYMLINKS, or O_NOFOLLOW on each component), so a link swapped in
    after the check is refused too (OutsideRoots), never followed. The roots themselves may be links."""
    path = os.fspath(path)
    real = os.path.realpath(path)
    for root in roots:
        real_root = os.path.realpath(root)
        if _inside(real, real_root):
            break
    else:
        raise OutsideRoots(errno.EACCES, "leads out of the folders it may be in", path)
    relative = "." if real == real_root else os.path.relpath(real, real_root)
    root_fd = os.open(real_root, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fd = _openat2(root_fd, relative, flags, mode)
        return fd if fd is not None else _open_walking(root_fd, relative, flags, mode)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.EXDEV):
            raise OutsideRoots(errno.EACCES, "a link appeared on its way while it was opened", path) from error
        raise OSError(error.errno, error.strerror, path) from None
    finally:
        os.close(root_fd)


def is_beneath(path: str | os.PathLike[str], roots: Iterable[str | os.PathLike[str]]) -> bool:
    """True when `path` (which may not exist yet) resolves inside one of `roots`: a writer's check of a target."""
    real = os.path.realpath(path)
    return any(_inside(real, os.path.realpath(root)) for root in roots)


# -- renaming and durability -----------------------------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
_renameat2 = getattr(_libc, "renameat2", None)
_syncfs = getattr(_libc, "syncfs", None)
_sync_file_range = getattr(_libc, "sync_file_range", None)
if _sync_file_range is not None:
    _sync_file_range.argtypes = (ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint)
_SYNC_FILE_RANGE_WRITE = 2
_AT_FDCWD = -100
_RENAME_NOREPLACE = 1


def rename_noreplace(source: str, target: str) -> None:
    """Rename that fails with FileExistsError instead of replacing `target` (EXDEV across filesystems)."""
    if _renameat2 is not None:
        if _renameat2(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(target), _RENAME_NOREPLACE) == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
            raise OSError(code, os.strerror(code), source, None, target)
    # No renameat2 here: a hard link cannot replace either; a crash between link and unlink leaves two names of
    # one inode, which recovery resolves like a finished copy.
    try:
        os.link(source, target)
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, "File exists", target) from error
        os.rename(source, target)  # the movers' lock keeps other movers out; nothing else writes these folders
        return
    os.unlink(source)


def sync_filesystems(folders: Iterable[str]) -> None:
    """Make everything written on the folders' filesystems durable: one syncfs per filesystem and batch instead
    of an fsync per file and folder."""
    seen: set[int] = set()
    for folder in folders:
        try:
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:
            continue
        try:
            device = os.fstat(fd).st_dev
            if device not in seen:
                seen.add(device)
                if _syncfs is None or _syncfs(fd) != 0:
                    os.sync()
        finally:
            os.close(fd)


def start_writeback(fd: int) -> None:
    """Start writing the file's dirty pages to disk now, without waiting for them."""
    if _sync_file_range is not None:
        _sync_file_range(fd, 0, 0, _SYNC_FILE_RANGE_WRITE)


# -- copying and hashing ---------------------------------------------------------------------------------------


def file_sha1(path: str) -> bytes:
    digest = hashlib.sha1()
    buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as handle:
        while count := handle.readinto(buffer):
            digest.update(view[:count])
    return digest.digest()


def _send(target_fd: int, source_fd: int, count: int) -> int:
    """Copy up to `count` bytes from the source's offset to the target's, in the kernel when it can."""
    try:
        return os.sendfile(target_fd, source_fd, None, count)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            raise
        data = os.read(source_fd, count)
        write_fully(partial(os.write, target_fd), data)
        return len(data)


def copy_and_hash(source: str, target: str, *, hashing: bool = True) -> bytes | None:
    """Copy `source` to a new file `target` chunk by chunk, reading each chunk back from the target while it is
    still in the CPU's cache; returns the SHA-1 of what the target holds (None without `hashing`: a plain copy).
    Writeback is started as it goes. Passes the crash point "copying" once the first chunk is written."""
    digest = hashlib.sha1()
    buffer = bytearray(_COPY_CHUNK)
    view = memoryview(buffer)
    with open(source, "rb", buffering=0) as src, open(target, "xb+", buffering=0) as dst:
        offset = 0
        while sent := _send(dst.fileno(), src.fileno(), _COPY_CHUNK):
            done = 0 if hashing else sent
            while done < sent:
                got = os.preadv(dst.fileno(), [view[done:sent]], offset + done)
                if got == 0:
                    raise OSError(errno.EIO, f"{target} is shorter than what was written to it")
                done += got
            if hashing:
                digest.update(view[:sent])
            if offset == 0:
                crash_point("copying")
            offset += sent
        # The disk works while the next files are copied and hashed; the batch's syncfs then only waits for what
        # is left.
        start_writeback(dst.fileno())
    stat = os.stat(source)
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    return digest.digest() if hashing else None


# -- folders ---------------------------------------------------------------------------------------------------


def _rmdir(folder: str) -> bool:
    try:
        os.rmdir(folder)
    except OSError:
        return False  # not empty (or gone)
    return True


def remove_empty_folders(paths: Iterable[str], *, stop_at: Iterable[Path]) -> int:
    """Remove the folders of `paths` that are now empty, and their emptied parents, below the `stop_at` roots.
    Deepest first, one depth at a time, each depth in parallel (folder operations wait on the disk)."""
    roots = tuple(str(root) + os.sep for root in stop_at)
    by_depth: dict[int, set[str]] = {}

    def consider(folder: str) -> None:
        if folder.startswith(roots) and folder + os.sep not in roots:
            by_depth.setdefault(folder.count(os.sep), set()).add(folder)

    for path in paths:
        consider(os.path.dirname(path))
    removed = 0
    with ThreadPoolExecutor(max_workers=FOLDER_THREADS) as pool:
        while by_depth:
            folders = sorted(by_depth.pop(max(by_depth)))
            for folder, gone in zip(folders, pool.map(_rmdir, folders)):
                if gone:
                    removed += 1
                    consider(os.path.dirname(folder))
    return removed


def make_folders(folders: Iterable[str]) -> dict[str, int]:
    """Create the folders (in parallel) and return the filesystem each is on."""
    folders = list(dict.fromkeys(folders))

    def make(folder: str) -> int:
        os.makedirs(folder, exist_ok=True)
        return os.stat(folder).st_dev

    with ThreadPoolExecutor(max_workers=FOLDER_THREADS) as pool:
        return dict(zip(folders, pool.map(make, folders)))
