"""Input validation and the response shapes of Immich's person and face DTOs. Face boxes go out in pixels of the
displayed image (`imageWidth` x `imageHeight`), as the reference sends them; they are stored normalised."""

from __future__ import annotations

from datetime import date

from rest_framework import serializers

from accounts.serializers import iso
from people.models import AssetFace, Person

# Where the faces came from, in the reference's words: tags read from the file are "exif" faces there.
SOURCE_TYPE = "exif"


def person_dto(person: Person) -> dict:
    return {
        "id": str(person.id),
        "name": person.name,
        "birthDate": person.birth_date.isoformat() if person.birth_date else None,
        "thumbnailPath": person.thumbnail_path,
        "isHidden": person.is_hidden,
        "isFavorite": False,
        "color": None,
        "updatedAt": iso(person.updated_at),
    }


def face_dto(face: AssetFace) -> dict:
    return {
        "id": str(face.id),
        "imageWidth": face.image_width,
        "imageHeight": face.image_height,
        "boundingBoxX1": round(face.x1 * face.image_width),
        "boundingBoxY1": round(face.y1 * face.image_height),
        "boundingBoxX2": round(face.x2 * face.image_width),
        "boundingBoxY2": round(face.y2 * face.image_height),
        "sourceType": SOURCE_TYPE,
    }


def asset_people_dto(faces: list[AssetFace]) -> dict:
    """`people` (each person on the asset with its faces there) and `unassignedFaces` of an asset response."""
    people: dict = {}
    unassigned = []
    for face in faces:
        if face.person is None:
            unassigned.append(face_dto(face))
            continue
        entry = people.setdefault(face.person_id, {**person_dto(face.person), "faces": []})
        entry["faces"].append(face_dto(face))
    ordered = sorted(people.values(), key=lambda person: (person["isHidden"], person["name"] == "", person["name"]))
    return {"people": ordered, "unassignedFaces": unassigned}


def people_page_dto(people: list[Person], *, total: int, hidden: int, has_next_page: bool) -> dict:
    return {
        "people": [person_dto(person) for person in people],
        "total": total,
        "hidden": hidden,
        "hasNextPage": has_next_page,
    }


class PeopleQuerySerializer(serializers.Serializer):
    withHidden = serializers.BooleanField(required=False, default=False)
    page = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1, default=1)  # offset fits 64 bits
    size = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=500)


class PersonUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=255)
    birthDate = serializers.DateField(required=False, allow_null=True, source="birth_date")
    isHidden = serializers.BooleanField(required=False, source="is_hidden")
    featureFaceAssetId = serializers.UUIDField(required=False, source="feature_face_asset_id")

    def validate_birthDate(self, value):
        if value is not None and value > date.today():
            raise serializers.ValidationError("Birth date cannot be in the future")
        return value
