"""The media operations over corpus files, in a child process: a crash in C (libvips, libheif, FFmpeg: a segfault,
an abort, a hang) is seen and named, the files after it still run, and the test process itself never dies.

The child (`python -m tests.workers.media.crash_guard <folder> <label>...`) prints one JSON line before and one
after each file; the parent restarts it after the file it was in when it died."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from immich.env import REPO_ROOT

VIDEO_EXTENSIONS = (".mp4", ".mov")
UNREADABLE, OK = "unreadable", "ok"


def _operations(source: Path, sidecar: Path | None, out: Path) -> dict:
    """Every operation a worker runs on an original, each on its own: (outcome, reason, details)."""
    from workers.media import faces, metadata, thumbnails, video_probe

    specs = (
        thumbnails.ThumbnailSpec("thumbnail", "webp", 250, 80),
        thumbnails.ThumbnailSpec("preview", "jpeg", 1440, 80),
    )
    outputs = {spec.kind: out / f"{spec.kind}.{spec.format}" for spec in specs}
    if source.suffix in VIDEO_EXTENSIONS:
        calls = {
            "facts": lambda: metadata.video_facts(source, sidecar=sidecar),
            "thumbnails": lambda: thumbnails.generate_video_thumbnails(source, outputs, specs),
            "transcode-probe": lambda: video_probe.probe(source),
        }
    else:
        calls = {
            "facts": lambda: metadata.image_facts(source, sidecar=sidecar),
            "thumbnails": lambda: thumbnails.generate_image_thumbnails(source, outputs, specs),
            "faces": lambda: faces.read_face_regions(source, sidecar=sidecar, orientation=None, stored_size=(96, 64)),
        }
    results = {}
    for name, call in calls.items():
        try:
            value = call()
        except (metadata.UnreadableMedia, video_probe.UnreadableVideo) as error:
            results[name] = (UNREADABLE, str(error), sorted(path.name for path in out.iterdir()))
        except Exception as error:  # the finding: anything else escaping an operation is a bug
            results[name] = (type(error).__name__, str(error), [])
        else:
            results[name] = (OK, "", [getattr(value, "description", None), *getattr(value, "warnings", ())])
        for leftover in out.iterdir():
            leftover.unlink()
    return results


def _reset_peak_memory() -> None:
    """Start the kernel's count of this process's peak resident memory (VmHWM) again (Linux: clear_refs 5)."""
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")


def _peak_memory_mb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _child(folder: Path, labels: list[str]) -> None:
    from tests.hostile_corpus import hostile_corpus

    corpus = {hostile.label: hostile for hostile in hostile_corpus()}
    for label in labels:
        hostile = corpus[label]
        print(json.dumps({"start": label}), flush=True)
        work = folder / str(labels.index(label))
        (work / "out").mkdir(parents=True)
        source = work / f"original{os.path.splitext(hostile.name)[1].lower()}"
        source.write_bytes(hostile.data)
        sidecar = None
        if hostile.sidecar is not None:
            sidecar = work / "original.xmp"
            sidecar.write_bytes(hostile.sidecar)
        _reset_peak_memory()
        results = _operations(source, sidecar, work / "out")
        peak = _peak_memory_mb()  # this process's peak resident memory while it ran the file's operations
        unchanged = source.read_bytes() == hostile.data
        print(json.dumps({"done": label, "results": results, "unchanged": unchanged, "peak_mb": peak}), flush=True)


def run_guarded(labels: list[str], folder: Path, *, per_file_timeout_s: float = 120) -> dict[str, dict]:
    """label -> {"results": ..., "unchanged": bool, "peak_mb": the child's peak resident memory on that file} or
    {"crash": how the child ended while on that file}."""
    found: dict[str, dict] = {}
    remaining = list(labels)
    while remaining:
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.workers.media.crash_guard", str(folder / f"run{len(found)}"), *remaining],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        current = None
        try:
            output, _ = child.communicate(timeout=per_file_timeout_s * len(remaining))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            output, _ = child.communicate()
        for line in output.splitlines():
            event = json.loads(line)
            if "start" in event:
                current = event["start"]
            else:
                found[event["done"]] = event
                current = None
        if current is None and child.returncode != 0:
            raise AssertionError(f"the child failed between files (exit {child.returncode}): run it by hand to see why")
        if current is not None:  # died or hung on this one: name it, and go on after it
            code = child.returncode
            found[current] = {"crash": f"signal {signal.Signals(-code).name}" if code < 0 else f"exit {code}"}
        remaining = [label for label in labels if label not in found]
    return found


if __name__ == "__main__":
    _child(Path(sys.argv[1]), sys.argv[2:])
