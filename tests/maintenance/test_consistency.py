"""check_consistency on real files: a library with every kind of file the server stores reports nothing, and
each kind of inconsistency (a missing file, an orphan, a move in the journal, a stuck step) is found."""

from __future__ import annotations

import io
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone as django_timezone

from assets.models import Asset, AssetFile, AssetStatus, AssetType, FileMove
from assets.pipeline.thumbnails import asset_thumbnails_generate
from assets.uploads.services import UploadFields
from assets.uploads.tus import tus_upload_create
from immich import storage
from immich.locks import AdvisoryLock
from jobs.models import AssetStep, Step, StepStatus
from jobs.reconciler import STALE_AFTER
from libraries.models import Library
from maintenance.consistency import Problem, consistency_check
from people.models import Person
from people.services import person_thumbnail_path
from tests.assets.helpers import upload_file
from tests.media_factories import make_jpeg, make_xmp
from tests.s3 import PREFIX

pytestmark = pytest.mark.django_db

NOW = timedelta(0)


def check():
    """The strict check of a server at rest: every file counts, however recent."""
    return consistency_check(quiet_for=NOW)


@pytest.fixture
def photo(api, tmp_path) -> Asset:
    """An uploaded photo with its sidecar, thumbnail and preview."""
    with open(make_xmp(tmp_path / "photo.xmp"), "rb") as sidecar:
        asset_id = upload_file(api, make_jpeg(tmp_path / "photo.jpg"), sidecarData=sidecar)["id"]
    asset_thumbnails_generate(asset_id)
    return Asset.objects.get(pk=asset_id)


def external_asset(user, path: Path, *, offline: bool = False) -> Asset:
    library = Library.objects.get_or_create(owner=user, name="Family", import_paths=[str(path.parent)])[0]
    now = django_timezone.now()
    return Asset.objects.create(
        owner=user,
        library=library,
        is_external=True,
        is_offline=offline,
        type=AssetType.IMAGE,
        original_path=str(path),
        original_file_name=path.name,
        checksum=os.urandom(20),
        file_created_at=now,
        file_modified_at=now,
        local_date_time=now,
    )


@pytest.fixture
def library(photo, user, media_root, tmp_path) -> Asset:
    """Every kind of file the server keeps: the photo's files, a person thumbnail, the staged bytes of an
    unfinished resumable upload, a backup, external originals (one present, one offline and gone), and the
    server's own files beside the data folders."""
    person = Person.objects.create(owner=user, name="Alice")
    thumbnail = make_jpeg(person_thumbnail_path(person))
    Person.objects.filter(pk=person.pk).update(thumbnail_path=str(thumbnail))
    when = datetime(2021, 6, 15, tzinfo=timezone.utc)
    tus_upload_create(
        owner=user,
        length=100,
        metadata={},
        fields=UploadFields(file_created_at=when, file_modified_at=when, filename="big.jpg"),
    )
    (media_root / "backups").mkdir()
    (media_root / "backups" / "immich-db-backup.sql.gz").write_bytes(b"dump")
    external_asset(user, make_jpeg(tmp_path / "photos" / "present.jpg"))
    external_asset(user, tmp_path / "photos" / "gone.jpg", offline=True)
    for own in ("immich.sqlite3", ".secret_key", ".storage-template.lock", "static/admin/base.css", "redis/dump.rdb"):
        (media_root / own).parent.mkdir(parents=True, exist_ok=True)
        (media_root / own).write_bytes(b"server")
    return photo


def test_a_library_with_every_kind_of_file_reports_nothing(library):
    report = check()
    assert report.to_dict() | {"rowsChecked": 0, "filesChecked": 0} == {
        "clean": True,
        "problems": 0,
        "rowsChecked": 0,
        "filesChecked": 0,
        "missing": [],
        "orphans": [],
        "moves": [],
        "stuckSteps": [],
    }
    # Rows: 3 assets, thumbnail and preview, a person, an upload. Files: 4 of the photo, 1 person, 1 staged.
    assert (report.rows_checked, report.files_checked) == (7, 6)


def test_missing_files_are_listed_with_what_they_are_and_their_asset(library):
    os.unlink(library.original_path)
    thumbnail = AssetFile.objects.get(asset=library, type="thumbnail").path
    os.unlink(thumbnail)
    report = check()
    assert [(item.problem, item.path, item.reason, item.asset_id) for item in report.missing] == sorted(
        [
            (Problem.MISSING, library.original_path, "the original file is missing", str(library.pk)),
            (Problem.MISSING, thumbnail, "the thumbnail file is missing", str(library.pk)),
        ],
        key=lambda item: item[1],
    )
    assert report.problems == 2 and not report.is_clean


def test_an_external_original_must_exist_unless_the_asset_is_offline(user, tmp_path):
    gone = external_asset(user, tmp_path / "photos" / "gone.jpg")
    external_asset(user, tmp_path / "photos" / "offline.jpg", offline=True)
    [finding] = check().missing
    assert (finding.path, finding.asset_id) == (gone.original_path, str(gone.pk))
    assert finding.reason == "the original file is missing (outside the media location; not marked offline)"


def test_the_files_of_a_deleted_asset_being_removed_are_not_missing(photo):
    Asset.objects.filter(pk=photo.pk).update(status=AssetStatus.DELETED)
    os.unlink(photo.original_path)
    os.unlink(AssetFile.objects.get(asset=photo, type="preview").path)
    assert check().is_clean


def test_files_no_row_refers_to_are_orphans_with_what_they_are(photo, media_root):
    thumbs = Path(AssetFile.objects.get(asset=photo, type="thumbnail").path).parent
    stray = make_jpeg(thumbs / "stray.jpg")
    partial_upload = Path(photo.original_path).with_name("4f1c.part")
    partial_upload.write_bytes(b"half an upload")
    encoder_output = media_root / "encoded-video" / "x" / f".{photo.pk}.mp4.1a2b3c4d.partial"
    encoder_output.parent.mkdir(parents=True)
    encoder_output.write_bytes(b"half a video")
    assert {(item.path, item.reason) for item in check().orphans} == {
        (str(stray), "no asset, person or upload refers to this file"),
        (str(partial_upload), "partial upload: debris of an upload whose process was killed (.part)"),
        (str(encoder_output), "temporary output of a worker killed mid-job (thumbnail, encode or copy)"),
    }


def test_files_changed_within_the_quiet_time_are_work_in_flight(photo):
    Path(photo.original_path).with_name("in-flight.part").write_bytes(b"being uploaded")
    assert consistency_check(quiet_for=STALE_AFTER).is_clean
    assert len(check().orphans) == 1


def journal_a_move(photo: Asset, media_root: Path) -> tuple[str, str]:
    """A move planned in the journal whose rename happened: the file is at the new path, the asset points at
    the old one (a mover killed between the rename and the switch)."""
    new = media_root / "library" / "admin" / "2021" / "photo.jpg"
    new.parent.mkdir(parents=True)
    os.rename(photo.original_path, new)
    FileMove.objects.create(asset=photo, kind="original", old_path=photo.original_path, new_path=str(new))
    return photo.original_path, str(new)


def test_a_move_of_a_dead_mover_is_interrupted_and_its_files_are_not_orphans(photo, media_root):
    old, new = journal_a_move(photo, media_root)
    report = check()
    assert [(move.problem, move.path, move.reason) for move in report.moves] == [
        (Problem.MOVE_INTERRUPTED, f"{old} -> {new}", f"original move planned; the file is at {new}")
    ]
    assert report.missing == report.orphans == [] and report.problems == 1


def test_a_move_under_way_is_in_progress_and_no_problem(photo, media_root):
    journal_a_move(photo, media_root)
    database = settings.DATABASES["default"]
    with psycopg.connect(
        host=database["HOST"], port=database["PORT"], user=database["USER"], dbname=database["NAME"], autocommit=True
    ) as mover:
        mover.execute("SELECT pg_advisory_lock(%s)", [AdvisoryLock.FILE_MOVES])  # another process moving files now
        report = check()
    assert [move.problem for move in report.moves] == [Problem.MOVE_IN_PROGRESS]
    assert report.is_clean


def test_a_running_step_without_a_recent_heartbeat_is_stuck(photo, api, tmp_path):
    fresh = upload_file(api, make_jpeg(tmp_path / "fresh.jpg", color=(1, 2, 3)))["id"]
    long_ago = django_timezone.now() - STALE_AFTER - timedelta(seconds=1)
    AssetStep.objects.create(
        asset=photo, step=Step.THUMBNAILS, status=StepStatus.RUNNING, worker="gone@host", heartbeat_at=long_ago
    )
    AssetStep.objects.create(
        asset_id=fresh,
        step=Step.THUMBNAILS,
        status=StepStatus.RUNNING,
        worker="alive@host",
        heartbeat_at=django_timezone.now(),
    )
    [stuck] = check().stuck_steps
    assert (stuck.asset_id, stuck.step, stuck.worker, stuck.heartbeat_at) == (
        str(photo.pk),
        "thumbnails",
        "gone@host",
        long_ago,
    )


def test_the_command_lists_each_problem_and_exits_with_status_1(photo, capsys):
    os.unlink(photo.sidecar_path)
    Path(photo.original_path).with_name("debris.part").write_bytes(b"x")
    with pytest.raises(CommandError) as raised:
        call_command("check_consistency", "--in-flight-seconds", "0")
    assert raised.value.returncode == 1 and str(raised.value) == "2 problems found"
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"MISSING      {photo.sidecar_path}: the sidecar file is missing (asset {photo.pk})"
    assert lines[1].startswith("ORPHAN       ") and lines[1].endswith(
        "debris.part: partial upload: debris of an upload whose process was killed (.part)"
    )
    assert (
        lines[2]
        == "3 rows and 4 files checked: 1 missing, 1 orphans, 0 unfinished moves (0 interrupted), 0 stuck steps."
    )


def test_the_command_prints_json_and_exits_0_when_clean(library, capsys):
    call_command("check_consistency", "--json", "--in-flight-seconds", "0")
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["clean"] is True
    files = report["filesChecked"]
    assert "files ━" in captured.err and f"{files}/{files}" in captured.err  # the progress bar, on stderr


def test_in_an_object_store_missing_objects_and_orphans_are_found_by_listing(s3, api, tmp_path, media_root):
    with open(make_xmp(tmp_path / "photo.xmp"), "rb") as sidecar:
        asset_id = upload_file(api, make_jpeg(tmp_path / "photo.jpg"), sidecarData=sidecar)["id"]
    asset_thumbnails_generate(asset_id)
    photo = Asset.objects.get(pk=asset_id)
    assert check().is_clean
    assert check().files_checked == 4  # original, sidecar, thumbnail, preview: all listed in the bucket

    s3.client.delete_object(Bucket=s3.name, Key=f"{PREFIX}/{storage.key_of(photo.sidecar_path)}")
    stray_key = f"{storage.key_of(photo.original_path)}.copy.jpg"
    s3.client.put_object(Bucket=s3.name, Key=f"{PREFIX}/{stray_key}", Body=b"stray")
    report = check()
    assert [(item.path, item.reason) for item in report.missing] == [
        (photo.sidecar_path, "the sidecar file is missing")
    ]
    assert [item.path for item in report.orphans] == [str(media_root / stray_key)]
    assert not any(media_root.rglob("*.*"))  # found by listing the bucket: nothing of it on the local disk


def test_progress_in_a_log_is_the_final_state_of_each_bar_for_a_short_run(photo, media_root):
    err = io.StringIO()  # not a terminal, as a container's log
    call_command("check_consistency", stdout=io.StringIO(), stderr=err)
    lines = [line for line in err.getvalue().splitlines() if line.strip()]
    assert [line.split()[0] for line in lines] == ["assets", "files"]
