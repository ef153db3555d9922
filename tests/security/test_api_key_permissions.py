"""API keys with limited permissions (issue 11, item 1), parametrized over the permission catalogue: for every
operation of the live schema, the permission its view checks is read from the view itself; a key without it gets
403 "Missing required permission", a key with only it gets past the check. Permissions of the catalogue that no
operation checks are listed, so a newly checked (or newly unchecked) one is noticed."""

from __future__ import annotations

import pytest
from django.urls import resolve

from accounts.models import ApiKey
from accounts.permissions import required_permission
from accounts.permissions_catalog import ALL, PERMISSIONS
from tests.assets.helpers import upload_photo
from tests.conftest import client_for
from tests.security.matrix import LINK_ONLY, RULES, SESSION_ONLY, Access, request_for, schema_operations, send, url_of

pytestmark = pytest.mark.django_db

# Operations any key may call, whatever its permissions: they act on the credentials themselves.
NEEDS_NO_PERMISSION = {"POST /api/auth/logout", "POST /api/auth/validateToken", "GET /api/api-keys/me"}
# Operations that change credentials: a session or a key holding `all`, never a scoped key
# (tests/accounts/test_credentials.py).
SESSION_OR_FULL_KEY = {"POST /api/auth/change-password"}
# Features of the reference this server does not implement: nothing checks these permissions yet.
UNCHECKED = {
    "activity.update", "asset.share", "asset.replace", "album.share", "album.download", "archive.read",
    "person.create", "person.delete", "person.merge", "person.reassign", "server.apkLinks", "session.lock",
    "timeline.download", "trash.read", "userLicense.create", "queueJob.create",
}  # fmt: skip


def permission_of(operation: str) -> str | None:
    method, url = url_of(operation, {})
    return required_permission(resolve(url.split("?")[0]).func.view_class, method)


PROTECTED = [op for op in schema_operations() if RULES.get(op) is None or RULES[op].access != Access.PUBLIC]
CHECKED = sorted({(permission_of(op), op) for op in PROTECTED if permission_of(op)})


def _denied(response, permission: str) -> bool:
    return response.status_code == 403 and response.json()["message"] == f"Missing required permission: {permission}"


def test_every_protected_operation_checks_a_permission_of_the_catalogue_or_is_listed():
    unlisted = [
        op
        for op in PROTECTED
        if permission_of(op) is None and op not in NEEDS_NO_PERMISSION | SESSION_ONLY | SESSION_OR_FULL_KEY | LINK_ONLY
    ]
    assert not unlisted, f"operations whose view checks no API key permission: {unlisted}"
    assert {permission for permission, _ in CHECKED} <= set(PERMISSIONS)


def test_every_permission_of_the_catalogue_is_checked_somewhere_or_listed_as_unchecked():
    checked = {permission for permission, _ in CHECKED}
    assert set(PERMISSIONS) - {ALL} - checked == UNCHECKED


@pytest.mark.parametrize(("permission", "operation"), CHECKED)
def test_a_key_without_the_permission_is_refused(admin, permission, operation):
    everything_else = [other for other in PERMISSIONS if other not in (ALL, permission)]
    response = send(client_for(admin, everything_else), request_for(operation))
    assert _denied(response, permission), response.content


@pytest.mark.parametrize(("permission", "operation"), CHECKED)
def test_a_key_with_only_the_permission_gets_past_the_check(admin, permission, operation):
    response = send(client_for(admin, [permission]), request_for(operation))
    assert response.status_code not in (401, 403), response.content


@pytest.mark.parametrize("operation", sorted(SESSION_ONLY))
def test_session_only_operations_refuse_even_a_key_with_every_permission(user, operation):
    response = send(client_for(user, ["all"]), request_for(operation, RULES[operation]))
    assert response.status_code == 403
    assert response.json()["message"] == "Sync endpoints cannot be used with API keys"


@pytest.mark.parametrize("operation", sorted(NEEDS_NO_PERMISSION))
def test_operations_on_the_credentials_themselves_need_no_permission(user, operation):
    assert send(client_for(user, ["server.about"]), request_for(operation)).status_code == 200


def test_a_read_only_key_reads_but_cannot_upload_change_delete_or_fetch_bytes(api, user, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    reader = client_for(user, ["asset.read"])
    assert reader.get(f"/api/assets/{asset_id}").status_code == 200
    assert _denied(reader.put(f"/api/assets/{asset_id}", {"isFavorite": True}, format="json"), "asset.update")
    assert _denied(reader.delete("/api/assets", {"ids": [asset_id]}, format="json"), "asset.delete")
    assert _denied(reader.post("/api/assets", {}, format="multipart"), "asset.upload")
    assert _denied(reader.get(f"/api/assets/{asset_id}/thumbnail"), "asset.view")
    assert _denied(reader.get(f"/api/assets/{asset_id}/original"), "asset.download")


def test_a_key_cannot_raise_its_own_permissions(user):
    """It could: `apiKey.update` let a limited key rewrite its own permissions (or a sibling key's) to `all`."""
    limited = client_for(user, ["apiKey.update", "asset.read"])
    key = ApiKey.objects.get(user=user)
    response = limited.put(f"/api/api-keys/{key.id}", {"permissions": ["all"]}, format="json")
    assert response.status_code == 400 and "Cannot grant permissions you do not have: all" in response.json()["message"]
    key.refresh_from_db()
    assert key.permissions == ["apiKey.update", "asset.read"]
    assert limited.put(f"/api/api-keys/{key.id}", {"permissions": ["asset.read"]}, format="json").status_code == 200
