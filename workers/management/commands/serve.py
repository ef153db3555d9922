"""`manage.py serve`: the whole service on one machine, with no external server.

Runs migrations, starts an embedded Redis unless REDIS_URL is set, then the API (gunicorn),
a Celery worker consuming every queue and Celery beat as child processes, and watches them. Ctrl-C or SIGTERM
stops the children first and Redis last (it flushes its append-only file on the way out); if one child dies,
the rest are stopped and serve exits non-zero naming it.

The admin's static files are served by the API itself (WhiteNoise), so no collectstatic step is needed.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from accounts.selectors import admin_exists
from immich.env import ENV, LEGACY_MEDIA_LOCATION, REPO_ROOT, user_data_location
from workers.embedded_redis import EmbeddedRedis, start_embedded_redis, stop_embedded_redis

PR_SET_PDEATHSIG = 1
# glibc hands the 1 MiB buffers of a streamed upload fresh pages each time under its adaptive thresholds: up to a
# million page faults per GiB uploaded. Fixed thresholds keep them in the heap (measured: bench/upload.py).
MALLOC_TUNING = {"MALLOC_MMAP_THRESHOLD_": "4194304", "MALLOC_TRIM_THRESHOLD_": "16777216"}
STOP_TIMEOUT_S = 10.0
POLL_INTERVAL_S = 0.5
# Loaded before any fork: the preexec_fn runs between fork and exec, where loading a library is not safe.
_LIBC = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class Child:
    name: str
    process: subprocess.Popen


class _StopRequested(BaseException):
    """Raised by the signal handler so every wait, during startup or while watching, unwinds to the cleanup."""


def _die_with_parent_fn():
    parent_pid = os.getpid()

    def die_with_parent() -> None:
        # The kernel sends SIGTERM to the child when serve dies, even by SIGKILL, so nothing outlives it.
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent_pid:  # serve died before prctl took effect
            os._exit(1)

    return die_with_parent


def _check_port_free(port: int) -> None:
    """Refuse to start, saying what to do, when another program holds the API's port (gunicorn would retry, then
    die with no hint)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))
        except OSError as error:
            raise CommandError(
                f"port {port} is in use ({error.strerror}): another server runs on it. Stop that one, or choose "
                f"another port: IMMICH_PORT={port + 1} bin/run (or manage.py serve --port {port + 1})"
            ) from error


def _lan_addresses() -> list[str]:
    """This machine's addresses other devices may reach it by (the one of its default route first)."""
    addresses = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.254.254.254", 9))  # UDP: no packet is sent, this only picks the interface
            addresses.append(probe.getsockname()[0])
        except OSError:
            pass
    return [address for address in addresses if not address.startswith("127.")]


def _live_events_socket(port: int) -> Path:
    """The API and the live-events process meet there; `--port` other than IMMICH_PORT gets a socket of its own."""
    if port == ENV.port:
        return ENV.live_events_socket
    return ENV.live_events_socket.parent / f"live-events-{port}.sock"


def _raise_stop(signum, _frame) -> None:
    raise _StopRequested(signal.Signals(signum).name)


class Command(BaseCommand):
    help = "Run the API, a Celery worker and Celery beat (and Redis when REDIS_URL is unset) until Ctrl-C."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=ENV.port, help="API port (default: IMMICH_PORT or 2283)")
        parser.add_argument("--api-workers", type=int, default=2, help="gunicorn worker processes")
        parser.add_argument("--no-worker", action="store_true", help="do not start a Celery worker")
        parser.add_argument("--no-beat", action="store_true", help="do not start Celery beat")

    def handle(self, *args, port: int, api_workers: int, no_worker: bool, no_beat: bool, **options) -> None:
        _check_port_free(port)
        call_command("migrate", interactive=False)

        # The children run in their own sessions, so a terminal Ctrl-C reaches only serve, which stops them in
        # order; SIGTERM (systemd, docker stop) takes the same path.
        signal.signal(signal.SIGINT, _raise_stop)
        signal.signal(signal.SIGTERM, _raise_stop)
        redis_server: EmbeddedRedis | None = None
        children: list[Child] = []
        dead: Child | None = None
        try:
            if ENV.redis_url_is_set:
                redis_url = ENV.redis_url
            else:
                redis_server = start_embedded_redis(
                    data_dir=ENV.media_location / "redis", preexec_fn=_die_with_parent_fn()
                )
                redis_url = redis_server.url
            # Children inherit this process's environment; the overrides are written into it (not read from it,
            # env.py stays the only reader) so every child agrees on the broker, settings and media location.
            os.environ.update(
                REDIS_URL=redis_url,
                DJANGO_SETTINGS_MODULE=settings.SETTINGS_MODULE,
                IMMICH_MEDIA_LOCATION=str(ENV.media_location),
                IMMICH_LIVE_EVENTS_SOCKET=str(_live_events_socket(port)),
                **MALLOC_TUNING,
            )
            for name, argv in self._child_commands(port, api_workers, not no_worker, not no_beat):
                process = subprocess.Popen(
                    argv, cwd=REPO_ROOT, preexec_fn=_die_with_parent_fn(), start_new_session=True
                )
                children.append(Child(name, process))
            self._print_banner(port, embedded_redis=redis_server is not None)
            watched = children + ([Child("embedded Redis", redis_server.process)] if redis_server else [])
            dead = self._wait_for_a_death(watched)
            self.stderr.write(f"serve: {dead.name} exited unexpectedly (code {dead.process.returncode})")
        except _StopRequested as stop:
            self.stdout.write(f"serve: {stop} received, stopping")
        finally:
            # A second Ctrl-C must not cut the orderly shutdown short; the timeouts below bound it anyway.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            self._stop_children(children)
            if redis_server is not None:
                stop_embedded_redis(redis_server)  # last: the worker gives unacknowledged messages back to it
        if dead is not None:
            raise CommandError(f"{dead.name} exited unexpectedly; the other processes were stopped")

    def _child_commands(self, port: int, api_workers: int, worker: bool, beat: bool) -> list[tuple[str, list[str]]]:
        python = sys.executable  # the same interpreter and virtualenv as serve, whatever PATH holds
        api = [
            python, "-m", "gunicorn", "immich.wsgi:application",
            "--bind", f"0.0.0.0:{port}", "--workers", str(api_workers),
            "-k", "gthread", "--threads", "8", "--timeout", "600",
            # Finish within serve's stop timeout, so SIGKILL is the exception and not the rule.
            "--graceful-timeout", str(int(STOP_TIMEOUT_S) - 2),
            # Its control socket defaults to one path per user, which a second server on the machine would take.
            "--no-control-socket",
        ]  # fmt: skip
        commands = [("API (gunicorn)", api)]
        # socket.io (/api/socket.io): the API hands each websocket over to it (immich/socket_handoff.py).
        commands.append(("live events (socket.io)", [python, "manage.py", "live_events"]))
        if worker:
            commands.append(("Celery worker", [python, "-m", "celery", "-A", "immich", "worker", "-l", "INFO"]))
        # Idle until library.watch.enabled is set in the system config; it reads the flag as it goes.
        commands.append(("library watcher", [python, "manage.py", "library", "watch"]))
        if beat:
            schedule = str(ENV.media_location / "celerybeat-schedule")
            beat_argv = [python, "-m", "celery", "-A", "immich", "beat", "-l", "INFO", "-s", schedule]
            commands.append(("Celery beat", beat_argv))
        return commands

    def _print_banner(self, port: int, *, embedded_redis: bool) -> None:
        url = f"http://localhost:{port}"
        database = settings.DATABASES["default"]["NAME"]
        broker = f"embedded, persisted in {ENV.media_location / 'redis'}" if embedded_redis else "REDIS_URL"
        lines = [
            self.style.SUCCESS(f"\nImmich-compatible server on {url}  (Ctrl-C stops everything)"),
            *[f"  phones and other devices: http://{address}:{port}" for address in _lan_addresses()],
            f"  media:    {ENV.media_location}",
            f"  database: {connection.vendor} {database}",
            f"  redis:    {broker}",
        ]
        if ENV.media_location == LEGACY_MEDIA_LOCATION:
            lines.append(
                self.style.WARNING(
                    f"  the library is {LEGACY_MEDIA_LOCATION}, inside the git clone (the default of older installs,"
                    " kept because the database holds paths into it): `git clean -x` in this clone would delete it;"
                    f" a new install keeps its library in {user_data_location()}"
                )
            )
        if not admin_exists():
            python = os.path.relpath(sys.executable) if sys.executable.startswith(os.getcwd()) else sys.executable
            lines += [
                "  first admin, either:",
                f"    curl -X POST {url}/api/auth/admin-sign-up -H 'Content-Type: application/json' \\",
                """      -d '{"email": "admin@example.com", "password": "change-me-please", "name": "Admin"}'""",
                f"    {python} {REPO_ROOT / 'manage.py'} createsuperuser",
            ]
        lines.append(f"  how to connect the app and the CLI: {url}/")
        self.stdout.write("\n".join(lines) + "\n")

    def _wait_for_a_death(self, watched: list[Child]) -> Child:
        while True:
            for child in watched:
                if child.process.poll() is not None:
                    return child
            time.sleep(POLL_INTERVAL_S)

    def _stop_children(self, children: list[Child]) -> None:
        # SIGTERM to all at once: they stop independently, so waiting in turn would only add up the delays.
        for child in children:
            if child.process.poll() is None:
                child.process.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for child in children:
            try:
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                # A Celery task still running is cut short here; acks_late gives its message back to Redis.
                self.stderr.write(f"serve: {child.name} did not stop within {STOP_TIMEOUT_S:.0f} s, killing it")
            # Each child leads its own process group: this also kills grandchildren (gunicorn or pool workers)
            # that outlived their parent. The group id cannot be reused while any member is alive.
            try:
                os.killpg(child.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            child.process.wait()
