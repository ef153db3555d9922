"""The live-events process: socket.io (engine.io 4, websocket transport, as Immich serves it at `/api/socket.io`)
for the connections the API hands over (immich/socket_handoff.py), and the events published through Redis by any
process of any machine (immich/live_events.py) delivered to them.

python-socketio in threading mode: each websocket is served by a thread of its own (and simple-websocket's reader),
which suits the tens of phones of a household; the API's threads are never held. A socket joins the room of its user
and of its login session once its handshake's credentials are checked as the API checks them (API key, session
token in a header, session cookie from this server's pages); other sockets get `error: unauthorized` and are
disconnected, as Immich does. On connect, `on_server_version`."""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import sys
import threading
from pathlib import Path

import socketio
from django.db import connection

from accounts.authentication import authenticate_handshake
from immich.live_events import channel_name
from immich.socket_handoff import MAX_HEAD_BYTES
from immich.version import VERSION

logger = logging.getLogger(__name__)
HANDOFF_TIMEOUT_S = 2.0


class _Manager(socketio.RedisManager):
    """Delivers what any process published; once a session's sockets are told `on_session_delete` (the session was
    signed out or revoked), they are disconnected: they would otherwise go on hearing the user's events until the
    app closes them."""

    def _handle_emit(self, message: dict) -> None:
        super()._handle_emit(message)
        if message.get("event") == "on_session_delete" and message.get("room"):
            for sid, _ in list(self.get_participants("/", message["room"])):
                self.server.disconnect(sid, namespace="/")


def make_server(redis_url: str) -> socketio.Server:
    server = socketio.Server(
        async_mode="threading",
        client_manager=_Manager(redis_url, channel=channel_name(redis_url), logger=logger),
        transports=["websocket"],
        # Refusals are Immich's: the connection is accepted, then told `error: unauthorized` and closed. The cookie's
        # origin is checked with the credentials (accounts.authentication); other clients send none.
        always_connect=True,
        cors_allowed_origins="*",
        ping_interval=25,
        ping_timeout=20,
    )

    @server.on("connect")
    def connect(sid: str, environ: dict, auth: object = None) -> bool:
        try:
            found = authenticate_handshake(environ)
        finally:
            connection.close()  # the thread lives as long as the websocket: it holds no database connection
        if found is None:
            server.emit("error", "unauthorized", to=sid)
            return False
        user, session = found
        server.enter_room(sid, str(user.id))
        if session is not None:
            server.enter_room(sid, str(session.id))
        server.emit("on_server_version", dict(VERSION), to=sid)
        return True

    return server


class _HandedOver:
    """Serves one connection handed over by the API: the request head it read, and the socket itself."""

    def __init__(self, app: socketio.WSGIApp, head: dict, sock: socket.socket) -> None:
        self.app = app
        self.sock = sock
        self.environ = {
            **head,
            "PATH_INFO": "/api/socket.io/",  # with or without the slash the app adds: the one path handed over
            "SCRIPT_NAME": "",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0),
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            # simple-websocket takes the connection from where gunicorn puts it, and answers the handshake itself.
            "gunicorn.socket": sock,
        }

    def run(self) -> None:
        try:
            for chunk in self.app(self.environ, self._start_response):
                self.sock.sendall(chunk)
        except StopIteration:  # simple-websocket's end of a websocket served in "gunicorn" mode
            pass
        except OSError as error:
            logger.debug("live events: connection ended: %s", error)
        finally:
            self.sock.close()

    def _start_response(self, status: str, headers: list[tuple[str, str]], exc_info=None):
        """A refused handshake (no upgrade, a bad query) is answered in plain HTTP, then closed."""
        lines = [f"HTTP/1.1 {status}", *(f"{name}: {value}" for name, value in headers), "Connection: close"]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        return self.sock.sendall


def serve(*, redis_url: str, path: Path) -> None:
    """Listen on `path` for connections handed over by the API processes of this machine; serve each in a thread."""
    app = socketio.WSGIApp(make_server(redis_url), socketio_path="api/socket.io")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)  # a previous run's: a socket file outlives its process
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(str(path))
    os.chmod(path, 0o600)  # only this user's processes (the API runs as the same user) may hand connections over
    listener.listen(128)
    logger.info("live events: socket.io for the API's /api/socket.io, handed over at %s", path)
    while True:
        api, _ = listener.accept()
        with api:
            api.settimeout(HANDOFF_TIMEOUT_S)  # the API sends at once; a silent peer must not stop the accepts
            try:
                message, fds, _flags, _address = socket.recv_fds(api, MAX_HEAD_BYTES, 1)
            except OSError:
                continue
        if not fds:
            continue
        sock = socket.socket(fileno=fds[0])
        try:
            head = json.loads(message)
        except ValueError:
            sock.close()
            continue
        sock.setblocking(True)
        threading.Thread(target=_HandedOver(app, head, sock).run, name="websocket", daemon=True).start()
