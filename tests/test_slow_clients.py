"""Slow clients cannot starve the API (issue 26, item 7): 40 connections trickling a request body at 1 byte/s held
every thread of gunicorn (2 workers x 8 threads, as compose.yaml and `serve` start it) and `/api/server/ping` timed
out. Now each piece (64 KiB at first) of a body must arrive within IMMICH_BODY_READ_TIMEOUT seconds (3 here): the trickling
connections are answered 408 and closed, and ping answers while they still trickle."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings

from immich.env import REPO_ROOT
from tests.live import process_env, stop, wait_until
from workers.embedded_redis import free_tcp_port

pytestmark = pytest.mark.slow

SLOW_CLIENTS = 40
TIMEOUT_S = 3


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture
def gunicorn(media_root, tmp_path):
    """The API as compose.yaml starts it (gthread, 8 threads), with 2 workers as `serve` does."""
    port = free_tcp_port()
    env = {**process_env(media_root=media_root, redis_url=settings.CELERY_BROKER_URL)}
    env["IMMICH_BODY_READ_TIMEOUT"] = str(TIMEOUT_S)
    command = [str(Path(sys.executable).parent / "gunicorn"), "immich.wsgi:application", "-b", f"127.0.0.1:{port}",
               "--workers", "2", "-k", "gthread", "--threads", "8", "--timeout", "600", "--no-control-socket"]  # fmt: skip
    log = tmp_path / "gunicorn.log"
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(f"{url}/api/server/ping"), 60, "the API")
        yield port
    finally:
        stop(process, signal.SIGTERM, timeout=20)
        print(log.read_text()[-3000:])


def _slow_client(port: int) -> socket.socket:
    """An unauthenticated login whose 1000-byte body will come one byte a second."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(
        b"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\n\r\n{"
    )
    return sock


def _trickle(sockets: list[socket.socket], stop: threading.Event) -> None:
    while not stop.wait(1.0):
        for sock in sockets:
            try:
                sock.sendall(b" ")
            except OSError:
                pass  # the server closed it: that is the point


def _answer_of(sock: socket.socket) -> bytes:
    """The whole answer: its head, then as many body bytes as its Content-Length says (one recv may hold only the
    head, as seen under load); what came before the connection closed or went quiet for 30 s otherwise."""
    sock.settimeout(30)
    answer = b""
    try:
        while chunk := sock.recv(4096):
            answer += chunk
            head, separator, body = answer.partition(b"\r\n\r\n")
            if separator:
                length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                if length is None or len(body) >= int(length.group(1)):
                    return answer
    except OSError:
        pass
    return answer


def test_ping_answers_while_40_clients_trickle_bodies(gunicorn):
    sockets = [_slow_client(gunicorn) for _ in range(SLOW_CLIENTS)]
    stop = threading.Event()
    trickler = threading.Thread(target=_trickle, args=(sockets, stop), daemon=True)
    trickler.start()
    try:
        time.sleep(2)  # every thread of both workers is now reading a slow body
        started = time.monotonic()
        ping = requests.get(f"http://127.0.0.1:{gunicorn}/api/server/ping", timeout=60)
        waited = time.monotonic() - started
        assert ping.status_code == 200 and ping.json() == {"res": "pong"}
        assert waited < 30, f"ping took {waited:.1f} s"
        answers = [_answer_of(sock) for sock in sockets]
    finally:
        stop.set()
        trickler.join()
        for sock in sockets:
            sock.close()
    # the slow ones were cut off: 408 in Immich's shape (or, for any past the answer, a closed connection)
    timed_out = [answer for answer in answers if answer.startswith(b"HTTP/1.1 408")]
    assert timed_out and all(answer.startswith(b"HTTP/1.1 408") or answer == b"" for answer in answers)
    assert b'"statusCode":408' in timed_out[0] and b"too slowly" in timed_out[0]


def test_a_slow_but_steady_body_is_read_whole(gunicorn):
    """200 KiB in 20 KiB steps every half second (5 s in all, longer than the deadline, but each 64 KiB arrives
    within it) is read whole: the answer is the validation of the whole body."""
    sock = socket.create_connection(("127.0.0.1", gunicorn))
    body = b'{"email": "nobody@example.com", "password": "' + b"p" * (200 * 1024) + b'"}'
    head = (
        f"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    sock.sendall(head.encode())
    step = 20 * 1024
    for offset in range(0, len(body), step):
        sock.sendall(body[offset : offset + step])
        time.sleep(0.5)
    answer = _answer_of(sock)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 400") and b'"path":["password"]' in answer  # past its bound: read, parsed
