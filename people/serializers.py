"""Input validation and the response shapes of Immich's person and face DTOs. Face boxes go out in pixels of the
displayed image (`imageWidth` x `imageHeight`), as the reference sends them; they are stored normalised."""

from __future__ import annotations

from datetime import date

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.serializers import OptionalOmitted
from immich.fields import ImmichDateTimeField
from people.models import AssetFace, Person

# Where the faces came from, in the reference's words: tags read from the file are "exif" faces there.
SOURCE_TYPE = "exif"
SOURCE_TYPES = ("machine-learning", "exif", "manual")


class PersonResponseDto(OptionalOmitted):
    id = serializers.UUIDField()
    name = serializers.CharField()
    birthDate = serializers.DateField(source="birth_date", allow_null=True)
    thumbnailPath = serializers.CharField(source="thumbnail_path")
    isHidden = serializers.BooleanField(source="is_hidden")
    isFavorite = serializers.SerializerMethodField()
    # People have no color here: the missing attribute falls back to the default, and the field is left out.
    color = serializers.CharField(required=False, default=None)
    updatedAt = ImmichDateTimeField(source="updated_at", required=False)

    def get_isFavorite(self, person: Person) -> bool:
        return False  # no favorite people here


class AssetFaceWithoutPersonResponseDto(serializers.Serializer):
    """A face on an asset, its box in pixels of the displayed image."""

    id = serializers.UUIDField()
    imageWidth = serializers.IntegerField(source="image_width")
    imageHeight = serializers.IntegerField(source="image_height")
    boundingBoxX1 = serializers.SerializerMethodField()
    boundingBoxY1 = serializers.SerializerMethodField()
    boundingBoxX2 = serializers.SerializerMethodField()
    boundingBoxY2 = serializers.SerializerMethodField()
    sourceType = serializers.SerializerMethodField()

    def get_boundingBoxX1(self, face: AssetFace) -> int:
        return round(face.x1 * face.image_width)

    def get_boundingBoxY1(self, face: AssetFace) -> int:
        return round(face.y1 * face.image_height)

    def get_boundingBoxX2(self, face: AssetFace) -> int:
        return round(face.x2 * face.image_width)

    def get_boundingBoxY2(self, face: AssetFace) -> int:
        return round(face.y2 * face.image_height)

    @extend_schema_field(serializers.ChoiceField(choices=SOURCE_TYPES))
    def get_sourceType(self, face: AssetFace) -> str:
        return SOURCE_TYPE


class PersonWithFacesResponseDto(PersonResponseDto):
    """A person on one asset with their faces on it (`faces_on_asset`, set by `asset_people_dto`)."""

    faces = AssetFaceWithoutPersonResponseDto(many=True, source="faces_on_asset")


def asset_people_dto(faces: list[AssetFace]) -> dict:
    """`people` (each person on the asset with its faces there) and `unassignedFaces` of an asset response."""
    faces_by_person: dict = {}
    unassigned = []
    for face in faces:
        if face.person is None:
            unassigned.append(face)
        else:
            faces_by_person.setdefault(face.person_id, []).append(face)
    people = []
    for faces_on_asset in faces_by_person.values():
        person = faces_on_asset[0].person
        person.faces_on_asset = faces_on_asset
        people.append(person)
    people.sort(key=lambda person: (person.is_hidden, person.name == "", person.name))
    return {
        "people": PersonWithFacesResponseDto(people, many=True).data,
        "unassignedFaces": AssetFaceWithoutPersonResponseDto(unassigned, many=True).data,
    }


class PeopleResponseDto(serializers.Serializer):
    """Made from `{"people": [Person], "total", "hidden", "hasNextPage"}`."""

    people = PersonResponseDto(many=True)
    total = serializers.IntegerField()
    hidden = serializers.IntegerField()
    hasNextPage = serializers.BooleanField(required=False)


class PersonStatisticsResponseDto(serializers.Serializer):
    assets = serializers.IntegerField()


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
