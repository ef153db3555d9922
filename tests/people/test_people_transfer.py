"""The admin's "transfer user data" moves people too: same-name people merge into the destination's, people on
assets that stay behind (duplicates) stay as well, and thumbnails are remade under the new owner."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from people.models import AssetFace, Person
from people.services import person_thumbnail_generate
from tests.assets.helpers import upload_file
from tests.people.conftest import import_faces, upload_tagged
from tests.people.face_factories import face_picture

pytestmark = pytest.mark.django_db


def transfer(source, destination, *extra) -> str:
    out = StringIO()
    call_command("transfer_user_data", "--from", source.email, "--to", destination.email, *extra, stdout=out)
    return out.getvalue()


def test_people_move_and_same_names_merge(
    api, other_api, user, other_user, folder, queued, django_capture_on_commit_callbacks
):
    mine = upload_tagged(api, folder, name="mine.jpg", regions=[("Alice", None), ("Bob", (0.1, 0.1, 0.3, 0.5))])
    theirs = upload_tagged(
        other_api, folder, name="theirs.jpg", picture=face_picture(background=(90, 20, 20)), regions=[("Bob", None)]
    )
    import_faces(mine)
    import_faces(theirs)
    alice = Person.objects.get(name="Alice")
    person_thumbnail_generate(person_id=alice.id)
    old_thumbnail = Path(Person.objects.get(pk=alice.id).thumbnail_path)
    their_bob = Person.objects.get(owner=other_user, name="Bob")

    assert "2 people, 0 tags and 0 stacks from" in transfer(user, other_user)  # dry run
    with django_capture_on_commit_callbacks(execute=True):
        output = transfer(user, other_user, "--apply")
    assert "Moved 1 assets" in output and "2 people, 0 tags and 0 stacks from" in output
    alice.refresh_from_db()
    assert alice.owner == other_user and alice.thumbnail_path == "" and not old_thumbnail.exists()
    assert not Person.objects.filter(owner=user).exists()
    assert set(Person.objects.filter(owner=other_user).values_list("name", flat=True)) == {"Alice", "Bob"}
    assert AssetFace.objects.filter(person=their_bob).count() == 2
    assert str(alice.id) in queued
    assert person_thumbnail_generate(person_id=alice.id) == "done"
    assert f"/thumbs/{other_user.id}/" in Person.objects.get(pk=alice.id).thumbnail_path


def test_people_on_duplicates_that_stay_behind_stay_too(api, other_api, user, other_user, folder):
    shared = upload_tagged(api, folder, name="shared.jpg", regions=[("Carol", None)])
    moving = upload_tagged(
        api,
        folder,
        name="moving.jpg",
        picture=face_picture(background=(90, 20, 20)),
        regions=[("Carol", (0.1, 0.1, 0.3, 0.5)), ("Dan", None)],
    )
    their_copy = upload_file(other_api, folder / "shared.jpg")["id"]  # the destination already has this file
    import_faces(shared)
    import_faces(moving)
    carol = Person.objects.get(name="Carol")

    output = transfer(user, other_user, "--apply")
    assert "1 duplicates stay" in output
    carol.refresh_from_db()
    assert carol.owner == user
    assert [
        str(asset_id) for asset_id in AssetFace.objects.filter(person=carol).values_list("asset_id", flat=True)
    ] == [shared]
    their_carol = Person.objects.get(owner=other_user, name="Carol")
    assert [
        str(asset_id) for asset_id in AssetFace.objects.filter(person=their_carol).values_list("asset_id", flat=True)
    ] == [moving]
    assert Person.objects.get(name="Dan").owner == other_user
    assert AssetFace.objects.filter(asset_id=their_copy).count() == 0  # the destination's own copy is untouched
