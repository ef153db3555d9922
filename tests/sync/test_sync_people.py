"""PeopleV1 and AssetFacesV1/V2: the user's people and the faces of their assets, and their removal."""

from __future__ import annotations

import pytest

from people.models import AssetFace, Person
from tests.assets.helpers import upload_photo
from tests.conftest import client_for
from tests.sync.app import ack_all, of_type, phone_for, sync

pytestmark = pytest.mark.django_db

TYPES = ["PeopleV1", "AssetFacesV2"]


@pytest.fixture
def face(user, tmp_path):
    asset_id = upload_photo(client_for(user), tmp_path)
    person = Person.objects.create(owner=user, name="Ann")
    return AssetFace.objects.create(
        asset_id=asset_id, person=person, x1=0.1, y1=0.2, x2=0.5, y2=0.6, image_width=1000, image_height=500,
        source="mwg-rs",
    )  # fmt: skip


def test_people_and_faces_reach_the_phone_in_immichs_shapes(user, face):
    lines = sync(phone_for(user), TYPES)
    [person] = of_type(lines, "PersonV1")
    assert person["id"] == str(face.person_id) and person["name"] == "Ann" and person["ownerId"] == str(user.id)
    assert person["isHidden"] is False and person["birthDate"] is None
    assert of_type(lines, "AssetFaceV2") == [
        {
            "id": str(face.id), "assetId": str(face.asset_id), "personId": str(face.person_id), "imageWidth": 1000,
            "imageHeight": 500, "boundingBoxX1": 100, "boundingBoxY1": 100, "boundingBoxX2": 500, "boundingBoxY2": 300,
            "sourceType": "exif", "deletedAt": None, "isVisible": True,
        }
    ]  # fmt: skip


def test_a_removed_face_and_a_removed_person_reach_the_phone_as_deletes(user, face):
    phone = phone_for(user)
    ack_all(phone, sync(phone, TYPES))
    person_id, face_id = str(face.person_id), str(face.id)
    face.delete()
    Person.objects.filter(pk=person_id).delete()
    lines = sync(phone, TYPES)
    assert of_type(lines, "PersonDeleteV1") == [{"personId": person_id}]
    assert of_type(lines, "AssetFaceDeleteV1") == [{"assetFaceId": face_id}]


def test_another_users_people_stay_away(other_user, face):
    assert [line["type"] for line in sync(phone_for(other_user), TYPES)] == ["SyncCompleteV1"]
