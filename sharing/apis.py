"""`/api/partners`: sharing one's library with another user, and the libraries shared with one."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from immich.api import validated
from immich.errors import NoAccess
from sharing import selectors, services
from sharing.selectors import SHARED_BY, SHARED_WITH
from sharing.serializers import (
    PartnerCreateSerializer,
    PartnerListQuerySerializer,
    PartnerResponseDto,
    PartnerUpdateSerializer,
    partner_response,
)


class PartnersApi(APIView):
    required_permission = {"GET": "partner.read", "POST": "partner.create"}

    @extend_schema(parameters=[PartnerListQuerySerializer], responses={200: PartnerResponseDto(many=True)})
    def get(self, request):
        direction = validated(PartnerListQuerySerializer, request.query_params)["direction"]
        partners = selectors.partners_of(user=request.user, direction=direction)
        return Response([partner_response(partner, direction) for partner in partners])

    @extend_schema(request=PartnerCreateSerializer, responses={201: PartnerResponseDto})
    def post(self, request):
        shared_with_id = validated(PartnerCreateSerializer, request.data)["sharedWithId"]
        partner = services.partner_create(user=request.user, shared_with_id=shared_with_id)
        return Response(partner_response(partner, SHARED_BY), status=status.HTTP_201_CREATED)


class PartnerApi(APIView):
    required_permission = {"PUT": "partner.update", "DELETE": "partner.delete"}
    error_responses = {"DELETE": (400,)}  # "Partner not found"

    @extend_schema(request=PartnerUpdateSerializer, responses={200: PartnerResponseDto})
    def put(self, request, user_id):
        in_timeline = validated(PartnerUpdateSerializer, request.data)["inTimeline"]
        partner = services.partner_update(user=request.user, shared_by_id=user_id, in_timeline=in_timeline)
        if partner is None:
            raise NoAccess("partner.update")
        return Response(partner_response(partner, SHARED_WITH))

    @extend_schema(responses={200: None})
    def delete(self, request, user_id):
        services.partner_remove(user=request.user, shared_with_id=user_id)
        return Response(status=status.HTTP_200_OK)
