"""The NSFW verdicts in the Django admin: scores, models, and the administrator's override of the verdict."""

from __future__ import annotations

from django.contrib import admin, messages

from nsfw.models import AssetNsfw
from nsfw.selectors import is_flagged
from nsfw.services import FLAGGED, MODEL, SAFE, verdicts_override


@admin.register(AssetNsfw)
class AssetNsfwAdmin(admin.ModelAdmin):
    list_display = ["asset", "score", "flagged", "override", "model", "scored_at"]
    list_filter = ["override", "model"]
    ordering = ["-score"]
    readonly_fields = ["asset", "score", "model", "scored_at", "override", "overridden_by", "overridden_at"]
    actions = ["mark_flagged", "mark_safe", "back_to_model"]

    @admin.display(boolean=True)
    def flagged(self, verdict: AssetNsfw) -> bool:
        return is_flagged(verdict)

    def _override(self, request, queryset, verdict: str) -> None:
        count = verdicts_override(asset_ids=queryset.values_list("pk", flat=True), verdict=verdict, by=request.user)
        self.message_user(request, f"{count} assets: {verdict}", messages.SUCCESS)

    @admin.action(description="Flag as NSFW, whatever the score")
    def mark_flagged(self, request, queryset) -> None:
        self._override(request, queryset, FLAGGED)

    @admin.action(description="Mark safe, whatever the score")
    def mark_safe(self, request, queryset) -> None:
        self._override(request, queryset, SAFE)

    @admin.action(description="Let the score decide again")
    def back_to_model(self, request, queryset) -> None:
        self._override(request, queryset, MODEL)

    def has_add_permission(self, request) -> bool:
        return False
