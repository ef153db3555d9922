from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Session
from immich.api import validated
from sync import selectors, services
from sync.acks import session_tag
from sync.serializers import SyncAckDeleteDto, SyncAckDto, SyncAckSetDto, SyncStreamDto
from sync.types import CONTENT_TYPE


class JsonWhateverAccepted(DefaultContentNegotiation):
    """The app asks for `application/jsonlines+json`: the stream is written as such by the view, and a refusal is
    answered in JSON rather than 406."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _session(request) -> Session:
    """Sync state belongs to a login session: Immich refuses API keys on these endpoints, and so do we."""
    if not isinstance(request.auth, Session):
        raise PermissionDenied("Sync endpoints cannot be used with API keys")
    return request.auth


class SyncStreamApi(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonWhateverAccepted
    error_responses = {"POST": (400, 403)}

    @extend_schema(
        request=SyncStreamDto,
        responses={(200, CONTENT_TYPE): OpenApiResponse(OpenApiTypes.STR, description="JSON lines: {type, data, ack}")},
    )
    def post(self, request):
        session = _session(request)
        data = validated(SyncStreamDto, request.data)
        if data["reset"]:
            services.sync_reset(session=session)
        checkpoints = selectors.checkpoints_of(session=session)
        if selectors.needs_reset(checkpoints):
            lines = selectors.reset_lines()
        else:
            scope = selectors.stream_scope(
                checkpoints=checkpoints, viewer=request.user, types=data["types"], tag=session_tag(session)
            )
            lines = selectors.stream_lines(scope)
        return StreamingHttpResponse(lines, content_type=CONTENT_TYPE)


class SyncAckApi(APIView):
    error_responses = {"GET": (403,), "POST": (400, 403), "DELETE": (400, 403)}

    @extend_schema(responses={200: SyncAckDto(many=True)})
    def get(self, request):
        checkpoints = selectors.checkpoints_of(session=_session(request))
        return Response([{"type": checkpoint.type, "ack": checkpoint.ack} for checkpoint in checkpoints])

    @extend_schema(request=SyncAckSetDto, responses={204: None})
    def post(self, request):
        session = _session(request)
        data = validated(SyncAckSetDto, request.data)
        services.sync_acks_set(session=session, acks=data["acks"], tag=session_tag(session))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=SyncAckDeleteDto, responses={204: None})
    def delete(self, request):
        session = _session(request)
        data = validated(SyncAckDeleteDto, request.data)
        services.sync_acks_delete(session=session, types=data.get("types"))
        return Response(status=status.HTTP_204_NO_CONTENT)
