"""Upload benchmark: one large file through the real server, against `cp` of the same file on the same disk.

Targets (from the project's issue):
  * the server's peak memory (RSS of the gunicorn workers) grows by less than 64 MiB during the upload;
  * upload throughput is at least 50% of `cp` throughput of the same file on the same disk.

Run from the repository root:

    .venv/bin/python bench/upload.py [--size-mib 2048] [--rounds 3]

It needs PostgreSQL (postgres@127.0.0.1:5432, trust) and Redis (127.0.0.1:6379). It creates the database
`immich_bench` if missing, migrates it, starts `gunicorn immich.wsgi:application` on a free port with a temporary
media location, signs up (or logs in) an admin, creates an API key, and uploads a random `big.mp4` of the given size
with a streaming multipart client (nothing is held in memory). Each round times `sha1sum`, `cp` to the same folder
and the upload, with `sync` before each; the table gives the medians. On a VM with free page reporting, free memory
is first filled with page cache and every copy and upload is kept until the end (bench/page_cache.py says why).
Every figure printed is measured in this one run; the exit status is 0 only when both targets are met and the stored file matches.
Temporary files and the server are removed at the end; the database and its rows are kept. See docs/performance.md.
"""

from __future__ import annotations

import os
import sys

# Run as a script, this folder comes first on sys.path and its sibling scripts would shadow standard library
# modules of the same name (bench/queue.py hides `queue`, which the database driver imports).
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != _HERE]

import argparse
import base64
import http.client
import json
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench import page_cache  # noqa: E402
from bench.process_memory import RssSampler, workers_cpu_and_faults, workers_rss  # noqa: E402

MIB = 1024 * 1024
CHUNK = MIB
RSS_TARGET_MIB = 64
RATIO_TARGET = 0.50
DB_NAME = "immich_bench"
ADMIN = {"email": "bench-admin@example.com", "password": "bench-password", "name": "Bench Admin"}


# ---------------------------------------------------------------------------------------------- helpers


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sync_disk() -> None:
    """Flush dirty pages before each timed step so no step pays for the previous one's writeback."""
    os.sync()


def make_source(path: Path, size_mib: int) -> None:
    with open(path, "wb") as out:
        for _ in range(size_mib):
            out.write(os.urandom(CHUNK))


def timed(argv: list[str]) -> tuple[float, float, str]:
    """Run a command; return (wall seconds, CPU seconds of the command, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, check=True, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return elapsed, cpu, done.stdout


# ---------------------------------------------------------------------------------------------- server


def server_env(media: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="immich.settings.production",
        SECRET_KEY="bench",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        REDIS_URL="redis://127.0.0.1:6379/14",
        IMMICH_MEDIA_LOCATION=str(media),
        IMMICH_LOG_LEVEL="WARNING",
    )
    return env


def ensure_database() -> None:
    import psycopg

    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
            log(f"created database {DB_NAME}")


def migrate(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=REPO_ROOT, env=env, check=True)


def start_server(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    argv = [
        str(gunicorn), "immich.wsgi:application", "-b", f"127.0.0.1:{port}",
        "-k", "gthread", "--threads", "4", "--workers", "1", "--timeout", "600",
    ]  # fmt: skip
    with open(log_path, "ab") as server_log:
        return subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=server_log, stderr=subprocess.STDOUT)


def wait_ready(server: subprocess.Popen, port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            status, _ = request(port, "GET", "/api/server/ping")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not answer /api/server/ping in time")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def request(port: int, method: str, path: str, body: dict | None = None, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        all_headers = {"Accept": "application/json", **(headers or {})}
        if payload is not None:
            all_headers["Content-Type"] = "application/json"
        conn.request(method, path, body=payload, headers=all_headers)
        response = conn.getresponse()
        raw = response.read()
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:
            return response.status, raw.decode(errors="replace")
    finally:
        conn.close()


def api_key(port: int) -> str:
    status, body = request(port, "POST", "/api/auth/admin-sign-up", ADMIN)
    if status not in (200, 201, 400):
        raise RuntimeError(f"admin-sign-up answered {status}: {body}")
    status, body = request(port, "POST", "/api/auth/login", {"email": ADMIN["email"], "password": ADMIN["password"]})
    if status not in (200, 201):
        raise RuntimeError(f"login answered {status}: {body}")
    token = body["accessToken"]
    status, body = request(
        port, "POST", "/api/api-keys", {"name": "bench", "permissions": ["all"]},
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    if status != 201:
        raise RuntimeError(f"api-keys answered {status}: {body}")
    return body["secret"]


# ---------------------------------------------------------------------------------------------- upload


def multipart_parts(path: Path, fields: dict[str, str], boundary: str):
    """The body's bytes before and after the file's content, which is streamed between them."""
    head = bytearray()
    for name, value in fields.items():
        head += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="assetData"; filename="{path.name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return bytes(head), tail


def upload(port: int, secret: str, path: Path) -> tuple[float, int, object]:
    """Stream `path` as `assetData`; return (seconds from first byte sent to the response read, status, body)."""
    now = datetime.now(timezone.utc).isoformat()
    boundary = uuid.uuid4().hex
    head, tail = multipart_parts(
        path, {"fileCreatedAt": now, "fileModifiedAt": now, "deviceAssetId": "bench"}, boundary
    )
    length = len(head) + path.stat().st_size + len(tail)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        conn.putrequest("POST", "/api/assets")
        conn.putheader("x-api-key", secret)
        conn.putheader("Accept", "application/json")
        conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        conn.putheader("Content-Length", str(length))
        start = time.perf_counter()
        conn.endheaders(head)
        with open(path, "rb", buffering=0) as source:
            buffer = bytearray(CHUNK)
            view = memoryview(buffer)
            while True:
                read = source.readinto(buffer)
                if not read:
                    break
                conn.send(view[:read])
        conn.send(tail)
        response = conn.getresponse()
        raw = response.read()
        elapsed = time.perf_counter() - start
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode(errors="replace")
        return elapsed, response.status, body
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------- main


def renew_content(path: Path) -> None:
    """Give the source new content (and so a new SHA-1) in place, so each round's upload is a new asset."""
    with open(path, "r+b") as source:
        source.write(os.urandom(64))


def stored_file(media: Path) -> Path | None:
    found = [p for p in (media / "upload").rglob("*") if p.is_file() and not p.name.endswith(".part")]
    return found[0] if len(found) == 1 else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=2048, help="size of the uploaded file (default 2048)")
    parser.add_argument("--rounds", type=int, default=3, help="cp/upload rounds; medians are reported (default 3)")
    parser.add_argument(
        "--dir", default=None, help="parent of the temporary work folder (default: the system temp dir); the source, "
        "the cp copy and the media location all live in it, so on one filesystem",
    )  # fmt: skip
    parser.add_argument(
        "--server-env", action="append", default=[], metavar="KEY=VALUE",
        help="extra environment for the server process (for experiments, e.g. MALLOC_TRIM_THRESHOLD_=268435456)",
    )  # fmt: skip
    args = parser.parse_args()
    size = args.size_mib * MIB

    work = Path(tempfile.mkdtemp(prefix="immich-bench-", dir=args.dir))
    media = work / "media"
    media.mkdir()
    source = work / "big.mp4"
    free = shutil.disk_usage(work).free
    needed = (1 + 2 * args.rounds) * size + 512 * MIB  # the source, and every copy and upload, kept to the end
    if free < needed:
        shutil.rmtree(work)
        log(f"not enough free space in {work.parent}: {free / MIB:.0f} MiB free, need {needed / MIB:.0f}")
        return 2

    server = None
    rounds = []
    try:
        log(f"work dir {work}; writing {args.size_mib} MiB of random bytes")
        make_source(source, args.size_mib)

        env = server_env(media)
        env.update(item.split("=", 1) for item in args.server_env)
        ensure_database()
        port = free_port()
        server_log = work / "gunicorn.log"
        for attempt in range(1, 4):
            # Other work on the tree may leave it briefly unable to start: wait and try again.
            try:
                migrate(env)
                server = start_server(env, port, server_log)
                wait_ready(server, port)
                break
            except (RuntimeError, subprocess.CalledProcessError) as error:
                if server is not None:
                    stop_server(server)
                    server = None
                if attempt == 3:
                    raise RuntimeError(
                        f"{error}; server log:\n{server_log.read_text()[-3000:] if server_log.exists() else ''}"
                    ) from error
                log(f"the server did not start ({error}); retrying in 60 s")
                time.sleep(60)
        secret = api_key(port)

        if page_cache.free_page_reporting():
            log("free page reporting is on: filling free memory with page cache first (see bench/page_cache.py)")
            page_cache.fill_free_memory(work)
        sync_disk()
        time.sleep(0.5)
        baseline = workers_rss(server.pid)
        peak = baseline

        for number in range(1, args.rounds + 1):
            renew_content(source)
            sync_disk()
            sha1sum_s, _, out = timed(["sha1sum", str(source)])
            source_sha1 = bytes.fromhex(out.split()[0])

            cp_s, cp_cpu, _ = timed(["cp", str(source), str(work / f"copy-{number}.mp4")])
            sync_disk()

            sampler = RssSampler(server.pid)
            cpu_before, faults_before = workers_cpu_and_faults(server.pid)
            sampler.start()
            try:
                upload_s, status, body = upload(port, secret, source)
            finally:
                sampler.stop()
            cpu_after, faults_after = workers_cpu_and_faults(server.pid)
            server_cpu, server_faults = cpu_after - cpu_before, faults_after - faults_before
            peak = max(peak, sampler.peak)
            if status != 201 or not isinstance(body, dict) or body.get("status") != "created":
                raise RuntimeError(f"upload answered {status}: {body}")
            stored = stored_file(media)
            stored_ok = stored is not None and stored.stat().st_size == size
            _, asset = request(port, "GET", f"/api/assets/{body['id']}", headers={"x-api-key": secret})
            checksum_ok = isinstance(asset, dict) and base64.b64decode(asset.get("checksum", "")) == source_sha1
            if stored is not None:
                stored.rename(work / f"upload-{number}.mp4")  # kept to the end; the row stays in the bench database
            sync_disk()
            rounds.append((cp_s, sha1sum_s, upload_s, sampler.peak, stored_ok, checksum_ok, cp_cpu, server_cpu))
            log(
                f"round {number}: cp {args.size_mib / cp_s:.0f} MiB/s, sha1sum {args.size_mib / sha1sum_s:.0f} MiB/s, "
                f"upload {args.size_mib / upload_s:.0f} MiB/s (ratio {cp_s / upload_s:.2f}); CPU s: cp {cp_cpu:.2f}, "
                f"server {server_cpu:.2f} ({server_faults} minor faults); worker RSS peak {sampler.peak / MIB:.1f} MiB "
                f"({sampler.samples} samples); load average {os.getloadavg()[0]:.1f}"
            )
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(work, ignore_errors=True)

    mib = size / MIB
    cp_s = statistics.median(r[0] for r in rounds)
    sha1sum_s = statistics.median(r[1] for r in rounds)
    upload_s = statistics.median(r[2] for r in rounds)
    cp_cpu = statistics.median(r[6] for r in rounds)
    server_cpu = statistics.median(r[7] for r in rounds)
    cp_rate, sha_rate, up_rate = mib / cp_s, mib / sha1sum_s, mib / upload_s
    ratio = up_rate / cp_rate
    growth = (peak - baseline) / MIB
    stored_ok = all(r[4] for r in rounds)
    checksum_ok = all(r[5] for r in rounds)
    verdict = lambda ok: "PASS" if ok else "MISS"  # noqa: E731
    rows = [
        ("file size", f"{mib:.0f} MiB", f"median of {len(rounds)} round(s)"),
        ("cp (same disk)", f"{cp_s:.2f} s", f"{cp_rate:.0f} MiB/s"),
        ("sha1sum", f"{sha1sum_s:.2f} s", f"{sha_rate:.0f} MiB/s"),
        ("upload (POST /api/assets)", f"{upload_s:.2f} s", f"{up_rate:.0f} MiB/s"),
        ("upload / cp throughput", f"{ratio:.2f}", f"target >= {RATIO_TARGET:.2f}: {verdict(ratio >= RATIO_TARGET)}"),
        ("upload / sha1sum throughput", f"{up_rate / sha_rate:.2f}", "context"),
        (
            "CPU: cp / server upload",
            f"{cp_cpu / server_cpu:.2f}",
            f"{cp_cpu:.2f} s vs {server_cpu:.2f} s (less load-sensitive)",
        ),
        ("server RSS baseline", f"{baseline / MIB:.1f} MiB", "gunicorn worker(s)"),
        ("server RSS peak", f"{peak / MIB:.1f} MiB", "sampled every 50 ms during the uploads"),
        ("server RSS growth", f"{growth:.1f} MiB", f"target < {RSS_TARGET_MIB}: {verdict(growth < RSS_TARGET_MIB)}"),
        ("stored file size", "same" if stored_ok else "DIFFERENT", "file under media/upload vs source"),
        ("stored SHA-1", "same" if checksum_ok else "DIFFERENT", "asset checksum vs sha1sum"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>12}  note")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>12}  {note}")
    ok = ratio >= RATIO_TARGET and growth < RSS_TARGET_MIB and stored_ok and checksum_ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
