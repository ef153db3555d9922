"""Assets in the Django admin: read-only listings (assets change through the API and the pipeline, not
through forms), each asset's pipeline steps with their errors, and actions that run a step again for the
selected assets of any owner, ahead of backfills."""

from __future__ import annotations

import base64

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from assets import media_types, selectors
from assets.models import Asset, AssetStatus, AssetType
from immich import storage
from immich.admin import ReadOnlyAdminMixin
from immich.ranges import file_response
from jobs import services as job_services
from jobs.models import AssetStep, Priority, Step, StepStatus


class AssetStepInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = AssetStep
    fields = ["step", "status", "attempts", "last_error", "queued_at", "started_at", "finished_at", "worker"]
    readonly_fields = fields
    ordering = ["step"]
    extra = 0
    can_delete = False
    verbose_name = "pipeline step"
    verbose_name_plural = "pipeline steps"


def _run_step(model_admin, request, queryset, *, step: Step, label: str, eligible: Q = Q()) -> None:
    selected = queryset.count()
    ids = list(queryset.filter(eligible).exclude(status=AssetStatus.DELETED).values_list("id", flat=True))
    with transaction.atomic():  # recorded first; the ids reach the broker once this commits
        count = job_services.steps_enqueue(asset_ids=ids, step=step, priority=Priority.UPLOAD)
    model_admin.message_user(
        request, f"{label}: queued {count} of {selected} selected asset{'' if selected == 1 else 's'}", messages.SUCCESS
    )


class FailedStepFilter(admin.SimpleListFilter):
    """Assets with a step that failed for good: any step, or one of them."""

    title = "failed step"
    parameter_name = "failed_step"
    ANY = "any"

    def lookups(self, request, model_admin):
        return [(self.ANY, "any step"), *Step.choices]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        failed = AssetStep.objects.filter(status=StepStatus.FAILED)
        if self.value() != self.ANY:
            failed = failed.filter(step=self.value())
        return queryset.filter(pk__in=failed.values("asset_id"))


@admin.register(Asset)
class AssetAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["thumbnail", "original_file_name", "owner", "type", "status", "failed_steps", "created_at"]
    list_filter = ["type", "status", FailedStepFilter, "visibility", "is_external", "is_offline"]
    search_fields = ["original_file_name", "id__exact"]
    list_select_related = ["owner"]
    ordering = ["-created_at"]
    date_hierarchy = "created_at"
    inlines = [AssetStepInline]
    actions = ["refresh_metadata", "regenerate_thumbnails", "reencode_videos"]

    def get_readonly_fields(self, request, obj=None):
        # The checksum as the hex digits tools print (sha1sum), not the bytes' repr; the preview first.
        fields = [("checksum_hex" if field.name == "checksum" else field.name) for field in Asset._meta.fields]
        return ["preview", *fields]

    def get_queryset(self, request):
        failed = Prefetch("steps", queryset=AssetStep.objects.filter(status=StepStatus.FAILED), to_attr="failed")
        return super().get_queryset(request).prefetch_related(failed, "files")

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.thumbnail_file)  # staff only, as every admin page
        return [path("<uuid:asset_id>/thumbnail/<str:size>/", view, name="assets_asset_thumbnail"), *super().get_urls()]

    def thumbnail_file(self, request: HttpRequest, asset_id, size: str) -> HttpResponse:
        """The asset's generated thumbnail or preview, for the admin's pages (the API needs an API key or token)."""
        if size not in ("thumbnail", "preview") or not self.has_view_permission(request):
            raise Http404
        asset = get_object_or_404(Asset, pk=asset_id)
        file = selectors.generated_file(asset=asset, kind=size)
        found = storage.stat(file) if file else None
        if file is None or found is None:
            raise Http404(selectors.missing_thumbnail_reason(asset=asset))
        return file_response(request, file, size=found.size, content_type=media_types.mime_type_for(file.name))

    def _image(self, asset: Asset, size: str, height: int) -> str:
        if size not in {file.type for file in asset.files.all()}:  # prefetched for the list
            return "-"
        url = reverse("admin:assets_asset_thumbnail", args=[asset.pk, size])
        return format_html('<img src="{}" alt="" loading="lazy" style="max-height: {}px">', url, height)

    @admin.display(description="")
    def thumbnail(self, asset: Asset) -> str:
        return self._image(asset, "thumbnail", 48)

    @admin.display(description="preview")
    def preview(self, asset: Asset) -> str:
        return self._image(asset, "preview", 360)

    @admin.display(description="failed steps")
    def failed_steps(self, asset: Asset) -> str:
        return ", ".join(Step(row.step).label for row in asset.failed) or "-"  # prefetched: get_queryset

    @admin.display(description="checksum")
    def checksum_hex(self, asset: Asset) -> str:
        digest = bytes(asset.checksum)
        return (
            f"{digest.hex()} ({asset.checksum_algorithm}); base64, as Immich's API: {base64.b64encode(digest).decode()}"
        )

    def has_run_jobs_permission(self, request) -> bool:
        return request.user.has_perm("jobs.change_assetstep")

    @admin.action(description="Refresh metadata", permissions=["run_jobs"])
    def refresh_metadata(self, request, queryset) -> None:
        _run_step(self, request, queryset, step=Step.METADATA, label="Refresh metadata")

    @admin.action(description="Regenerate thumbnails", permissions=["run_jobs"])
    def regenerate_thumbnails(self, request, queryset) -> None:
        _run_step(self, request, queryset, step=Step.THUMBNAILS, label="Regenerate thumbnails")

    @admin.action(description="Re-encode videos", permissions=["run_jobs"])
    def reencode_videos(self, request, queryset) -> None:
        _run_step(
            self, request, queryset, step=Step.VIDEO_ENCODE, label="Re-encode videos", eligible=Q(type=AssetType.VIDEO)
        )
