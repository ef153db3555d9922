"""The access-control matrix: every operation of the live OpenAPI schema with who may call it and, for those that
name another object, a request that names the victim's (see conftest.py). An operation of the schema without a rule
here fails every matrix test: a new endpoint must be classified before it ships.

- PUBLIC: no credentials needed.
- USER: any signed-in user; it reads and writes only the caller's own objects.
- ADMIN: administrators only (403 for anyone else).
- `owned=<kind>`: the path's id names an object of that kind, which the caller must own (another user's is refused
  exactly like an id that does not exist, so its existence is not revealed: Immich's 400 "Not found or no <permission>
  access", or "... not found"; a resumable upload's 404, as the tus protocol has it: see `refusal_of`).

`body`/`query` are the request an intruder sends: "{image}", "{album}"... stand for the victim's ids. `expect` is the
status the intruder gets when the path names an object of the intruder's own (for operations without path ids: the
only status there is).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from enum import Enum
from functools import cache

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import encode_multipart

from tests.assets.helpers import CREATED, MODIFIED


class Access(Enum):
    PUBLIC = "public"
    USER = "user"
    ADMIN = "admin"


@dataclass(frozen=True)
class Rule:
    access: Access
    owned: str | None = None
    body: object = None
    query: dict = field(default_factory=dict)
    expect: int | None = None
    multipart: bool = False


PUBLIC = Rule(Access.PUBLIC)
ADMIN = Rule(Access.ADMIN)


def user(**request) -> Rule:
    return Rule(Access.USER, **request)


def owned(kind: str, **request) -> Rule:
    return Rule(Access.USER, owned=kind, **request)


ASSET_IDS = ["{image}", "{video}", "{trashed}"]

RULES: dict[str, Rule] = {
    "GET /.well-known/immich": PUBLIC,
    "POST /api/auth/admin-sign-up": PUBLIC,
    "POST /api/auth/login": PUBLIC,
    "GET /api/server/config": PUBLIC,
    "GET /api/server/features": PUBLIC,
    "GET /api/server/media-types": PUBLIC,
    "GET /api/server/ping": PUBLIC,
    "GET /api/server/version": PUBLIC,
    "GET /api/server/theme": PUBLIC,
    "GET /api/server/statistics": ADMIN,
    "GET /api/server/storage": user(expect=200),
    "GET /api/server/version-check": user(expect=200),
    "GET /api/server/version-history": user(expect=200),
    # any user, on their own data
    "POST /api/auth/logout": user(expect=200),
    "POST /api/auth/validateToken": user(expect=200),
    "GET /api/auth/status": user(expect=200),
    "POST /api/auth/pin-code": user(body={"pinCode": "123456"}, expect=204),  # the caller's own PIN only
    "PUT /api/auth/pin-code": user(body={"pinCode": "123456", "newPinCode": "654321"}, expect=400),  # none set
    "DELETE /api/auth/pin-code": user(body={"pinCode": "123456"}, expect=400),  # none set
    # the caller's own session only; a key (as the matrix calls) has none: 400
    "POST /api/auth/session/unlock": user(body={"pinCode": "123456"}, expect=400),
    "POST /api/auth/session/lock": user(expect=400),
    "GET /api/server/about": user(expect=200),
    "GET /api/users": user(expect=200),
    "GET /api/users/me": user(expect=200),
    "PUT /api/users/me": user(body={"name": "bob renamed"}, expect=200),
    "GET /api/users/me/preferences": user(expect=200),
    "PUT /api/users/me/preferences": user(body={"ratings": {"enabled": True}}, expect=200),
    "GET /api/users/me/onboarding": user(expect=200),
    "PUT /api/users/me/onboarding": user(body={"isOnboarded": True}, expect=200),
    "DELETE /api/users/me/onboarding": user(expect=204),
    "POST /api/auth/change-password": user(
        body={"password": "not-bobs-password", "newPassword": "new-password"}, expect=400
    ),  # wrong current password: the caller's own account only
    "GET /api/users/{user_id}": user(expect=200),  # other users' public profiles, as Immich lists them
    "GET /api/users/{user_id}/profile-image": user(expect=404),  # anyone's, as Immich shows them; the victim has none
    "POST /api/users/profile-image": user(multipart=True, body={}, expect=400),  # the form has no `file`
    "DELETE /api/users/profile-image": user(expect=400),  # bob has none
    "GET /api/users/me/license": user(expect=404),
    "GET /api/sessions": user(expect=200),
    "POST /api/sessions": user(body={"deviceType": "cast"}, expect=400),  # an API key, not a session
    "DELETE /api/sessions": user(expect=204),
    "PUT /api/users/me/license": user(body={"licenseKey": "IMCL-1", "activationKey": "x"}, expect=400),
    "DELETE /api/users/me/license": user(expect=204),
    "GET /api/api-keys": user(expect=200),
    "POST /api/api-keys": user(body={"name": "bob key", "permissions": ["all"]}, expect=201),
    "GET /api/api-keys/me": user(expect=200),
    "POST /api/assets": user(multipart=True, body={"livePhotoVideoId": "{video}"}, expect=400),
    "PUT /api/assets": user(body={"ids": ASSET_IDS, "isFavorite": True, "description": "by bob"}, expect=204),
    "DELETE /api/assets": user(body={"ids": ASSET_IDS, "force": True}, expect=204),
    "POST /api/assets/bulk-upload-check": user(body={"assets": [{"id": "a", "checksum": "{checksum}"}]}, expect=200),
    "POST /api/assets/jobs": user(body={"assetIds": ASSET_IDS, "name": "regenerate-thumbnail"}, expect=204),
    "GET /api/assets/statistics": user(expect=200),
    "POST /api/trash/empty": user(expect=200),
    "POST /api/trash/restore": user(expect=200),
    "POST /api/trash/restore/assets": user(body={"ids": ["{trashed}"]}, expect=200),
    "GET /api/albums": user(query={"assetId": "{image}"}, expect=200),
    "GET /api/albums/statistics": user(expect=200),
    "GET /api/notifications": user(query={"id": "{notification}"}, expect=200),
    "PUT /api/notifications": user(body={"ids": ["{notification}"], "readAt": "2026-12-06T00:00:00Z"}, expect=204),
    "DELETE /api/notifications": user(body={"ids": ["{notification}"]}, expect=204),
    "POST /api/albums": user(body={"albumName": "bob album", "assetIds": ASSET_IDS}, expect=201),
    "GET /api/memories": user(query={"for": "2026-12-06T00:00:00Z"}, expect=200),
    "POST /api/memories": user(
        body={"type": "on_this_day", "data": {"year": 2020}, "memoryAt": "2020-06-15T00:00:00Z", "assetIds": ASSET_IDS},
        expect=201,
    ),
    "GET /api/memories/statistics": user(expect=200),
    "GET /api/people": user(query={"withHidden": "true"}, expect=200),
    "GET /api/activities": user(query={"albumId": "{album}"}, expect=400),
    "POST /api/activities": user(body={"albumId": "{album}", "type": "comment", "comment": "by bob"}, expect=400),
    "GET /api/activities/statistics": user(query={"albumId": "{album}"}, expect=400),
    "POST /api/download/info": user(body={"assetIds": ["{image}"]}, expect=400),
    "POST /api/download/archive": user(body={"assetIds": ["{image}"]}, expect=400),
    "GET /api/shared-links": user(query={"albumId": "{album}"}, expect=200),
    "POST /api/shared-links": user(body={"type": "ALBUM", "albumId": "{album}"}, expect=400),
    "GET /api/shared-links/me": user(expect=403),  # a link holder's call: a user has no link
    "POST /api/shared-links/login": user(body={"password": "not-the-password"}, expect=403),
    "GET /api/partners": user(query={"direction": "shared-with"}, expect=200),
    "POST /api/partners": user(body={"sharedWithId": "{user_id}"}, expect=201),  # shares the caller's own library
    "PUT /api/partners/{user_id}": user(body={"inTimeline": True}, expect=400),  # the victim shares nothing with them
    "DELETE /api/partners/{user_id}": user(expect=400),  # "Partner not found": they share nothing with the victim
    "GET /api/timeline/buckets": user(query={"albumId": "{album}"}, expect=200),
    "GET /api/timeline/bucket": user(query={"timeBucket": "2021-06-01", "personId": "{person}"}, expect=200),
    "POST /api/search/metadata": user(body={"albumIds": ["{album}"], "personIds": ["{person}"]}, expect=200),
    "POST /api/search/statistics": user(body={"albumIds": ["{album}"]}, expect=200),
    "GET /api/search/suggestions": user(query={"type": "camera-make"}, expect=200),
    "POST /api/search/random": user(body={"albumIds": ["{album}"], "tagIds": ["{tag}"]}, expect=200),
    "POST /api/search/smart": user(body={"query": "alice"}, expect=400),  # not enabled: no model runs here
    "GET /api/search/cities": user(expect=200),
    "GET /api/search/explore": user(expect=200),
    "GET /api/search/places": user(query={"name": "alice"}, expect=200),
    "GET /api/search/person": user(query={"name": "alice"}, expect=200),
    "GET /api/map/markers": user(query={"withPartners": "true", "withSharedAlbums": "true"}, expect=200),
    "GET /api/map/reverse-geocode": user(query={"lat": "48.85", "lon": "2.35"}, expect=200),
    "PUT /api/assets/copy": user(body={"sourceId": "{image}", "targetId": "{video}"}, expect=400),
    "GET /api/tags": user(expect=200),
    "POST /api/tags": user(body={"name": "bob tag", "parentId": "{tag}"}, expect=400),  # "Tag not found"
    "PUT /api/tags": user(body={"tags": ["bob/tag"]}, expect=200),
    "PUT /api/tags/assets": user(body={"tagIds": ["{tag}"], "assetIds": ASSET_IDS}, expect=200),
    "GET /api/stacks": user(query={"primaryAssetId": "{image}"}, expect=200),
    "POST /api/stacks": user(body={"assetIds": ["{image}", "{video}"]}, expect=400),
    "DELETE /api/stacks": user(body={"ids": ["{stack}"]}, expect=400),
    "GET /api/duplicates": user(expect=200),
    "DELETE /api/duplicates": user(body={"ids": ["{duplicate}"]}, expect=400),
    "POST /api/duplicates/resolve": user(
        body={"groups": [{"duplicateId": "{duplicate}", "keepAssetIds": [], "trashAssetIds": ["{image}"]}]},
        expect=400,  # Immich 3.1 checks duplicate.delete on every group first: "Not found or no ... access"
    ),
    "POST /api/upload/": user(expect=412),  # no tus headers: refused before anything is read
    # login sessions only: any API key is refused (403), as in Immich; sessions are tested in tests/sync
    "POST /api/sync/stream": user(body={"types": ["AssetsV2"]}, expect=403),
    "GET /api/sync/ack": user(expect=403),
    "POST /api/sync/ack": user(body={"acks": []}, expect=403),
    "DELETE /api/sync/ack": user(body={}, expect=403),
    # the caller's own objects, by id
    "GET /api/assets/{asset_id}": owned("image"),
    "PUT /api/assets/{asset_id}": owned("image", body={"isFavorite": True, "description": "by bob"}),
    "GET /api/assets/{asset_id}/original": owned("image"),
    "GET /api/assets/{asset_id}/thumbnail": owned("image", query={"size": "preview"}),
    "GET /api/assets/{asset_id}/video/playback": owned("video"),
    "GET /api/albums/{album_id}": owned("album"),
    "PATCH /api/albums/{album_id}": owned("album", body={"albumThumbnailAssetId": "{image}"}, expect=400),
    "DELETE /api/albums/{album_id}": owned("album"),
    "PUT /api/albums/{album_id}/assets": owned("album", body={"ids": ASSET_IDS}, expect=200),
    "DELETE /api/albums/{album_id}/assets": owned("album", body={"ids": ASSET_IDS}, expect=200),
    "PUT /api/albums/{album_id}/users": owned(
        "album", body={"albumUsers": [{"userId": "{user_id}", "role": "editor"}]}
    ),
    "PUT /api/albums/{album_id}/user/{user_id}": owned("album", body={"role": "editor"}),
    "DELETE /api/albums/{album_id}/user/{user_id}": owned("album"),
    "DELETE /api/activities/{activity_id}": owned("activity"),
    "GET /api/shared-links/{link_id}": owned("shared_link"),
    "PATCH /api/shared-links/{link_id}": owned("shared_link", body={"description": "by bob", "allowDownload": True}),
    "DELETE /api/shared-links/{link_id}": owned("shared_link"),
    "PUT /api/shared-links/{link_id}/assets": owned("shared_link", body={"assetIds": ASSET_IDS}),
    "DELETE /api/shared-links/{link_id}/assets": owned("shared_link", body={"assetIds": ASSET_IDS}),
    "GET /api/people/{person_id}": owned("person"),
    "GET /api/memories/{memory_id}": owned("memory"),
    "PUT /api/memories/{memory_id}": owned("memory", body={"isSaved": True, "seenAt": "2026-12-06T00:00:00Z"}),
    "DELETE /api/memories/{memory_id}": owned("memory"),
    "PUT /api/memories/{memory_id}/assets": owned("memory", body={"ids": ASSET_IDS}, expect=200),
    "DELETE /api/memories/{memory_id}/assets": owned("memory", body={"ids": ASSET_IDS}, expect=200),
    "GET /api/notifications/{notification_id}": owned("notification"),
    "PUT /api/notifications/{notification_id}": owned("notification", body={"readAt": "2026-12-06T00:00:00Z"}),
    "DELETE /api/notifications/{notification_id}": owned("notification"),
    "PUT /api/people/{person_id}": owned("person", body={"featureFaceAssetId": "{image}"}, expect=400),
    "GET /api/people/{person_id}/statistics": owned("person"),
    "GET /api/people/{person_id}/thumbnail": owned("person"),
    "GET /api/api-keys/{key_id}": owned("api_key"),
    "PUT /api/api-keys/{key_id}": owned("api_key", body={"name": "by bob"}),
    "DELETE /api/api-keys/{key_id}": owned("api_key"),
    "GET /api/tags/{tag_id}": owned("tag"),
    "PUT /api/tags/{tag_id}": owned("tag", body={"color": "#000000"}),
    "DELETE /api/tags/{tag_id}": owned("tag"),
    "PUT /api/tags/{tag_id}/assets": owned("tag", body={"ids": ASSET_IDS}, expect=200),
    "DELETE /api/tags/{tag_id}/assets": owned("tag", body={"ids": ASSET_IDS}, expect=200),
    "GET /api/stacks/{stack_id}": owned("stack"),
    "PUT /api/stacks/{stack_id}": owned("stack", body={"primaryAssetId": "{image}"}),
    "DELETE /api/stacks/{stack_id}": owned("stack"),
    "DELETE /api/stacks/{stack_id}/assets/{asset_id}": owned("stack"),
    "DELETE /api/duplicates/{duplicate_id}": owned("duplicate"),
    "PUT /api/sessions/{session_id}": owned("session", body={"isPendingSyncReset": True}),
    "DELETE /api/sessions/{session_id}": owned("session"),
    "PATCH /api/upload/{upload_id}": owned("tus", body=b"bob's bytes"),
    "DELETE /api/upload/{upload_id}": owned("tus"),
    # administrators only
    "GET /api/system-metadata/admin-onboarding": ADMIN,
    "POST /api/system-metadata/admin-onboarding": ADMIN,
    "GET /api/system-metadata/reverse-geocoding-state": ADMIN,
    "GET /api/server/license": ADMIN,
    "PUT /api/server/license": ADMIN,
    "DELETE /api/server/license": ADMIN,
    "POST /api/admin/users/{user_id}/restore": ADMIN,
    "GET /api/admin/users/{user_id}/statistics": ADMIN,
    "GET /api/admin/users/{user_id}/sessions": ADMIN,
    "GET /api/admin/users": ADMIN,
    "POST /api/admin/users": ADMIN,
    "POST /api/admin/notifications": ADMIN,
    "PUT /api/admin/nsfw/assets": ADMIN,
    "GET /api/admin/users/{user_id}": ADMIN,
    "PUT /api/admin/users/{user_id}": ADMIN,
    "DELETE /api/admin/users/{user_id}": ADMIN,
    "GET /api/admin/users/{user_id}/preferences": ADMIN,
    "PUT /api/admin/users/{user_id}/preferences": ADMIN,
    "GET /api/jobs": ADMIN,
    "POST /api/jobs": ADMIN,
    "PUT /api/jobs/{queue_name}": ADMIN,
    "GET /api/queues": ADMIN,
    "GET /api/queues/{queue_name}": ADMIN,
    "PUT /api/queues/{queue_name}": ADMIN,
    "GET /api/queues/{queue_name}/jobs": ADMIN,
    "DELETE /api/queues/{queue_name}/jobs": ADMIN,
    "POST /api/queues/{queue_name}/jobs/retry": ADMIN,
    "GET /api/libraries": ADMIN,
    "POST /api/libraries": ADMIN,
    "GET /api/libraries/{library_id}": ADMIN,
    "PUT /api/libraries/{library_id}": ADMIN,
    "DELETE /api/libraries/{library_id}": ADMIN,
    "POST /api/libraries/{library_id}/scan": ADMIN,
    "GET /api/libraries/{library_id}/statistics": ADMIN,
    "POST /api/libraries/{library_id}/validate": ADMIN,
    "GET /api/system-config": ADMIN,
    "PUT /api/system-config": ADMIN,
    "GET /api/system-config/defaults": ADMIN,
    "GET /api/system-config/storage-template-options": ADMIN,
    "POST /api/system-config/transcode-dry-run": ADMIN,
}

# The status an intruder gets for an object of the victim's, named in the path, by kind: Immich's 400 for all but the
# resumable uploads (not Immich's: the tus protocol answers 404).
NOT_FOUND_KINDS = {"tus"}


def refusal_of(rule: Rule) -> int:
    return 404 if rule.owned in NOT_FOUND_KINDS else 400


# What the victim's album members (the album holds `image`, not `video`), by role, and the victim's partner reach:
# every other operation naming one of the victim's objects is refused for them too (`refusal_of`). A write they may call changes nothing
# of the victim's.
MEMBER_REACH: dict[str, dict[str, int]] = {
    "GET /api/assets/{asset_id}": {"viewer": 200, "editor": 200, "partner": 200},
    "GET /api/assets/{asset_id}/original": {"viewer": 200, "editor": 200, "partner": 200},
    "GET /api/assets/{asset_id}/thumbnail": {"viewer": 200, "editor": 200, "partner": 200},
    # reached, but the photo is no video
    "GET /api/assets/{asset_id}/video/playback": {"viewer": 400, "editor": 400, "partner": 400},
    "GET /api/albums/{album_id}": {"viewer": 200, "editor": 200},
    "PUT /api/albums/{album_id}/assets": {"editor": 200},  # each of the victim's ids: no_permission
    "DELETE /api/albums/{album_id}/assets": {"editor": 200},  # the owner's assets stay
    "DELETE /api/albums/{album_id}/user/{user_id}": {"viewer": 400, "editor": 400},  # not a member: refused
}

# The operations of a shared link's holder: a user (with no link) is refused 403.
LINK_ONLY = {"GET /api/shared-links/me", "POST /api/shared-links/login"}

# The operations that refuse every API key: their state belongs to a login session.
SESSION_ONLY = {"POST /api/sync/stream", "GET /api/sync/ack", "POST /api/sync/ack", "DELETE /api/sync/ack"}

PATH_KINDS = {
    "asset_id": "image",
    "album_id": "album",
    "person_id": "person",
    "key_id": "api_key",
    "session_id": "session",
    "upload_id": "tus",
    "notification_id": "notification",
    "link_id": "shared_link",
    "activity_id": "activity",
    "tag_id": "tag",
    "stack_id": "stack",
    "memory_id": "memory",
    "duplicate_id": "duplicate",
}
TUS_HEADERS = {"Tus-Resumable": "1.0.0"}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@cache
def schema_operations() -> tuple[str, ...]:
    """ "METHOD /path" of every operation in the schema the server serves."""
    response = Client(HTTP_HOST="localhost").get("/api/openapi.json")
    assert response.status_code == 200, response.content
    return tuple(
        f"{method.upper()} {path}" for path, operations in response.json()["paths"].items() for method in operations
    )


def rule_for(operation: str) -> Rule:
    rule = RULES.get(operation)
    if rule is None:
        raise AssertionError(f"endpoint {operation} has no access rule in the matrix (tests/security/matrix.py)")
    return rule


def fill(template, ids: dict[str, str]):
    """The template with "{kind}" placeholders replaced by `ids`, inside strings, lists and dicts."""
    if isinstance(template, str):
        return _PLACEHOLDER.sub(lambda match: ids[match.group(1)], template)
    if isinstance(template, list):
        return [fill(item, ids) for item in template]
    if isinstance(template, dict):
        return {key: fill(value, ids) for key, value in template.items()}
    return template


def url_of(operation: str, path_ids: dict[str, str]) -> tuple[str, str]:
    """(method, url) with each path parameter taken from `path_ids` by kind; a fresh id where none is given."""
    method, path = operation.split(" ", 1)

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == "queue_name":
            return "thumbnailGeneration"
        return path_ids.get(PATH_KINDS.get(name, name)) or str(uuid.uuid4())

    return method, _PLACEHOLDER.sub(value, path)


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    body: object = None
    multipart: bool = False

    def text(self) -> str:
        """What the request says, for telling ids the caller sent apart from ids an answer reveals."""
        return f"{self.url} {self.body!r}"


def request_for(operation: str, rule: Rule | None = None, *, path_ids=None, ids=None) -> Request:
    """The operation's request: `path_ids` fill the path, `ids` the rule's body and query placeholders."""
    rule = rule or Rule(Access.USER)
    method, url = url_of(operation, path_ids or {})
    query = fill(rule.query, ids or {})
    if query:
        url = f"{url}?{'&'.join(f'{key}={value}' for key, value in query.items())}"
    return Request(method, url, fill(rule.body, ids or {}), rule.multipart)


def send(client, request: Request):
    # The victim's resumable upload stands at offset 100: without the owner check, this chunk would be appended.
    if request.url.startswith("/api/upload/") and request.method != "POST":
        return client.generic(
            request.method, request.url, request.body or b"", content_type="application/offset+octet-stream",
            headers={**TUS_HEADERS, "Upload-Offset": "100"},
        )  # fmt: skip
    if request.multipart:
        return client.generic(request.method, request.url, **_upload_form(request.body))
    data = json.dumps(request.body) if request.body is not None else ""
    return client.generic(request.method, request.url, data, content_type="application/json")


def _upload_form(fields: dict) -> dict:
    form = {
        "assetData": SimpleUploadedFile("bob.jpg", b"\xff\xd8 not really a jpeg", content_type="image/jpeg"),
        "fileCreatedAt": CREATED, "fileModifiedAt": MODIFIED, **fields,
    }  # fmt: skip
    return {"data": encode_multipart("BoUnDaRy", form), "content_type": "multipart/form-data; boundary=BoUnDaRy"}
