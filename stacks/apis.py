"""`/api/stacks`: a user's stacks of assets."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from assets.serializers import AssetIdsSerializer
from immich.api import validated
from immich.errors import NoAccess
from stacks import selectors, services
from stacks.models import Stack
from stacks.serializers import StackCreateDto, StackResponseDto, StackSearchDto, StackUpdateDto


def _owned_stack(request, stack_id, permission: str) -> Stack:
    stack = selectors.stack_for(user=request.user, stack_id=stack_id)
    if stack is None:
        raise NoAccess(permission)  # another user's too: its existence is not revealed
    return stack


def _body(stack: Stack) -> dict:
    return StackResponseDto((stack, selectors.stack_assets(stack=stack))).data


class StacksApi(APIView):
    required_permission = {"GET": "stack.read", "POST": "stack.create", "DELETE": "stack.delete"}

    @extend_schema(parameters=[StackSearchDto], responses={200: StackResponseDto(many=True)})
    def get(self, request):
        query = validated(StackSearchDto, request.query_params)
        stacks = selectors.stacks_of(user=request.user, primary_asset_id=query.get("primaryAssetId"))
        return Response([_body(stack) for stack in stacks])

    @extend_schema(request=StackCreateDto, responses={201: StackResponseDto})
    def post(self, request):
        asset_ids = validated(StackCreateDto, request.data)["assetIds"]
        stack = services.stack_create(owner=request.user, asset_ids=asset_ids)
        return Response(_body(stack), status=status.HTTP_201_CREATED)

    @extend_schema(request=AssetIdsSerializer, responses={204: None})
    def delete(self, request):
        services.stacks_delete(owner=request.user, stack_ids=validated(AssetIdsSerializer, request.data)["ids"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class StackDetailApi(APIView):
    required_permission = {"GET": "stack.read", "PUT": "stack.update", "DELETE": "stack.delete"}

    @extend_schema(responses={200: StackResponseDto})
    def get(self, request, stack_id):
        return Response(_body(_owned_stack(request, stack_id, "stack.read")))

    @extend_schema(request=StackUpdateDto, responses={200: StackResponseDto})
    def put(self, request, stack_id):
        stack = _owned_stack(request, stack_id, "stack.update")
        primary = validated(StackUpdateDto, request.data)["primaryAssetId"]
        return Response(_body(services.stack_update(stack=stack, primary_asset_id=primary)))

    @extend_schema(responses={204: None})
    def delete(self, request, stack_id):
        services.stacks_delete(owner=request.user, stack_ids=[_owned_stack(request, stack_id, "stack.delete").id])
        return Response(status=status.HTTP_204_NO_CONTENT)


class StackAssetApi(APIView):
    required_permission = "stack.update"
    error_responses = {"DELETE": (400,)}  # the asset is not in the stack, or is its primary

    @extend_schema(responses={204: None})
    def delete(self, request, stack_id, asset_id):
        services.stack_remove_asset(stack=_owned_stack(request, stack_id, "stack.update"), asset_id=asset_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
