"""Debian's nginx in front of a live server, run by a test in its own folder (bin/test installs nginx)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.live import stop, wait_until

NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)

# `master_process off` keeps nginx one process that never switches user, so it can write its temporary files in the
# test's folder even when the tests run as root. The server blocks follow inside `http`.
PRELUDE = """
daemon off;
master_process off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/logs/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log {root}/logs/access.log;
    client_body_temp_path {root}/tmp/body;
    proxy_temp_path {root}/tmp/proxy;
    fastcgi_temp_path {root}/tmp/fastcgi;
    uwsgi_temp_path {root}/tmp/uwsgi;
    scgi_temp_path {root}/tmp/scgi;
"""


@contextmanager
def running_nginx(root: Path, servers: str, answers: Callable[[], bool]) -> Iterator[None]:
    """nginx with `servers` (the blocks of its http section), until `answers()` says it passes requests on."""
    assert NGINX is not None, "nginx is not installed"
    for folder in ("logs", "tmp"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    config = root / "nginx.conf"
    config.write_text(PRELUDE.format(root=root) + servers + "\n}\n")
    process = subprocess.Popen(
        [NGINX, "-c", str(config), "-p", str(root), "-e", str(root / "logs" / "error.log")],
        stdout=open(root / "logs" / "stdout.log", "w"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip

    def ready() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"nginx exited: {(root / 'logs' / 'error.log').read_text()}")
        return answers()

    try:
        wait_until(ready, 30, "nginx in front of the API")
        yield
    finally:
        stop(process, signal.SIGQUIT, timeout=10)
