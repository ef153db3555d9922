"""The jobs page lives on the QueueState admin (its list is the page: /admin/jobs/queuestate/); the per-asset step
rows get a read-only list for searching by asset, step, status or error, and whole-library runs one of their own."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.urls import URLPattern, path

from immich.admin import ReadOnlyAdminMixin
from jobs.admin_views import JobsAdminViews
from jobs.models import AssetStep, JobRun, QueueState


# ModelAdmin is generic in django-stubs only: subscripting it at runtime needs django-stubs-ext, a dev dependency.
@admin.register(QueueState)
class QueueStateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # see above
    """Not edited as rows: pausing through a form would skip what resume does (re-sending waiting jobs)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: QueueState | None = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        views = JobsAdminViews(self)
        wrap = self.admin_site.admin_view  # staff only; others go to the login page
        return [
            path("", wrap(views.page), name="jobs_queuestate_changelist"),
            path("counts/", wrap(views.counts), name="jobs_queuestate_counts"),
            path("failed/", wrap(views.failed), name="jobs_queuestate_failed"),
            path("<str:queue_name>/command/", wrap(views.command), name="jobs_queuestate_command"),
            path("<str:queue_name>/retry/", wrap(views.retry), name="jobs_queuestate_retry"),
        ]


@admin.register(AssetStep)
class AssetStepAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]  # as QueueStateAdmin
    list_display = ["asset", "step", "status", "attempts", "short_error", "queued_at", "finished_at", "worker"]
    list_filter = ["step", "status", "priority"]
    search_fields = ["asset__id__exact", "asset__original_file_name", "last_error"]
    list_select_related = ["asset"]
    ordering = ["-queued_at"]
    readonly_fields = [field.name for field in AssetStep._meta.fields]

    @admin.display(description="last error")
    def short_error(self, obj: AssetStep) -> str:
        return obj.last_error[:120]


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]  # as QueueStateAdmin
    list_display = ["name", "status", "queued_at", "started_at", "heartbeat_at", "finished_at", "worker", "error"]
    list_filter = ["name", "status"]
    ordering = ["-queued_at"]
    readonly_fields = [field.name for field in JobRun._meta.fields]
