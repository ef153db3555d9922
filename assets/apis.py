from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from django.http import Http404, HttpResponse, HttpResponseNotModified, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import pin
from accounts.models import User
from assets import media_types, selectors, services
from assets.copy import asset_copy
from assets.hooks import duplicates_ungroup, is_veiled
from assets.models import Asset, AssetType, Visibility
from assets.pipeline import transcode
from assets.responses import (
    AssetBulkUploadCheckResponseDto,
    AssetMediaResponseDto,
    AssetResponseDto,
    AssetStatsResponseDto,
    TimeBucketAssetResponseDto,
    TimeBucketsResponseDto,
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
    TimelineQuerySerializer,
    UploadSerializer,
    upload_fields,
)
from assets.storage import asset_take_offline, original_roots
from assets.uploads import services as upload_services
from assets.uploads.handler import ASSET_FIELD, SIDECAR_FIELD, AssetUploadHandler
from immich import access, storage
from immich.api import RANGE_HEADER, file_responses, validated
from immich.errors import BadRequest, NoAccess, NotFound, Unauthorized
from immich.ranges import cacheable, file_response
from workers.media import fs
from workers.media import nsfw as nsfw_media


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


def _reachable_asset(request, asset_id, permission: str) -> Asset:
    """The asset, when the caller may act on it with `permission` (its owner, or a member of an album holding it, a
    partner, a link holder: `immich.access`); NoAccess otherwise, as for an unknown id."""
    access.require(access.actor_of(request), permission, [asset_id])
    asset = selectors.asset_by_id(asset_id=asset_id)
    if asset is None:  # removed since the check
        raise NoAccess(permission)
    return asset


def _elevated(request) -> bool:
    return pin.is_elevated(request.auth)


def _online_asset(request, asset_id, permission: str) -> Asset:
    """The asset whose files are served: an offline one (its library file gone, or leading out of its folders)
    serves nothing."""
    asset = _reachable_asset(request, asset_id, permission)
    if asset.is_offline:
        raise NotFound("The asset is offline: its file is not in its library any more")
    return asset


def _original_stat(asset: Asset) -> storage.FileStat | None:
    """The original's size and time, read inside its folders; one leading out takes the asset offline."""
    try:
        return storage.stat(asset.original_path, roots=original_roots(asset))
    except fs.OutsideRoots:
        asset_take_offline(asset)
        raise NotFound("The asset is offline: its file leads out of its library's folders") from None


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
        return Response(_asset_with_people(request, _reachable_asset(request, asset_id, "asset.read")))

    @extend_schema(request=AssetUpdateSerializer, responses={200: AssetResponseDto})
    def put(self, request, asset_id):
        asset = _reachable_asset(request, asset_id, "asset.update")
        data = validated(AssetUpdateSerializer, request.data)
        services.assets_update(owner=request.user, ids=[asset.id], changes=data, elevated=_elevated(request))
        return Response(_asset_with_people(request, _reachable_asset(request, asset_id, "asset.read")))


class AssetOriginalApi(APIView):
    required_permission = "asset.download"
    shared_link_methods = ("GET",)

    @extend_schema(parameters=[RANGE_HEADER], responses=file_responses("image/*", "video/*"))
    def get(self, request, asset_id):
        asset = _online_asset(request, asset_id, "asset.download")
        found = _original_stat(asset)
        if found is None:
            raise Http404("The original file is missing")
        return file_response(
            request,
            Path(asset.original_path),
            size=found.size,
            content_type=media_types.mime_type_for(asset.original_file_name),
            download_name=asset.original_file_name,
            roots=original_roots(asset),
        )


class AssetPlaybackApi(APIView):
    """The encoded MP4 when the video has one, else the original; with HTTP Range so players can seek."""

    required_permission = "asset.view"
    error_responses = {"GET": (400,)}  # not a video
    shared_link_methods = ("GET",)

    @extend_schema(parameters=[RANGE_HEADER], responses=file_responses("video/*"))
    def get(self, request, asset_id):
        asset = _online_asset(request, asset_id, "asset.view")
        if asset.type != AssetType.VIDEO:
            raise BadRequest("Asset is not a video")
        _original_stat(asset)  # an encoded video is served without its original, never while it leads out
        found = transcode.playback_file(asset)
        if found is None:
            raise Http404("The video file is missing")
        path, content_type, stat = found
        return file_response(request, path, size=stat.size, content_type=content_type, roots=original_roots(asset))


class AssetStatisticsApi(APIView):
    required_permission = "asset.statistics"

    @extend_schema(parameters=[TimelineQuerySerializer], responses={200: AssetStatsResponseDto})
    def get(self, request):
        query = _locked_checked(request, validated(TimelineQuerySerializer, request.query_params))
        counts = selectors.asset_statistics(
            user=request.user,
            visibility=query.get("visibility"),
            is_favorite=query.get("isFavorite"),
            is_trashed=query.get("isTrashed"),
        )
        return Response(AssetStatsResponseDto(counts).data)


class AdminUserStatisticsApi(APIView):
    """`GET /api/admin/users/{id}/statistics`: a user's asset counts, with the filters of the caller's own."""

    admin_only = True
    required_permission = "adminUser.read"

    @extend_schema(parameters=[TimelineQuerySerializer], responses={200: AssetStatsResponseDto})
    def get(self, request, user_id):
        query = validated(TimelineQuerySerializer, request.query_params)
        counts = selectors.asset_statistics(
            user=get_object_or_404(User, pk=user_id),
            visibility=query.get("visibility"),
            is_favorite=query.get("isFavorite"),
            is_trashed=query.get("isTrashed"),
        )
        return Response(AssetStatsResponseDto(counts).data)


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


def _locked_checked(request, query: dict) -> dict:
    """Asking for the locked folder needs a session unlocked by the PIN (401 otherwise, as Immich answers)."""
    if query.get("visibility") == Visibility.LOCKED:
        pin.elevation_required(request.auth)
    return query


def _timeline_filters(request) -> dict:
    query = _locked_checked(request, validated(TimelineQuerySerializer, request.query_params))
    return {
        "actor": access.actor_of(request),
        "user_id": query.get("userId"),
        "visibility": query.get("visibility"),
        "is_favorite": query.get("isFavorite"),
        "is_trashed": query.get("isTrashed"),
        "album_id": query.get("albumId"),
        "person_id": query.get("personId"),
        "tag_id": query.get("tagId"),
        "order": query["order"],
        "time_bucket": query.get("timeBucket"),
        "with_partners": query["withPartners"],
        "with_stacked": query["withStacked"],
    }


class TimeBucketsApi(APIView):
    required_permission = "timeline.read"
    shared_link_methods = ("GET",)

    @extend_schema(parameters=[TimelineQuerySerializer], responses={200: TimeBucketsResponseDto(many=True)})
    def get(self, request):
        filters = _timeline_filters(request)
        filters.pop("time_bucket")
        return Response(TimeBucketsResponseDto(selectors.time_buckets(user=request.user, **filters), many=True).data)


class TimeBucketApi(APIView):
    required_permission = "timeline.read"
    shared_link_methods = ("GET",)

    @extend_schema(parameters=[TimelineQuerySerializer], responses={200: TimeBucketAssetResponseDto})
    def get(self, request):
        filters = _timeline_filters(request)
        bucket = filters.pop("time_bucket")
        try:
            start = datetime.fromisoformat(bucket.replace("Z", "+00:00")) if bucket else None
        except ValueError:
            start = None
        if start is None:
            raise BadRequest("timeBucket must be an ISO date such as 2024-01-01")
        start = start.replace(day=1, hour=0, minute=0, second=0, microsecond=0, tzinfo=start.tzinfo or timezone.utc)
        try:
            end = (start + timedelta(days=32)).replace(day=1)
        except OverflowError:
            raise BadRequest("timeBucket is past the last month a date can name") from None
        assets = list(selectors.bucket_assets(user=request.user, bucket_start=start, bucket_end=end, **filters))
        stacks = selectors.stack_counts(asset_ids=[asset.id for asset in assets]) if filters["with_stacked"] else None
        return Response(TimeBucketAssetResponseDto(assets, context={"stacks": stacks}).data)


class AssetThumbnailApi(APIView):
    required_permission = "asset.view"
    shared_link_methods = ("GET",)

    @extend_schema(
        parameters=[
            OpenApiParameter("size", str, enum=["thumbnail", "preview", "fullsize", "original"]),
            OpenApiParameter("If-None-Match", str, OpenApiParameter.HEADER),
            RANGE_HEADER,
        ],
        responses={
            **file_responses("image/*"),
            302: OpenApiResponse(description="fullsize of a web image, or original: redirect to the original"),
            304: OpenApiResponse(description="If-None-Match matched the ETag"),
        },
    )
    def get(self, request, asset_id):
        asset = _online_asset(request, asset_id, "asset.view")
        size = request.query_params.get("size", "thumbnail")
        if size == "original":
            return HttpResponseRedirect(f"/api/assets/{asset.id}/original")
        if size not in ("thumbnail", "preview", "fullsize"):
            raise BadRequest("size must be thumbnail, preview or fullsize")
        # An asset the viewer sees veiled (nsfw: flagged, for a viewer who blurs them) serves blurred images only:
        # its original comes only from /original, asked for explicitly.
        veiled = is_veiled(request.user, asset)
        if size == "fullsize":
            if media_types.extension_of(asset.original_file_name) in media_types.WEB_IMAGE_EXTENSIONS and not veiled:
                return HttpResponseRedirect(f"/api/assets/{asset.id}/original")
            size = "preview"
        path = selectors.generated_file(asset=asset, kind=size)
        found = storage.stat(path) if path else None
        if found is None:
            raise NotFound(selectors.missing_thumbnail_reason(asset=asset))
        etag = f'"{asset.id}-{size}-{found.mtime_ns}{"-veiled" if veiled else ""}"'
        if request.headers.get("If-None-Match") == etag:
            return HttpResponseNotModified()
        content_type = media_types.mime_type_for(path.name)
        if veiled:
            body = nsfw_media.veiled(b"".join(storage.read(path)), content_type=content_type)
            return cacheable(HttpResponse(body, content_type=content_type), etag=etag)
        response = file_response(request, path, size=found.size, content_type=content_type)
        return cacheable(response, etag=etag)


class AssetJobsApi(APIView):
    required_permission = "asset.update"

    @extend_schema(request=AssetJobSerializer, responses={204: None})
    def post(self, request):
        data = validated(AssetJobSerializer, request.data)
        services.assets_run_job(
            owner=request.user, ids=data["assetIds"], name=data["name"], elevated=_elevated(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
