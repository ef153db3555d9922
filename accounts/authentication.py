"""Immich's credentials: an API key (`x-api-key` or `?apiKey=`) or a session token (Bearer, the
`x-immich-user-token`/`x-immich-session-token` headers or the `immich_access_token` cookie)."""

from __future__ import annotations

from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from accounts import selectors

ACCESS_TOKEN_COOKIE = "immich_access_token"


def _session_token(request) -> str | None:
    authorization = request.headers.get("Authorization", "")
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return (
        request.headers.get("x-immich-user-token")
        or request.headers.get("x-immich-session-token")
        or request.COOKIES.get(ACCESS_TOKEN_COOKIE)
    )


class ImmichAuthentication(BaseAuthentication):
    def authenticate(self, request):
        api_key = request.headers.get("x-api-key") or request.query_params.get("apiKey")
        if api_key:
            key = selectors.api_key_by_secret(secret=api_key)
            if key is None:
                raise AuthenticationFailed("Invalid API key")
            return key.user, key
        token = _session_token(request)
        if token:
            session = selectors.session_by_token(token=token)
            if session is None:
                raise AuthenticationFailed("Invalid user token")
            return session.user, session
        return None

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
