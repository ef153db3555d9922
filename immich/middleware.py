"""HTTP plumbing shared by every view."""

from __future__ import annotations

from django.http import UnreadablePostError
from django.urls import Resolver404, resolve

API_NOT_FOUND = "api-not-found"  # the url name of the JSON 404 that ends the API's routes

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


class ApiTrailingSlashMiddleware:
    """NestJS routes `/api/assets/` as `/api/assets`: a client that writes the trailing slash reaches the endpoint.
    An `/api/...` path ending in "/" that matches no route is served as the same path without it (the request is
    not redirected: a redirect would turn a PUT with a body into a GET on some clients)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith("/api/") and path.endswith("/") and not _routed(path):
            trimmed = path.rstrip("/")
            if _routed(trimmed):
                request.path_info = trimmed
                request.path = request.path[: len(request.path) - (len(path) - len(trimmed))]
        return self.get_response(request)


def _routed(path: str) -> bool:
    """Whether a view of ours (not the JSON 404 of unknown API routes) serves the path."""
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.url_name != API_NOT_FOUND
