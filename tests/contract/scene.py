"""What the recipes call endpoints on: users, their clients and their objects, each made the first time a recipe asks
for it (so a recipe pays only for what it uses), through the API where a client would make it."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import User
from assets.models import AssetExif
from jobs.models import Step, StepStatus
from jobs.services import step_run, steps_enqueue
from notifications.models import Notification
from people.models import Person
from people.services import person_thumbnail_generate
from tests.assets.helpers import CREATED, MODIFIED
from tests.conftest import client_for
from tests.media_factories import make_jpeg, make_mp4
from tests.people.conftest import import_faces, upload_tagged

PASSWORD = "password123"


class Scene:
    def __init__(self, folder: Path):
        self.folder = folder

    def having(self, *objects: str) -> Scene:
        """The scene with the named objects made, for a listing that must show them."""
        for name in objects:
            getattr(self, name)
        return self

    # --- users and their clients ---

    @cached_property
    def user(self) -> User:
        return account_services.user_create(email="alice@example.com", password=PASSWORD, name="Alice")

    @cached_property
    def admin(self) -> User:
        return account_services.user_create(email="admin@example.com", password=PASSWORD, name="Admin", is_admin=True)

    @cached_property
    def api(self) -> APIClient:
        """Alice's client, as immich-go holds it: a full-permission API key."""
        return client_for(self.user)

    @cached_property
    def admin_api(self) -> APIClient:
        return client_for(self.admin)

    @cached_property
    def session_api(self) -> APIClient:
        """Alice's client as the mobile app holds it after logging in: the access token in x-immich-user-token."""
        client = APIClient()
        token = self.login().json()["accessToken"]
        client.credentials(HTTP_X_IMMICH_USER_TOKEN=token)
        return client

    def login(self):
        return APIClient().post("/api/auth/login", {"email": self.user.email, "password": PASSWORD}, format="json",
                                headers={"deviceModel": "Pixel 8", "deviceType": "Android"})  # fmt: skip

    # --- assets ---

    def upload(self, path: Path, **fields):
        """A multipart upload with the fields the mobile app sends (foreground upload)."""
        with open(path, "rb") as handle:
            return self.api.post("/api/assets", {
                "assetData": handle, "deviceAssetId": f"local-{path.name}", "deviceId": "contract-phone",
                "fileCreatedAt": CREATED, "fileModifiedAt": MODIFIED, "isFavorite": "false",
                "duration": "0:00:00.000000", **fields,
            }, format="multipart")  # fmt: skip

    def photo(self, name: str, color=(200, 40, 40)) -> str:
        response = self.upload(make_jpeg(self.folder / name, color=color))
        assert response.status_code == 201, response.content
        return response.json()["id"]

    @cached_property
    def image(self) -> str:
        """A photo with its metadata extracted, so its answers carry EXIF (camera, dates, size)."""
        asset_id = self.photo("photo.jpg")
        assert step_run(asset_id=asset_id, step=Step.METADATA) == StepStatus.DONE
        return asset_id

    @cached_property
    def image_with_thumbnails(self) -> str:
        steps_enqueue(asset_ids=[self.image], step=Step.THUMBNAILS)
        assert step_run(asset_id=self.image, step=Step.THUMBNAILS) == StepStatus.DONE
        return self.image

    @cached_property
    def video(self) -> str:
        response = self.upload(make_mp4(self.folder / "clip.mp4"), duration="0:00:01.000000")
        assert response.status_code == 201, response.content
        return response.json()["id"]

    @cached_property
    def trashed(self) -> str:
        asset_id = self.photo("trashed.jpg", color=(10, 200, 10))
        assert self.api.delete("/api/assets", {"ids": [asset_id]}, format="json").status_code == 204
        return asset_id

    # --- the rest ---

    @cached_property
    def album(self) -> str:
        response = self.api.post("/api/albums", {"albumName": "Holidays", "assetIds": [self.image]}, format="json")
        assert response.status_code == 201, response.content
        return response.json()["id"]

    @cached_property
    def shared_album(self) -> str:
        """The album, shared with the admin as an editor."""
        body = {"albumUsers": [{"userId": str(self.admin.id), "role": "editor"}]}
        response = self.api.put(f"/api/albums/{self.album}/users", body, format="json")
        assert response.status_code == 200, response.content
        return self.album

    @cached_property
    def comment(self) -> str:
        """The admin, a member of the album, comments on it."""
        body = {"albumId": self.shared_album, "type": "comment", "comment": "Nice one"}
        response = self.admin_api.post("/api/activities", body, format="json")
        assert response.status_code == 201, response.content
        return response.json()["id"]

    @cached_property
    def city(self) -> str:
        """The photo placed in Rome by its owner: reverse geocoding names its city, state and country."""
        response = self.api.put(f"/api/assets/{self.image}", {"latitude": 41.9, "longitude": 12.5}, format="json")
        assert response.status_code == 200, response.content
        city = AssetExif.objects.get(asset_id=self.image).city
        assert city, "reverse geocoding named no city"
        return city

    @cached_property
    def tag(self) -> str:
        """A tag below a parent, put on the photo (immich-go's two calls)."""
        response = self.api.put("/api/tags", {"tags": ["Travel/Rome"]}, format="json")
        assert response.status_code == 200, response.content
        tag_id = response.json()[0]["id"]
        self.api.put(f"/api/tags/{tag_id}/assets", {"ids": [self.image]}, format="json")
        return tag_id

    @cached_property
    def stack(self) -> str:
        """The photo on top of two others (immich-go's burst)."""
        others = [self.photo("burst1.jpg", color=(30, 160, 90)), self.photo("burst2.jpg", color=(160, 30, 220))]
        response = self.api.post("/api/stacks", {"assetIds": [self.image, *others]}, format="json")
        assert response.status_code == 201, response.content
        return response.json()["id"]

    @cached_property
    def duplicates(self) -> tuple[str, list[str]]:
        """A photo and a smaller copy of it, grouped by the duplicate step (switched on): the group and its assets."""
        from tests.duplicates.conftest import process, set_duplicates
        from tests.duplicates.scenes import resized, save, scene

        set_duplicates(enabled=True)
        picture = scene(seed=21, size=(480, 360))
        assets = [
            process(self.upload(save(copy, self.folder / name)).json()["id"])
            for name, copy in (("scene.jpg", picture), ("scene-small.jpg", resized(picture, 0.5)))
        ]
        group = self.api.get(f"/api/assets/{assets[0]}").json()["duplicateId"]
        assert group is not None
        return group, assets

    @cached_property
    def shared_link(self) -> dict:
        """A link to the photo, as the web makes it."""
        body = {"type": "INDIVIDUAL", "assetIds": [self.image], "allowDownload": True, "showMetadata": True}
        response = self.api.post("/api/shared-links", body, format="json")
        assert response.status_code == 201, response.content
        return response.json()

    @cached_property
    def partner(self) -> str:
        """Alice shares her library with the admin."""
        response = self.api.post("/api/partners", {"sharedWithId": str(self.admin.id)}, format="json")
        assert response.status_code == 201, response.content
        return str(self.admin.id)

    @cached_property
    def person(self) -> str:
        """A person named in a photo's face regions, with its thumbnail made."""
        asset_id = upload_tagged(self.api, self.folder, regions=[("Carol", None)], name="carol.jpg")
        import_faces(asset_id)
        person = Person.objects.get(owner=self.user)
        assert person_thumbnail_generate(person_id=person.id) == "done"
        return str(person.id)

    @cached_property
    def api_key(self) -> str:
        key, _ = account_services.api_key_create(user=self.user, name="laptop", permissions=["all"])
        return str(key.id)

    @cached_property
    def notification(self) -> str:
        return str(Notification.objects.create(user=self.user, title="Backup done", description="All good").id)

    @cached_property
    def memory(self) -> str:
        """Alice's memory of her photo, shown today."""
        body = {
            "type": "on_this_day", "data": {"year": 2021}, "memoryAt": "2021-06-15T00:00:00.000Z",
            "showAt": "2000-01-01T00:00:00.000Z", "hideAt": "2100-01-01T00:00:00.000Z", "assetIds": [self.image],
        }  # fmt: skip
        response = self.api.post("/api/memories", body, format="json")
        assert response.status_code == 201, response.content
        return response.json()["id"]

    @cached_property
    def library_folder(self) -> Path:
        folder = self.folder / "library"
        make_jpeg(folder / "external.jpg")
        return folder

    @cached_property
    def library(self) -> str:
        body = {"ownerId": str(self.admin.id), "name": "Archive", "importPaths": [str(self.library_folder)]}
        response = self.admin_api.post("/api/libraries", body, format="json")
        assert response.status_code == 201, response.content
        return response.json()["id"]
