"""`/api/libraries`: admin-only, in the reference's shapes."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from immich.api import validated
from immich.errors import BadRequest
from libraries import selectors, services, validation
from libraries.serializers import (
    LibraryCreateSerializer,
    LibraryResponseDto,
    LibraryStatsResponseDto,
    LibraryUpdateSerializer,
    LibraryValidateSerializer,
    ValidateLibraryResponseDto,
)


def _library(library_id):
    library = selectors.library_get(library_id=library_id)
    if library is None:
        raise BadRequest("Library not found")  # Immich's answer
    return library


class LibrariesApi(APIView):
    admin_only = True
    required_permission = {"GET": "library.read", "POST": "library.create"}

    @extend_schema(responses={200: LibraryResponseDto(many=True)})
    def get(self, request):
        return Response(LibraryResponseDto(selectors.libraries_all(), many=True).data)

    @extend_schema(request=LibraryCreateSerializer, responses={201: LibraryResponseDto})
    def post(self, request):
        data = validated(LibraryCreateSerializer, request.data)
        owner = User.objects.filter(pk=data["ownerId"], is_active=True).first()
        if owner is None:
            raise BadRequest("ownerId: no such user")
        library = services.library_create(
            owner=owner,
            name=data.get("name"),
            import_paths=data.get("importPaths"),
            exclusion_patterns=data.get("exclusionPatterns"),
        )
        return Response(LibraryResponseDto(_library(library.pk)).data, status=status.HTTP_201_CREATED)


class LibraryDetailApi(APIView):
    admin_only = True
    required_permission = {"GET": "library.read", "PUT": "library.update", "DELETE": "library.delete"}

    @extend_schema(responses={200: LibraryResponseDto})
    def get(self, request, library_id):
        return Response(LibraryResponseDto(_library(library_id)).data)

    @extend_schema(request=LibraryUpdateSerializer, responses={200: LibraryResponseDto})
    def put(self, request, library_id):
        library = _library(library_id)
        data = validated(LibraryUpdateSerializer, request.data)
        services.library_update(
            library=library,
            name=data.get("name"),
            import_paths=data.get("importPaths"),
            exclusion_patterns=data.get("exclusionPatterns"),
        )
        return Response(LibraryResponseDto(_library(library_id)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, library_id):
        services.library_delete(library=_library(library_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class LibraryValidateApi(APIView):
    """Checks import paths and exclusion patterns without saving them; also previews how many of the library's
    files the patterns would take offline at the next scan."""

    admin_only = True
    required_permission = "library.update"

    @extend_schema(request=LibraryValidateSerializer, responses={200: ValidateLibraryResponseDto})
    def post(self, request, library_id):
        library = _library(library_id)
        data = validated(LibraryValidateSerializer, request.data)
        for name, values in (("importPaths", data["importPaths"]), ("exclusionPatterns", data["exclusionPatterns"])):
            problem = validation.list_problem(name, values)
            if problem:
                raise BadRequest(problem)
        patterns = validation.patterns_problems(data["exclusionPatterns"])
        body = {
            "importPaths": [validation.check_import_path(path) for path in data["importPaths"]],
            "exclusionPatterns": patterns,
        }
        if data["exclusionPatterns"] and all(result["isValid"] for result in patterns):
            body["excludedAssets"] = selectors.exclusion_preview(
                library=library, exclusion_patterns=data["exclusionPatterns"]
            )
        return Response(ValidateLibraryResponseDto(body).data)


class LibraryScanApi(APIView):
    admin_only = True
    required_permission = "library.update"

    @extend_schema(request=None, responses={204: None})
    def post(self, request, library_id):
        services.library_scan_request(library=_library(library_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class LibraryStatisticsApi(APIView):
    admin_only = True
    required_permission = "library.statistics"

    @extend_schema(responses={200: LibraryStatsResponseDto})
    def get(self, request, library_id):
        return Response(LibraryStatsResponseDto(selectors.library_statistics(library=_library(library_id))).data)
