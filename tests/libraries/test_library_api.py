"""`/api/libraries` in the reference shapes: admin only, owner fixed, each refusal with its own message."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assets.models import Asset, AssetFile
from immich import roots
from jobs.models import AssetStep, JobRun
from libraries import tasks, validation
from libraries.models import Library
from tests.conftest import invalid_fields
from tests.libraries.helpers import photo, scan


def _create(client, owner, **body):
    return client.post("/api/libraries", {"ownerId": str(owner.id), **body}, format="json")


def test_create_with_reference_defaults(admin_api, user):
    response = _create(admin_api, user)
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "New External Library" and body["ownerId"] == str(user.id)
    assert body["importPaths"] == [] and body["assetCount"] == 0 and body["refreshedAt"] is None
    assert body["exclusionPatterns"] == [
        "**/@eaDir/**",
        "**/._*",
        "**/#recycle/**",
        "**/#snapshot/**",
        "**/.stversions/**",
        "**/.stfolder/**",
    ]
    assert set(body) >= {"id", "createdAt", "updatedAt", "scan"}


def test_list_get_update_and_statistics(admin_api, user, photos):
    library_id = _create(admin_api, user, name="Family", importPaths=[str(photos)]).json()["id"]
    photo(photos, "a.jpg")
    scan(Library.objects.get(pk=library_id))

    assert [item["id"] for item in admin_api.get("/api/libraries").json()] == [library_id]
    got = admin_api.get(f"/api/libraries/{library_id}").json()
    assert got["assetCount"] == 1 and got["refreshedAt"] and got["scan"]["state"] == "done"
    assert got["scan"]["counts"]["new"] == 1

    updated = admin_api.put(
        f"/api/libraries/{library_id}", {"name": "Renamed", "exclusionPatterns": ["**/*.{arw,dng}"]}, format="json"
    )
    assert updated.status_code == 200 and updated.json()["name"] == "Renamed"
    assert updated.json()["exclusionPatterns"] == ["**/*.{arw,dng}"]

    stats = admin_api.get(f"/api/libraries/{library_id}/statistics").json()
    assert stats["photos"] == 1 and stats["videos"] == 0 and stats["total"] == 1 and stats["usage"] > 0


def test_the_owner_is_fixed_at_creation(admin_api, user, other_user):
    library_id = _create(admin_api, user).json()["id"]
    response = admin_api.put(f"/api/libraries/{library_id}", {"ownerId": str(other_user.id)}, format="json")
    assert invalid_fields(response) == ["ownerId"]
    assert Library.objects.get(pk=library_id).owner_id == user.id


def test_libraries_are_admin_only(api, anonymous, user):
    assert api.get("/api/libraries").status_code == 403
    assert _create(api, user).status_code == 403
    assert anonymous.get("/api/libraries").status_code == 401


def test_unknown_library_is_not_found(admin_api):
    assert admin_api.get("/api/libraries/00000000-0000-0000-0000-000000000000").status_code == 400


@pytest.fixture
def refusal_paths(tmp_path, media_root):
    file_path = tmp_path / "a-file.jpg"
    file_path.write_bytes(b"x")
    return {
        "relative": ("photos/2020", "must be absolute"),
        "missing": (str(tmp_path / "nope"), "Path does not exist"),
        "file": (str(file_path), "Not a directory"),
        "media": (str(media_root / "upload"), "Cannot use media upload folder"),
        "contains-media": (str(media_root.parent), "contains the media location"),
    }


@pytest.mark.parametrize("case", ["relative", "media", "contains-media"])
def test_an_unsafe_import_path_is_refused_with_its_own_message(admin_api, user, refusal_paths, case):
    path, message = refusal_paths[case]
    response = _create(admin_api, user, importPaths=[path])
    assert response.status_code == 400
    assert response.json()["message"].startswith("Invalid import path: ") and message in response.json()["message"]


@pytest.mark.parametrize("case", ["missing", "file"])
def test_a_new_library_may_name_a_path_that_is_not_there_yet(admin_api, user, refusal_paths, case):
    path, _ = refusal_paths[case]
    response = _create(admin_api, user, importPaths=[path])
    assert response.status_code == 201 and response.json()["importPaths"] == [path]


@pytest.mark.parametrize("case", ["missing", "file"])
def test_changing_the_import_paths_checks_they_can_be_read(admin_api, library, refusal_paths, case):
    path, message = refusal_paths[case]
    response = admin_api.put(f"/api/libraries/{library.pk}", {"importPaths": [path]}, format="json")
    assert response.status_code == 400 and response.json()["message"] == f"Invalid import path: {message}" + (
        " (ENOENT)" if case == "missing" else ""
    )


def test_the_scan_skips_a_path_that_is_not_there_yet_then_imports_it_once_it_is(admin_api, user, tmp_path):
    later = tmp_path / "later"
    library_id = _create(admin_api, user, importPaths=[str(later)]).json()["id"]
    library = Library.objects.get(pk=library_id)
    outcome = scan(library)
    assert outcome.state == "done" and outcome.problems == [
        f"import path skipped: {later}: Path does not exist (ENOENT)"
    ]
    photo(later, "a.jpg")
    assert scan(library).counts["new"] == 1


def test_import_paths_must_lie_inside_the_allowed_roots(admin_api, user, photos, tmp_path, monkeypatch):
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    monkeypatch.setattr(roots, "allowed_roots", lambda: (allowed,))
    response = _create(admin_api, user, importPaths=[str(photos)])
    assert response.status_code == 400 and "IMMICH_EXTERNAL_LIBRARY_ROOTS" in response.json()["message"]
    assert _create(admin_api, user, importPaths=[str(allowed)]).status_code == 201


def test_a_symlink_cannot_escape_the_allowed_roots(admin_api, user, photos, tmp_path, monkeypatch):
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    os.symlink(photos, allowed / "sneaky")
    monkeypatch.setattr(roots, "allowed_roots", lambda: (allowed,))
    assert _create(admin_api, user, importPaths=[str(allowed / "sneaky")]).status_code == 400


def test_unreadable_folder_is_refused(monkeypatch, photos):
    real = os.scandir

    def scandir(path):
        if str(path) == str(photos):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(validation.os, "scandir", scandir)
    assert validation.check_import_path(str(photos)).message == "Lacking read permission for folder"


def test_invalid_patterns_and_oversized_lists_are_refused(admin_api, user):
    assert "Invalid exclusion pattern" in _create(admin_api, user, exclusionPatterns=["**/{a,b"]).json()["message"]
    too_many = [f"**/{index}/**" for index in range(129)]
    assert "at most 128" in _create(admin_api, user, exclusionPatterns=too_many).json()["message"]


def test_validate_reports_each_path_and_previews_exclusions(admin_api, library, photos, tmp_path):
    photo(photos, "a.jpg")
    photo(photos / "raw", "b.jpg")
    scan(library)
    response = admin_api.post(
        f"/api/libraries/{library.pk}/validate",
        {"importPaths": [str(photos), str(tmp_path / "nope"), "relative"], "exclusionPatterns": ["**/raw/**"]},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["importPaths"] == [
        {"importPath": str(photos), "isValid": True},
        {"importPath": str(tmp_path / "nope"), "isValid": False, "message": "Path does not exist (ENOENT)"},
        {
            "importPath": "relative",
            "isValid": False,
            "message": f"Import path must be absolute, try {os.getcwd()}/relative",
        },
    ]
    assert body["exclusionPatterns"] == [{"pattern": "**/raw/**", "isValid": True, "message": None}]
    assert body["excludedAssets"] == {"count": 1, "samples": [str(photos / "raw" / "b.jpg")]}


def _scan_runs() -> list[str]:
    return [run.args["library_id"] for run in JobRun.objects.filter(name=tasks.library_scan.name, status="pending")]


def test_scan_endpoint_queues_a_scan(admin_api, library):
    response = admin_api.post(f"/api/libraries/{library.pk}/scan")
    assert response.status_code == 204 and _scan_runs() == [str(library.pk)]


def test_jobs_page_rescan_scans_every_library(admin_api, user, photos):
    first = Library.objects.create(owner=user, import_paths=[str(photos)])
    second = Library.objects.create(owner=user, import_paths=[str(photos)])
    response = admin_api.put("/api/jobs/library", {"command": "start", "force": False}, format="json")
    assert response.status_code == 200
    assert sorted(_scan_runs()) == sorted([str(first.pk), str(second.pk)])


def test_delete_removes_assets_and_generated_files_never_originals(
    admin_api, library, photos, media_root, django_capture_on_commit_callbacks
):
    original = photo(photos, "a.jpg")
    sidecar = photos / "a.jpg.xmp"
    sidecar.write_bytes(b"<x/>")
    scan(library)
    asset = Asset.objects.get()
    thumb = media_root / "thumbs" / "t.webp"
    thumb.parent.mkdir(parents=True)
    thumb.write_bytes(b"thumb")
    AssetFile.objects.create(asset=asset, type="thumbnail", path=str(thumb))

    assert admin_api.delete(f"/api/libraries/{library.pk}").status_code == 204
    with django_capture_on_commit_callbacks(execute=True):
        tasks.library_delete.apply((JobRun.objects.get(name=tasks.library_delete.name).pk,))

    assert not Library.objects.filter(pk=library.pk).exists()
    assert not Asset.objects.exists() and not AssetStep.objects.exists()
    assert not thumb.exists()
    assert original.exists() and sidecar.exists() and Path(photos).is_dir()


def test_a_deleted_library_disappears_from_the_api_at_once(admin_api, library):
    admin_api.delete(f"/api/libraries/{library.pk}")
    assert admin_api.get(f"/api/libraries/{library.pk}").status_code == 400
    assert admin_api.get("/api/libraries").json() == []
