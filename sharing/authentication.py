"""Shared-link credentials: the link's key (`x-immich-share-key` or `?key=`) or its slug (`x-immich-share-slug` or
`?slug=`), tried before the other credentials as Immich does. The caller becomes a link holder: `request.user` is the
link's owner (as in Immich) but `request.auth` is the link, and `immich.access` grants only what the link gives; views
that do not take link holders refuse them (accounts.permissions).

A password-protected link is locked until the caller shows the token `POST /shared-links/login` gave (the
`immich_shared_link_token` cookie, or `?token=`): locked, it reaches only the login and GET /shared-links/me."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from sharing.models import SharedLink

TOKEN_COOKIE = "immich_shared_link_token"


@dataclass(frozen=True)
class LinkCredentials:
    """What `immich.access` and the permission check read of the link behind a request."""

    link: SharedLink
    unlocked: bool
    is_shared_link: bool = True

    def __getattr__(self, name):  # id, user_id, album_id, allow_download, allow_upload, show_exif
        return getattr(self.link, name)


def link_token(link: SharedLink) -> str:
    """The proof of the password: tied to the link and its current password (a new password voids old tokens)."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{link.id}-{link.password}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def decode_key(key: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    except (binascii.Error, ValueError):
        return None


def _find(request) -> SharedLink | None:
    key = request.headers.get("x-immich-share-key") or request.query_params.get("key")
    slug = request.headers.get("x-immich-share-slug") or request.query_params.get("slug")
    links = SharedLink.objects.select_related("user").filter(user__deleted_at__isnull=True, user__is_active=True)
    if key:
        raw = decode_key(key)
        return links.filter(key=raw).first() if raw else None
    return links.filter(slug=slug).first()


class SharedLinkAuthentication(BaseAuthentication):
    def authenticate(self, request):
        if not any(
            (request.headers.get("x-immich-share-key"), request.query_params.get("key"),
             request.headers.get("x-immich-share-slug"), request.query_params.get("slug"))
        ):  # fmt: skip
            return None
        link = _find(request)
        if link is None or (link.expires_at is not None and link.expires_at <= timezone.now()):
            raise AuthenticationFailed("Invalid share key")
        token = request.COOKIES.get(TOKEN_COOKIE) or request.query_params.get("token") or ""
        unlocked = not link.password or hmac.compare_digest(token, link_token(link))
        return link.user, LinkCredentials(link=link, unlocked=unlocked)

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
