"""Issue 25, item 2: near-identical photos (recompressed, resized, slightly cropped, lightly edited) are grouped per
user from the perceptual hashes of their thumbnails; other photos of the same scene are not; exact copies are
grouped by checksum across libraries; a second run changes nothing."""

from __future__ import annotations

import pytest

from duplicates.models import AssetHash
from jobs.models import AssetStep, Step, StepStatus
from libraries.models import Library
from tests.duplicates.conftest import group_of, members, process, run_step, set_duplicates, upload_picture
from tests.duplicates.scenes import cropped, edited, recompressed, resized, save, scene
from tests.libraries.helpers import scan

pytestmark = pytest.mark.django_db


@pytest.fixture
def original(api, tmp_path) -> str:
    return upload_picture(api, scene(seed=3), tmp_path / "original.jpg")


@pytest.mark.parametrize(
    "copy",
    [
        pytest.param(lambda image: recompressed(image), id="recompressed"),
        pytest.param(lambda image: resized(image, 0.3), id="resized"),
        pytest.param(lambda image: cropped(image, 0.02), id="cropped"),
        pytest.param(lambda image: edited(image), id="edited"),
    ],
)
def test_a_copy_of_a_photo_joins_its_group(api, tmp_path, original, copy):
    duplicate = upload_picture(api, copy(scene(seed=3)), tmp_path / "copy.jpg", quality=60)
    assert group_of(api, original) is not None
    assert group_of(api, original) == group_of(api, duplicate)
    assert members(api) == [{original, duplicate}]


def test_other_photos_of_the_same_scene_are_not_grouped(api, tmp_path):
    shots = [upload_picture(api, scene(seed=3, objects=n), tmp_path / f"shot{n}.jpg") for n in (1, 2, 3, 4)]
    assert [group_of(api, shot) for shot in shots] == [None] * 4
    assert members(api) == []


def test_photos_of_different_scenes_are_not_grouped(api, tmp_path):
    shots = [upload_picture(api, scene(seed=seed), tmp_path / f"scene{seed}.jpg") for seed in range(4)]
    assert [group_of(api, shot) for shot in shots] == [None] * 4


def test_copies_of_two_photos_make_two_groups(api, tmp_path):
    first = [upload_picture(api, variant, tmp_path / f"a{n}.jpg") for n, variant in enumerate(_copies(seed=1))]
    second = [upload_picture(api, variant, tmp_path / f"b{n}.jpg") for n, variant in enumerate(_copies(seed=2))]
    assert {frozenset(group) for group in members(api)} == {frozenset(first), frozenset(second)}


def _copies(*, seed: int):
    image = scene(seed=seed)
    return [image, resized(image, 0.5), recompressed(image)]


def test_users_are_grouped_apart(api, other_api, tmp_path, original):
    theirs = upload_picture(other_api, scene(seed=3), tmp_path / "bob" / "same.jpg")
    assert group_of(api, original) is None
    assert group_of(other_api, theirs) is None


def test_the_same_file_in_a_library_is_an_exact_duplicate(api, user, tmp_path, original):
    folder = tmp_path / "photos"
    save(scene(seed=3), folder / "original.jpg")  # the very bytes uploaded
    library = Library.objects.create(owner=user, name="Family", import_paths=[str(folder)])
    scan(library)
    copy = str(library.assets.get().id)
    process(copy)
    assert group_of(api, copy) == group_of(api, original) is not None


def test_exact_copies_are_grouped_whatever_the_distance(api, user, tmp_path):
    set_duplicates(maxHammingDistance=0)
    image = save(scene(seed=5), tmp_path / "photos" / "a.jpg")
    uploaded = upload_picture(api, scene(seed=5), tmp_path / "a.jpg")
    library = Library.objects.create(owner=user, name="Family", import_paths=[str(image.parent)])
    scan(library)
    assert group_of(api, process(str(library.assets.get().id))) == group_of(api, uploaded) is not None


def test_a_second_run_changes_nothing(api, tmp_path, original):
    copy = upload_picture(api, resized(scene(seed=3), 0.5), tmp_path / "copy.jpg")
    before = list(AssetHash.objects.order_by("asset_id").values())
    for asset_id in (original, copy):
        assert run_step(asset_id) == StepStatus.DONE
    after = list(AssetHash.objects.order_by("asset_id").values("asset_id", "phash", "duplicate_id"))
    assert [(row["asset_id"], row["phash"], row["duplicate_id"]) for row in before] == [
        (row["asset_id"], row["phash"], row["duplicate_id"]) for row in after
    ]


def test_a_smaller_distance_splits_a_copy_off_on_the_next_run(api, tmp_path, original):
    copy = upload_picture(api, cropped(scene(seed=3), 0.02), tmp_path / "copy.jpg")
    assert group_of(api, copy) is not None
    set_duplicates(maxHammingDistance=0)
    run_step(copy)
    assert group_of(api, copy) is None
    assert group_of(api, original) is None  # alone in its group: dissolved


def test_the_step_runs_after_thumbnails_in_the_upload_chain(api, tmp_path):
    from jobs.services import steps_run
    from tests.assets.helpers import upload_file

    asset_id = upload_file(api, save(scene(seed=7), tmp_path / "chain.jpg"))["id"]
    for step in (Step.METADATA, Step.STORAGE_TEMPLATE, Step.THUMBNAILS):
        steps_run(asset_ids=[asset_id], step=step)
    assert AssetStep.objects.get(asset_id=asset_id, step=Step.DUPLICATES).status == StepStatus.PENDING


def test_switched_off_the_step_is_skipped_in_the_chain(api, tmp_path):
    from jobs.services import steps_run
    from tests.assets.helpers import upload_file

    set_duplicates(enabled=False)
    asset_id = upload_file(api, save(scene(seed=7), tmp_path / "chain.jpg"))["id"]
    for step in (Step.METADATA, Step.STORAGE_TEMPLATE, Step.THUMBNAILS):
        steps_run(asset_ids=[asset_id], step=step)
    assert AssetStep.objects.get(asset_id=asset_id, step=Step.DUPLICATES).status == StepStatus.SKIPPED
    assert not AssetHash.objects.filter(asset_id=asset_id).exists()


def test_a_video_is_compared_by_its_still(api, tmp_path):
    from tests.assets.helpers import upload_file
    from tests.media_factories import make_video

    first = process(upload_file(api, make_video(tmp_path / "a.mp4", size=(320, 192)))["id"])
    assert AssetHash.objects.filter(asset_id=first).exists()
    second = process(upload_file(api, make_video(tmp_path / "b.mp4", size=(160, 96), codec="mpeg4"))["id"])
    assert group_of(api, first) == group_of(api, second) is not None
