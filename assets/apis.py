"""The asset endpoints that read and change assets: upload, update, delete, copy, the upload check, jobs, the trash.
Their files are served by file_apis, the timeline and counts by timeline_apis."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import pin
from assets import selectors, services
from assets.copy import asset_copy
from assets.hooks import duplicates_ungroup
from assets.models import Asset
from assets.responses import (
    AssetBulkUploadCheckResponseDto,
    AssetMediaResponseDto,
    AssetResponseDto,
    TrashResponseDto,
)
from assets.serializers import (
    AssetBulkUpdateSerializer,
    AssetCopySerializer,
    AssetDeleteSerializer,
    AssetIdsSerializer,
    AssetJobSerializer,
    AssetUpdateSerializer,
    BulkUploadCheckSerializer,
    UploadSerializer,
    upload_fields,
)
from assets.uploads import services as upload_services
from assets.uploads.handler import ASSET_FIELD, SIDECAR_FIELD, AssetUploadHandler
from immich import access
from immich.api import validated
from immich.errors import BadRequest, NoAccess, Unauthorized


def _media_response(asset_id, media_status: str) -> dict:
    return AssetMediaResponseDto({"id": asset_id, "status": media_status}).data


def hides_metadata(request) -> bool:
    """A shared link that does not show metadata: its assets are answered without EXIF."""
    actor = access.actor_of(request)
    return actor.link is not None and not actor.link.show_exif


def _asset_with_people(request, asset: Asset) -> dict:
    """The asset's answer; its people (named by its owner) only for its owner, not for a link's holder."""
    owner = asset.owner_id == request.user.id and not access.actor_of(request).is_link
    return AssetResponseDto(asset, context={"with_people": owner, "without_metadata": hides_metadata(request)}).data


def reachable_asset(request, asset_id, permission: str) -> Asset:
    """The asset, when the caller may act on it with `permission` (its owner, or a member of an album holding it, a
    partner, a link holder: `immich.access`); NoAccess otherwise, as for an unknown id."""
    access.require(access.actor_of(request), permission, [asset_id])
    asset = selectors.asset_by_id(asset_id=asset_id)
    if asset is None:  # removed since the check
        raise NoAccess(permission)
    return asset


def _elevated(request) -> bool:
    return pin.is_elevated(request.auth)


class AssetsRootApi(APIView):
    """`/api/assets`: POST uploads one file, PUT updates many assets, DELETE trashes or deletes many."""

    parser_classes = [MultiPartParser, JSONParser]
    required_permission = {"POST": "asset.upload", "PUT": "asset.update", "DELETE": "asset.delete"}
    shared_link_methods = ("POST",)  # a link that allows uploads: the asset is the link owner's, and joins the link

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={200: AssetMediaResponseDto, 201: AssetMediaResponseDto},
    )
    def post(self, request):
        actor = access.actor_of(request)
        if actor.is_link and not actor.link.allow_upload:
            raise Unauthorized("This shared link does not allow uploads")
        header_checksum = request.headers.get("x-immich-checksum")
        if header_checksum:
            # Answer a known file before reading its body.
            checksum = selectors.decode_checksum(header_checksum)
            existing = checksum and selectors.duplicates_by_checksum(user=request.user, checksums=[checksum])
            if existing:
                access.upload_received(actor, existing[checksum].id)
                return Response(_media_response(existing[checksum].id, "duplicate"), status=status.HTTP_200_OK)

        handler = AssetUploadHandler(request._request, owner_id=request.user.id)
        request._request.upload_handlers = [handler]
        try:
            fields = validated(UploadSerializer, request.data)
            upload = request.FILES.get(ASSET_FIELD)
            if upload is None:
                raise BadRequest("assetData: a file is required")
            result = upload_services.asset_upload(
                owner=request.user,
                upload=upload,
                sidecar=request.FILES.get(SIDECAR_FIELD),
                fields=upload_fields(fields),
            )
        finally:
            handler.discard_unclaimed()
        access.upload_received(actor, result.id)
        if result.duplicate:
            return Response(_media_response(result.id, "duplicate"), status=status.HTTP_200_OK)
        return Response(_media_response(result.id, "created"), status=status.HTTP_201_CREATED)

    @extend_schema(request=AssetBulkUpdateSerializer, responses={204: None})
    def put(self, request):
        data = validated(AssetBulkUpdateSerializer, request.data)
        ids, minutes, zone = data.pop("ids"), data.pop("dateTimeRelative", 0), data.pop("timeZone", None)
        ungroup = "duplicateId" in data and data.pop("duplicateId") is None
        elevated = _elevated(request)
        services.assets_update(owner=request.user, ids=ids, changes=data, elevated=elevated)
        if ungroup:
            duplicates_ungroup(request.user, ids)
        services.assets_shift_dates(owner=request.user, ids=ids, minutes=minutes, time_zone=zone, elevated=elevated)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=AssetDeleteSerializer, responses={204: None})
    def delete(self, request):
        data = validated(AssetDeleteSerializer, request.data)
        services.assets_delete(owner=request.user, ids=data["ids"], force=data["force"], elevated=_elevated(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AssetCopyApi(APIView):
    required_permission = "asset.copy"

    @extend_schema(request=AssetCopySerializer, responses={204: None})
    def put(self, request):
        data = validated(AssetCopySerializer, request.data)
        source, target = data.pop("sourceId"), data.pop("targetId")
        asset_copy(owner=request.user, source_id=source, target_id=target, options=data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BulkUploadCheckApi(APIView):
    required_permission = "asset.upload"

    @extend_schema(request=BulkUploadCheckSerializer, responses={200: AssetBulkUploadCheckResponseDto})
    def post(self, request):
        items = validated(BulkUploadCheckSerializer, request.data)["assets"]
        decoded = [selectors.decode_checksum(item["checksum"]) for item in items]
        known = selectors.duplicates_by_checksum(user=request.user, checksums=[c for c in decoded if c])
        results = []
        for item, checksum in zip(items, decoded):
            asset = known.get(checksum) if checksum else None
            if asset is None:
                results.append({"id": item["id"], "action": "accept"})
            else:
                results.append(
                    {
                        "id": item["id"],
                        "action": "reject",
                        "reason": "duplicate",
                        "assetId": str(asset.id),
                        "isTrashed": asset.deleted_at is not None,
                    }
                )
        return Response(AssetBulkUploadCheckResponseDto({"results": results}).data)


class AssetDetailApi(APIView):
    required_permission = {"GET": "asset.read", "PUT": "asset.update"}
    shared_link_methods = ("GET",)

    @extend_schema(responses={200: AssetResponseDto})
    def get(self, request, asset_id):
        return Response(_asset_with_people(request, reachable_asset(request, asset_id, "asset.read")))

    @extend_schema(request=AssetUpdateSerializer, responses={200: AssetResponseDto})
    def put(self, request, asset_id):
        asset = reachable_asset(request, asset_id, "asset.update")
        data = validated(AssetUpdateSerializer, request.data)
        services.assets_update(owner=request.user, ids=[asset.id], changes=data, elevated=_elevated(request))
        return Response(_asset_with_people(request, reachable_asset(request, asset_id, "asset.read")))


class AssetJobsApi(APIView):
    required_permission = "asset.update"

    @extend_schema(request=AssetJobSerializer, responses={204: None})
    def post(self, request):
        data = validated(AssetJobSerializer, request.data)
        services.assets_run_job(
            owner=request.user, ids=data["assetIds"], name=data["name"], elevated=_elevated(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class TrashRestoreApi(APIView):
    required_permission = "trash.restore"

    @extend_schema(request=None, responses={200: TrashResponseDto})
    def post(self, request):
        return Response(TrashResponseDto({"count": services.trash_restore(owner=request.user)}).data)


class TrashRestoreAssetsApi(APIView):
    required_permission = "trash.restore"

    @extend_schema(request=AssetIdsSerializer, responses={200: TrashResponseDto})
    def post(self, request):
        ids = validated(AssetIdsSerializer, request.data)["ids"]
        return Response(TrashResponseDto({"count": services.trash_restore(owner=request.user, ids=ids)}).data)


class TrashEmptyApi(APIView):
    required_permission = "trash.delete"

    @extend_schema(request=None, responses={200: TrashResponseDto})
    def post(self, request):
        return Response(TrashResponseDto({"count": services.trash_empty(owner=request.user)}).data)
