"""`/api/socket.io` on the API's port, without a websocket holding an API thread.

The API is WSGI (gunicorn's gthread worker, one thread per request, one-pass streamed uploads). A websocket lasts as
long as the app is open: served in the API it would hold one of its few threads for hours. So the API only receives
the upgrade request and hands the connection itself, the open TCP socket, to this machine's live-events process
(`manage.py live_events`) over a Unix socket (SCM_RIGHTS), with the request's head; that process answers the
handshake and serves socket.io (workers/live_events.py). The API thread is free again within a millisecond, and the
phone sees one server on one port, as with Immich.

gunicorn must then forget the connection without touching it: its descriptor is pointed at a closed socket pair
(`dup2`) before the application raises StopIteration (gunicorn's "close this connection, write nothing"), so the
half-close and drain gunicorn does on the way out reach that dummy, not the phone's connection, which lives on in the
live-events process. Without gunicorn's socket (the test client, another server) or without that process, the
request is answered with an error in Immich's shape."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Iterable
from pathlib import Path

SOCKET_IO_PATH = "/api/socket.io"
# The request head handed over: what socket.io's handshake and the authentication read.
_PASSED_KEYS = ("REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "SERVER_NAME", "SERVER_PORT", "REMOTE_ADDR")
MAX_HEAD_BYTES = 60 * 1024  # one SOCK_SEQPACKET message; gunicorn's own header limits keep real heads far below
CONNECT_TIMEOUT_S = 2.0


def request_head(environ: dict) -> dict:
    head = {key: environ[key] for key in _PASSED_KEYS if isinstance(environ.get(key), str)}
    head.update({key: value for key, value in environ.items() if key.startswith("HTTP_") and isinstance(value, str)})
    head["wsgi.url_scheme"] = environ.get("wsgi.url_scheme", "http")
    return head


def _answer(start_response: Callable, status: str, message: str) -> Iterable[bytes]:
    code = int(status.split()[0])
    body = json.dumps({"message": message, "error": status.split(" ", 1)[1], "statusCode": code}).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _forget(connection: socket.socket) -> None:
    """Point the descriptor gunicorn holds at a socket whose peer is closed: what gunicorn does next with it (a
    half-close, a drain, a close) no longer reaches the handed-over connection."""
    dummy, peer = socket.socketpair()
    try:
        os.dup2(dummy.fileno(), connection.fileno())
    finally:
        dummy.close()
        peer.close()


class SocketIOHandoff:
    """WSGI middleware: websocket upgrades of `/api/socket.io` go to the live-events process, the rest to `app`."""

    def __init__(self, app: Callable, *, gateway: Path) -> None:
        self.app = app
        self.gateway = str(gateway)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.rstrip("/") != SOCKET_IO_PATH:
            return self.app(environ, start_response)
        connection = environ.get("gunicorn.socket")
        if environ.get("HTTP_UPGRADE", "").lower() != "websocket" or connection is None:
            return _answer(start_response, "400 Bad Request", "socket.io is served over websocket only")
        head = json.dumps(request_head(environ)).encode()
        if len(head) > MAX_HEAD_BYTES:
            return _answer(start_response, "431 Request Header Fields Too Large", "request headers too large")
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as gateway:
                gateway.settimeout(CONNECT_TIMEOUT_S)
                gateway.connect(self.gateway)
                socket.send_fds(gateway, [head], [connection.fileno()])
        except OSError:
            return _answer(
                start_response, "503 Service Unavailable", "live events are not running (manage.py live_events)"
            )
        _forget(connection)
        raise StopIteration  # gunicorn: close the connection (now the dummy) without writing a response
