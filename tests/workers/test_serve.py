"""`manage.py serve` with nothing configured runs the whole service, and Ctrl-C leaves no process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import psutil

from immich.env import REPO_ROOT
from workers.embedded_redis import free_tcp_port


def _api_answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2)
    except urllib.error.HTTPError:
        return True  # any HTTP response proves gunicorn serves the Django app
    except OSError:
        return False
    return True


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_serve_starts_embedded_and_ctrl_c_stops_every_process(tmp_path):
    media, port = tmp_path / "media", free_tcp_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        IMMICH_MEDIA_LOCATION=str(media), IMMICH_PORT=str(port), DJANGO_SETTINGS_MODULE="immich.settings.embedded"
    )
    serve = subprocess.Popen(
        [sys.executable, "manage.py", "serve"], cwd=REPO_ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not _api_answers(f"http://127.0.0.1:{port}/api/server/ping"):
            assert serve.poll() is None, f"serve exited early with code {serve.returncode}"
            assert time.monotonic() < deadline, "the API did not answer within 60 s"
            time.sleep(0.5)
        family = [p.pid for p in psutil.Process(serve.pid).children(recursive=True)]
        assert len(family) >= 4  # embedded Redis, gunicorn, Celery worker, Celery beat (and their workers)

        serve.send_signal(signal.SIGINT)
        assert serve.wait(timeout=30) == 0
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()

    time.sleep(0.5)  # the last reaped grandchildren may still be on their way out
    assert [pid for pid in family if _alive(pid)] == []
    leftovers = [
        p.info["cmdline"] for p in psutil.process_iter(["cmdline"])
        if any(str(media) in arg or f":{port}" in arg for arg in p.info["cmdline"] or [])
    ]  # fmt: skip
    assert leftovers == []
    assert (media / "redis" / "appendonly.aof").exists()  # the embedded broker persisted its queue
