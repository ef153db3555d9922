"""The storage template end to end: the seed's answers (a template change applies to new uploads; the migration job
moves the old ones; a corrected date moves the file on the next run), collisions, sidecars, albums, zones,
hostile names, what is not moved and why, the dry run, the options endpoint and the configuration checks."""

import hashlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from django.core.management import call_command

from assets.file_moves.migration import storage_template_migrate
from assets.file_moves.preview import storage_template_dry_run
from assets.models import Asset, AssetStatus, FileMove, Visibility
from jobs.models import AssetStep, Step, StepStatus
from jobs.queues import Queue
from jobs.runs import job_run_request
from jobs.services import step_run
from jobs.system_config import config_get, config_update
from libraries.models import Library
from tests.assets.helpers import upload_file, upload_photo
from tests.media_factories import make_jpeg, make_png, make_xmp

pytestmark = pytest.mark.django_db


def set_template(**changes) -> None:
    config = config_get()
    config["storageTemplate"].update(changes)
    config_update(new_config=config)


def process(asset_id) -> StepStatus:
    """What the worker does after an upload: metadata extraction, then the storage template step (which the chain
    records skipped by itself while the template is off). Returns the storage template step's outcome."""
    assert step_run(asset_id=asset_id, step=Step.METADATA) == StepStatus.DONE
    step_run(asset_id=asset_id, step=Step.STORAGE_TEMPLATE)
    return AssetStep.objects.get(asset_id=asset_id, step=Step.STORAGE_TEMPLATE).status


def path_of(asset_id) -> Path:
    return Path(Asset.objects.get(pk=asset_id).original_path)


def library(media_root: Path, user) -> Path:
    return media_root / "library" / (user.storage_label or str(user.id))


def sha1(path: Path) -> bytes:
    return hashlib.sha1(path.read_bytes()).digest()


def files_under(root: Path) -> list[Path]:
    return sorted(Path(folder) / name for folder, _, names in os.walk(root, followlinks=True) for name in names)


@pytest.fixture
def enabled(db):
    set_template(enabled=True)


# -- the seed's answers ----------------------------------------------------------------------------------------


def test_the_template_is_off_by_default_and_uploads_stay_in_upload(api, tmp_path, media_root):
    asset_id = upload_photo(api, tmp_path)
    assert process(asset_id) == StepStatus.SKIPPED
    assert path_of(asset_id).is_relative_to(media_root / "upload")


def test_an_upload_is_moved_once_its_metadata_is_known(api, user, tmp_path, media_root, enabled):
    asset_id = upload_photo(api, tmp_path, "beach.jpg")
    uploaded = path_of(asset_id)
    assert process(asset_id) == StepStatus.DONE
    moved = path_of(asset_id)
    assert moved == library(media_root, user) / "2021/2021-06-15/beach.jpg"
    assert sha1(moved) == bytes(Asset.objects.get(pk=asset_id).checksum)
    assert not uploaded.exists()
    assert not uploaded.parent.exists()  # the emptied upload folders are removed
    assert FileMove.objects.get(asset_id=asset_id).state == "done"


def test_a_new_template_applies_to_new_uploads_only_until_the_migration_runs(api, user, tmp_path, media_root, enabled):
    old = upload_photo(api, tmp_path, "old.jpg", color=(1, 2, 3))
    process(old)
    set_template(template="{{y}}/{{MMMM}}/{{filename}}")
    new = upload_photo(api, tmp_path, "new.jpg", color=(4, 5, 6))
    process(new)
    root = library(media_root, user)
    assert path_of(old) == root / "2021/2021-06-15/old.jpg"
    assert path_of(new) == root / "2021/June/new.jpg"

    report = storage_template_migrate()
    assert (report.moved, report.in_place, report.failed) == (1, 1, [])
    assert path_of(old) == root / "2021/June/old.jpg"
    assert not (root / "2021/2021-06-15").exists()  # emptied library folders go too
    assert files_under(root) == [root / "2021/June/new.jpg", root / "2021/June/old.jpg"]


def test_after_a_date_correction_the_next_migration_moves_the_file(api, user, tmp_path, media_root, enabled):
    asset_id = upload_photo(api, tmp_path)
    process(asset_id)
    response = api.put("/api/assets", {"ids": [asset_id], "dateTimeOriginal": "2015-03-01T12:00:00Z"}, format="json")
    assert response.status_code == 204
    assert path_of(asset_id).parent.name == "2021-06-15"  # a date edit does not move the file by itself
    storage_template_migrate()
    assert path_of(asset_id) == library(media_root, user) / "2015/2015-03-01/photo.jpg"
    assert storage_template_migrate().moved == 0  # and a second run has nothing to do


def test_the_jobs_start_command_queues_one_migration_task(
    admin_api, admin, tmp_path, broker, django_capture_on_commit_callbacks, enabled
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.put(
            "/api/jobs/storageTemplateMigration", {"command": "start", "force": False}, format="json"
        )
    assert response.status_code == 200, response.content
    messages = [json.loads(raw) for raw in broker.lrange("storageTemplateMigration", 0, -1)]
    assert [message["headers"]["task"] for message in messages] == ["StorageTemplateMigration"]


def test_start_is_refused_while_the_template_is_disabled(admin_api):
    response = admin_api.put("/api/jobs/storageTemplateMigration", {"command": "start"}, format="json")
    assert response.status_code == 400
    assert "disabled" in response.json()["message"]


def run_migration_task() -> dict:
    """A recorded run of the migration (as the jobs page's Start makes), run here by its task."""
    from assets.file_moves.tasks import storage_template_migration

    run = job_run_request(name=storage_template_migration.name, queue=Queue.STORAGE_TEMPLATE_MIGRATION)
    return storage_template_migration(run.pk)


def test_the_migration_task_moves_archived_and_trashed_assets_too(api, user, tmp_path, media_root):
    ids = [upload_photo(api, tmp_path, f"p{n}.jpg", color=(n * 60, 9, 9)) for n in range(3)]
    for asset_id in ids:
        process(asset_id)  # template off: they stay in upload/
    Asset.objects.filter(pk=ids[1]).update(visibility=Visibility.ARCHIVE)
    api.delete("/api/assets", {"ids": [ids[2]]}, format="json")
    assert Asset.objects.get(pk=ids[2]).status == AssetStatus.TRASHED
    set_template(enabled=True)
    summary = run_migration_task()
    assert summary["moved"] == 3 and summary["failed"] == 0
    for n, asset_id in enumerate(ids):
        assert path_of(asset_id) == library(media_root, user) / f"2021/2021-06-15/p{n}.jpg"
    steps = AssetStep.objects.filter(step=Step.STORAGE_TEMPLATE, asset_id__in=ids)
    assert sorted(steps.values_list("status", flat=True)) == ["done"] * 3  # the jobs page counts them


def test_the_migration_task_does_nothing_while_the_template_is_disabled(api, tmp_path, media_root):
    asset_id = upload_photo(api, tmp_path)
    assert "disabled" in run_migration_task()["skipped"]
    assert path_of(asset_id).is_relative_to(media_root / "upload")


# -- collisions, sidecars, albums, names ----------------------------------------------------------------------


def test_collisions_get_plus_numbers_and_a_rerun_keeps_them(api, user, tmp_path, media_root, enabled):
    ids = [upload_photo(api, tmp_path / str(n), "same.jpg", color=(n * 40, 0, 0)) for n in range(3)]
    for asset_id in ids:
        process(asset_id)
    folder = library(media_root, user) / "2021/2021-06-15"
    assert [path_of(asset_id) for asset_id in ids] == [
        folder / "same.jpg",
        folder / "same+1.jpg",
        folder / "same+2.jpg",
    ]
    report = storage_template_migrate()
    assert (report.moved, report.in_place) == (0, 3)
    assert [path_of(asset_id) for asset_id in ids] == [
        folder / "same.jpg",
        folder / "same+1.jpg",
        folder / "same+2.jpg",
    ]


def test_a_file_already_at_the_target_is_never_overwritten(api, user, tmp_path, media_root, enabled):
    intruder = library(media_root, user) / "2021/2021-06-15/photo.jpg"
    intruder.parent.mkdir(parents=True)
    intruder.write_bytes(b"not ours")
    asset_id = upload_photo(api, tmp_path)
    process(asset_id)
    assert intruder.read_bytes() == b"not ours"
    assert path_of(asset_id) == intruder.with_name("photo+1.jpg")


def test_the_sidecar_moves_with_its_original(api, user, tmp_path, media_root, enabled):
    with open(make_xmp(tmp_path / "photo.jpg.xmp"), "rb") as sidecar:
        asset_id = upload_file(api, make_jpeg(tmp_path / "photo.jpg"), sidecarData=sidecar)["id"]
    process(asset_id)
    asset = Asset.objects.get(pk=asset_id)
    assert Path(asset.sidecar_path) == Path(asset.original_path + ".xmp")
    assert Path(asset.sidecar_path).read_bytes() == (tmp_path / "photo.jpg.xmp").read_bytes()
    assert files_under(media_root / "upload") == []


def test_album_variable_with_and_without_an_album(api, user, tmp_path, media_root, enabled):
    set_template(template="{{y}}/{{#if album}}{{{album}}}{{else}}Other/{{MM}}{{/if}}/{{filename}}")
    in_album = upload_photo(api, tmp_path, "a.jpg", color=(10, 10, 10))
    alone = upload_photo(api, tmp_path, "b.jpg", color=(20, 20, 20))
    process(in_album)
    process(alone)
    root = library(media_root, user)
    assert path_of(in_album) == path_of(alone).parent / "a.jpg"  # no album yet at upload: Other/06
    assert (
        api.post("/api/albums", {"albumName": "Summer & Sea v2.0", "assetIds": [in_album]}, format="json").status_code
        == 201
    )
    storage_template_migrate()
    assert path_of(in_album) == root / "2021/Summer & Sea v20/a.jpg"
    assert path_of(alone) == root / "2021/Other/06/b.jpg"


def test_album_start_date_preset(api, user, tmp_path, media_root, enabled):
    set_template(template="{{#if album}}{{album-startDate-y}}/{{album}}{{else}}{{y}}/Other/{{MM}}{{/if}}/{{filename}}")
    early = upload_photo(api, tmp_path, "early.jpg", color=(1, 1, 1))
    late = upload_file(api, make_jpeg(tmp_path / "late.jpg", taken="2024:01:02 03:04:05", color=(2, 2, 2)))["id"]
    process(early)
    process(late)
    api.post("/api/albums", {"albumName": "Trip", "assetIds": [early, late]}, format="json")
    storage_template_migrate()
    root = library(media_root, user)
    assert (path_of(early), path_of(late)) == (root / "2021/Trip/early.jpg", root / "2021/Trip/late.jpg")


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("Ærøskøbing 東京 🌅.jpg", "Ærøskøbing 東京 🌅.jpg"),
        ("../../../../etc/passwd.jpg", "passwd.jpg"),
        ("re<se>rv:ed|na?me*.jpg", "reservedname.jpg"),
        ("x" * 300 + ".jpg", "x" * 251 + ".jpg"),
    ],
)
def test_non_ascii_and_hostile_names_stay_inside_the_library(api, user, tmp_path, media_root, enabled, name, stored):
    photo = make_jpeg(tmp_path / "upload.jpg")
    asset_id = upload_file(api, photo, filename=name)["id"]
    assert Asset.objects.get(pk=asset_id).original_file_name == name
    process(asset_id)
    assert path_of(asset_id) == library(media_root, user) / "2021/2021-06-15" / stored
    assert path_of(asset_id).read_bytes() == photo.read_bytes()


def test_a_hostile_storage_label_cannot_leave_the_library(api, user, tmp_path, media_root, enabled):
    user.storage_label = "../../outside"
    user.save()
    asset_id = upload_photo(api, tmp_path)
    process(asset_id)
    assert path_of(asset_id) == media_root / "library" / "....outside" / "2021/2021-06-15/photo.jpg"


def test_a_symbolic_link_out_of_the_library_is_refused(api, user, tmp_path, media_root, enabled):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    root = library(media_root, user)
    root.mkdir(parents=True)
    (root / "2021").symlink_to(outside)
    asset_id = upload_photo(api, tmp_path)
    assert process(asset_id) == StepStatus.FAILED
    assert "outside" in AssetStep.objects.get(asset_id=asset_id, step=Step.STORAGE_TEMPLATE).last_error
    assert path_of(asset_id).is_file() and list(outside.iterdir()) == []


def test_the_storage_label_names_the_folder(api, user, tmp_path, media_root, enabled):
    user.storage_label = "alice"
    user.save()
    asset_id = upload_photo(api, tmp_path)
    process(asset_id)
    assert path_of(asset_id) == media_root / "library/alice/2021/2021-06-15/photo.jpg"


def test_a_live_photo_motion_part_follows_its_still(api, user, tmp_path, media_root, enabled):
    from tests.media_factories import make_mp4

    motion = upload_file(api, make_mp4(tmp_path / "IMG_0001_motion.mp4"))["id"]
    still = upload_file(api, make_jpeg(tmp_path / "IMG_0001.jpg"), livePhotoVideoId=motion)["id"]
    process(still)
    assert path_of(motion) == path_of(still).with_name("IMG_0001.mp4")
    assert path_of(motion).parent == library(media_root, user) / "2021/2021-06-15"


# -- dates and zones -------------------------------------------------------------------------------------------


def test_dates_are_formatted_in_the_assets_own_offset(api, user, tmp_path, media_root, enabled):
    # 00:30 on 5 March in UTC+2 is still 4 March in UTC: the folder follows the photo's own clock.
    photo = make_jpeg(tmp_path / "night.jpg", taken="2019:03:05 00:30:00", offset="+02:00")
    asset_id = upload_file(api, photo)["id"]
    process(asset_id)
    assert path_of(asset_id).parent == library(media_root, user) / "2019/2019-03-05"
    set_template(timeZone="UTC")
    storage_template_migrate()
    assert path_of(asset_id).parent == library(media_root, user) / "2019/2019-03-04"


def test_low_confidence_dates_can_be_kept_from_moving(api, user, tmp_path, media_root, enabled):
    set_template(skipLowConfidenceDates=True)
    undated = upload_file(api, make_png(tmp_path / "screen.png"))["id"]  # no date inside: file time only
    dated = upload_photo(api, tmp_path)
    assert process(undated) == StepStatus.SKIPPED
    assert process(dated) == StepStatus.DONE
    assert path_of(undated).is_relative_to(media_root / "upload")
    report = storage_template_dry_run()
    assert [(item.asset_id, item.failed) for item in report.not_moved] == [(undated, False)]
    assert "low confidence" in report.not_moved[0].reason
    set_template(skipLowConfidenceDates=False)
    report = storage_template_dry_run()
    assert [(move.asset_id, move.low_confidence) for move in report.planned] == [(undated, True)]


# -- nothing skipped silently; dry run -------------------------------------------------------------------------


def test_what_is_not_moved_is_listed_with_its_reason(api, user, tmp_path, media_root, enabled):
    missing = upload_photo(api, tmp_path, "gone.jpg", color=(1, 1, 1))
    path_of(missing).unlink()
    external_file = make_jpeg(tmp_path / "ext" / "x.jpg")
    lib = Library.objects.create(owner=user, name="ext", import_paths=[str(tmp_path / "ext")])
    external = Asset.objects.create(
        owner=user,
        library=lib,
        is_external=True,
        type="IMAGE",
        original_path=str(external_file),
        original_file_name="x.jpg",
        checksum=b"p" * 20,
        file_created_at=datetime(2020, 1, 1, tzinfo=timezone.utc),
        file_modified_at=datetime(2020, 1, 1, tzinfo=timezone.utc),
        local_date_time=datetime(2020, 1, 1, tzinfo=timezone.utc),
    )
    report = storage_template_migrate()
    reasons = {item.asset_id: (item.failed, item.reason) for item in report.not_moved}
    assert reasons[str(external.pk)][0] is False and "external library" in reasons[str(external.pk)][1]
    assert reasons[missing][0] is True and "missing" in reasons[missing][1]
    assert external_file.exists() and Asset.objects.get(pk=external.pk).original_path == str(external_file)
    step = AssetStep.objects.get(asset_id=missing, step=Step.STORAGE_TEMPLATE)
    assert step.status == StepStatus.FAILED and "missing" in step.last_error  # shown on the jobs page


def test_external_library_assets_are_not_touched_by_the_upload_step(user, tmp_path, enabled):
    from jobs.services import steps_enqueue

    lib = Library.objects.create(owner=user, name="ext", import_paths=[str(tmp_path)])
    photo = make_jpeg(tmp_path / "x.jpg")
    asset = Asset.objects.create(
        owner=user,
        library=lib,
        is_external=True,
        type="IMAGE",
        original_path=str(photo),
        original_file_name="x.jpg",
        checksum=b"q" * 20,
        file_created_at=datetime(2020, 1, 1, tzinfo=timezone.utc),
        file_modified_at=datetime(2020, 1, 1, tzinfo=timezone.utc),
        local_date_time=datetime(2020, 1, 1, tzinfo=timezone.utc),
    )
    steps_enqueue(asset_ids=[asset.pk], step=Step.STORAGE_TEMPLATE)
    assert step_run(asset_id=asset.pk, step=Step.STORAGE_TEMPLATE) == StepStatus.SKIPPED
    assert Asset.objects.get(pk=asset.pk).original_path == str(photo)


def test_the_dry_run_lists_every_move_and_collision_and_moves_nothing(api, user, tmp_path, media_root):
    ids = [upload_photo(api, tmp_path / str(n), "dup.jpg", color=(n * 50, 1, 1)) for n in range(3)]
    for asset_id in ids:
        process(asset_id)
    before = files_under(media_root)
    report = storage_template_dry_run(template="{{y}}/{{filename}}")
    assert files_under(media_root) == before
    root = library(media_root, user)
    assert [(move.asset_id, move.new_path, move.collision) for move in report.planned] == [
        (ids[0], str(root / "2021/dup.jpg"), 0),
        (ids[1], str(root / "2021/dup+1.jpg"), 1),
        (ids[2], str(root / "2021/dup+2.jpg"), 2),
    ]
    assert report.collisions == 2 and not FileMove.objects.exists()


def test_the_command_dry_run_prints_each_move(api, tmp_path, media_root, capsys):
    asset_id = upload_photo(api, tmp_path)
    process(asset_id)
    call_command("migrate_storage", "--dry-run", "--template", "{{y}}/{{MMM}}/{{filename}}")
    out = capsys.readouterr().out
    assert f"MOVE     {path_of(asset_id)} -> " in out and "/2021/Jun/photo.jpg" in out
    assert "1 would move" in out


def test_the_command_moves_and_reports(api, user, tmp_path, media_root, capsys, enabled):
    asset_id = upload_photo(api, tmp_path)
    call_command("migrate_storage")  # before metadata extraction: the upload's own date
    assert path_of(asset_id) == library(media_root, user) / "2021/2021-06-15/photo.jpg"
    assert "1 moved" in capsys.readouterr().out


# -- settings and API ------------------------------------------------------------------------------------------


def test_storage_template_options_endpoint(admin_api, api):
    response = admin_api.get("/api/system-config/storage-template-options")
    assert response.status_code == 200
    body = response.json()
    assert body["yearOptions"] == ["y", "yy"] and body["monthOptions"] == ["M", "MM", "MMM", "MMMM"]
    assert body["presetOptions"][0] == "{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}"
    assert api.get("/api/system-config/storage-template-options").status_code == 403


def test_the_system_config_refuses_an_unknown_variable_naming_it(admin_api):
    config = admin_api.get("/api/system-config").json()
    config["storageTemplate"]["template"] = "{{y}}/{{camera}}/{{filename}}"
    response = admin_api.put("/api/system-config", config, format="json")
    assert response.status_code == 400
    assert "storageTemplate.template" in str(response.json()["message"]) and "{{camera}}" in str(
        response.json()["message"]
    )
    config["storageTemplate"].update(template="{{y}}/{{filename}}", timeZone="Mars/Olympus")
    response = admin_api.put("/api/system-config", config, format="json")
    assert response.status_code == 400 and "Mars/Olympus" in str(response.json()["message"])
    config["storageTemplate"].update(timeZone="Europe/Paris")
    assert admin_api.put("/api/system-config", config, format="json").status_code == 200
