"""A deadline on reading request bodies, so slow clients cannot take every API thread (issue 26, item 7).

gunicorn's gthread worker reads a request's body in the thread that runs the view, and a read waits for as long as
the client takes: 40 connections trickling a body at 1 byte/s held all 16 threads of two workers, and
`/api/server/ping` stopped answering. nginx's `client_body_timeout` only bounds the wait between two bytes, which a
trickle never reaches.

`BodyDeadline` wraps the WSGI application: the body is read in pieces, and each piece must arrive within
`IMMICH_BODY_READ_TIMEOUT` seconds. A piece starts at `MIN_PIECE` (64 KiB: a client slower than 64 KiB per timeout,
6.4 KiB/s by default, is cut off; a real upload is far faster) and doubles while pieces come in well within the
deadline, up to `MAX_PIECE` (1 MiB, gunicorn's own read step: smaller reads of a fast body make gunicorn copy its
read-ahead again for each, measured at three times the CPU of an upload). One watchdog thread per process shuts
the reading side of a connection whose piece is late: the blocked read returns at once, the read raises
`BodyReadTimeout` (answered 408 in Immich's shape), and the thread is free. Without a socket (the test client,
another server) the body is read as it is.
"""

from __future__ import annotations

import itertools
import socket
import threading
import time

from django.http import UnreadablePostError

MIN_PIECE = 64 * 1024
MAX_PIECE = 1024 * 1024
_CHECK_EVERY_S = 0.25


class BodyReadTimeout(UnreadablePostError):
    """The client sent its body too slowly: the rest was not waited for."""


def timed_out(error: BaseException | None) -> bool:
    """Whether an error comes from a body read past its deadline (Django re-raises it as UnreadablePostError, once
    in `HttpRequest.read` and again in `HttpRequest.body`)."""
    for _ in range(5):
        if error is None or isinstance(error, BodyReadTimeout):
            return error is not None
        error = error.__cause__
    return False


class _Watchdog:
    """Shuts the reading side of the sockets whose piece is late. One per process, started on first use; it looks
    at the reads in progress (at most one per thread) four times a second."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reads: dict[int, tuple[float, socket.socket, _DeadlineInput]] = {}
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, sock: socket.socket, reader: _DeadlineInput, deadline: float) -> int:
        token = next(self._tokens)
        with self._lock:
            self._reads[token] = (deadline, sock, reader)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="body-deadline", daemon=True)
                self._thread.start()
        return token

    def done(self, token: int) -> None:
        with self._lock:
            self._reads.pop(token, None)

    def _run(self) -> None:
        while True:
            time.sleep(_CHECK_EVERY_S)
            now = time.monotonic()
            with self._lock:
                late = [token for token, (deadline, _, _) in self._reads.items() if deadline <= now]
                expired = [self._reads.pop(token) for token in late]
            for _, sock, reader in expired:
                reader.expired = True
                try:
                    sock.shutdown(socket.SHUT_RD)  # the blocked recv() returns b"" at once
                except OSError:
                    pass  # already closed


WATCHDOG = _Watchdog()


class _DeadlineInput:
    """`wsgi.input` read in pieces, each within `timeout` seconds; the piece grows while the client keeps up."""

    def __init__(self, raw, sock: socket.socket, timeout: float) -> None:
        self._raw = raw
        self._sock = sock
        self._timeout = timeout
        self._piece = MIN_PIECE
        self.expired = False

    def _call(self, method, size: int):
        if self.expired:
            raise BodyReadTimeout("The request body arrived too slowly")
        started = time.monotonic()
        token = WATCHDOG.watch(self._sock, self, started + self._timeout)
        try:
            data = method(size)
        finally:
            WATCHDOG.done(token)
        if self.expired:
            raise BodyReadTimeout("The request body arrived too slowly")
        took = time.monotonic() - started
        if took < self._timeout / 4:
            self._piece = min(self._piece * 2, MAX_PIECE)
        elif took > self._timeout / 2:
            self._piece = max(self._piece // 2, MIN_PIECE)
        return data

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self._call(self._raw.read, self._piece), b""))
        pieces = []
        while size > 0:
            piece = self._call(self._raw.read, min(size, self._piece))
            if not piece:
                break
            pieces.append(piece)
            size -= len(piece)
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def readline(self, size: int = -1) -> bytes:
        limit = self._piece if size is None or size < 0 else min(size, self._piece)
        return self._call(self._raw.readline, limit)

    def __iter__(self):
        return iter(self.readline, b"")


class BodyDeadline:
    """WSGI middleware: every request body with a socket behind it is read under the deadline."""

    def __init__(self, application, *, timeout: float) -> None:
        self.application = application
        self.timeout = timeout

    def __call__(self, environ, start_response):
        sock = environ.get("gunicorn.socket")
        has_body = environ.get("CONTENT_LENGTH") not in (None, "", "0") or "chunked" in environ.get(
            "HTTP_TRANSFER_ENCODING", ""
        )
        if self.timeout > 0 and sock is not None and has_body:
            environ["wsgi.input"] = _DeadlineInput(environ["wsgi.input"], sock, self.timeout)
        return self.application(environ, start_response)
