"""`/api/people`: the user's own people only (another user's person is a 404), in the reference's shapes."""

from __future__ import annotations

from pathlib import Path

from django.http import Http404, HttpResponseNotModified
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from immich import storage
from immich.api import RANGE_HEADER, file_responses, validated
from immich.errors import NoAccess
from immich.ranges import cacheable, file_response
from people import selectors, services
from people.serializers import (
    PeopleQuerySerializer,
    PeopleResponseDto,
    PersonResponseDto,
    PersonStatisticsResponseDto,
    PersonUpdateSerializer,
)


def _owned_person(request, person_id, permission: str = "person.read"):
    person = selectors.person_for(user=request.user, person_id=person_id)
    if person is None:
        raise NoAccess(permission)
    return person


class PeopleApi(APIView):
    required_permission = "person.read"

    @extend_schema(parameters=[PeopleQuerySerializer], responses={200: PeopleResponseDto})
    def get(self, request):
        query = validated(PeopleQuerySerializer, request.query_params)
        size, start = query["size"], (query["page"] - 1) * query["size"]
        page = list(selectors.people_of(user=request.user, with_hidden=query["withHidden"])[start : start + size + 1])
        counts = selectors.people_counts(user=request.user)
        body = {"people": page[:size], "hasNextPage": len(page) > size, **counts}
        return Response(PeopleResponseDto(body).data)


class PersonDetailApi(APIView):
    required_permission = {"GET": "person.read", "PUT": "person.update"}

    @extend_schema(responses={200: PersonResponseDto})
    def get(self, request, person_id):
        return Response(PersonResponseDto(_owned_person(request, person_id)).data)

    @extend_schema(request=PersonUpdateSerializer, responses={200: PersonResponseDto})
    def put(self, request, person_id):
        person = _owned_person(request, person_id, "person.update")
        changes = validated(PersonUpdateSerializer, request.data)
        person = services.person_update(person=person, changes=changes)
        return Response(PersonResponseDto(person).data)


class PersonThumbnailApi(APIView):
    required_permission = "person.read"

    @extend_schema(
        parameters=[OpenApiParameter("If-None-Match", str, OpenApiParameter.HEADER), RANGE_HEADER],
        responses={**file_responses("image/jpeg"), 304: OpenApiResponse(description="If-None-Match matched the ETag")},
    )
    def get(self, request, person_id):
        person = _owned_person(request, person_id)
        path = Path(person.thumbnail_path) if person.thumbnail_path else None
        found = storage.stat(path) if path else None
        if found is None:
            raise Http404("Thumbnail not generated yet")
        etag = f'"{person.id}-{found.mtime_ns}"'
        if request.headers.get("If-None-Match") == etag:
            return HttpResponseNotModified()
        return cacheable(file_response(request, path, size=found.size, content_type="image/jpeg"), etag=etag)


class PersonStatisticsApi(APIView):
    required_permission = "person.statistics"

    @extend_schema(responses={200: PersonStatisticsResponseDto})
    def get(self, request, person_id):
        statistics = selectors.person_statistics(person=_owned_person(request, person_id))
        return Response(PersonStatisticsResponseDto(statistics).data)
