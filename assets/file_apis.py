"""The asset endpoints that serve files: the original, the video for playback, the thumbnails (veiled when the
viewer asks for it), each with HTTP Range and only for an asset that is online."""

from __future__ import annotations

from pathlib import Path

from django.http import Http404, HttpResponse, HttpResponseNotModified, HttpResponseRedirect
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.views import APIView

from assets import media_types, selectors
from assets.apis import reachable_asset
from assets.hooks import is_veiled
from assets.models import Asset, AssetType
from assets.pipeline import transcode
from assets.storage import asset_take_offline, original_roots
from immich import storage
from immich.api import RANGE_HEADER, file_responses
from immich.errors import BadRequest, NotFound
from immich.ranges import cacheable, file_response
from workers.media import fs
from workers.media import nsfw as nsfw_media


def _online_asset(request, asset_id, permission: str) -> Asset:
    """The asset whose files are served: an offline one (its library file gone, or leading out of its folders)
    serves nothing."""
    asset = reachable_asset(request, asset_id, permission)
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
