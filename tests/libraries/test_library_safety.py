"""Mount safety and hostile trees: a dropped mount never empties the library; bad entries are reported and the
scan completes."""

from __future__ import annotations

import os
import shutil

import pytest

from assets.models import Asset
from jobs.models import JobRun
from jobs.queues import Queue
from jobs.runs import RunBusy, job_run_here
from libraries import walk as walk_module
from libraries.models import Library, ScanState
from libraries.selectors import library_scan_status
from libraries.services import SCAN, library_subject
from notifications.models import Notification
from tests.libraries.helpers import as_if_on_a_share, photo, scan, touch


@pytest.fixture
def scanned(library, photos):
    for index in range(3):
        photo(photos, f"{index}.jpg")
    scan(library)
    as_if_on_a_share(library)
    return library


def test_a_missing_import_path_stops_the_scan_and_changes_nothing(scanned, photos):
    shutil.rmtree(photos)

    outcome = scan(scanned)

    assert outcome.state == ScanState.REFUSED
    assert "Path does not exist" in outcome.error and "unmounted" in outcome.error
    assert not Asset.objects.filter(is_offline=True).exists()
    scanned.refresh_from_db()
    status = library_scan_status(scanned)
    assert status.state == ScanState.REFUSED and "unmounted" in status.error


def test_the_owner_is_told_once_per_library_why_its_scans_stop(scanned, photos, user):
    shutil.rmtree(photos)
    scan(scanned)
    scan(scanned)  # the nightly scan again, the share still unmounted

    (notice,) = Notification.objects.filter(user=user)
    assert (notice.type, notice.level, notice.title) == ("JobFailed", "warning", "The library Family was not scanned")
    assert "unmounted" in notice.description and notice.data == {"libraryId": str(scanned.pk)}


def test_an_emptied_mount_point_stops_the_scan_and_changes_nothing(scanned, photos):
    for path in photos.iterdir():
        path.unlink()
    (photos / "lost+found").mkdir()

    outcome = scan(scanned)

    assert outcome.state == ScanState.REFUSED and "holds no media files" in outcome.error
    assert Asset.objects.filter(is_offline=False).count() == 3


def test_the_next_scan_after_the_mount_is_back_clears_the_error(scanned, photos, tmp_path):
    moved = tmp_path / "aside"
    os.rename(photos, moved)
    assert scan(scanned).state == ScanState.REFUSED
    os.rename(moved, photos)
    outcome = scan(scanned)
    scanned.refresh_from_db()
    assert outcome.state == ScanState.DONE and outcome.counts["offline"] == 0
    assert library_scan_status(scanned).error == ""


def test_a_file_removed_from_a_folder_on_the_same_filesystem_goes_offline(library, photos):
    """The reference's case: the only file of an import path removed; the emptied folder is where it was."""
    only = photo(photos, "offline.jpg")
    scan(library)
    only.unlink()

    outcome = scan(library)

    assert outcome.state == ScanState.DONE and outcome.counts["offline"] == 1
    assert Asset.objects.get().is_offline


def test_an_import_path_deleted_on_the_same_filesystem_takes_its_files_offline(library, photos):
    photo(photos, "a.jpg")
    scan(library)
    shutil.rmtree(photos)

    outcome = scan(library)

    assert outcome.state == ScanState.DONE and outcome.counts["offline"] == 1
    assert "Path does not exist (ENOENT)" in outcome.problems[0]


def test_a_new_library_over_an_empty_folder_scans_fine(library):
    assert scan(library).state == ScanState.DONE


def test_an_unreadable_folder_is_reported_and_its_files_stay_online(scanned, photos, monkeypatch):
    photo(photos / "private", "secret.jpg")
    scan(scanned)
    real_scandir = os.scandir

    def scandir(path):
        if str(path) == str(photos / "private"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(walk_module.os, "scandir", scandir)
    outcome = scan(scanned)

    assert outcome.state == ScanState.DONE
    assert any("cannot read folder" in problem for problem in outcome.problems)
    assert not Asset.objects.get(original_file_name="secret.jpg").is_offline


def test_broken_symlinks_loops_and_odd_names_are_reported_and_the_scan_completes(library, photos):
    photo(photos, "good.jpg")
    os.symlink(photos / "nowhere.jpg", photos / "broken.jpg")
    os.symlink(photos, photos / "loop")
    bad_name = os.fsencode(str(photos)) + b"/caf\xe9.jpg"
    with open(bad_name, "wb") as handle:
        handle.write(b"x")

    outcome = scan(library)

    assert outcome.state == ScanState.DONE and outcome.counts["new"] == 1
    problems = " | ".join(outcome.problems)
    assert "broken symlink" in problems and "symlink loop" in problems and "not valid UTF-8" in problems
    assert outcome.counts["problems"] == 3


def test_a_file_vanishing_mid_scan_is_reported(library, photos, monkeypatch):
    photo(photos, "stays.jpg")
    touch(photos / "gone.jpg", b"x")
    real_stat = walk_module._stat

    def vanishing(entry, report):
        if entry.name == "gone.jpg":
            os.unlink(entry.path)
        return real_stat(entry, report)

    monkeypatch.setattr(walk_module, "_stat", vanishing)
    outcome = scan(library)
    assert outcome.state == ScanState.DONE and outcome.counts["new"] == 1
    assert any("vanished" in problem for problem in outcome.problems)


def test_ten_thousand_files_in_one_folder(library, photos):
    for index in range(10_000):
        (photos / f"IMG_{index:05}.jpg").touch()
    outcome = scan(library)
    assert outcome.counts["new"] == 10_000
    assert Asset.objects.filter(library=library).count() == 10_000


def test_a_deleted_library_is_not_scanned(library, photos):
    photo(photos, "a.jpg")
    Library.objects.filter(pk=library.pk).update(deleted_at="2024-01-01T00:00:00Z")
    library.refresh_from_db()
    assert scan(library).state == ScanState.REFUSED
    assert not Asset.objects.exists()


def _scan_run(library: Library, work) -> dict:
    return job_run_here(
        name=SCAN,
        queue=Queue.LIBRARY,
        subject=library_subject(library.pk),
        args={"library_id": str(library.pk)},
        work=work,
    )


def test_a_library_being_scanned_is_not_scanned_twice(library, photos):
    def second_scan(library_id: str) -> dict:
        with pytest.raises(RunBusy):
            _scan_run(library, lambda library_id: scan(library).record())
        return {}

    _scan_run(library, second_scan)
    assert not Asset.objects.exists()


def test_an_error_in_the_walk_fails_the_scan_and_is_recorded(library, photos, monkeypatch):
    photo(photos, "a.jpg")

    def broken(root, matcher, report, *, refuse):
        yield from ()
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("libraries.walk.walk", broken)
    with pytest.raises(RuntimeError):
        _scan_run(library, lambda library_id: scan(library).record())
    library.refresh_from_db()
    status = library_scan_status(library)
    assert status.state == ScanState.FAILED and "disk on fire" in status.error
    assert not JobRun.objects.filter(status="running").exists()  # the library is free for the next scan
