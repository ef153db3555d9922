from __future__ import annotations

from rest_framework import serializers

from accounts.serializers import iso
from libraries.models import Library
from libraries.selectors import library_scan_status


class LibraryCreateSerializer(serializers.Serializer):
    ownerId = serializers.UUIDField()
    name = serializers.CharField(required=False, allow_blank=False, max_length=255)
    importPaths = serializers.ListField(child=serializers.CharField(allow_blank=True, trim_whitespace=False), required=False)
    exclusionPatterns = serializers.ListField(child=serializers.CharField(trim_whitespace=False), required=False)


class LibraryUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=False, max_length=255)
    importPaths = serializers.ListField(child=serializers.CharField(allow_blank=True, trim_whitespace=False), required=False)
    exclusionPatterns = serializers.ListField(child=serializers.CharField(trim_whitespace=False), required=False)

    def validate(self, attrs):
        if "ownerId" in self.initial_data:
            raise serializers.ValidationError("The owner of a library is fixed at creation and cannot be changed")
        return attrs


class LibraryValidateSerializer(serializers.Serializer):
    importPaths = serializers.ListField(child=serializers.CharField(allow_blank=True, trim_whitespace=False), required=False, default=list)
    exclusionPatterns = serializers.ListField(child=serializers.CharField(trim_whitespace=False), required=False, default=list)


def library_dto(library: Library) -> dict:
    """The reference's LibraryResponseDto, plus `scan`: how the last scan went (a refusal says why)."""
    scan = library_scan_status(library)
    return {
        "id": str(library.id),
        "ownerId": str(library.owner_id),
        "name": library.name,
        "importPaths": library.import_paths,
        "exclusionPatterns": library.exclusion_patterns,
        "createdAt": iso(library.created_at),
        "updatedAt": iso(library.updated_at),
        "refreshedAt": iso(library.refreshed_at),
        "assetCount": getattr(library, "asset_count", 0),
        "scan": {
            "state": scan.state,
            "error": scan.error or None,
            "requestedAt": iso(scan.requested_at),
            "startedAt": iso(scan.started_at),
            "finishedAt": iso(scan.finished_at),
            "counts": (library.last_scan or {}).get("counts", {}),
            "problems": (library.last_scan or {}).get("problems", []),
        },
    }
