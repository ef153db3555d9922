from __future__ import annotations

from rest_framework import serializers

from immich.fields import ImmichDateTimeField, immich_date
from immich.limits import PATH_MAX_LENGTH
from libraries.models import Library, ScanState
from libraries.selectors import library_scan_status


class LibraryCreateSerializer(serializers.Serializer):
    ownerId = serializers.UUIDField()
    name = serializers.CharField(required=False, allow_blank=False, max_length=255)
    importPaths = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=PATH_MAX_LENGTH), required=False
    )
    exclusionPatterns = serializers.ListField(
        child=serializers.CharField(trim_whitespace=False, max_length=PATH_MAX_LENGTH), required=False
    )


class LibraryUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=False, max_length=255)
    importPaths = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=PATH_MAX_LENGTH), required=False
    )
    exclusionPatterns = serializers.ListField(
        child=serializers.CharField(trim_whitespace=False, max_length=PATH_MAX_LENGTH), required=False
    )

    def validate(self, attrs):
        if "ownerId" in self.initial_data:
            raise serializers.ValidationError(
                {"ownerId": "The owner of a library is fixed at creation and cannot be changed"}
            )
        return attrs


class LibraryValidateSerializer(serializers.Serializer):
    importPaths = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=PATH_MAX_LENGTH),
        required=False,
        default=list,
    )
    exclusionPatterns = serializers.ListField(
        child=serializers.CharField(trim_whitespace=False, max_length=PATH_MAX_LENGTH), required=False, default=list
    )


class LibraryScanDto(serializers.Serializer):
    """Beyond the reference: how the last scan of a library went (a refusal says why). Made from the library: its
    scan runs (`selectors.library_scan_status`) and the record of its last scan."""

    state = serializers.ChoiceField(choices=ScanState.choices)
    error = serializers.CharField(allow_null=True)
    requestedAt = ImmichDateTimeField(allow_null=True)
    startedAt = ImmichDateTimeField(allow_null=True)
    finishedAt = ImmichDateTimeField(allow_null=True)
    counts = serializers.DictField(child=serializers.IntegerField())
    problems = serializers.ListField(child=serializers.CharField())

    def to_representation(self, library: Library) -> dict:
        scan = library_scan_status(library)
        last = library.last_scan or {}
        return {
            "state": scan.state,
            "error": scan.error or None,
            "requestedAt": immich_date(scan.requested_at),
            "startedAt": immich_date(scan.started_at),
            "finishedAt": immich_date(scan.finished_at),
            "counts": last.get("counts", {}),
            "problems": last.get("problems", []),
        }


class LibraryResponseDto(serializers.Serializer):
    """Made from a library of `selectors.libraries_all` (which counts its assets)."""

    id = serializers.UUIDField()
    ownerId = serializers.UUIDField(source="owner_id")
    name = serializers.CharField()
    importPaths = serializers.ListField(source="import_paths", child=serializers.CharField())
    exclusionPatterns = serializers.ListField(source="exclusion_patterns", child=serializers.CharField())
    createdAt = ImmichDateTimeField(source="created_at")
    updatedAt = ImmichDateTimeField(source="updated_at")
    refreshedAt = ImmichDateTimeField(source="refreshed_at", allow_null=True)
    assetCount = serializers.IntegerField(source="asset_count")
    scan = LibraryScanDto(source="*")


class LibraryStatsResponseDto(serializers.Serializer):
    photos = serializers.IntegerField()
    videos = serializers.IntegerField()
    total = serializers.IntegerField()
    usage = serializers.IntegerField()
    offline = serializers.IntegerField()  # beyond the reference


class ValidateLibraryImportPathResponseDto(serializers.Serializer):
    """Made from a `validation.PathCheck`. A valid path has no message, as in the reference."""

    importPath = serializers.CharField(source="import_path")
    isValid = serializers.BooleanField(source="is_valid")
    message = serializers.CharField(required=False)

    def to_representation(self, check) -> dict:
        body = {"importPath": check.import_path, "isValid": check.is_valid}
        if check.message:
            body["message"] = check.message
        return body


class ValidateLibraryExclusionPatternResponseDto(serializers.Serializer):
    pattern = serializers.CharField()
    isValid = serializers.BooleanField()
    message = serializers.CharField(allow_null=True)


class ExcludedAssetsPreviewDto(serializers.Serializer):
    """How many of the library's files the patterns would take offline at the next scan, with a few of them."""

    count = serializers.IntegerField()
    samples = serializers.ListField(child=serializers.CharField())


class ValidateLibraryResponseDto(serializers.Serializer):
    """The reference's `importPaths`; beyond it, the checked exclusion patterns and, when they are all valid, the
    preview of what they would exclude."""

    importPaths = ValidateLibraryImportPathResponseDto(many=True, required=False)
    exclusionPatterns = ValidateLibraryExclusionPatternResponseDto(many=True)
    excludedAssets = ExcludedAssetsPreviewDto(required=False)
