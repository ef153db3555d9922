"""One recipe per endpoint that the SDK and this server both have, keyed by the SDK's method and path template: it
makes what the call needs (through the Scene) and calls the endpoint as a client would, with the fields the mobile
app and immich-go send (/work/shared/docs/clients.md). It returns the response; the test checks it against the SDK."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable

from rest_framework.test import APIClient

from jobs.models import AssetStep, Step, StepStatus
from tests.contract.scene import PASSWORD, Scene
from tests.media_factories import make_jpeg, make_png

Recipe = Callable[[Scene], object]
RECIPES: dict[tuple[str, str], Recipe] = {}


def recipe(method: str, path: str):
    def register(function: Recipe) -> Recipe:
        RECIPES[(method, path)] = function
        return function

    return register


def _json(client, method: str, url: str, body: dict | None = None):
    return getattr(client, method.lower())(url, body, format="json")


# --- server ---

for _path in ("/server/about", "/server/config", "/server/features", "/server/media-types", "/server/ping",
              "/server/version", "/server/storage", "/server/version-check", "/server/version-history"):  # fmt: skip
    recipe("GET", _path)(lambda scene, path=_path: scene.api.get(f"/api{path}"))
recipe("GET", "/server/statistics")(lambda scene: scene.having("image").admin_api.get("/api/server/statistics"))


# --- auth, users, API keys ---


@recipe("POST", "/auth/admin-sign-up")
def _(scene):
    body = {"email": "root@example.com", "password": "s3cret-pass", "name": "Root"}
    return _json(APIClient(), "POST", "/api/auth/admin-sign-up", body)  # the first user of a new server


@recipe("POST", "/auth/login")
def _(scene):
    return scene.login()


@recipe("POST", "/auth/logout")
def _(scene):
    return scene.session_api.post("/api/auth/logout")


@recipe("POST", "/auth/validateToken")
def _(scene):
    return scene.session_api.post("/api/auth/validateToken")


@recipe("POST", "/auth/change-password")
def _(scene):
    body = {"password": PASSWORD, "newPassword": "a-new-password"}
    return _json(scene.session_api, "POST", "/api/auth/change-password", body)


PIN = "123456"


def _with_pin(scene) -> APIClient:
    """The scene's session, its user having set a PIN (the mobile app's and the web's locked folder)."""
    response = _json(scene.session_api, "POST", "/api/auth/pin-code", {"pinCode": PIN})
    assert response.status_code == 204, response.content
    return scene.session_api


recipe("POST", "/auth/pin-code")(lambda scene: _json(scene.session_api, "POST", "/api/auth/pin-code", {"pinCode": PIN}))
recipe("PUT", "/auth/pin-code")(
    lambda scene: _json(_with_pin(scene), "PUT", "/api/auth/pin-code", {"pinCode": PIN, "newPinCode": "654321"})
)
recipe("DELETE", "/auth/pin-code")(
    lambda scene: _json(_with_pin(scene), "DELETE", "/api/auth/pin-code", {"password": PASSWORD})
)
recipe("POST", "/auth/session/unlock")(
    lambda scene: _json(_with_pin(scene), "POST", "/api/auth/session/unlock", {"pinCode": PIN})
)
recipe("POST", "/auth/session/lock")(lambda scene: scene.session_api.post("/api/auth/session/lock"))


@recipe("GET", "/auth/status")
def _(scene):
    """An unlocked session: every field of the answer is there (but expiresAt: sessions here do not expire)."""
    client = _with_pin(scene)
    assert _json(client, "POST", "/api/auth/session/unlock", {"pinCode": PIN}).status_code == 204
    return client.get("/api/auth/status")


recipe("GET", "/users/me")(lambda scene: scene.session_api.get("/api/users/me"))
recipe("GET", "/users/me/onboarding")(lambda scene: scene.api.get("/api/users/me/onboarding"))
recipe("PUT", "/users/me/onboarding")(
    lambda scene: _json(scene.api, "PUT", "/api/users/me/onboarding", {"isOnboarded": True})
)
recipe("DELETE", "/users/me/onboarding")(lambda scene: scene.api.delete("/api/users/me/onboarding"))
recipe("GET", "/system-metadata/admin-onboarding")(
    lambda scene: scene.admin_api.get("/api/system-metadata/admin-onboarding")
)
recipe("POST", "/system-metadata/admin-onboarding")(
    lambda scene: _json(scene.admin_api, "POST", "/api/system-metadata/admin-onboarding", {"isOnboarded": True})
)
recipe("GET", "/system-metadata/reverse-geocoding-state")(
    lambda scene: scene.admin_api.get("/api/system-metadata/reverse-geocoding-state")
)
recipe("PUT", "/users/me")(lambda scene: _json(scene.api, "PUT", "/api/users/me", {"name": "Alice B."}))
recipe("GET", "/users")(lambda scene: scene.api.get("/api/users"))
recipe("GET", "/users/{id}")(lambda scene: scene.api.get(f"/api/users/{scene.admin.id}"))
recipe("GET", "/admin/users")(lambda scene: scene.admin_api.get("/api/admin/users"))
recipe("GET", "/admin/users/{id}")(lambda scene: scene.admin_api.get(f"/api/admin/users/{scene.user.id}"))
recipe("PUT", "/admin/users/{id}")(
    lambda scene: _json(scene.admin_api, "PUT", f"/api/admin/users/{scene.user.id}", {"quotaSizeInBytes": 10**9})
)
recipe("GET", "/admin/users/{id}/statistics")(
    lambda scene: scene.having("image").admin_api.get(f"/api/admin/users/{scene.user.id}/statistics")
)


@recipe("POST", "/admin/users/{id}/restore")
def _(scene):
    scene.admin_api.delete(f"/api/admin/users/{scene.user.id}")
    return scene.admin_api.post(f"/api/admin/users/{scene.user.id}/restore")


@recipe("POST", "/users/profile-image")
def _(scene):
    with open(make_png(scene.folder / "me.png"), "rb") as handle:
        return scene.api.post("/api/users/profile-image", {"file": handle}, format="multipart")


@recipe("GET", "/users/{id}/profile-image")
def _(scene):
    with open(make_png(scene.folder / "me.png"), "rb") as handle:
        scene.api.post("/api/users/profile-image", {"file": handle}, format="multipart")
    return scene.admin_api.get(f"/api/users/{scene.user.id}/profile-image")


@recipe("DELETE", "/users/profile-image")
def _(scene):
    with open(make_png(scene.folder / "me.png"), "rb") as handle:
        scene.api.post("/api/users/profile-image", {"file": handle}, format="multipart")
    return scene.api.delete("/api/users/profile-image")


_USER_LICENSE = {"licenseKey": "IMCL-A1B2-C3D4-E5F6-G7H8-J9K0-L1M2-N3P4-Q5R6", "activationKey": "key"}
_SERVER_LICENSE = {"licenseKey": "IMSV-A1B2-C3D4-E5F6-G7H8-J9K0-L1M2-N3P4-Q5R6", "activationKey": "key"}
recipe("PUT", "/users/me/license")(lambda scene: _json(scene.api, "PUT", "/api/users/me/license", _USER_LICENSE))
recipe("DELETE", "/users/me/license")(lambda scene: scene.api.delete("/api/users/me/license"))
recipe("PUT", "/server/license")(lambda scene: _json(scene.admin_api, "PUT", "/api/server/license", _SERVER_LICENSE))
recipe("DELETE", "/server/license")(lambda scene: scene.admin_api.delete("/api/server/license"))


@recipe("GET", "/users/me/license")
def _(scene):
    _json(scene.api, "PUT", "/api/users/me/license", _USER_LICENSE)
    return scene.api.get("/api/users/me/license")


@recipe("GET", "/server/license")
def _(scene):
    _json(scene.admin_api, "PUT", "/api/server/license", _SERVER_LICENSE)
    return scene.admin_api.get("/api/server/license")


recipe("DELETE", "/admin/users/{id}")(lambda scene: scene.admin_api.delete(f"/api/admin/users/{scene.user.id}"))


@recipe("POST", "/admin/users")
def _(scene):
    body = {"email": "carol@example.com", "password": "carol-pass", "name": "Carol", "shouldChangePassword": True}
    return _json(scene.admin_api, "POST", "/api/admin/users", body)


recipe("GET", "/api-keys")(lambda scene: scene.api.get("/api/api-keys"))
recipe("GET", "/api-keys/me")(lambda scene: scene.api.get("/api/api-keys/me"))
recipe("GET", "/api-keys/{id}")(lambda scene: scene.api.get(f"/api/api-keys/{scene.api_key}"))
recipe("POST", "/api-keys")(
    lambda scene: _json(scene.api, "POST", "/api/api-keys", {"name": "immich-go", "permissions": ["all"]})
)
recipe("PUT", "/api-keys/{id}")(
    lambda scene: _json(scene.api, "PUT", f"/api/api-keys/{scene.api_key}", {"name": "renamed"})
)
recipe("DELETE", "/api-keys/{id}")(lambda scene: scene.api.delete(f"/api/api-keys/{scene.api_key}"))


# --- assets ---


@recipe("POST", "/assets")
def _(scene):
    return scene.upload(make_jpeg(scene.folder / "upload.jpg"))


recipe("GET", "/assets/{id}")(lambda scene: scene.having("tag", "stack").api.get(f"/api/assets/{scene.image}"))
recipe("PUT", "/assets/{id}")(
    lambda scene: _json(
        scene.api,
        "PUT",
        f"/api/assets/{scene.image}",
        {
            "description": "At the beach",
            "latitude": 48.85,
            "longitude": 2.35,
            "rating": 4,
            "dateTimeOriginal": "2021-06-15T10:30:00.000Z",
        },
    )
)
recipe("PUT", "/assets")(
    lambda scene: _json(scene.api, "PUT", "/api/assets", {"ids": [scene.image], "isFavorite": True})
)
recipe("PUT", "/assets/copy")(
    lambda scene: _json(scene.api, "PUT", "/api/assets/copy", {"sourceId": scene.image, "targetId": scene.video})
)
recipe("DELETE", "/assets")(lambda scene: _json(scene.api, "DELETE", "/api/assets", {"ids": [scene.image]}))
recipe("GET", "/assets/statistics")(lambda scene: scene.having("image", "video").api.get("/api/assets/statistics"))
recipe("GET", "/assets/{id}/original")(lambda scene: scene.api.get(f"/api/assets/{scene.image}/original"))
recipe("GET", "/assets/{id}/thumbnail")(
    lambda scene: scene.api.get(f"/api/assets/{scene.image_with_thumbnails}/thumbnail?size=thumbnail")
)
recipe("GET", "/assets/{id}/video/playback")(lambda scene: scene.api.get(f"/api/assets/{scene.video}/video/playback"))
recipe("POST", "/assets/jobs")(
    lambda scene: _json(scene.api, "POST", "/api/assets/jobs", {"assetIds": [scene.image], "name": "refresh-metadata"})
)


@recipe("POST", "/assets/bulk-upload-check")
def _(scene):
    """immich-go's and the old mobile backup's question: one file the server has, one it does not."""
    scene.photo("known.jpg")
    known = (scene.folder / "known.jpg").read_bytes()
    checksums = [base64.b64encode(hashlib.sha1(data).digest()).decode() for data in (known, b"new")]
    body = {"assets": [{"id": "local-1", "checksum": checksums[0]}, {"id": "local-2", "checksum": checksums[1]}]}
    return _json(scene.api, "POST", "/api/assets/bulk-upload-check", body)


recipe("POST", "/trash/empty")(lambda scene: scene.having("trashed").api.post("/api/trash/empty"))
recipe("POST", "/trash/restore")(lambda scene: scene.having("trashed").api.post("/api/trash/restore"))
recipe("POST", "/trash/restore/assets")(
    lambda scene: _json(scene.api, "POST", "/api/trash/restore/assets", {"ids": [scene.trashed]})
)
recipe("GET", "/timeline/buckets")(
    lambda scene: scene.having("image").api.get("/api/timeline/buckets?visibility=timeline&withPartners=true")
)
recipe("GET", "/timeline/bucket")(
    lambda scene: scene.having("stack").api.get(
        "/api/timeline/bucket?timeBucket=2021-06-01&visibility=timeline&withStacked=true"
    )
)


# --- albums ---
recipe("GET", "/albums")(lambda scene: scene.having("album").api.get("/api/albums"))
recipe("GET", "/albums/{id}")(lambda scene: scene.api.get(f"/api/albums/{scene.album}?withoutAssets=false"))
recipe("POST", "/albums")(
    lambda scene: _json(scene.api, "POST", "/api/albums", {"albumName": "Camera", "assetIds": []})
)
recipe("PATCH", "/albums/{id}")(
    lambda scene: _json(scene.api, "PATCH", f"/api/albums/{scene.album}", {"albumName": "Summer", "description": "Sea"})
)
recipe("DELETE", "/albums/{id}")(lambda scene: scene.api.delete(f"/api/albums/{scene.album}"))
recipe("PUT", "/albums/{id}/assets")(
    lambda scene: _json(scene.api, "PUT", f"/api/albums/{scene.album}/assets", {"ids": [scene.video, scene.image]})
)
recipe("DELETE", "/albums/{id}/assets")(
    lambda scene: _json(scene.api, "DELETE", f"/api/albums/{scene.album}/assets", {"ids": [scene.image]})
)
recipe("GET", "/albums/statistics")(lambda scene: scene.having("shared_album").api.get("/api/albums/statistics"))
recipe("PUT", "/albums/{id}/users")(
    lambda scene: _json(
        scene.api,
        "PUT",
        f"/api/albums/{scene.album}/users",
        {"albumUsers": [{"userId": str(scene.admin.id), "role": "viewer"}]},
    )  # fmt: skip
)
recipe("PUT", "/albums/{id}/user/{userId}")(
    lambda scene: _json(scene.api, "PUT", f"/api/albums/{scene.shared_album}/user/{scene.admin.id}", {"role": "viewer"})
)
recipe("DELETE", "/albums/{id}/user/{userId}")(
    lambda scene: scene.admin_api.delete(f"/api/albums/{scene.shared_album}/user/me")  # the member leaves
)


# --- activities, downloads ---
recipe("GET", "/activities")(
    lambda scene: scene.having("comment").api.get(f"/api/activities?albumId={scene.shared_album}&level=album")
)
recipe("POST", "/activities")(
    lambda scene: _json(
        scene.admin_api,
        "POST",
        "/api/activities",
        {"albumId": scene.shared_album, "assetId": scene.image, "type": "like"},
    )  # fmt: skip
)
recipe("GET", "/activities/statistics")(
    lambda scene: scene.having("comment").api.get(f"/api/activities/statistics?albumId={scene.shared_album}")
)
recipe("DELETE", "/activities/{id}")(lambda scene: scene.api.delete(f"/api/activities/{scene.comment}"))
recipe("POST", "/download/info")(
    lambda scene: _json(scene.api, "POST", "/api/download/info", {"assetIds": [scene.image, scene.video]})
)
recipe("POST", "/download/archive")(
    lambda scene: _json(scene.api, "POST", "/api/download/archive", {"assetIds": [scene.image, scene.video]})
)


# --- shared links ---
recipe("GET", "/shared-links")(lambda scene: scene.having("shared_link").api.get("/api/shared-links"))
recipe("POST", "/shared-links")(
    lambda scene: _json(
        scene.api,
        "POST",
        "/api/shared-links",
        {"type": "ALBUM", "albumId": scene.album, "allowDownload": True, "showMetadata": True},
    )  # fmt: skip
)
recipe("GET", "/shared-links/{id}")(lambda scene: scene.api.get(f"/api/shared-links/{scene.shared_link['id']}"))
recipe("PATCH", "/shared-links/{id}")(
    lambda scene: _json(scene.api, "PATCH", f"/api/shared-links/{scene.shared_link['id']}", {"description": "Hi"})
)
recipe("DELETE", "/shared-links/{id}")(lambda scene: scene.api.delete(f"/api/shared-links/{scene.shared_link['id']}"))
recipe("PUT", "/shared-links/{id}/assets")(
    lambda scene: _json(
        scene.api, "PUT", f"/api/shared-links/{scene.shared_link['id']}/assets", {"assetIds": [scene.video]}
    )  # fmt: skip
)
recipe("DELETE", "/shared-links/{id}/assets")(
    lambda scene: _json(
        scene.api, "DELETE", f"/api/shared-links/{scene.shared_link['id']}/assets", {"assetIds": [scene.image]}
    )  # fmt: skip
)
recipe("GET", "/shared-links/me")(
    lambda scene: APIClient().get(f"/api/shared-links/me?key={scene.shared_link['key']}")  # the web's public page
)


@recipe("POST", "/shared-links/login")
def _(scene):
    body = {"type": "INDIVIDUAL", "assetIds": [scene.image], "password": "open sesame"}
    link = _json(scene.api, "POST", "/api/shared-links", body).json()
    return _json(APIClient(), "POST", f"/api/shared-links/login?key={link['key']}", {"password": "open sesame"})


# --- partners ---
recipe("GET", "/partners")(lambda scene: scene.having("partner").api.get("/api/partners?direction=shared-by"))
recipe("POST", "/partners")(
    lambda scene: _json(scene.api, "POST", "/api/partners", {"sharedWithId": str(scene.admin.id)})
)
recipe("PUT", "/partners/{id}")(
    lambda scene: _json(
        scene.having("partner").admin_api, "PUT", f"/api/partners/{scene.user.id}", {"inTimeline": True}
    )
)
recipe("DELETE", "/partners/{id}")(lambda scene: scene.having("partner").api.delete(f"/api/partners/{scene.admin.id}"))


# --- tags ---
recipe("GET", "/tags")(lambda scene: scene.having("tag").api.get("/api/tags"))
recipe("POST", "/tags")(lambda scene: _json(scene.api, "POST", "/api/tags", {"name": "Family", "color": "#ff0000"}))
recipe("PUT", "/tags")(lambda scene: _json(scene.api, "PUT", "/api/tags", {"tags": ["immich-go/2024/summer"]}))
recipe("PUT", "/tags/assets")(
    lambda scene: _json(scene.api, "PUT", "/api/tags/assets", {"tagIds": [scene.tag], "assetIds": [scene.video]})
)
recipe("GET", "/tags/{id}")(lambda scene: scene.api.get(f"/api/tags/{scene.tag}"))
recipe("PUT", "/tags/{id}")(lambda scene: _json(scene.api, "PUT", f"/api/tags/{scene.tag}", {"color": "00ff00"}))
recipe("DELETE", "/tags/{id}")(lambda scene: scene.api.delete(f"/api/tags/{scene.tag}"))
recipe("PUT", "/tags/{id}/assets")(
    lambda scene: _json(scene.api, "PUT", f"/api/tags/{scene.tag}/assets", {"ids": [scene.video, scene.image]})
)
recipe("DELETE", "/tags/{id}/assets")(
    lambda scene: _json(scene.api, "DELETE", f"/api/tags/{scene.tag}/assets", {"ids": [scene.image]})
)


# --- duplicates ---
recipe("GET", "/duplicates")(lambda scene: scene.having("duplicates").api.get("/api/duplicates"))
recipe("DELETE", "/duplicates")(
    lambda scene: _json(scene.api, "DELETE", "/api/duplicates", {"ids": [scene.duplicates[0]]})
)
recipe("DELETE", "/duplicates/{id}")(lambda scene: scene.api.delete(f"/api/duplicates/{scene.duplicates[0]}"))


@recipe("POST", "/duplicates/resolve")
def _(scene):
    group, (keep, trash) = scene.duplicates
    body = {"groups": [{"duplicateId": group, "keepAssetIds": [keep], "trashAssetIds": [trash]}]}
    return _json(scene.api, "POST", "/api/duplicates/resolve", body)


# --- stacks ---
recipe("GET", "/stacks")(lambda scene: scene.having("stack").api.get("/api/stacks"))
recipe("POST", "/stacks")(
    lambda scene: _json(scene.api, "POST", "/api/stacks", {"assetIds": [scene.image, scene.video]})
)
recipe("DELETE", "/stacks")(lambda scene: _json(scene.api, "DELETE", "/api/stacks", {"ids": [scene.stack]}))
recipe("GET", "/stacks/{id}")(lambda scene: scene.api.get(f"/api/stacks/{scene.stack}"))
recipe("PUT", "/stacks/{id}")(
    lambda scene: _json(scene.api, "PUT", f"/api/stacks/{scene.stack}", {"primaryAssetId": scene.image})
)
recipe("DELETE", "/stacks/{id}")(lambda scene: scene.api.delete(f"/api/stacks/{scene.stack}"))


@recipe("DELETE", "/stacks/{id}/assets/{assetId}")
def _(scene):
    other = next(asset["id"] for asset in scene.api.get(f"/api/stacks/{scene.stack}").json()["assets"][1:])
    return scene.api.delete(f"/api/stacks/{scene.stack}/assets/{other}")


# --- search ---


@recipe("POST", "/search/metadata")
def _(scene):
    """immich-go's query (clients.md G8), over a photo whose metadata was read and a video."""
    body = {"page": 1, "size": 1000, "withExif": True, "visibility": "timeline", "order": "asc", "withStacked": True}
    return _json(scene.having("image", "video", "tag", "stack").api, "POST", "/api/search/metadata", body)


recipe("POST", "/search/random")(
    lambda scene: _json(scene.having("image", "tag").api, "POST", "/api/search/random", {"size": 5, "withExif": True})
)
recipe("POST", "/search/smart")(lambda scene: _json(scene.api, "POST", "/api/search/smart", {"query": "beach"}))
recipe("GET", "/search/cities")(lambda scene: scene.having("city").api.get("/api/search/cities"))
recipe("GET", "/search/explore")(lambda scene: scene.having("city").api.get("/api/search/explore"))
recipe("GET", "/search/places")(lambda scene: scene.having("city").api.get("/api/search/places?name=rom"))
recipe("GET", "/map/markers")(
    lambda scene: scene.having("city").api.get("/api/map/markers?withPartners=true&withSharedAlbums=true")
)
recipe("GET", "/map/reverse-geocode")(lambda scene: scene.api.get("/api/map/reverse-geocode?lat=41.9&lon=12.5"))
recipe("GET", "/search/person")(lambda scene: scene.having("person").api.get("/api/search/person?name=car"))
recipe("GET", "/search/suggestions")(
    lambda scene: scene.having("image").api.get("/api/search/suggestions?type=camera-make")
)
recipe("POST", "/search/statistics")(
    lambda scene: _json(scene.having("image").api, "POST", "/api/search/statistics", {"visibility": "timeline"})
)


# --- jobs, queues, system config ---

recipe("GET", "/jobs")(lambda scene: scene.admin_api.get("/api/jobs"))
recipe("POST", "/jobs")(lambda scene: _json(scene.admin_api, "POST", "/api/jobs", {"name": "reconcile"}))
recipe("PUT", "/jobs/{name}")(
    lambda scene: _json(scene.admin_api, "PUT", "/api/jobs/thumbnailGeneration", {"command": "pause", "force": True})
)
recipe("GET", "/queues")(lambda scene: scene.admin_api.get("/api/queues"))
recipe("GET", "/queues/{name}")(lambda scene: scene.admin_api.get("/api/queues/thumbnailGeneration"))
recipe("PUT", "/queues/{name}")(
    lambda scene: _json(scene.admin_api, "PUT", "/api/queues/thumbnailGeneration", {"isPaused": True})
)


@recipe("GET", "/queues/{name}/jobs")
def _(scene):
    AssetStep.objects.filter(asset_id=scene.photo("unreadable.jpg"), step=Step.METADATA).update(
        status=StepStatus.FAILED, last_error="not a readable image", attempts=1
    )
    return scene.admin_api.get("/api/queues/metadataExtraction/jobs?status=failed")


recipe("DELETE", "/queues/{name}/jobs")(
    lambda scene: _json(scene.admin_api, "DELETE", "/api/queues/metadataExtraction/jobs", {"failed": True})
)
recipe("GET", "/system-config")(lambda scene: scene.admin_api.get("/api/system-config"))
recipe("GET", "/system-config/defaults")(lambda scene: scene.admin_api.get("/api/system-config/defaults"))
recipe("GET", "/system-config/storage-template-options")(
    lambda scene: scene.admin_api.get("/api/system-config/storage-template-options")
)
recipe("PUT", "/system-config")(
    lambda scene: _json(scene.admin_api, "PUT", "/api/system-config", scene.admin_api.get("/api/system-config").json())
)


# --- libraries ---
recipe("GET", "/libraries")(lambda scene: scene.having("library").admin_api.get("/api/libraries"))
recipe("GET", "/libraries/{id}")(lambda scene: scene.admin_api.get(f"/api/libraries/{scene.library}"))
recipe("GET", "/libraries/{id}/statistics")(
    lambda scene: scene.admin_api.get(f"/api/libraries/{scene.library}/statistics")
)
recipe("POST", "/libraries")(
    lambda scene: _json(scene.admin_api, "POST", "/api/libraries", {"ownerId": str(scene.admin.id), "importPaths": []})
)
recipe("PUT", "/libraries/{id}")(
    lambda scene: _json(scene.admin_api, "PUT", f"/api/libraries/{scene.library}", {"exclusionPatterns": ["**/raw/**"]})
)
recipe("DELETE", "/libraries/{id}")(lambda scene: scene.admin_api.delete(f"/api/libraries/{scene.library}"))
recipe("POST", "/libraries/{id}/scan")(lambda scene: scene.admin_api.post(f"/api/libraries/{scene.library}/scan"))


@recipe("POST", "/libraries/{id}/validate")
def _(scene):
    body = {"importPaths": [str(scene.library_folder), "/nowhere"], "exclusionPatterns": ["**/raw/**"]}
    return _json(scene.admin_api, "POST", f"/api/libraries/{scene.library}/validate", body)


# --- people ---
recipe("GET", "/people")(lambda scene: scene.having("person").api.get("/api/people?withHidden=true"))
recipe("GET", "/people/{id}")(lambda scene: scene.api.get(f"/api/people/{scene.person}"))
recipe("PUT", "/people/{id}")(
    lambda scene: _json(scene.api, "PUT", f"/api/people/{scene.person}", {"name": "Caroline", "isFavorite": True})
)
recipe("GET", "/people/{id}/statistics")(lambda scene: scene.api.get(f"/api/people/{scene.person}/statistics"))
recipe("GET", "/people/{id}/thumbnail")(lambda scene: scene.api.get(f"/api/people/{scene.person}/thumbnail"))


# --- memories ---
recipe("GET", "/memories")(
    lambda scene: scene.having("memory").api.get("/api/memories", {"for": "2026-12-06T10:00:00.000Z"})
)
recipe("GET", "/memories/statistics")(lambda scene: scene.having("memory").api.get("/api/memories/statistics"))
recipe("POST", "/memories")(
    lambda scene: _json(
        scene.api,
        "POST",
        "/api/memories",
        {
            "type": "on_this_day",
            "data": {"year": 2020},
            "memoryAt": "2020-12-06T00:00:00.000Z",
            "isSaved": True,
            "assetIds": [scene.image],
        },
    )  # fmt: skip
)
recipe("GET", "/memories/{id}")(lambda scene: scene.api.get(f"/api/memories/{scene.memory}"))
recipe("PUT", "/memories/{id}")(
    lambda scene: _json(scene.api, "PUT", f"/api/memories/{scene.memory}", {"seenAt": "2026-12-06T10:00:00.000Z"})
)
recipe("DELETE", "/memories/{id}")(lambda scene: scene.api.delete(f"/api/memories/{scene.memory}"))
recipe("PUT", "/memories/{id}/assets")(
    lambda scene: _json(scene.api, "PUT", f"/api/memories/{scene.memory}/assets", {"ids": [scene.video]})
)
recipe("DELETE", "/memories/{id}/assets")(
    lambda scene: _json(scene.api, "DELETE", f"/api/memories/{scene.memory}/assets", {"ids": [scene.image]})
)

# --- notifications ---
recipe("GET", "/notifications")(lambda scene: scene.having("notification").api.get("/api/notifications"))
recipe("GET", "/notifications/{id}")(lambda scene: scene.api.get(f"/api/notifications/{scene.notification}"))
recipe("PUT", "/notifications/{id}")(
    lambda scene: _json(
        scene.api, "PUT", f"/api/notifications/{scene.notification}", {"readAt": "2026-12-06T10:00:00.000Z"}
    )
)
recipe("PUT", "/notifications")(
    lambda scene: _json(
        scene.api, "PUT", "/api/notifications", {"ids": [scene.notification], "readAt": "2026-12-06T10:00:00.000Z"}
    )
)
recipe("DELETE", "/notifications")(
    lambda scene: _json(scene.api, "DELETE", "/api/notifications", {"ids": [scene.notification]})
)
recipe("DELETE", "/notifications/{id}")(lambda scene: scene.api.delete(f"/api/notifications/{scene.notification}"))


@recipe("POST", "/admin/notifications")
def _(scene):
    body = {"userId": str(scene.user.id), "title": "Maintenance tonight", "description": "From 22:00", "level": "info"}
    return _json(scene.admin_api, "POST", "/api/admin/notifications", body)


# --- preferences, the mobile sync stream (a login session: API keys are refused, as in Immich) ---

recipe("GET", "/users/me/preferences")(lambda scene: scene.api.get("/api/users/me/preferences"))
recipe("PUT", "/users/me/preferences")(
    lambda scene: _json(scene.api, "PUT", "/api/users/me/preferences", {"download": {"archiveSize": 2**30}})
)
recipe("GET", "/admin/users/{id}/preferences")(
    lambda scene: scene.admin_api.get(f"/api/admin/users/{scene.user.id}/preferences")
)
recipe("PUT", "/admin/users/{id}/preferences")(
    lambda scene: _json(
        scene.admin_api, "PUT", f"/api/admin/users/{scene.user.id}/preferences", {"memories": {"enabled": False}}
    )
)


def _sync_lines(scene) -> list[dict]:
    response = _json(scene.session_api, "POST", "/api/sync/stream", {"types": ["AuthUsersV1", "AssetsV1"]})
    return [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]


recipe("POST", "/sync/stream")(
    lambda scene: _json(scene.session_api, "POST", "/api/sync/stream", {"types": ["AuthUsersV1"]})
)
recipe("POST", "/sync/ack")(
    lambda scene: _json(scene.session_api, "POST", "/api/sync/ack", {"acks": [_sync_lines(scene)[0]["ack"]]})
)
recipe("GET", "/sync/ack")(lambda scene: scene.session_api.get("/api/sync/ack"))
recipe("DELETE", "/sync/ack")(lambda scene: _json(scene.session_api, "DELETE", "/api/sync/ack", {}))


# --- sessions ---

recipe("GET", "/sessions")(lambda scene: scene.session_api.get("/api/sessions"))
recipe("POST", "/sessions")(
    lambda scene: _json(scene.session_api, "POST", "/api/sessions", {"deviceType": "Chromecast", "duration": 600})
)
recipe("DELETE", "/sessions")(lambda scene: scene.session_api.delete("/api/sessions"))
recipe("GET", "/admin/users/{id}/sessions")(
    lambda scene: scene.login() and scene.admin_api.get(f"/api/admin/users/{scene.user.id}/sessions")
)


def _other_session(scene) -> str:
    scene.login()
    return next(s["id"] for s in scene.session_api.get("/api/sessions").json() if not s["current"])


recipe("PUT", "/sessions/{id}")(
    lambda scene: _json(
        scene.session_api, "PUT", f"/api/sessions/{_other_session(scene)}", {"isPendingSyncReset": True}
    )
)
recipe("DELETE", "/sessions/{id}")(lambda scene: scene.session_api.delete(f"/api/sessions/{_other_session(scene)}"))
