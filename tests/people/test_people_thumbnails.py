"""The person thumbnail job: a 250 px square JPEG of the face at the reference's path, idempotent, pixel-checked
in every orientation; unusable originals are recorded, not retried."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from jobs.models import QueueState
from jobs.queues import Queue
from people import tasks
from people.models import AssetFace, Person
from people.services import people_queue_missing_thumbnails, person_thumbnail_generate
from tests.people.conftest import import_faces, upload_tagged
from tests.people.face_factories import BACKGROUND, FACE, face_picture

pytestmark = pytest.mark.django_db


def close(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_the_thumbnail_is_the_painted_face(api, user, folder, media_root, orientation):
    asset_id = upload_tagged(api, folder, orientation=orientation)
    import_faces(asset_id)
    person = Person.objects.get()
    assert person_thumbnail_generate(person_id=person.id) == "done"
    pid = str(person.id)
    expected = media_root / "thumbs" / str(user.id) / pid[0:2] / pid[2:4] / f"{pid}.jpeg"
    person.refresh_from_db()
    assert person.thumbnail_path == str(expected) and person.feature_face == AssetFace.objects.get()
    with Image.open(expected) as thumbnail:
        assert thumbnail.format == "JPEG" and thumbnail.size == (250, 250)
        rgb = thumbnail.convert("RGB")
        assert close(rgb.getpixel((125, 125)), FACE)
        assert close(rgb.getpixel((3, 3)), BACKGROUND)


def test_a_second_run_does_no_work(api, folder):
    import_faces(upload_tagged(api, folder))
    person = Person.objects.get()
    person_thumbnail_generate(person_id=person.id)
    path = Path(Person.objects.get().thumbnail_path)
    os.utime(path, ns=(1, 1))
    assert person_thumbnail_generate(person_id=person.id) == "exists"
    assert path.stat().st_mtime_ns == 1
    assert person_thumbnail_generate(person_id=person.id, force=True) == "done"
    assert path.stat().st_mtime_ns != 1


def test_the_largest_face_is_chosen_and_a_missing_original_is_skipped(api, folder):
    small = upload_tagged(api, folder, name="small.jpg", regions=[("Alice", (0.6, 0.2, 0.7, 0.3))])
    large = upload_tagged(api, folder, name="large.jpg", picture=face_picture(background=(90, 20, 20)))
    import_faces(small)
    import_faces(large)
    person = Person.objects.get()
    assert person_thumbnail_generate(person_id=person.id) == "done"
    assert str(Person.objects.get().feature_face.asset_id) == large
    # The largest face's original disappears: the next candidate is used.
    os.unlink(AssetFace.objects.get(asset_id=large).asset.original_path)
    assert person_thumbnail_generate(person_id=person.id, force=True) == "done"
    assert str(Person.objects.get().feature_face.asset_id) == small


def test_unusable_originals_are_recorded_not_raised(api, folder):
    asset_id = upload_tagged(api, folder)
    import_faces(asset_id)
    path = Path(AssetFace.objects.get().asset.original_path)
    path.write_bytes(b"\xff\xd8\xff\xe0 broken")
    person = Person.objects.get()
    assert person_thumbnail_generate(person_id=person.id) == "failed"
    person.refresh_from_db()
    assert person.thumbnail_path == "" and "tagged.jpg" in person.thumbnail_error


def test_people_without_faces_or_gone(db, user):
    person = Person.objects.create(owner=user, name="Nobody")
    assert person_thumbnail_generate(person_id=person.id) == "no-face"
    person.delete()
    assert person_thumbnail_generate(person_id=person.id) == "gone"


def test_the_task_is_declared_as_the_reference_names_it():
    task = tasks.person_generate_thumbnail
    assert task.name == "PersonGenerateThumbnail" and task.queue == Queue.THUMBNAIL_GENERATION.value
    assert task.acks_late and task.reject_on_worker_lost and task.max_retries == 5 and task.time_limit


def test_the_task_runs_the_service(api, folder):
    import_faces(upload_tagged(api, folder))
    person = Person.objects.get()
    assert tasks.person_generate_thumbnail.apply((str(person.id),)).get() == "done"


def test_a_paused_queue_sends_the_job_back(api, folder, monkeypatch):
    import_faces(upload_tagged(api, folder))
    person = Person.objects.get()
    QueueState.objects.update_or_create(queue=Queue.THUMBNAIL_GENERATION.value, defaults={"is_paused": True})
    later = []
    monkeypatch.setattr(
        tasks.person_generate_thumbnail, "apply_async", lambda args, **options: later.append((args, options))
    )
    assert tasks.person_generate_thumbnail.apply((str(person.id),)).get() == "waiting"
    assert later == [((str(person.id), False), {"countdown": tasks.PAUSED_RETRY_S})]
    assert Person.objects.get().thumbnail_path == ""


def test_missing_thumbnails_can_be_queued_again(api, folder, queued, django_capture_on_commit_callbacks):
    import_faces(upload_tagged(api, folder))
    person = Person.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert people_queue_missing_thumbnails() == 1
    assert queued == [str(person.id)]
    person_thumbnail_generate(person_id=person.id)
    with django_capture_on_commit_callbacks(execute=True):
        assert people_queue_missing_thumbnails() == 0
