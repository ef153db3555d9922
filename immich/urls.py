from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from assets import apis as asset_apis
from assets import download_apis, file_apis, timeline_apis
from assets.pipeline import apis as transcode_apis
from immich import server_apis
from immich.exception_handler import immich_body
from immich.front_door import front_door
from immich.middleware import API_NOT_FOUND
from jobs import apis as job_apis

api = [
    path("", include("accounts.urls")),
    path("", include("albums.urls")),
    path("", include("libraries.urls")),
    path("", include("memories.urls")),
    path("", include("notifications.urls")),
    path("", include("nsfw.urls")),
    path("", include("people.urls")),
    path("", include("search.urls")),
    path("", include("sharing.urls")),
    path("", include("stacks.urls")),
    path("", include("duplicates.urls")),
    path("", include("sync.urls")),
    path("", include("tags.urls")),
    path("server/ping", server_apis.PingApi.as_view()),
    path("server/version", server_apis.VersionApi.as_view()),
    path("server/media-types", server_apis.MediaTypesApi.as_view()),
    path("server/features", server_apis.FeaturesApi.as_view()),
    path("server/config", server_apis.ConfigApi.as_view()),
    path("server/about", server_apis.AboutApi.as_view()),
    path("server/statistics", server_apis.StatisticsApi.as_view()),
    path("server/storage", server_apis.StorageApi.as_view()),
    path("server/theme", server_apis.ThemeApi.as_view()),
    path("server/version-check", server_apis.VersionCheckApi.as_view()),
    path("server/version-history", server_apis.VersionHistoryApi.as_view()),
    path("assets", asset_apis.AssetsRootApi.as_view()),
    path("assets/copy", asset_apis.AssetCopyApi.as_view()),
    path("assets/bulk-upload-check", asset_apis.BulkUploadCheckApi.as_view()),
    path("assets/statistics", timeline_apis.AssetStatisticsApi.as_view()),
    path("admin/users/<uuid:user_id>/statistics", timeline_apis.AdminUserStatisticsApi.as_view()),
    path("assets/<uuid:asset_id>", asset_apis.AssetDetailApi.as_view()),
    path("assets/<uuid:asset_id>/original", file_apis.AssetOriginalApi.as_view()),
    path("assets/<uuid:asset_id>/thumbnail", file_apis.AssetThumbnailApi.as_view()),
    path("assets/<uuid:asset_id>/video/playback", file_apis.AssetPlaybackApi.as_view()),
    path("assets/jobs", asset_apis.AssetJobsApi.as_view()),
    path("trash/restore", asset_apis.TrashRestoreApi.as_view()),
    path("trash/restore/assets", asset_apis.TrashRestoreAssetsApi.as_view()),
    path("trash/empty", asset_apis.TrashEmptyApi.as_view()),
    path("download/info", download_apis.DownloadInfoApi.as_view()),
    path("download/archive", download_apis.DownloadArchiveApi.as_view()),
    path("timeline/buckets", timeline_apis.TimeBucketsApi.as_view()),
    path("timeline/bucket", timeline_apis.TimeBucketApi.as_view()),
    path("jobs", job_apis.JobsApi.as_view()),
    path("jobs/<str:queue_name>", job_apis.JobCommandApi.as_view()),
    path("queues", job_apis.QueuesApi.as_view()),
    path("queues/<str:queue_name>", job_apis.QueueDetailApi.as_view()),
    path("queues/<str:queue_name>/jobs", job_apis.QueueJobsApi.as_view()),
    path("queues/<str:queue_name>/jobs/retry", job_apis.QueueRetryApi.as_view()),
    path("system-config", job_apis.SystemConfigApi.as_view()),
    path("system-config/defaults", job_apis.SystemConfigDefaultsApi.as_view()),
    path("system-config/storage-template-options", job_apis.StorageTemplateOptionsApi.as_view()),
    path("system-config/transcode-dry-run", transcode_apis.TranscodeDryRunApi.as_view()),
    path(
        "openapi.json", SpectacularJSONAPIView.as_view(authentication_classes=[], permission_classes=[]), name="openapi"
    ),
    # Interactive API documentation (Swagger UI, its scripts from drf-spectacular's default CDN) over the schema.
    path(
        "docs",
        SpectacularSwaggerView.as_view(url_name="openapi", authentication_classes=[], permission_classes=[AllowAny]),
        name="api-docs",
    ),
]


def api_not_found(request, **kwargs) -> JsonResponse:
    """An `/api/...` path no endpoint serves: NestJS's JSON 404 ("Cannot GET /api/nope"), whoever asks, not Django's
    HTML page."""
    body = immich_body(message=f"Cannot {request.method} {request.path}", status=404)
    return JsonResponse(body, status=404, headers={"X-Correlation-ID": body["correlationId"]})


urlpatterns = [
    path("", front_door, name="front-door"),
    path(".well-known/immich", server_apis.WellKnownApi.as_view()),
    path("api/upload/", include("assets.uploads.urls")),  # resumable uploads (tus)
    path("api/", include(api)),
    re_path(r"^api/", api_not_found, name=API_NOT_FOUND),
    path("admin/", admin.site.urls),
    # /static/ (the admin's CSS and scripts) is served by WhiteNoise's middleware, under every server command.
]
