"""Resumable upload benchmark: one large file through the real server in one plain request, then with tus in
chunks (without and with a per-chunk SHA-1 checksum), each by its own user so none is a duplicate.

Target (from the project's issue): the tus upload in 50 MB chunks reaches at least 70% of the throughput of the
same file in one plain request, and the server's memory stays flat (RSS growth of the gunicorn workers under
64 MiB, as for the plain upload).

Run from the repository root:

    .venv/bin/python bench/tus_upload.py [--size-mib 4096] [--chunk-mib 50] [--rounds 3] [--dir /path]

It shares bench/upload.py's setup: PostgreSQL (postgres@127.0.0.1:5432, trust) and Redis (127.0.0.1:6379), the
database `immich_bench` (created and migrated if missing), gunicorn on a free port (1 worker, 4 threads) with a
temporary media location, and a streaming client (nothing but one chunk held in memory, for its checksum). Every
figure printed is measured in this one run; with --rounds the modes are interleaved and each mode's fastest round
counts, which filters out other work on a shared machine. On a VM with free page reporting, free memory is first
filled with page cache and every upload is kept until the end (bench/page_cache.py says why). Temporary files and
the server are removed at the end.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `python bench/tus_upload.py` puts bench/ first on sys.path, where other scripts' names (queue.py) would shadow
# standard modules that the database driver imports.
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402  (after the sys.path fix above)
import base64  # noqa: E402
import hashlib  # noqa: E402
import http.client  # noqa: E402
import importlib.util  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from datetime import datetime, timezone  # noqa: E402


def _load_plain_bench():
    """bench/upload.py (server, database, memory sampling, plain upload), loaded by its path."""
    spec = importlib.util.spec_from_file_location("bench_upload", Path(__file__).resolve().with_name("upload.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


plain = _load_plain_bench()
page_cache = plain.page_cache

MIB = 1024 * 1024
RATIO_TARGET = 0.70
RSS_TARGET_MIB = 64
PASSWORD = "bench-password"


def user_key(port: int, admin_token: str, email: str) -> str:
    """An API key of a (new or existing) user, so that each mode uploads the file as a new asset."""
    auth = {"Authorization": f"Bearer {admin_token}"}
    account = {"email": email, "password": PASSWORD, "name": email}
    status, body = plain.request(port, "POST", "/api/admin/users", account, headers=auth)
    if status not in (200, 201, 400):
        raise RuntimeError(f"admin/users answered {status}: {body}")
    status, body = plain.request(port, "POST", "/api/auth/login", {"email": email, "password": PASSWORD})
    if status not in (200, 201):
        raise RuntimeError(f"login as {email} answered {status}: {body}")
    token = body["accessToken"]
    status, body = plain.request(port, "POST", "/api/api-keys", {"name": "bench", "permissions": ["all"]},
                                 headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    if status != 201:
        raise RuntimeError(f"api-keys answered {status}: {body}")
    return body["secret"]


def admin_token(port: int) -> str:
    plain.request(port, "POST", "/api/auth/admin-sign-up", plain.ADMIN)
    status, body = plain.request(port, "POST", "/api/auth/login",
                                 {"email": plain.ADMIN["email"], "password": plain.ADMIN["password"]})  # fmt: skip
    if status not in (200, 201):
        raise RuntimeError(f"login answered {status}: {body}")
    return body["accessToken"]


def _read_and_hash(path: Path, offset: int, length: int) -> tuple[bytes, str]:
    with open(path, "rb", buffering=0) as source:
        source.seek(offset)
        data = source.read(length)
    return data, "sha1 " + base64.b64encode(hashlib.sha1(data).digest()).decode()


def tus_upload(port: int, secret: str, path: Path, chunk: int, checksum: bool) -> tuple[float, dict[str, str]]:
    """POST to create, then one PATCH per chunk on one keep-alive connection. Returns (seconds, last headers).
    Without checksums each chunk streams from the file like the plain upload's body; with them, the checksum
    header must precede the body, so the next chunk is read and hashed on a side thread while this one is sent."""
    now = datetime.now(timezone.utc).isoformat()
    metadata = {"filename": path.name, "fileCreatedAt": now, "fileModifiedAt": now, "deviceAssetId": "bench-tus"}
    encoded = ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in metadata.items())
    size = path.stat().st_size
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    base = {"x-api-key": secret, "Tus-Resumable": "1.0.0"}
    ahead = ThreadPoolExecutor(max_workers=1) if checksum else None
    try:
        start = time.perf_counter()
        conn.request("POST", "/api/upload/", headers={**base, "Upload-Length": str(size), "Upload-Metadata": encoded})
        response = conn.getresponse()
        response.read()
        if response.status != 201:
            raise RuntimeError(f"tus creation answered {response.status}")
        url = "/api/upload/" + response.getheader("Location")
        offset = 0
        headers: dict[str, str] = {}
        next_chunk = ahead.submit(_read_and_hash, path, 0, min(chunk, size)) if ahead else None
        with open(path, "rb", buffering=0) as source:
            buffer = bytearray(MIB)
            while offset < size:
                length = min(chunk, size - offset)
                patch_headers = {
                    **base, "Upload-Offset": str(offset), "Content-Length": str(length),
                    "Content-Type": "application/offset+octet-stream",
                }  # fmt: skip
                if ahead:
                    data, patch_headers["Upload-Checksum"] = next_chunk.result()
                    following = offset + length
                    if following < size:
                        next_chunk = ahead.submit(_read_and_hash, path, following, min(chunk, size - following))
                conn.putrequest("PATCH", url, skip_accept_encoding=True)
                for name, value in patch_headers.items():
                    conn.putheader(name, value)
                conn.endheaders()
                if ahead:
                    view = memoryview(data)
                    for piece in range(0, length, MIB):
                        conn.send(view[piece : piece + MIB])
                else:
                    source.seek(offset)
                    view, left = memoryview(buffer), length
                    while left:
                        read = source.readinto(view[: min(MIB, left)])
                        conn.send(view[:read])
                        left -= read
                response = conn.getresponse()
                body = response.read()
                if response.status != 204:
                    raise RuntimeError(f"PATCH at {offset} answered {response.status}: {body[:300]!r}")
                offset = int(response.getheader("Upload-Offset"))
                headers = {k.lower(): v for k, v in response.getheaders()}
        return time.perf_counter() - start, headers
    finally:
        conn.close()
        if ahead:
            ahead.shutdown(wait=True)


def workers_cpu(master_pid: int) -> float:
    """CPU seconds (user + system, all threads) used so far by the gunicorn workers."""
    total = 0.0
    for pid in plain._children(master_pid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def measured(server, action):
    """(action's result, RSS baseline, RSS peak, server CPU seconds) of one upload."""
    plain.sync_disk()
    time.sleep(0.5)
    baseline = plain.workers_rss(server.pid)
    cpu = workers_cpu(server.pid)
    sampler = plain.RssSampler(server.pid)
    sampler.start()
    try:
        result = action()
    finally:
        sampler.stop()
    return result, baseline, sampler.peak, workers_cpu(server.pid) - cpu


MODES = (("plain", None), ("tus", False), ("tus-sha1", True))


def one_upload(port: int, server, secret: str, source: Path, mode: str, checksum: bool | None, chunk: int):
    """(seconds, RSS baseline, RSS peak, server CPU seconds, asset id) of one upload in the given mode."""
    if checksum is None:
        (seconds, status, body), base, peak, cpu = measured(server, lambda: plain.upload(port, secret, source))
        if status != 201 or body.get("status") != "created":
            raise RuntimeError(f"plain upload answered {status}: {body}")
        return seconds, base, peak, cpu, body["id"]
    (seconds, headers), base, peak, cpu = measured(server, lambda: tus_upload(port, secret, source, chunk, checksum))
    if headers.get("x-immich-asset-status") != "created":
        raise RuntimeError(f"{mode} finished with {headers}")
    return seconds, base, peak, cpu, headers["x-immich-asset-id"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=4096, help="size of the uploaded file (default 4096)")
    parser.add_argument("--chunk-mib", type=int, default=50, help="tus chunk size (default 50)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="rounds of the three modes, interleaved; each mode's fastest round counts (default 1)",
    )
    parser.add_argument("--dir", default=None, help="parent of the temporary work folder (default: system temp)")
    args = parser.parse_args()
    size, chunk = args.size_mib * MIB, args.chunk_mib * MIB

    work = Path(tempfile.mkdtemp(prefix="immich-tus-bench-", dir=args.dir))
    media = work / "media"
    media.mkdir()
    source = work / "big.mp4"
    free = shutil.disk_usage(work).free
    needed = (1 + len(MODES) * args.rounds) * size + 512 * MIB  # the source and every upload, kept to the end
    if free < needed:
        shutil.rmtree(work)
        plain.log(f"not enough free space in {work.parent}: {free / MIB:.0f} MiB free, need {needed / MIB:.0f}")
        return 2

    server = filler = None
    rows = []
    ok = True
    try:
        plain.log(f"work dir {work}; writing {args.size_mib} MiB of random bytes")
        plain.make_source(source, args.size_mib)
        source_sha1 = hashlib.sha1()
        with open(source, "rb") as handle:
            while block := handle.read(8 * MIB):
                source_sha1.update(block)
        env = plain.server_env(media)
        plain.ensure_database()
        plain.migrate(env)
        port = plain.free_port()
        server = plain.start_server(env, port, work / "gunicorn.log")
        plain.wait_ready(server, port)
        token = admin_token(port)
        run = uuid.uuid4().hex[:8]
        if page_cache.free_page_reporting():
            plain.log("free page reporting is on: filling free memory with page cache first (see bench/page_cache.py)")
            # Its sparse file must be on a disk filesystem (tmpfs reads holes without caching them).
            filler = page_cache.fill_free_memory(Path(tempfile.gettempdir()) if args.dir else work)

        times: dict[str, list[float]] = {mode: [] for mode, _ in MODES}
        growths: dict[str, list[float]] = {mode: [] for mode, _ in MODES}
        cpus: dict[str, list[float]] = {mode: [] for mode, _ in MODES}
        checksums_ok = True
        for round_number in range(1, args.rounds + 1):
            for mode, checksum in MODES:
                # A user per upload: the same file is a new asset each time, not a duplicate.
                secret = user_key(port, token, f"bench-{mode}-{round_number}-{run}@example.com")
                chunks = "" if checksum is None else f" ({args.chunk_mib} MiB chunks)"
                plain.log(f"round {round_number}: {mode} upload{chunks}")
                seconds, base, peak, cpu, asset_id = one_upload(port, server, secret, source, mode, checksum, chunk)
                times[mode].append(seconds)
                cpus[mode].append(cpu)
                growths[mode].append((peak - base) / MIB)
                _, asset = plain.request(port, "GET", f"/api/assets/{asset_id}", headers={"x-api-key": secret})
                stored_sha1 = base64.b64decode(asset.get("checksum", "")) if isinstance(asset, dict) else b""
                checksums_ok &= stored_sha1 == source_sha1.digest()
                stored = Path(asset["originalPath"]) if isinstance(asset, dict) and asset.get("originalPath") else None
                checksums_ok &= stored is not None and stored.stat().st_size == size

        mib = size / MIB
        plain_rate = mib / min(times["plain"])
        rounds = f"tus chunk {args.chunk_mib} MiB; {args.rounds} round(s), fastest counts"
        rows.append(("file size", f"{mib:.0f} MiB", rounds))
        for mode, _ in MODES:
            best = min(times[mode])
            rate = mib / best
            every = ", ".join(f"{mib / t:.0f}" for t in times[mode])
            label = "plain POST /api/assets" if mode == "plain" else f"{mode} PATCH /api/upload/<id>"
            rows.append((label, f"{best:.2f} s", f"{rate:.0f} MiB/s (rounds: {every} MiB/s)"))
            cpu = min(cpus[mode])
            rows.append((f"  {mode} server CPU", f"{cpu:.2f} s",
                         f"{cpu / (mib / 1024):.2f} s per GiB, least of the rounds (user + system)"))  # fmt: skip
            if mode == "tus":
                ratio = rate / plain_rate
                good = ratio >= RATIO_TARGET
                ok &= good
                rows.append((f"  {mode} / plain throughput", f"{ratio:.2f}",
                             f"target >= {RATIO_TARGET:.2f}: {'PASS' if good else 'MISS'}"))  # fmt: skip
            elif mode != "plain":
                rows.append((f"  {mode} / plain throughput", f"{rate / plain_rate:.2f}",
                             "context: the client hashes each chunk before it sends it"))  # fmt: skip
            growth = max(growths[mode])
            flat = growth < RSS_TARGET_MIB
            ok &= flat
            verdict = f"largest of the rounds; target < {RSS_TARGET_MIB}: {'PASS' if flat else 'MISS'}"
            rows.append((f"  {mode} server RSS growth", f"{growth:.1f} MiB", verdict))
        ok &= checksums_ok
        rows.append(("stored files and SHA-1", "same" if checksums_ok else "DIFFERENT", "every upload vs the source"))
        leftovers = list((media / "upload").rglob("*.part"))
        ok &= not leftovers
        rows.append(("staging files left", str(len(leftovers)), "under media/upload"))
    except Exception:
        server_log = work / "gunicorn.log"
        if server_log.exists():
            plain.log(f"server log (tail):\n{server_log.read_text()[-3000:]}")
        raise
    finally:
        if server is not None:
            plain.stop_server(server)
        if filler is not None:
            filler.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)

    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>12}  note")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>12}  {note}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
