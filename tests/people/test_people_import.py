"""Importing face tags into people and faces: one person per owner and name, re-imports update without
duplicating, unnamed faces kept, bad files give warnings and never fail."""

from __future__ import annotations

import pytest

from jobs.system_config import config_defaults, config_update
from people.models import AssetFace, Person
from people.services import faces_import, faces_import_enabled
from tests.people.conftest import import_faces, upload_tagged
from tests.people.face_factories import FACE_BOX, face_picture, mp_block, mwg_block, packet, stored_box

pytestmark = pytest.mark.django_db


def boxes(asset_id) -> list[tuple]:
    return [
        (face.person.name if face.person else None, (face.x1, face.y1, face.x2, face.y2))
        for face in AssetFace.objects.filter(asset_id=asset_id).select_related("person").order_by("x1")
    ]


@pytest.mark.parametrize("orientation", range(1, 9))
def test_tags_become_a_person_and_a_face_in_the_displayed_image(api, user, folder, orientation):
    asset_id = upload_tagged(api, folder, orientation=orientation)
    result = import_faces(asset_id)
    assert result.warnings == [] and (result.created, result.faces, result.people_created) == (1, 1, 1)
    [(name, box)] = boxes(asset_id)
    assert name == "Alice" and box == pytest.approx(FACE_BOX)
    face = AssetFace.objects.get(asset_id=asset_id)
    assert (face.image_width, face.image_height) == (300, 200) and face.source == "mwg-rs"
    assert Person.objects.get().owner == user


def test_one_person_per_owner_and_name(api, other_api, folder):
    first = upload_tagged(api, folder, name="one.jpg")
    second = upload_tagged(api, folder, name="two.jpg", regions=[("Alice", (0.1, 0.1, 0.2, 0.2))])
    theirs = upload_tagged(other_api, folder, name="three.jpg")
    for asset_id in (first, second, theirs):
        import_faces(asset_id)
    assert Person.objects.filter(name="Alice").count() == 2  # one each
    alice = AssetFace.objects.get(asset_id=first).person
    assert AssetFace.objects.get(asset_id=second).person == alice


def test_a_reimport_of_the_same_file_changes_nothing(api, folder):
    asset_id = upload_tagged(api, folder, regions=[("Alice", None), (None, (0.05, 0.05, 0.15, 0.2))])
    import_faces(asset_id)
    before = {(face.id, face.person_id, face.updated_at) for face in AssetFace.objects.all()}
    result = import_faces(asset_id)
    assert (result.created, result.updated, result.deleted, result.faces) == (0, 0, 0, 2)
    assert {(face.id, face.person_id, face.updated_at) for face in AssetFace.objects.all()} == before


def test_a_reimport_follows_the_file(api, folder, tmp_path):
    asset_id = upload_tagged(api, folder, regions=[("Alice", None), ("Bob", (0.05, 0.05, 0.15, 0.2))])
    import_faces(asset_id)
    alice_face = AssetFace.objects.get(person__name="Alice")
    sidecar = tmp_path / "edited.xmp"  # Alice's box moved, Bob untagged, Carol added, one nameless face
    sidecar.write_bytes(
        packet(
            mwg_block([("Alice", (0.5, 0.1, 0.7, 0.4)), ("Carol", (0.1, 0.5, 0.2, 0.7)), (None, (0.8, 0.8, 0.9, 0.9))])
        )
    )
    result = import_faces(asset_id, sidecar=sidecar)
    assert (result.created, result.updated, result.deleted, result.origin) == (2, 1, 1, "sidecar")
    assert boxes(asset_id) == [
        ("Carol", pytest.approx((0.1, 0.5, 0.2, 0.7))),
        ("Alice", pytest.approx((0.5, 0.1, 0.7, 0.4))),
        (None, pytest.approx((0.8, 0.8, 0.9, 0.9))),
    ]
    assert AssetFace.objects.get(person__name="Alice").id == alice_face.id  # the same row, moved


def test_a_person_renamed_in_the_app_keeps_its_faces_on_reimport(api, folder):
    first = upload_tagged(api, folder, name="one.jpg")
    import_faces(first)
    Person.objects.filter(name="Alice").update(name="Alice Smith")
    import_faces(first)
    second = upload_tagged(api, folder, name="two.jpg", picture=face_picture(background=(90, 20, 20)))  # "Alice" too
    import_faces(second)
    assert list(Person.objects.values_list("name", flat=True)) == ["Alice Smith"]
    assert AssetFace.objects.filter(person__name="Alice Smith").count() == 2


def test_both_schemas_in_one_file_give_one_face(api, folder):
    box = stored_box(face_picture(), 6)
    asset_id = upload_tagged(
        api, folder, orientation=6, xmp=packet(mwg_block([("Dee", box)]), mp_block([("Dee", box)]))
    )
    import_faces(asset_id)
    assert boxes(asset_id) == [("Dee", pytest.approx(FACE_BOX))]


def test_the_first_face_of_a_person_queues_its_thumbnail(api, folder, queued, django_capture_on_commit_callbacks):
    asset_id = upload_tagged(api, folder)
    with django_capture_on_commit_callbacks(execute=True):
        import_faces(asset_id)
    assert queued == [str(Person.objects.get().id)]
    Person.objects.update(thumbnail_path="/somewhere.jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        import_faces(asset_id)
    assert len(queued) == 1  # has a thumbnail: nothing queued


def test_removing_the_feature_face_marks_the_thumbnail_missing(
    api, folder, tmp_path, queued, django_capture_on_commit_callbacks
):
    first = upload_tagged(api, folder, name="one.jpg")
    second = upload_tagged(api, folder, name="two.jpg", regions=[("Alice", (0.1, 0.1, 0.3, 0.4))])
    import_faces(first)
    import_faces(second)
    feature = AssetFace.objects.get(asset_id=first)
    Person.objects.update(feature_face=feature, thumbnail_path="/old.jpeg")
    empty = tmp_path / "none.xmp"
    empty.write_bytes(packet(mwg_block([("Zed", (0.1, 0.1, 0.2, 0.2))])))
    with django_capture_on_commit_callbacks(execute=True):
        import_faces(first, sidecar=empty)
    alice = Person.objects.get(name="Alice")
    assert (alice.feature_face_id, alice.thumbnail_path) == (None, "")
    assert str(alice.id) in queued


def test_malformed_and_hostile_tags_are_warnings_not_failures(api, folder, tmp_path):
    asset_id = upload_tagged(api, folder)
    for data in (b"<x:xmpmeta><rdf:RDF", b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'):
        sidecar = tmp_path / "bad.xmp"
        sidecar.write_bytes(data)
        result = import_faces(asset_id, sidecar=sidecar)
        assert any("ignored" in warning for warning in result.warnings)
        assert boxes(asset_id) == [("Alice", pytest.approx(FACE_BOX))]  # the embedded tags still count


def test_thousands_of_regions_are_capped(api, folder, tmp_path):
    asset_id = upload_tagged(api, folder)
    regions = [
        (None, (index % 60 / 60, index // 60 / 60, index % 60 / 60 + 0.01, index // 60 / 60 + 0.01))
        for index in range(3000)
    ]
    sidecar = tmp_path / "many.xmp"
    sidecar.write_bytes(packet(mwg_block(regions)))
    result = import_faces(asset_id, sidecar=sidecar)
    assert result.faces == 1000 and any("only the first 1000" in warning for warning in result.warnings)


def test_boxes_outside_the_image_are_clamped_with_a_warning(api, folder, tmp_path):
    asset_id = upload_tagged(api, folder)
    sidecar = tmp_path / "edge.xmp"
    sidecar.write_bytes(packet(mwg_block([("Edge", (0.9, 0.8, 1.3, 1.2))])))
    result = import_faces(asset_id, sidecar=sidecar)
    assert boxes(asset_id) == [("Edge", pytest.approx((0.9, 0.8, 1.0, 1.0)))]
    assert any("clamped" in warning for warning in result.warnings)


def test_an_asset_that_is_gone_is_a_warning(db, tmp_path):
    import uuid

    missing = tmp_path / "gone.jpg"
    result = faces_import(asset_id=uuid.uuid4(), original=missing, sidecar=None, orientation=None, width=0, height=0)
    assert result.faces == 0 and any("no longer exists" in warning for warning in result.warnings)


def test_the_setting_is_on_by_default_and_turns_the_import_off(db):
    assert faces_import_enabled() is True
    config = config_defaults()
    config["metadata"]["faces"]["import"] = False
    config_update(new_config=config)
    assert faces_import_enabled() is False
