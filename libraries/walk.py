"""The streaming walk of an import path: os.scandir, one folder open at a time, files yielded as they are met.

Memory holds one folder's media entries (to pair them with the sidecars beside them) and the stack of folders
still to visit, never the whole path list. Hidden and excluded folders are pruned before they are opened.
Unreadable folders, broken symlinks, symlink loops, files that vanish between listing and stat, and names that
are not valid UTF-8 are recorded as problems and skipped; the walk goes on. A symlink is followed only where the
caller's `refuse` finds nothing against its target (the import path rules: never into the media location, never
out of the allowed roots). No ORM here: pure file system.
"""

from __future__ import annotations

import hashlib
import os
import queue
import stat as stat_module
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from libraries.matcher import SIDECAR_EXTENSION, Matcher

MAX_PROBLEMS_KEPT = 100
_SIGNED = 1 << 63

# Why a path may not be imported once its symlinks are resolved (None: it may); see immich.roots.location_problem.
Refusal = Callable[[str], "str | None"]


def signed_inode(inode: int) -> int:
    """st_ino is unsigned 64-bit; the database column is signed."""
    return inode - (1 << 64) if inode >= _SIGNED else inode


@dataclass(frozen=True)
class FileFacts:
    path: str
    size: int
    mtime_ns: int
    inode: int
    sidecar_path: str | None = None
    sidecar_size: int | None = None
    sidecar_mtime_ns: int | None = None


@dataclass
class WalkReport:
    folders: int = 0
    files: int = 0
    skipped_hidden: int = 0
    skipped_excluded: int = 0
    problems: int = 0
    problem_samples: list[str] = field(default_factory=list)
    # Folders that could not be read: what the library knows under them is left as it is, not taken offline.
    unreadable_folders: list[str] = field(default_factory=list)

    def problem(self, message: str) -> None:
        self.problems += 1
        if len(self.problem_samples) < MAX_PROBLEMS_KEPT:
            self.problem_samples.append(message)


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _stat(entry: os.DirEntry, report: WalkReport) -> os.stat_result | None:
    try:
        return entry.stat()  # follows symlinks
    except FileNotFoundError:
        if entry.is_symlink():
            report.problem(f"broken symlink: {entry.path}")
        else:
            report.problem(f"vanished during the scan: {entry.path}")
    except OSError as error:
        report.problem(f"cannot stat {entry.path}: {error.strerror or error}")
    return None


def _sidecar_for(media_name: str, sidecars: dict[str, str]) -> str | None:
    """`IMG_1.jpg.xmp` first, then `IMG_1.xmp` (the reference's order); the extension's case does not matter."""
    exact = sidecars.get(media_name.lower())
    if exact is not None:
        return exact
    stem, dot, _ = media_name.rpartition(".")
    return sidecars.get(stem.lower()) if dot else None


def walk(root: str, matcher: Matcher, report: WalkReport, *, refuse: Refusal) -> Iterator[FileFacts]:
    root = root.rstrip("/") or "/"
    reason = refuse(root)  # the start may lie behind a symlink when the watcher names a folder inside a library
    if reason:
        report.problem(f"symlink skipped: {root}: {reason}")
        return
    try:
        root_stat = os.stat(root)
    except OSError as error:
        report.problem(f"cannot open import path {root}: {error.strerror or error}")
        report.unreadable_folders.append(root)
        return
    visited = {(root_stat.st_dev, root_stat.st_ino)}
    stack = [root]
    while stack:
        folder = stack.pop()
        subfolders: list[str] = []
        media: list[tuple[str, os.stat_result]] = []
        sidecars: dict[str, str] = {}
        sidecar_stats: dict[str, os.stat_result] = {}
        try:
            with os.scandir(folder) as entries:
                report.folders += 1
                for entry in entries:
                    name = entry.name
                    if matcher.is_hidden(name):
                        report.skipped_hidden += 1
                        continue
                    if not _is_utf8(name):
                        report.problem(f"name is not valid UTF-8, rename it: {os.fsencode(entry.path)!r}")
                        continue
                    if entry.is_symlink():
                        reason = refuse(entry.path)
                        if reason:
                            report.problem(f"symlink skipped: {entry.path}: {reason}")
                            continue
                    try:
                        is_dir = entry.is_dir()  # follows symlinks
                    except OSError:
                        is_dir = False
                    if is_dir:
                        if matcher.prunes_folder(entry.path):
                            report.skipped_excluded += 1
                        else:
                            subfolders.append(entry.path)
                        continue
                    kind = matcher.kind_of(name)
                    if kind is None:
                        if entry.is_symlink() and not os.path.exists(entry.path):
                            report.problem(f"broken symlink: {entry.path}")
                        continue
                    if matcher.is_excluded(entry.path):
                        report.skipped_excluded += 1
                        continue
                    facts = _stat(entry, report)
                    if facts is None or not stat_module.S_ISREG(facts.st_mode):
                        continue
                    if kind == "sidecar":
                        key = name[: -len(SIDECAR_EXTENSION)].lower()
                        sidecars[key] = entry.path
                        sidecar_stats[entry.path] = facts
                    else:
                        media.append((entry.path, facts))
        except FileNotFoundError:
            report.problem(f"folder vanished during the scan: {folder}")
            continue
        except OSError as error:
            report.problem(f"cannot read folder {folder}: {error.strerror or error}")
            report.unreadable_folders.append(folder)
            continue
        for path, facts in media:
            report.files += 1
            sidecar = _sidecar_for(path.rsplit("/", 1)[-1], sidecars) if sidecars else None
            sidecar_facts = sidecar_stats[sidecar] if sidecar else None
            yield FileFacts(
                path=path,
                size=facts.st_size,
                mtime_ns=facts.st_mtime_ns,
                inode=signed_inode(facts.st_ino),
                sidecar_path=sidecar,
                sidecar_size=sidecar_facts.st_size if sidecar_facts else None,
                sidecar_mtime_ns=sidecar_facts.st_mtime_ns if sidecar_facts else None,
            )
        for subfolder in reversed(sorted(subfolders)):
            try:
                identity = os.stat(subfolder)
            except OSError as error:
                report.problem(f"cannot open folder {subfolder}: {error.strerror or error}")
                continue
            key = (identity.st_dev, identity.st_ino)
            if key in visited:
                report.problem(f"symlink loop or repeated folder skipped: {subfolder}")
                continue
            visited.add(key)
            stack.append(subfolder)


def file_facts(path: str, matcher: Matcher, root: str, *, refuse: Refusal) -> FileFacts | None:
    """The facts of one file the library takes (for the watcher), or None if it is gone or not taken."""
    if matcher.accepts(path, root) != "media" or refuse(path):
        return None
    try:
        facts = os.stat(path)
    except OSError:
        return None
    if not stat_module.S_ISREG(facts.st_mode):
        return None
    folder, name = os.path.split(path)
    stem = name.rpartition(".")[0]
    sidecar = sidecar_facts = None
    for candidate in (f"{path}.xmp", f"{path}.XMP", f"{folder}/{stem}.xmp", f"{folder}/{stem}.XMP"):
        try:
            sidecar_facts = os.stat(candidate)
        except OSError:
            continue
        if refuse(candidate):
            sidecar_facts = None
            continue
        sidecar = candidate
        break
    return FileFacts(
        path=path,
        size=facts.st_size,
        mtime_ns=facts.st_mtime_ns,
        inode=signed_inode(facts.st_ino),
        sidecar_path=sidecar,
        sidecar_size=sidecar_facts.st_size if sidecar_facts else None,
        sidecar_mtime_ns=sidecar_facts.st_mtime_ns if sidecar_facts else None,
    )


def walk_batches(roots: list[str], matcher: Matcher, report: WalkReport, *, size: int, refuse: Refusal):
    """The walk of several import paths in batches: (root, batch) pairs, then (root, None) when a root is done."""
    batch: list[FileFacts] = []
    for root in roots:
        for facts in walk(root, matcher, report, refuse=refuse):
            batch.append(facts)
            if len(batch) >= size:
                yield root, batch
                batch = []
        if batch:
            yield root, batch
            batch = []
        yield root, None


def in_thread(items, depth: int = 4):
    """Iterate `items` in a helper thread, `depth` items ahead: the walk's system calls overlap the database's
    COPY of the previous batch. An exception in the walk is raised here."""
    done = object()
    channel: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                channel.put(item)
            channel.put(done)
        except BaseException as error:  # handed to the consumer, which raises it
            channel.put(error)

    thread = threading.Thread(target=produce, name="library-walk", daemon=True)
    thread.start()
    try:
        while (item := channel.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full channel
            try:
                channel.get(timeout=0.1)
            except queue.Empty:
                pass
        thread.join()


FINGERPRINT_SAMPLE = 64 * 1024


def fingerprint(path: str, size: int) -> bytes | None:
    """SHA-1 of the size and the first and last 64 KiB (the whole file when it is smaller than 128 KiB): reads at
    most 128 KiB however large the file, and tells apart files that differ anywhere but in the middle of a
    large video. None when the file cannot be read or is not the expected size any more."""
    digest = hashlib.sha1(str(size).encode() + b":")
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size != size:
                return None
            if size <= 2 * FINGERPRINT_SAMPLE:
                digest.update(handle.read())
            else:
                digest.update(handle.read(FINGERPRINT_SAMPLE))
                handle.seek(size - FINGERPRINT_SAMPLE)
                digest.update(handle.read(FINGERPRINT_SAMPLE))
    except OSError:
        return None
    return digest.digest()
