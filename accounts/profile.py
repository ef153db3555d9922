"""What a user shows of themselves beyond their name: the profile image and the licence key (theirs and the
server's).

The profile image is stored as it was sent under the media location, `profile/<userId>/<uuid><ext>`, through the
storage layer (so on S3 too); the previous one is removed once the new one is recorded.

Licences: Immich checks a key's activation against immich.app's signature; this server cannot sell or check one,
so it keeps the key and activation key it is given (when their formats are Immich's) and reports them back."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from accounts.models import SystemMetadata, User
from immich import storage
from immich.errors import BadRequest, NotFound
from workers.media.fs import write_then_replace

PROFILE_IMAGE_EXTENSIONS = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".avif": "image/avif",
    ".heic": "image/heic",
    ".heif": "image/heif",
}
SERVER_LICENSE = "license"  # the system metadata key
_LICENSE_KEY = re.compile(r"IM(SV|CL)(-[0-9A-Za-z]{4}){8}")


def profile_image_set(*, user: User, chunks: Iterable[bytes], filename: str) -> User:
    """Stores the received file (its `chunks`) as the user's profile image."""
    extension = Path(filename).suffix.lower()
    if extension not in PROFILE_IMAGE_EXTENSIONS:
        raise BadRequest(f"Unsupported file type {filename}")
    path = storage.media_root() / "profile" / str(user.id) / f"{uuid.uuid4()}{extension}"
    with storage.outputs({"image": path}) as local, write_then_replace(local["image"]) as temporary:
        with open(temporary, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
    old = user.profile_image_path
    try:
        with transaction.atomic():
            user.profile_image_path = str(path)
            user.profile_changed_at = timezone.now()
            user.save(update_fields=["profile_image_path", "profile_changed_at", "updated_at"])
    except BaseException:
        storage.delete(path)
        raise
    storage.delete(old or None)
    return user


def profile_image_delete(*, user: User) -> None:
    old = user.profile_image_path
    if not old:
        raise BadRequest("User does not have a profile image")
    user.profile_image_path = ""
    user.profile_changed_at = timezone.now()
    user.save(update_fields=["profile_image_path", "profile_changed_at", "updated_at"])
    storage.delete(old)


def profile_image_of(user: User) -> tuple[str, str]:
    """The stored path of the user's profile image and its content type; NotFound when there is none."""
    if not user.profile_image_path or not storage.exists(user.profile_image_path):
        raise NotFound("User does not have a profile image")
    return user.profile_image_path, PROFILE_IMAGE_EXTENSIONS.get(Path(user.profile_image_path).suffix.lower(), "")


def _license(*, license_key: str, activation_key: str, kind: str) -> dict:
    if not _LICENSE_KEY.fullmatch(license_key) or not license_key.startswith(f"IM{kind}"):
        raise BadRequest("Invalid license key")
    if not activation_key:
        raise BadRequest("Invalid license key")
    return {"licenseKey": license_key, "activationKey": activation_key, "activatedAt": timezone.now().isoformat()}


def license_read(stored: dict) -> dict:
    """A stored licence (JSON) with its activation as a datetime."""
    return {**stored, "activatedAt": datetime.fromisoformat(stored["activatedAt"])}


def user_license(user: User) -> dict:
    if not user.license:
        raise NotFound("License not found")
    return license_read(user.license)


def user_license_set(*, user: User, license_key: str, activation_key: str) -> dict:
    user.license = _license(license_key=license_key, activation_key=activation_key, kind="CL")
    user.save(update_fields=["license", "updated_at"])
    return license_read(user.license)


def user_license_delete(*, user: User) -> None:
    user.license = None
    user.save(update_fields=["license", "updated_at"])


def server_license() -> dict:
    value = SystemMetadata.objects.filter(key=SERVER_LICENSE).values_list("value", flat=True).first()
    if not value:
        raise NotFound("License not found")
    return license_read(value)


def server_license_set(*, license_key: str, activation_key: str) -> dict:
    value = _license(license_key=license_key, activation_key=activation_key, kind="SV")
    SystemMetadata.objects.update_or_create(key=SERVER_LICENSE, defaults={"value": value})
    return license_read(value)


def server_license_delete() -> None:
    SystemMetadata.objects.filter(key=SERVER_LICENSE).delete()
