"""The journalled mover: moves across filesystems (copy, fsync, SHA-1, switch, unlink), refusals that keep the
file, and crash injection: the mover runs in a child process that is SIGKILLed at each step of a move; the next
run must find every file on disk exactly once, with its checksum, and the database pointing at it."""

import hashlib
import multiprocessing
import os
import shutil
import uuid
from pathlib import Path

import pytest
from django.db import connections

from assets.file_moves.journal import CRASH_POINTS
from assets.file_moves.migration import storage_template_migrate
from assets.models import Asset, FileMove
from jobs.system_config import config_get, config_update
from tests.assets.helpers import upload_file, upload_photo
from tests.crash import die_at
from tests.media_factories import make_jpeg, make_xmp

SHM = Path("/dev/shm")
needs_shm = pytest.mark.skipif(
    not SHM.is_dir() or os.stat(SHM).st_dev == os.stat("/tmp").st_dev, reason="needs /dev/shm on its own filesystem"
)


@pytest.fixture
def no_broker(monkeypatch):
    """Uploads in these committed-transaction tests would send their metadata jobs to Redis after commit; no worker
    runs here, so nothing is sent (and a broker connection pool closed by another test cannot matter)."""
    monkeypatch.setattr("jobs.services.publish", lambda **kwargs: None)


def set_template(**changes) -> None:
    config = config_get()
    config["storageTemplate"].update(changes)
    config_update(new_config=config)


@pytest.fixture
def library_elsewhere(media_root):
    """<media>/library on another filesystem (tmpfs), as a library disk mounted beside the upload disk."""
    target = SHM / f"immich-test-library-{uuid.uuid4().hex}"
    target.mkdir()
    (media_root / "library").symlink_to(target)
    yield target
    shutil.rmtree(target, ignore_errors=True)


def sha1(path) -> bytes:
    return hashlib.sha1(Path(path).read_bytes()).digest()


def every_file(media_root: Path) -> list[str]:
    return sorted(
        os.path.realpath(os.path.join(folder, name))
        for folder, _, names in os.walk(media_root, followlinks=True)
        for name in names
    )


def assert_each_file_once_where_the_database_says(media_root: Path, sidecars: dict) -> None:
    """Every original and sidecar on disk exactly once, intact, at the path the database holds; nothing else."""
    expected = []
    for asset in Asset.objects.all():
        assert Path(asset.original_path).is_file(), f"{asset.original_path} is missing"
        assert sha1(asset.original_path) == bytes(asset.checksum)
        expected.append(os.path.realpath(asset.original_path))
        if asset.sidecar_path:
            assert Path(asset.sidecar_path).read_bytes() == sidecars[str(asset.pk)]
            expected.append(os.path.realpath(asset.sidecar_path))
    assert every_file(media_root) == sorted(expected)  # no copy left behind, no partial file
    assert not FileMove.objects.filter(state__in=FileMove.UNFINISHED).exists()


def make_assets(api, tmp_path) -> dict:
    """Three photos (two with the same name: a collision) and one with a sidecar; returns sidecar bytes by id."""
    sidecars = {}
    for n in range(3):
        upload_photo(api, tmp_path / f"d{n}", "IMG_1.jpg" if n < 2 else "IMG_2.jpg", color=(n * 70, 200, 10))
    xmp = make_xmp(tmp_path / "s" / "IMG_3.jpg.xmp")
    with open(xmp, "rb") as handle:
        asset_id = upload_file(api, make_jpeg(tmp_path / "s" / "IMG_3.jpg", color=(9, 9, 250)), sidecarData=handle)[
            "id"
        ]
    sidecars[asset_id] = xmp.read_bytes()
    return sidecars


def _migrate_in_child(point: str) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        die_at(monkeypatch, point)
        storage_template_migrate()


def run_killed_at(point: str) -> int:
    connections.close_all()  # the child must not share the parent's database connection
    child = multiprocessing.get_context("fork").Process(target=_migrate_in_child, args=(point,))
    child.start()
    child.join(60)
    return child.exitcode


# -- across filesystems ----------------------------------------------------------------------------------------


@needs_shm
@pytest.mark.django_db
def test_a_move_across_filesystems_copies_verifies_and_removes_the_old_file(
    api, user, tmp_path, media_root, library_elsewhere
):
    sidecars = make_assets(api, tmp_path)
    set_template(enabled=True)
    report = storage_template_migrate()
    assert report.moved == 4 and report.failed == []
    assert set(FileMove.objects.values_list("method", "state")) == {("copy", "done")}
    assert [p for p in every_file(media_root) if "/upload/" in p] == []
    assert_each_file_once_where_the_database_says(media_root, sidecars)
    names = sorted(Path(p).name for p in every_file(library_elsewhere))
    assert names == ["IMG_1+1.jpg", "IMG_1.jpg", "IMG_2.jpg", "IMG_3.jpg", "IMG_3.jpg.xmp"]


@needs_shm
@pytest.mark.django_db
def test_a_copy_that_does_not_match_the_checksum_is_discarded_and_the_original_kept(
    api, tmp_path, media_root, library_elsewhere
):
    asset_id = upload_photo(api, tmp_path)
    original = Path(Asset.objects.get(pk=asset_id).original_path)
    data = bytearray(original.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped bit-rot byte: same size, not what was uploaded
    original.write_bytes(bytes(data))
    set_template(enabled=True)
    report = storage_template_migrate()
    assert len(report.failed) == 1 and "SHA-1" in report.failed[0].reason
    assert Path(Asset.objects.get(pk=asset_id).original_path) == original and original.exists()
    assert every_file(library_elsewhere) == []


@needs_shm
@pytest.mark.django_db
def test_without_hash_verification_a_copy_is_checked_by_size(api, tmp_path, media_root, library_elsewhere):
    asset_id = upload_photo(api, tmp_path)
    set_template(enabled=True, hashVerificationEnabled=False)
    assert storage_template_migrate().moved == 1
    assert Path(Asset.objects.get(pk=asset_id).original_path).is_relative_to(media_root / "library")


# -- crash injection -------------------------------------------------------------------------------------------

SAME_FS_POINTS = ("planned", "placed", "switched")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("point", SAME_FS_POINTS)
def test_a_crash_during_a_rename_loses_nothing(api, tmp_path, media_root, no_broker, point):
    sidecars = make_assets(api, tmp_path)
    set_template(enabled=True)
    assert run_killed_at(point) == -9
    rows = list(FileMove.objects.values_list("state", flat=True))
    paths_exist = [Path(asset.original_path).exists() for asset in Asset.objects.all()]
    assert len(rows) == 5  # four originals and one sidecar, journalled before anything moved
    if point == "planned":
        assert set(rows) == {"planned"} and all(paths_exist)
    elif point == "placed":
        assert set(rows) == {"planned"} and not any(paths_exist)  # renamed, the database not yet switched
    else:
        assert set(rows) == {"done"} and all(paths_exist)
    report = storage_template_migrate()
    assert report.failed == []
    assert_each_file_once_where_the_database_says(media_root, sidecars)
    assert all("/library/" in path for path in every_file(media_root))


@needs_shm
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("point", CRASH_POINTS)
def test_a_crash_during_a_copy_across_filesystems_loses_nothing(
    api, tmp_path, media_root, library_elsewhere, no_broker, point
):
    sidecars = make_assets(api, tmp_path)
    set_template(enabled=True)
    assert run_killed_at(point) == -9
    rows = set(FileMove.objects.values_list("state", flat=True))
    in_library = every_file(library_elsewhere)
    left_in_upload = [path for path in every_file(media_root) if "/upload/" in path]
    expected = {
        "planned": ({"planned"}, lambda: in_library == [] and len(left_in_upload) == 5),
        "copying": ({"planned"}, lambda: any(path.endswith(".partial") for path in in_library)),
        "placed": ({"planned"}, lambda: len(in_library) == 5 and len(left_in_upload) == 5),
        "switched": ({"switched"}, lambda: len(in_library) == 5 and len(left_in_upload) == 5),
        "unlinked": ({"switched"}, lambda: len(in_library) == 5 and left_in_upload == []),
    }[point]
    assert rows == expected[0] and expected[1](), (rows, in_library, left_in_upload)
    report = storage_template_migrate()
    assert report.failed == [] and report.resumed >= 1
    assert_each_file_once_where_the_database_says(media_root, sidecars)
    assert all(path.startswith(str(library_elsewhere)) for path in every_file(media_root))


@needs_shm
@pytest.mark.django_db(transaction=True)
def test_a_crash_while_resuming_a_crash_loses_nothing(api, tmp_path, media_root, library_elsewhere, no_broker):
    sidecars = make_assets(api, tmp_path)
    set_template(enabled=True)
    assert run_killed_at("copying") == -9
    assert run_killed_at("switched") == -9  # dies again, in the middle of redoing the interrupted copies
    storage_template_migrate()
    assert_each_file_once_where_the_database_says(media_root, sidecars)


@pytest.mark.django_db(transaction=True)
def test_a_crash_in_the_upload_step_is_finished_by_the_next_step(api, user, tmp_path, media_root, no_broker):
    """The per-asset step resumes the journal too: a later upload's step settles an earlier interrupted move."""
    first = upload_photo(api, tmp_path, "first.jpg", color=(1, 100, 200))
    set_template(enabled=True)
    connections.close_all()

    def move_first():
        from assets.file_moves.journal import moves_execute, moves_lock
        from assets.file_moves.planner import Planner, move_requests, plan_batch, template_settings

        settings = template_settings()
        with moves_lock(), pytest.MonkeyPatch.context() as monkeypatch:
            die_at(monkeypatch, "placed")
            plans = plan_batch(Planner(settings), [Asset.objects.select_related("owner", "exif").get(pk=first)])
            moves_execute(move_requests(plans, settings))

    child = multiprocessing.get_context("fork").Process(target=move_first)
    child.start()
    child.join(60)
    assert child.exitcode == -9
    assert not Path(Asset.objects.get(pk=first).original_path).exists()  # renamed, database not yet switched

    from assets.file_moves.apply import storage_template_apply

    second = upload_photo(api, tmp_path, "second.jpg", color=(200, 100, 1))
    storage_template_apply(asset_id=second)
    for asset_id, name in ((first, "first.jpg"), (second, "second.jpg")):
        path = Path(Asset.objects.get(pk=asset_id).original_path)
        assert path.name == name and path.is_file() and "/library/" in str(path)
    assert_each_file_once_where_the_database_says(media_root, {})


@needs_shm
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("point", ["copying", "placed"])
def test_a_migration_killed_mid_way_finishes_with_a_name_of_250_bytes(
    api, tmp_path, media_root, library_elsewhere, no_broker, point
):
    """Issue 26: `.<name>.<id>.partial` of such a name is longer than NAME_MAX; the next runs failed on it."""
    long_name = "ø" * 123 + ".jpg"
    asset_id = upload_photo(api, tmp_path / "long", long_name)
    sidecars = make_assets(api, tmp_path)
    set_template(enabled=True)
    assert run_killed_at(point) == -9
    report = storage_template_migrate()
    assert report.failed == [] and report.resumed >= 1
    assert_each_file_once_where_the_database_says(media_root, sidecars)
    assert Path(Asset.objects.get(pk=asset_id).original_path).name == long_name


# -- recovery decisions on hand-made journal rows ----------------------------------------------------------------


def _interrupted(asset_id, new_path: Path, **fields) -> FileMove:
    asset = Asset.objects.get(pk=asset_id)
    new_path.parent.mkdir(parents=True, exist_ok=True)
    return FileMove.objects.create(
        asset=asset,
        kind="original",
        old_path=asset.original_path,
        new_path=str(new_path),
        size=asset.file_size,
        checksum=bytes(asset.checksum),
        **fields,
    )


@pytest.mark.django_db
def test_recovery_never_deletes_a_file_it_cannot_verify(api, tmp_path, media_root):
    from assets.file_moves.recovery import moves_resume

    asset_id = upload_photo(api, tmp_path)
    foreign = media_root / "library" / "x" / "photo.jpg"
    row = _interrupted(asset_id, foreign)
    foreign.write_bytes(b"someone else's file")
    assert moves_resume() == 1
    row.refresh_from_db()
    assert row.state == "failed" and "another file" in row.error
    assert foreign.read_bytes() == b"someone else's file"
    assert Path(Asset.objects.get(pk=asset_id).original_path).is_file()  # still pointing at the intact original


@pytest.mark.django_db
def test_recovery_points_at_the_only_copy_even_when_it_does_not_verify(api, tmp_path, media_root):
    from assets.file_moves.recovery import moves_resume

    asset_id = upload_photo(api, tmp_path)
    target = media_root / "library" / "x" / "photo.jpg"
    row = _interrupted(asset_id, target)
    os.rename(row.old_path, target)  # the rename happened, then the process died
    with open(target, "ab") as handle:
        handle.write(b"changed since upload")
    moves_resume()
    row.refresh_from_db()
    assert Asset.objects.get(pk=asset_id).original_path == str(target)
    assert row.state == "failed" and "does not match" in row.error


@pytest.mark.django_db
def test_recovery_redoes_a_move_that_had_not_started(api, tmp_path, media_root):
    from assets.file_moves.recovery import moves_resume

    asset_id = upload_photo(api, tmp_path)
    target = media_root / "library" / "x" / "photo.jpg"
    row = _interrupted(asset_id, target)
    moves_resume()
    row.refresh_from_db()
    assert row.state == "done" and Asset.objects.get(pk=asset_id).original_path == str(target) and target.is_file()


@pytest.mark.django_db
def test_recovery_fails_a_row_it_cannot_settle_and_goes_on_with_the_others(api, tmp_path, media_root):
    from assets.file_moves.recovery import moves_resume
    from maintenance.consistency import Problem, consistency_check

    bad_id, good_id = upload_photo(api, tmp_path / "a"), upload_photo(api, tmp_path / "b", color=(1, 2, 3))
    moved = media_root / "library" / "x" / "bad.jpg"
    bad = _interrupted(bad_id, moved)
    os.rename(bad.old_path, moved)
    Path(bad.old_path).mkdir()  # a folder where the old file was: removing the old name fails
    Asset.objects.filter(pk=bad_id).update(original_path=str(moved))
    good = _interrupted(good_id, media_root / "library" / "x" / "good.jpg")
    assert moves_resume() == 2
    bad.refresh_from_db(), good.refresh_from_db()
    assert bad.state == "failed" and "could not settle" in bad.error
    assert good.state == "done" and Path(good.new_path).is_file()
    findings = [move for move in consistency_check().moves if move.problem == Problem.MOVE_FAILED]
    assert [finding.asset_id for finding in findings] == [bad_id] and "could not settle" in findings[0].reason
