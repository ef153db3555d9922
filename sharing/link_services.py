"""Writes on shared links: create one for an album the caller owns or for assets they may share, change it, remove
it, add or remove the assets of an individual link, and unlock a password-protected link."""

from __future__ import annotations

import hmac
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import throttle
from assets.responses import bulk_add_results
from immich import access
from immich.errors import BadRequest, Unauthorized
from sharing.models import SharedLink, SharedLinkAsset, SharedLinkType

KEY_BYTES = 50


def _checked_slug(slug: str | None) -> str | None:
    if not slug:
        return None
    if "/" in slug or "\\" in slug or slug in (".", "..") or ".." in slug or slug != slug.strip():
        raise BadRequest("slug must not contain '/', '\\', '..' or surrounding spaces")
    return slug


def _checked_expiry(expires_at):
    if expires_at is not None and expires_at <= timezone.now():
        raise BadRequest("expiresAt must be in the future")
    return expires_at


def _saved(link: SharedLink, *, create: bool = False) -> SharedLink:
    try:
        with transaction.atomic():
            link.save(force_insert=create)
    except IntegrityError:
        raise BadRequest("A shared link with this slug already exists") from None
    return link


def link_create(*, actor: access.Actor, data: dict) -> SharedLink:
    if data["type"] == SharedLinkType.ALBUM:
        if not data.get("albumId"):
            raise BadRequest("Invalid albumId")
        access.require(actor, "album.share", [data["albumId"]])
    else:
        if not data.get("assetIds"):
            raise BadRequest("Invalid assetIds")
        access.require(actor, "asset.share", data["assetIds"])
    show_exif = data.get("showMetadata", True)
    link = SharedLink(
        user=actor.user,
        key=secrets.token_bytes(KEY_BYTES),
        type=data["type"],
        album_id=data.get("albumId") if data["type"] == SharedLinkType.ALBUM else None,
        description=data.get("description") or None,
        password=data.get("password") or None,
        expires_at=_checked_expiry(data.get("expiresAt")),
        allow_upload=data.get("allowUpload", False),
        allow_download=False if show_exif is False else data.get("allowDownload", True),
        show_exif=show_exif,
        slug=_checked_slug(data.get("slug")),
    )
    with transaction.atomic():
        _saved(link, create=True)
        if link.type == SharedLinkType.INDIVIDUAL:
            SharedLinkAsset.objects.bulk_create(
                [SharedLinkAsset(shared_link=link, asset_id=asset_id) for asset_id in dict.fromkeys(data["assetIds"])]
            )
    return link


_EDITABLE = {"description": "description", "password": "password", "allowUpload": "allow_upload",
             "allowDownload": "allow_download", "showMetadata": "show_exif"}  # fmt: skip


def link_update(*, link: SharedLink, data: dict) -> SharedLink:
    for name, field in _EDITABLE.items():
        if name in data:
            setattr(link, field, data[name] or None if name in ("description", "password") else data[name])
    if "expiresAt" in data:
        link.expires_at = _checked_expiry(data["expiresAt"])
    if "slug" in data:
        link.slug = _checked_slug(data["slug"])
    return _saved(link)


def _individual(link: SharedLink) -> None:
    if link.type != SharedLinkType.INDIVIDUAL:
        raise BadRequest("Invalid shared link type")


def link_add_assets(*, actor: access.Actor, link: SharedLink, ids: list) -> list[dict]:
    _individual(link)
    present = set(SharedLinkAsset.objects.filter(shared_link=link).values_list("asset_id", flat=True))
    shareable = access.allowed(actor, "asset.share", [asset_id for asset_id in ids if asset_id not in present])
    results, new = bulk_add_results(ids, present=present, allowed=shareable, key="assetId")
    SharedLinkAsset.objects.bulk_create(
        [SharedLinkAsset(shared_link=link, asset_id=asset_id) for asset_id in new], ignore_conflicts=True
    )
    return results


def link_remove_assets(*, link: SharedLink, ids: list) -> list[dict]:
    _individual(link)
    present = set(SharedLinkAsset.objects.filter(shared_link=link, asset_id__in=ids).values_list("asset_id", flat=True))
    SharedLinkAsset.objects.filter(shared_link=link, asset_id__in=present).delete()
    return [
        {"assetId": str(asset_id), "success": True}
        if asset_id in present
        else {"assetId": str(asset_id), "success": False, "error": "not_found"}
        for asset_id in dict.fromkeys(ids)
    ]


def link_login(*, link: SharedLink, password: str, address: str) -> None:
    """Check a holder's password, throttled like account logins (per link and per client address)."""
    if not link.password:
        raise BadRequest("Shared link is not password protected")
    subject = f"shared-link:{link.id}"
    throttle.login_throttle_check(email=subject, address=address)
    if not hmac.compare_digest(password.encode(), link.password.encode()):
        throttle.login_failure_record(email=subject, address=address)
        raise Unauthorized("Invalid password")


def link_upload_received(*, actor: access.Actor, asset_id) -> None:
    """An upload through a link joins what the link shows: its album, or its assets."""
    link = actor.link.link  # type: ignore[union-attr]
    if link.album_id is not None:
        from albums.models import AlbumAsset

        AlbumAsset.objects.get_or_create(album_id=link.album_id, asset_id=asset_id)
    else:
        SharedLinkAsset.objects.get_or_create(shared_link=link, asset_id=asset_id)
