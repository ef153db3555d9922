"""Immich's credentials: an API key (`x-api-key` or `?apiKey=`) or a session token (Bearer, the
`x-immich-user-token`/`x-immich-session-token` headers or the `immich_access_token` cookie).

A browser sends the cookie with requests other sites make it send, so an unsafe request (POST, PUT, PATCH, DELETE)
authenticated by the cookie alone must come from the server's own pages: its Origin (or, without one, its Referer)
names this host, as the web client's requests do. Headers and API keys are only ever sent on purpose."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.http import parse_cookie
from django.http.request import HttpHeaders
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied

from accounts import pin, selectors
from accounts.models import Session, User

ACCESS_TOKEN_COOKIE = "immich_access_token"


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _header_token(headers) -> str | None:
    authorization = headers.get("Authorization", "")
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return headers.get("x-immich-user-token") or headers.get("x-immich-session-token")


def _same_origin_check(request) -> None:
    """Refuses a cookie-authenticated unsafe request that another site made (its Origin or Referer names another
    host, or is "null"); one naming neither comes from a client that is not a browser, and passes."""
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if source is None:
        return
    if source == "null" or urlsplit(source).netloc.lower() != request.get_host().lower():
        raise PermissionDenied(
            "Cross-site request refused: the session cookie is accepted from this server's own "
            "pages only (use an API key or a bearer token from elsewhere)"
        )


class ImmichAuthentication(BaseAuthentication):
    def authenticate(self, request):
        api_key = request.headers.get("x-api-key") or request.query_params.get("apiKey")
        if api_key:
            key = selectors.api_key_by_secret(secret=api_key)
            if key is None:
                raise AuthenticationFailed("Invalid API key")
            return key.user, key
        token = _header_token(request.headers)
        if not token and request.COOKIES.get(ACCESS_TOKEN_COOKIE):
            token = request.COOKIES[ACCESS_TOKEN_COOKIE]
            if request.method not in SAFE_METHODS:
                _same_origin_check(request)
        if token:
            session = selectors.session_by_token(token=token)
            if session is None:
                raise AuthenticationFailed("Invalid user token")
            pin.elevation_extend(session=session)
            return session.user, session
        return None

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


def authenticate_handshake(environ: dict) -> tuple[User, Session | None] | None:
    """The user (and login session) of a websocket handshake's request head, by the API's credentials: an API key,
    a session token in a header, or the session cookie, which a browser sends to any site's websocket too, so it
    counts only from this server's own pages (an Origin naming another host is refused). None: no valid ones."""
    headers = HttpHeaders(environ)
    query = parse_qs(environ.get("QUERY_STRING", ""))
    api_key = headers.get("x-api-key") or next(iter(query.get("apiKey", [])), None)
    if api_key:
        key = selectors.api_key_by_secret(secret=api_key)
        return (key.user, None) if key is not None else None
    token = _header_token(headers)
    if not token:
        token = parse_cookie(environ.get("HTTP_COOKIE", "")).get(ACCESS_TOKEN_COOKIE)
        origin = headers.get("Origin")
        if token and origin is not None and urlsplit(origin).netloc.lower() != headers.get("Host", "").lower():
            return None
    session = selectors.session_by_token(token=token) if token else None
    return (session.user, session) if session is not None else None
