"""Libraries in the Django admin: read-only, with how the last scan went (a refusal says why) and an action that
queues a scan. Libraries are created and changed through the API, which validates import paths."""

from __future__ import annotations

from django.contrib import admin, messages

from libraries.models import Library
from libraries.selectors import library_scan_status
from libraries.services import library_scan_request


@admin.register(Library)
class LibraryAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "paths", "scan_state", "scan_error", "refreshed_at", "deleted_at"]
    search_fields = ["name", "owner__email"]
    readonly_fields = [
        "id",
        "owner",
        "name",
        "import_paths",
        "exclusion_patterns",
        "created_at",
        "updated_at",
        "refreshed_at",
        "deleted_at",
        "scan_state",
        "scan_error",
        "scan_requested_at",
        "scan_started_at",
        "scan_finished_at",
        "last_scan",
    ]
    actions = ["scan"]

    @admin.display(description="import paths")
    def paths(self, library: Library) -> str:
        return ":".join(library.import_paths)

    # How the library's scans stand: the last outcome, kept on the library, and the latest scan runs (jobs.runs).
    @admin.display(description="scan state")
    def scan_state(self, library: Library) -> str:
        return library_scan_status(library).state

    @admin.display(description="scan error")
    def scan_error(self, library: Library) -> str:
        return library_scan_status(library).error

    @admin.display(description="scan requested at")
    def scan_requested_at(self, library: Library) -> object:
        return library_scan_status(library).requested_at

    @admin.display(description="scan started at")
    def scan_started_at(self, library: Library) -> object:
        return library_scan_status(library).started_at

    @admin.display(description="scan finished at")
    def scan_finished_at(self, library: Library) -> object:
        return library_scan_status(library).finished_at

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Scan the selected libraries")
    def scan(self, request, queryset) -> None:
        libraries = list(queryset.filter(deleted_at__isnull=True))
        for library in libraries:
            library_scan_request(library=library)
        self.message_user(request, f"Queued {len(libraries)} library scans.", messages.SUCCESS)
