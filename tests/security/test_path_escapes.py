"""Paths never escape their roots (issue 11, item 1): hostile upload file names (multipart, the `filename` field,
sidecars, tus metadata), storage templates sent through the API, and external libraries whose import paths or
symlinks lead out of IMMICH_EXTERNAL_LIBRARY_ROOTS or into the media location.

Covered elsewhere, not repeated here: hostile names and album/camera values rendered by the template engine
(tests/workers/media/test_storage_template_engine.py), hostile names, storage labels and a symlink out of the
library folder end to end (tests/assets/test_storage_template.py), the allowed-roots check and a symlinked import
path (tests/libraries/test_library_api.py), broken symlinks and loops (tests/libraries/test_library_safety.py)."""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

import pytest
from django.conf import settings

from assets.models import Asset
from immich import roots
from jobs.models import AssetStep, Step, StepStatus
from jobs.services import step_run
from jobs.system_config import config_get
from libraries.models import Library
from libraries.scan import library_scan, library_sync_paths
from tests.assets.helpers import CREATED, MODIFIED, upload_photo
from tests.media_factories import make_jpeg, make_xmp

pytestmark = pytest.mark.django_db

HOSTILE_NAMES = [
    "../../escape.jpg",
    "/tmp/escape.jpg",
    "..\\..\\escape.jpg",
    "a\x00b.jpg",
    "x" * 300 + ".jpg",
    "..",
    "./../.jpg",
]
SERVER_MADE_NAME = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.(jpg|xmp)")


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart body written by hand: the test client would strip the folders from a file's name itself."""
    boundary = "HoStIlE"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
             for key, value in fields.items()]  # fmt: skip
    for field, (name, data) in files.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
        parts.append(head.encode() + b"Content-Type: application/octet-stream\r\n\r\n" + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def upload_named(client, picture: Path, *, file_name: str = "photo.jpg", sidecar_name: str | None = None, **fields):
    files = {"assetData": (file_name, picture.read_bytes())}
    if sidecar_name is not None:
        files["sidecarData"] = (sidecar_name, make_xmp(picture.with_suffix(".xmp")).read_bytes())
    body, content_type = multipart({"fileCreatedAt": CREATED, "fileModifiedAt": MODIFIED, **fields}, files)
    return client.generic("POST", "/api/assets", body, content_type=content_type)


def created_id(response) -> str | None:
    """The new asset's id; None when the upload was refused (with a 400, never anything else)."""
    if response.status_code == 201:
        return response.json()["id"]
    assert response.status_code == 400, response.content
    return None


def assert_only_in_the_upload_folder(asset_id: str | None, user, tmp_path: Path) -> None:
    """The asset's original (and sidecar) are the only files written, in the owner's upload folder under names the
    server made; without an asset, nothing was written at all."""
    own_folder = settings.MEDIA_LOCATION / "upload" / str(user.id)
    made_by_the_test = tmp_path / "in"
    written = sorted(path for path in tmp_path.rglob("*") if path.is_file() and made_by_the_test not in path.parents)
    if asset_id is None:
        assert written == []
        return
    asset = Asset.objects.get(pk=asset_id)
    stored = sorted(Path(path) for path in (asset.original_path, asset.sidecar_path) if path)
    assert written == stored
    for path in stored:
        assert own_folder in path.parents and SERVER_MADE_NAME.fullmatch(path.name), path


@pytest.mark.parametrize("channel", ["multipart file name", "filename field", "sidecar file name"])
@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=repr)
def test_a_hostile_upload_name_stays_in_the_owners_upload_folder(api, user, tmp_path, name, channel):
    picture = make_jpeg(tmp_path / "in" / "photo.jpg")
    if channel == "multipart file name":
        response = upload_named(api, picture, file_name=name)
    elif channel == "filename field":
        response = upload_named(api, picture, filename=name)
    else:
        response = upload_named(api, picture, sidecar_name=name.replace(".jpg", ".xmp"))
    assert_only_in_the_upload_folder(created_id(response), user, tmp_path)


def test_a_hostile_resumable_upload_name_stays_in_the_owners_upload_folder(api, user, tmp_path):
    data = make_jpeg(tmp_path / "in" / "photo.jpg").read_bytes()
    fields = {"filename": "../../../escape.jpg", "fileCreatedAt": CREATED, "fileModifiedAt": MODIFIED}
    metadata = ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in fields.items())
    response = api.generic(
        "POST", "/api/upload/", data, content_type="application/offset+octet-stream",
        headers={"Tus-Resumable": "1.0.0", "Upload-Length": str(len(data)), "Upload-Metadata": metadata},
    )  # fmt: skip
    assert response.status_code == 201 and response["X-Immich-Asset-Status"] == "created"
    assert_only_in_the_upload_folder(response["X-Immich-Asset-Id"], user, tmp_path)


# -- storage templates through the API -------------------------------------------------------------------------


@pytest.mark.parametrize("template", [
    "../{{filename}}",
    "{{y}}/../../{{filename}}",
    "..\\{{filename}}",
    "{{#if album}}../{{album}}{{else}}x{{/if}}/{{filename}}",
    "{{y}}/ .. /{{filename}}",
])  # fmt: skip
def test_a_storage_template_that_climbs_out_is_refused(admin_api, template):
    config = admin_api.get("/api/system-config").json()
    config["storageTemplate"].update(enabled=True, template=template)
    response = admin_api.put("/api/system-config", config, format="json")
    assert response.status_code == 400 and "'..'" in response.json()["message"]
    assert config_get()["storageTemplate"]["enabled"] is False


def test_an_absolute_storage_template_stays_inside_the_library(admin_api, api, user, tmp_path):
    config = admin_api.get("/api/system-config").json()
    config["storageTemplate"].update(enabled=True, template="/tmp/escape/{{filename}}")
    assert admin_api.put("/api/system-config", config, format="json").status_code == 200
    asset_id = upload_photo(api, tmp_path / "in")
    assert step_run(asset_id=asset_id, step=Step.METADATA) == StepStatus.DONE
    assert step_run(asset_id=asset_id, step=Step.STORAGE_TEMPLATE) == StepStatus.DONE
    moved = Path(Asset.objects.get(pk=asset_id).original_path)
    assert moved == settings.MEDIA_LOCATION / "library" / str(user.id) / "tmp/escape/photo.jpg"
    assert moved.is_file()


# -- external libraries ----------------------------------------------------------------------------------------


@pytest.fixture
def allowed_root(tmp_path, monkeypatch) -> Path:
    """IMMICH_EXTERNAL_LIBRARY_ROOTS with one folder; a photo of the library inside it and one outside it."""
    root = tmp_path / "allowed"
    make_jpeg(root / "photos" / "inside.jpg")
    make_jpeg(tmp_path / "outside" / "secret.jpg", color=(9, 9, 9))
    monkeypatch.setattr(roots, "allowed_roots", lambda: (root,))
    return root


def imported(library: Library) -> list[str]:
    return sorted(
        Path(path).name for path in Asset.objects.filter(library=library).values_list("original_path", flat=True)
    )


def test_an_import_path_that_climbs_out_of_the_allowed_roots_is_refused(admin_api, user, allowed_root):
    response = admin_api.post(
        "/api/libraries", {"ownerId": str(user.id), "importPaths": [f"{allowed_root}/photos/../../outside"]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400 and "IMMICH_EXTERNAL_LIBRARY_ROOTS" in response.json()["message"]
    assert not Library.objects.exists()


@pytest.mark.parametrize("patterns", [["../**"], ["**/../outside/**"], ["/**/../**/*.jpg"]])
def test_exclusion_patterns_with_dot_dot_never_widen_the_scan(user, allowed_root, patterns):
    library = Library.objects.create(
        owner=user, import_paths=[str(allowed_root / "photos")], exclusion_patterns=patterns
    )
    library_scan(library_id=library.pk)
    assert imported(library) in ([], ["inside.jpg"])


@pytest.mark.parametrize("link_to", ["folder", "file"])
def test_a_symlink_inside_an_import_path_does_not_lead_out_of_the_allowed_roots(user, allowed_root, tmp_path, link_to):
    target = tmp_path / "outside" if link_to == "folder" else tmp_path / "outside" / "secret.jpg"
    os.symlink(target, allowed_root / "photos" / ("elsewhere" if link_to == "folder" else "secret.jpg"))
    library = Library.objects.create(owner=user, import_paths=[str(allowed_root / "photos")])
    outcome = library_scan(library_id=library.pk)
    assert imported(library) == ["inside.jpg"]
    assert any("outside the allowed external library roots" in problem for problem in outcome.problems)


@pytest.mark.parametrize("link_to", ["upload folder", "original", "media location"])
def test_a_symlink_inside_an_import_path_does_not_reach_the_media_location(
    api, other_user, tmp_path, settings, link_to
):
    """Without allowed roots a library may link anywhere, but never to the server's own files: another user's
    originals would become the library owner's assets."""
    victims_original = Path(Asset.objects.get(pk=upload_photo(api, tmp_path / "in")).original_path)
    target = {
        "upload folder": settings.MEDIA_LOCATION / "upload",
        "original": victims_original,
        "media location": settings.MEDIA_LOCATION,
    }[link_to]
    photos = tmp_path / "bobs-photos"
    make_jpeg(photos / "mine.jpg")
    os.symlink(target, photos / ("link.jpg" if target.is_file() else "link"))
    library = Library.objects.create(owner=other_user, import_paths=[str(photos)])
    outcome = library_scan(library_id=library.pk)
    assert imported(library) == ["mine.jpg"]
    assert [problem for problem in outcome.problems if problem.startswith(f"symlink skipped: {photos}/link")]


def test_a_watched_path_through_a_symlink_out_of_the_allowed_roots_is_not_imported(user, allowed_root, tmp_path):
    os.symlink(tmp_path / "outside", allowed_root / "photos" / "elsewhere")
    library = Library.objects.create(owner=user, import_paths=[str(allowed_root / "photos")])
    library_sync_paths(library_id=library.pk, paths=[str(allowed_root / "photos" / "elsewhere" / "secret.jpg")])
    library_sync_paths(library_id=library.pk, paths=[str(allowed_root / "photos" / "elsewhere")])
    assert imported(library) == []


def test_a_watched_file_does_not_take_a_sidecar_linked_from_the_media_location(api, other_user, tmp_path):
    victims_original = Asset.objects.get(pk=upload_photo(api, tmp_path / "in")).original_path
    photos = tmp_path / "bobs-photos"
    mine = make_jpeg(photos / "mine.jpg")
    os.symlink(victims_original, photos / "mine.jpg.xmp")
    library = Library.objects.create(owner=other_user, import_paths=[str(photos)])
    library_sync_paths(library_id=library.pk, paths=[str(mine)])
    assert Asset.objects.get(library=library).sidecar_path is None


# -- a scanned library file replaced by a link (issue 26, item 1) ----------------------------------------------


@pytest.fixture
def linked_library_file(api, other_api, user, tmp_path, request):
    """Alice's library of two scanned photos; then `l1.jpg` is replaced by a link to /etc/passwd or to Bob's
    original. Returns l1's asset id and the bytes the link reaches."""
    photos = tmp_path / "alices-photos"
    make_jpeg(photos / "l1.jpg")
    make_jpeg(photos / "l2.jpg", color=(1, 2, 3))
    library = Library.objects.create(owner=user, import_paths=[str(photos)])
    library_scan(library_id=library.pk)
    asset = Asset.objects.get(library=library, original_file_name="l1.jpg")
    target = (
        Path("/etc/passwd")
        if request.param == "/etc/passwd"
        else Path(Asset.objects.get(pk=upload_photo(other_api, tmp_path / "bob", color=(200, 10, 10))).original_path)
    )
    (photos / "l1.jpg").rename(photos / "l1.jpg.bak")
    os.symlink(target, photos / "l1.jpg")
    return str(asset.id), target.read_bytes()


LINK_TARGETS = ["/etc/passwd", "another user's original"]


def assert_offline(asset_id: str) -> None:
    asset = Asset.objects.get(pk=asset_id)
    assert asset.is_offline and asset.deleted_at is not None
    assert asset.library_file.offline_reason == "outside-import-paths"


@pytest.mark.parametrize("linked_library_file", LINK_TARGETS, indirect=True)
@pytest.mark.parametrize("range_header", [None, "bytes=0-99"])
def test_a_library_file_replaced_by_a_link_out_is_not_served(api, linked_library_file, range_header):
    asset_id, reached = linked_library_file
    headers = {"Range": range_header} if range_header else {}
    response = api.get(f"/api/assets/{asset_id}/original", headers=headers)
    assert response.status_code == 404 and "leads out of its library" in response.json()["message"]
    assert_offline(asset_id)
    again = api.get(f"/api/assets/{asset_id}/original", headers=headers)
    assert again.status_code == 404 and reached[:100] not in again.content


JOBS = [("regenerate-thumbnail", Step.THUMBNAILS), ("refresh-metadata", Step.METADATA)]


@pytest.mark.parametrize("linked_library_file", LINK_TARGETS, indirect=True)
@pytest.mark.parametrize(("job", "step"), JOBS)
def test_a_worker_does_not_read_a_library_file_replaced_by_a_link_out(api, linked_library_file, job, step):
    asset_id, _ = linked_library_file
    assert api.post("/api/assets/jobs", {"assetIds": [asset_id], "name": job}, format="json").status_code == 204
    assert step_run(asset_id=asset_id, step=step) == StepStatus.FAILED
    assert "leads out of its folders" in AssetStep.objects.get(asset_id=asset_id, step=step).last_error
    assert_offline(asset_id)
    assert api.get(f"/api/assets/{asset_id}/thumbnail?size=preview").status_code == 404


def test_a_link_inside_the_library_folder_is_still_read(api, user, tmp_path):
    photos = tmp_path / "photos"
    make_jpeg(photos / "real" / "p.jpg")
    library = Library.objects.create(owner=user, import_paths=[str(photos)])
    library_scan(library_id=library.pk)
    asset = Asset.objects.get(library=library)
    (photos / "real" / "p.jpg").rename(photos / "real" / "moved.jpg")
    os.symlink("moved.jpg", photos / "real" / "p.jpg")
    response = api.get(f"/api/assets/{asset.id}/original")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == (photos / "real" / "moved.jpg").read_bytes()


def test_a_sidecar_beside_a_library_file_that_links_out_is_not_read(api, user, tmp_path):
    secret = make_xmp(tmp_path / "elsewhere" / "secret.xmp", description="someone else's caption")
    photos = tmp_path / "alices-photos"
    make_jpeg(photos / "l1.jpg")
    library = Library.objects.create(owner=user, import_paths=[str(photos)])
    library_scan(library_id=library.pk)
    asset_id = str(Asset.objects.get(library=library).id)
    os.symlink(secret, photos / "l1.jpg.xmp")
    refresh = {"assetIds": [asset_id], "name": "refresh-metadata"}
    assert api.post("/api/assets/jobs", refresh, format="json").status_code == 204
    assert step_run(asset_id=asset_id, step=Step.METADATA) == StepStatus.DONE
    assert api.get(f"/api/assets/{asset_id}").json()["exifInfo"]["description"] != "someone else's caption"
