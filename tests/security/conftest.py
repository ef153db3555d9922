"""Access-control helpers: a victim (alice, the `user` fixture) with one object of every kind the API scopes to
its owner, each named with a marker and backed by real files; an intruder (bob, `other_user`) with a few objects
of his own for requests that must name one; and a snapshot of everything of the victim's that a request could
change (rows and bytes on disk)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection
from django.db.models import Q, QuerySet

from accounts import services as account_services
from accounts.models import ApiKey, Session, User
from albums.models import Activity, Album, AlbumAsset, AlbumUser
from assets.models import Asset, AssetExif, AssetFile, TusUpload
from duplicates.models import AssetHash
from duplicates.services import asset_hash_record
from jobs.models import AssetStep, Step, StepStatus
from jobs.services import step_run, steps_enqueue
from memories.models import Memory, MemoryAsset
from notifications.models import Notification
from people.models import AssetFace, Person
from people.services import person_thumbnail_generate
from sharing.models import SharedLink, SharedLinkAsset
from stacks.models import Stack, StackAsset
from tags.models import Tag, TagAsset
from tests.assets.helpers import CREATED, MODIFIED, upload_file, upload_photo
from tests.media_factories import make_jpeg, make_mp4
from tests.people.conftest import import_faces, upload_tagged

# Every name the victim gives an object carries this marker: no answer to another user may contain it.
MARKER = "alice-private"


@dataclass
class World:
    """One user's objects by kind (image, video, trashed, album, person, api_key, tus), as id strings, and the
    bytes of every file behind them (originals, thumbnails, the partial tus upload)."""

    user: User
    ids: dict[str, str]
    checksum_hex: str = ""
    secrets: list[bytes] = field(default_factory=list)


def _tus_upload(client, data: bytes, length: int) -> str:
    fields = {"filename": f"{MARKER}-partial.jpg", "fileCreatedAt": CREATED, "fileModifiedAt": MODIFIED}
    metadata = ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in fields.items())
    response = client.generic(
        "POST", "/api/upload/", data, content_type="application/offset+octet-stream",
        headers={"Tus-Resumable": "1.0.0", "Upload-Length": str(length), "Upload-Metadata": metadata},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    return response["Location"].rsplit("/", 1)[-1]


def _thumbnails(asset_id: str) -> None:
    steps_enqueue(asset_ids=[asset_id], step=Step.THUMBNAILS)
    assert step_run(asset_id=asset_id, step=Step.THUMBNAILS) == StepStatus.DONE


def _tag(api, value: str, asset_ids: list[str]) -> str:
    tag_id = api.put("/api/tags", {"tags": [value]}, format="json").json()[0]["id"]
    assert api.put(f"/api/tags/{tag_id}/assets", {"ids": asset_ids}, format="json").status_code == 200
    return tag_id


def _memory(api, asset_id: str) -> str:
    body = {"type": "on_this_day", "data": {"year": 2021}, "memoryAt": CREATED, "assetIds": [asset_id]}
    response = api.post("/api/memories", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _duplicate_group(asset_ids: list[str]) -> str:
    """The assets grouped as duplicates (the step's grouping, given one hash for all: the same picture)."""
    for asset_id in asset_ids:
        group = asset_hash_record(asset=Asset.objects.get(pk=asset_id), value=0x0123456789ABCDEF, hash_version="test",
                                  max_distance=0)  # fmt: skip
    assert group is not None
    return str(group)


def build_world(api, user: User, folder: Path) -> World:
    """One object of every kind for `user` (`api`: a client with the user's full-permission key)."""
    image = upload_tagged(api, folder, regions=[(f"{MARKER} person", None)], name=f"{MARKER}-photo.jpg")
    import_faces(image)
    _thumbnails(image)
    assert person_thumbnail_generate(person_id=Person.objects.get(owner=user).id) == "done"
    person = Person.objects.get(owner=user)
    video = upload_file(api, make_mp4(folder / f"{MARKER}-clip.mp4"))["id"]
    trashed = upload_photo(api, folder, f"{MARKER}-trashed.jpg", color=(10, 200, 10))
    assert api.delete("/api/assets", {"ids": [trashed]}, format="json").status_code == 204
    album = api.post("/api/albums", {"albumName": f"{MARKER} album", "assetIds": [image]}, format="json").json()["id"]
    key, _ = account_services.api_key_create(user=user, name=f"{MARKER} key", permissions=["all"])
    account_services.login(email=user.email, password="password123", device_type=f"{MARKER} device")
    session = Session.objects.filter(user=user).latest("created_at")
    notification = Notification.objects.create(user=user, title=f"{MARKER} notice", description=f"{MARKER} details")
    link_body = {"type": "INDIVIDUAL", "assetIds": [image], "description": f"{MARKER} link", "allowDownload": False}
    shared_link = api.post("/api/shared-links", link_body, format="json").json()["id"]
    activity_body = {"albumId": album, "type": "comment", "comment": f"{MARKER} comment"}
    activity = api.post("/api/activities", activity_body, format="json").json()["id"]
    tag = _tag(api, f"{MARKER}/tag", [image])
    stack = api.post("/api/stacks", {"assetIds": [image, video]}, format="json").json()["id"]
    memory = _memory(api, image)
    duplicate = _duplicate_group([image, video])
    partial = make_jpeg(folder / "partial.jpg").read_bytes()
    tus = _tus_upload(api, partial[:100], len(partial))
    asset = Asset.objects.get(pk=image)
    files = [Path(path) for path in AssetFile.objects.filter(asset__owner=user).values_list("path", flat=True)]
    originals = [Path(path) for path in Asset.objects.filter(owner=user).values_list("original_path", flat=True)]
    return World(
        user=user,
        ids={
            "image": image, "video": video, "trashed": trashed, "album": album, "person": str(person.id),
            "api_key": str(key.id), "tus": tus, "notification": str(notification.id), "shared_link": shared_link,
            "activity": activity, "tag": tag, "stack": stack, "memory": memory, "session": str(session.id),
            "duplicate": duplicate,
        },
        checksum_hex=bytes(asset.checksum).hex(),
        secrets=[path.read_bytes() for path in (*originals, *files, Path(person.thumbnail_path))] + [partial[:100]],
    )  # fmt: skip


def build_intruder_objects(api, user: User, folder: Path) -> World:
    """Bob's own photo, album, person, tag, stack and memory: the requests that must name an object of the caller's
    own use these (`api`: a client with his full-permission key)."""
    image = upload_photo(api, folder, "bob.jpg", color=(5, 5, 250))
    album = api.post("/api/albums", {"albumName": "bob album", "assetIds": [image]}, format="json").json()["id"]
    person = Person.objects.create(owner=user, name="bob person")
    tag = _tag(api, "bob/tag", [image])
    second = upload_photo(api, folder, "bob2.jpg", color=(250, 5, 5))
    stack = api.post("/api/stacks", {"assetIds": [image, second]}, format="json").json()["id"]
    ids = {
        "image": image, "album": album, "person": str(person.id), "tag": tag, "stack": stack,
        "memory": _memory(api, image),
    }  # fmt: skip
    return World(user=user, ids=ids)


def _files_of(user: User, media_root: Path) -> dict[str, str]:
    owned = [folder / str(user.id) for folder in media_root.iterdir() if (folder / str(user.id)).is_dir()]
    return {
        str(path): hashlib.sha1(path.read_bytes()).hexdigest()
        for folder in owned for path in sorted(folder.rglob("*")) if path.is_file()
    }  # fmt: skip


def snapshot(user: User, media_root: Path) -> dict:
    """Every row and file of `user` that an API call could create, change or delete."""
    mine = Q(asset__owner=user)
    rows = {
        "user": User.objects.filter(pk=user.pk),
        "assets": Asset.objects.filter(owner=user),
        "exif": AssetExif.objects.filter(mine),
        "asset files": AssetFile.objects.filter(mine),
        "steps": AssetStep.objects.filter(mine),
        "albums": Album.objects.filter(owner=user),
        "album assets": AlbumAsset.objects.filter(Q(album__owner=user) | mine),
        "album users": AlbumUser.objects.filter(Q(album__owner=user) | Q(user=user)),
        "people": Person.objects.filter(owner=user),
        "faces": AssetFace.objects.filter(mine),
        "api keys": ApiKey.objects.filter(user=user),
        "sessions": Session.objects.filter(user=user),
        "tus uploads": TusUpload.objects.filter(owner=user),
        "notifications": Notification.objects.filter(user=user),
        "shared links": SharedLink.objects.filter(user=user),
        "activities": Activity.objects.filter(Q(album__owner=user) | Q(user=user)),
        "shared link assets": SharedLinkAsset.objects.filter(Q(shared_link__user=user) | mine),
        "tags": Tag.objects.filter(owner=user),
        "tag assets": TagAsset.objects.filter(Q(tag__owner=user) | mine),
        "stacks": Stack.objects.filter(owner=user),
        "stack assets": StackAsset.objects.filter(Q(stack__owner=user) | mine),
        "memories": Memory.objects.filter(owner=user),
        "memory assets": MemoryAsset.objects.filter(Q(memory__owner=user) | mine),
        "duplicate hashes": AssetHash.objects.filter(owner=user),
    }
    return {**_rows_as_text(rows), "files": _files_of(user, media_root)}


def _rows_as_text(querysets: dict[str, QuerySet]) -> dict[str, list[str]]:
    """Each queryset's rows as sorted JSON texts, all in one statement: the matrices take two snapshots per request,
    and two dozen queries each were most of a matrix test's time."""
    selects, params = [], []
    for queryset in querysets.values():
        sql, query_params = queryset.values().query.sql_with_params()
        selects.append(
            f"(SELECT coalesce(array_agg(row_to_json(r)::text ORDER BY row_to_json(r)::text), '{{}}') FROM ({sql}) r)"
        )
        params.extend(query_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)
        return dict(zip(querysets, cursor.fetchone(), strict=True))
