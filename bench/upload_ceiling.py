"""What any upload receiver can reach on this machine: a body read, written and hashed by a minimal WSGI app in
the same gunicorn set-up as the server, against `cp` of the same file, measured side by side.

The upload target (the foundation issue) asks for at least 50% of `cp`. This bench gives the ceiling that target
meets here: two receivers that do nothing but what an upload must (read the body, write it to a file, SHA-1 it),
no Django, no multipart parsing, no database:
  * `gunicorn-body`: reads `wsgi.input` 1 MiB at a time, as every WSGI application must;
  * `raw-socket`: takes gunicorn's read-ahead, then `recv_into` one reused buffer straight from the client's socket
    (no copy in Python at all).

Run from the repository root:

    .venv/bin/python bench/upload_ceiling.py [--size-mib 2048] [--rounds 3]

Each round: `sync`, `cp` of the random source into the same folder (timed), `sync`, then the upload of the same file
to a fresh gunicorn (1 worker, 4 threads, as bench/upload.py starts the server), with a 1 MiB streaming client. The
memory set-up of bench/page_cache.py applies. Medians of the rounds are printed.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys

# Run as a script, bench/ comes first on sys.path, where bench/queue.py would shadow the standard `queue` module.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != _HERE]

MIB = 1024 * 1024


def app(environ, start_response):
    """The receiver, run by gunicorn: write the body to BENCH_CEILING_OUT and hash it; answer its size and SHA-1."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    digest = hashlib.sha1()
    received = 0
    target = os.open(os.environ["BENCH_CEILING_OUT"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        if os.environ["BENCH_CEILING_MODE"] == "raw-socket":
            body = environ["wsgi.input"]
            ahead = body.reader.unreader.take_buffered()
            if ahead:
                os.write(target, ahead)
                digest.update(ahead)
                received = len(ahead)
            sock, buffer = environ["gunicorn.socket"], bytearray(MIB)
            while received < length:
                count = sock.recv_into(buffer, min(MIB, length - received))
                if not count:
                    break
                view = memoryview(buffer)[:count]
                os.write(target, view)
                digest.update(view)
                received += count
            body.reader.length = 0  # consumed here, not through gunicorn's reader
        else:
            while received < length:
                data = environ["wsgi.input"].read(min(MIB, length - received))
                if not data:
                    break
                os.write(target, data)
                digest.update(data)
                received += len(data)
    finally:
        os.close(target)
    answer = json.dumps({"size": received, "sha1": digest.hexdigest()}).encode()
    start_response("201 Created", [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))])
    return [answer]


def main() -> int:
    import argparse
    import http.client
    import shutil
    import socket
    import statistics
    import subprocess
    import tempfile
    import time
    from pathlib import Path

    repo_root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(repo_root))
    from bench import page_cache

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=2048)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    size = args.size_mib * MIB
    modes = ("gunicorn-body", "raw-socket")
    work = Path(tempfile.mkdtemp(prefix="immich-ceiling-"))
    if shutil.disk_usage(work).free < (1 + 2 * len(modes) * args.rounds) * size + 512 * MIB:
        print(f"not enough free space in {work.parent}", file=sys.stderr)
        shutil.rmtree(work)
        return 2

    def upload(port: int, source: Path) -> tuple[float, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        try:
            conn.putrequest("POST", "/")
            conn.putheader("Content-Type", "application/octet-stream")
            conn.putheader("Content-Length", str(size))
            started = time.perf_counter()
            conn.endheaders()
            buffer = bytearray(MIB)
            view = memoryview(buffer)
            with open(source, "rb", buffering=0) as handle:
                while count := handle.readinto(buffer):
                    conn.send(view[:count])
            response = conn.getresponse()
            answer = json.loads(response.read())
            return time.perf_counter() - started, answer
        finally:
            conn.close()

    def free_port() -> int:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return probe.getsockname()[1]

    def wait_listening(port: int) -> None:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    ratios: dict[str, list[float]] = {mode: [] for mode in modes}
    rates: dict[str, list[float]] = {mode: [] for mode in modes}
    try:
        source = work / "source.bin"
        with open(source, "wb") as handle:
            for _ in range(args.size_mib):
                handle.write(os.urandom(MIB))
        source_sha1 = hashlib.sha1()
        with open(source, "rb") as handle:
            while block := handle.read(8 * MIB):
                source_sha1.update(block)
        expected = source_sha1.hexdigest()
        if page_cache.free_page_reporting():
            page_cache.fill_free_memory(work)
        gunicorn = Path(sys.executable).with_name("gunicorn")
        for number in range(1, args.rounds + 1):
            for mode in modes:
                port = free_port()
                env = {**os.environ, "BENCH_CEILING_MODE": mode, "BENCH_CEILING_OUT": str(work / f"{mode}-{number}")}
                server = subprocess.Popen(
                    [str(gunicorn), "bench.upload_ceiling:app", "-b", f"127.0.0.1:{port}", "-k", "gthread",
                     "--threads", "4", "--workers", "1"], cwd=repo_root, env=env, stderr=subprocess.DEVNULL)  # fmt: skip
                try:
                    wait_listening(port)
                    subprocess.run(["sync"], check=True)
                    started = time.perf_counter()
                    subprocess.run(["cp", str(source), str(work / f"cp-{mode}-{number}")], check=True)
                    cp_s = time.perf_counter() - started
                    subprocess.run(["sync"], check=True)
                    upload_s, answer = upload(port, source)
                finally:
                    server.terminate()
                    server.wait()
                if answer != {"size": size, "sha1": expected}:
                    raise RuntimeError(f"{mode} received {answer}, expected {size} bytes with SHA-1 {expected}")
                ratios[mode].append(cp_s / upload_s)
                rates[mode].append(args.size_mib / upload_s)
                print(
                    f"round {number} {mode}: cp {args.size_mib / cp_s:.0f} MiB/s, receiver {args.size_mib / upload_s:.0f} "
                    f"MiB/s, ratio {cp_s / upload_s:.2f}",
                    flush=True,
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for mode in modes:
        print(
            f"{mode}: median {statistics.median(rates[mode]):.0f} MiB/s, {statistics.median(ratios[mode]):.2f} of cp "
            f"(rounds {', '.join(f'{ratio:.2f}' for ratio in ratios[mode])})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
