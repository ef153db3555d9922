"""Small helpers shared by the apps' API views."""

from __future__ import annotations


def validated(serializer_class, data) -> dict:
    """The serializer's validated data; a 400 in Immich's error shape when the input is invalid."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
