"""A COMMIT whose answer is lost: a TCP relay between this process and PostgreSQL that, once armed, passes the
first COMMIT after a given statement to the server, waits for the server's answer and drops the client's connection
instead of passing it on. The transaction is committed; the client only sees its connection die, as when a network
or a server restart cuts it at that moment. Real server, real sockets: nothing in the path is faked."""

from __future__ import annotations

import socket
import threading

import pytest
from django.conf import settings

from tests.live import database_settings


class CommitCutter:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.after: bytes | None = None  # armed: cut the first COMMIT sent after this statement
        self.cut = threading.Event()  # set once a committed answer was dropped
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, *, after: bytes) -> None:
        self.after = after

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            connection = {"client": client, "server": server, "seen": False, "cutting": False}
            threading.Thread(target=self._client_to_server, args=(connection,), daemon=True).start()
            threading.Thread(target=self._server_to_client, args=(connection,), daemon=True).start()

    def _client_to_server(self, connection: dict) -> None:
        while data := _receive(connection["client"]):
            with self._lock:
                if self.after and self.after in data:
                    connection["seen"] = True
                elif connection["seen"] and b"COMMIT" in data and not self.cut.is_set():
                    connection["cutting"] = True  # the protocol is synchronous: what comes back answers it
                    self.after = None
            _send(connection["server"], data)
        _close(connection)

    def _server_to_client(self, connection: dict) -> None:
        while data := _receive(connection["server"]):
            if connection["cutting"]:
                self.cut.set()
                break
            _send(connection["client"], data)
        _close(connection)


def _receive(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


def _send(sock: socket.socket, data: bytes) -> None:
    try:
        sock.sendall(data)
    except OSError:
        pass


def _close(connection: dict) -> None:
    for side in ("client", "server"):
        try:
            connection[side].shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        connection[side].close()


@pytest.fixture
def commit_cutter(transactional_db):
    """This process's database connections go through a CommitCutter to the test database."""
    database = settings.DATABASES["default"]
    cutter = CommitCutter((database["HOST"], int(database["PORT"])))
    try:
        with database_settings(HOST="127.0.0.1", PORT=str(cutter.port)):
            yield cutter
    finally:
        cutter.close()
