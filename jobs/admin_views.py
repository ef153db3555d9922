"""The admin's "Jobs" page: the queues with their counts and buttons, a JSON view the page polls, and the failed
items of a queue with a per-item retry. Views parse input, call one service or selector, and answer; they are
wired into the admin by `jobs.admin.QueueStateAdmin.get_urls` (staff only, through `admin_site.admin_view`)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode

from jobs import commands, selectors
from jobs.models import QueueState, StepStatus
from jobs.queues import IDLE_QUEUES, Queue
from jobs.selectors import QueueStatistics

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

# The order of Immich's jobs page, then whatever the page does not show there; any new queue comes last.
PAGE_ORDER = (
    Queue.THUMBNAIL_GENERATION,
    Queue.METADATA_EXTRACTION,
    Queue.LIBRARY,
    Queue.SIDECAR,
    Queue.VIDEO_CONVERSION,
    Queue.STORAGE_TEMPLATE_MIGRATION,
    Queue.MIGRATION,
    Queue.BACKGROUND_TASK,
    Queue.BACKUP_DATABASE,
    Queue.DUPLICATE_DETECTION,
    Queue.NSFW_DETECTION,  # this server's own
)

# (id, command, force, label) for each button; Pause and Resume are shown one at a time.
BUTTONS = (
    ("all", "start", "true", "All"),
    ("missing", "start", "false", "Missing"),
    ("pause", "pause", "", "Pause"),
    ("resume", "resume", "", "Resume"),
    ("clear", "empty", "", "Clear"),
    ("clear-failed", "clear-failed", "", "Clear failed"),
    ("retry-failed", "retry-failed", "", "Retry failed"),
)


def ordered_queues() -> list[Queue]:
    return [*PAGE_ORDER, *(queue for queue in Queue if queue not in PAGE_ORDER)]


def page_counts(statistics: QueueStatistics) -> dict[str, int | bool]:
    """The page's numbers for one queue, as Immich's card shows them: Waiting = waiting + paused + delayed."""
    counts = statistics["jobCounts"]
    return {
        "active": counts["active"],
        "waiting": counts["waiting"] + counts["paused"] + counts["delayed"],
        "failed": counts["failed"],
        "completed": counts["completed"],
        "isPaused": statistics["queueStatus"]["isPaused"],
    }


def _queue_or_404(name: str) -> Queue:
    try:
        return Queue(name)
    except ValueError as error:
        raise Http404(f"Unknown queue {name}") from error


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def command_message(*, queue: Queue, command: str, count: int) -> str:
    if command == "start" or command == "retry-failed":
        return f"Queued {_plural(count, 'asset')} on {queue.value}"
    if command == "pause":
        return f"Paused {queue.value}: running jobs finish, no new ones start"
    if command == "resume":
        return f"Resumed {queue.value}: sent {_plural(count, 'waiting job')} again"
    if command == "empty":
        return f"Removed {_plural(count, 'waiting job')} from {queue.value}"
    return f"Cleared {_plural(count, 'failed job')} of {queue.value}"


class JobsAdminViews:
    """The views, bound to the ModelAdmin whose permissions guard them (view to read, change to command)."""

    def __init__(self, model_admin: ModelAdmin[QueueState]) -> None:
        self.model_admin = model_admin

    def _require(self, request: HttpRequest, *, change: bool) -> None:
        allowed = (
            self.model_admin.has_change_permission(request)
            if change
            else self.model_admin.has_view_or_change_permission(request)
        )
        if not allowed:
            raise PermissionDenied

    def _context(self, request: HttpRequest, **extra: Any) -> dict[str, Any]:
        return {
            **self.model_admin.admin_site.each_context(request),
            "opts": QueueState._meta,
            "counts_url": reverse("admin:jobs_queuestate_counts"),
            "jobs_url": reverse("admin:jobs_queuestate_changelist"),
            "can_change": self.model_admin.has_change_permission(request),
            **extra,
        }

    def page(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        self._require(request, change=False)
        statistics = selectors.queue_statistics()
        rows = [
            {
                "name": queue.value,
                "idle": queue in IDLE_QUEUES,
                "counts": page_counts(statistics[queue.value]),
                "command_url": reverse("admin:jobs_queuestate_command", args=[queue.value]),
                "failed_url": f"{reverse('admin:jobs_queuestate_failed')}?{urlencode({'queue': queue.value})}",
            }
            for queue in ordered_queues()
        ]
        context = self._context(request, title="Jobs", rows=rows, buttons=BUTTONS, **(extra_context or {}))
        return TemplateResponse(request, "admin/jobs/queues.html", context)

    def counts(self, request: HttpRequest) -> JsonResponse:
        """What the page polls every 2 s: {queue: {active, waiting, failed, completed, isPaused}}."""
        self._require(request, change=False)
        statistics = selectors.queue_statistics()
        return JsonResponse({queue.value: page_counts(statistics[queue.value]) for queue in ordered_queues()})

    def command(self, request: HttpRequest, queue_name: str) -> HttpResponse:
        self._require(request, change=True)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        queue = _queue_or_404(queue_name)
        command = request.POST.get("command", "")
        force = {"true": True, "false": False}.get(request.POST.get("force", ""))
        assert request.user.is_authenticated  # admin_view lets only signed-in staff through
        try:
            count = commands.queue_command(queue=queue, command=command, force=force, by=request.user.email)
        except commands.InvalidCommand as error:
            messages.error(request, str(error))
        else:
            messages.success(request, command_message(queue=queue, command=command, count=count))
        return HttpResponseRedirect(reverse("admin:jobs_queuestate_changelist"))

    def failed(self, request: HttpRequest) -> TemplateResponse:
        self._require(request, change=False)
        queue = _queue_or_404(request.GET.get("queue", ""))
        items = selectors.queue_items(queue=queue, status=StepStatus.FAILED)
        for item in items:
            item["asset_url"] = reverse("admin:assets_asset_change", args=[item["assetId"]])
            item["failed_at"] = datetime.fromtimestamp(item["timestamp"] / 1000, tz=UTC) if item["timestamp"] else None
        context = self._context(
            request,
            title=f"Failed jobs of {queue.value}",
            queue=queue.value,
            items=items,
            retry_url=reverse("admin:jobs_queuestate_retry", args=[queue.value]),
        )
        return TemplateResponse(request, "admin/jobs/failed.html", context)

    def retry(self, request: HttpRequest, queue_name: str) -> HttpResponse:
        self._require(request, change=True)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        queue = _queue_or_404(queue_name)
        try:
            asset_id = uuid.UUID(request.POST.get("asset_id", ""))
        except ValueError:
            messages.error(request, "No valid asset id given")
        else:
            count = commands.queue_retry_failed(queue=queue, asset_ids=[asset_id])
            if count:
                messages.success(request, f"Queued asset {asset_id} on {queue.value} again")
            else:
                messages.warning(request, f"Asset {asset_id} has no failed job on {queue.value}")
        return HttpResponseRedirect(f"{reverse('admin:jobs_queuestate_failed')}?{urlencode({'queue': queue.value})}")
