"""Real processes for end-to-end tests: the API under gunicorn and a Celery worker, on the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings

from immich.env import REPO_ROOT
from workers.embedded_redis import free_tcp_port


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def process_env(*, media_root: Path, redis_url: str) -> dict:
    """The environment of a server process started by a test: the test's database, its Redis and media."""
    database = settings.DATABASES["default"]
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "immich.settings.test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "REDIS_URL": redis_url,
        "IMMICH_MEDIA_LOCATION": str(media_root),
    }


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture
def live_server_processes(media_root, tmp_path):
    """gunicorn + `celery -A immich worker` (no -Q: every queue) on the test database and the test Redis."""
    port = free_tcp_port()
    env = process_env(media_root=media_root, redis_url=settings.CELERY_BROKER_URL)
    bin_dir = Path(sys.executable).parent
    logs = tmp_path / "logs"
    logs.mkdir()
    commands = {
        "api": [str(bin_dir / "gunicorn"), "immich.wsgi:application", "-b", f"127.0.0.1:{port}", "-k", "gthread",
                "--threads", "8", "--no-control-socket"],
        "worker": [str(bin_dir / "celery"), "-A", "immich", "worker", "-l", "INFO", "--concurrency", "2"],
    }
    processes = [
        subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=open(logs / f"{name}.log", "w"),
                         stderr=subprocess.STDOUT, start_new_session=True)
        for name, command in commands.items()
    ]
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(f"{url}/api/server/ping"), 60, "the API")
        yield url
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        for log in logs.iterdir():
            print(f"--- {log.name}\n{log.read_text()[-4000:]}")


