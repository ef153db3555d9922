"""Small helpers shared by the apps' API views."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from immich.errors import ValidationFailed
from immich.limits import TEXT_MAX_LENGTH
from immich.validation import validation_issues

RANGE_HEADER = OpenApiParameter(
    "Range", OpenApiTypes.STR, OpenApiParameter.HEADER, description="`bytes=start-end`: one span of the file (206)"
)

# A shared link's credentials in the query, as Immich's clients send them (?key= or ?slug=).
LINK_PARAMETERS = [OpenApiParameter(name, {"type": "string", "maxLength": TEXT_MAX_LENGTH}) for name in ("key", "slug")]


def file_responses(*media_types: str) -> dict:
    """The answers of a file download: the whole file, a span of it, or 416 for a span outside it."""
    return {
        **{(status, media_type): OpenApiTypes.BINARY for status in (200, 206) for media_type in media_types},
        416: OpenApiResponse(description="Range not satisfiable (Content-Range: bytes */size)"),
    }


def validated(serializer_class, data) -> dict:
    """The serializer's validated data; Immich's 400 "Validation failed", with an issue per problem, when the input
    does not fit."""
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise ValidationFailed(validation_issues(serializer.errors, serializer=serializer))
    return serializer.validated_data
