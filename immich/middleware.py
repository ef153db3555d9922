"""HTTP plumbing shared by every view."""

from __future__ import annotations

from django.http import UnreadablePostError

# Up to this much of a request body a view did not read is read and dropped before the answer goes out.
UNREAD_BODY_DRAIN_LIMIT = 64 * 1024 * 1024
_DRAIN_CHUNK = 256 * 1024


class UnreadBodyDrainMiddleware:
    """Some answers come before the body is read: an upload known by its `x-immich-checksum`, a 503 while the
    database is down. gunicorn then drains at most 64 KiB of what is left and otherwise closes the connection
    after the answer, which announced keep-alive: the client's next request on that connection fails with a
    connection error although the server never saw it. Reading the rest here keeps the connection usable; past
    the limit the connection is closed as before, rather than a thread spending minutes on a body nobody wants."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        left = UNREAD_BODY_DRAIN_LIMIT
        try:
            while left > 0:
                chunk = request.read(min(left, _DRAIN_CHUNK))
                if not chunk:
                    break
                left -= len(chunk)
        except UnreadablePostError:
            pass  # the client went away: nothing to keep usable
        return response
