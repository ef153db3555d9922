"""Albums in the Django admin: a listing with each album's asset count; names and settings can be edited, contents
change through the API."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count

from albums.models import Album


@admin.register(Album)
class AlbumAdmin(admin.ModelAdmin):
    list_display = ["album_name", "owner", "asset_count", "created_at", "updated_at"]
    search_fields = ["album_name", "id__exact", "owner__email"]
    list_select_related = ["owner"]
    ordering = ["-created_at"]
    readonly_fields = ["id", "owner", "album_thumbnail_asset", "created_at", "updated_at"]
    fields = [
        "id",
        "album_name",
        "description",
        "owner",
        "album_thumbnail_asset",
        "is_activity_enabled",
        "order",
        "created_at",
        "updated_at",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(asset_total=Count("assets"))

    @admin.display(description="assets", ordering="asset_total")
    def asset_count(self, album: Album) -> int:
        return album.asset_total

    def has_add_permission(self, request) -> bool:
        return False
