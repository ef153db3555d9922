"""Perceptual hashes in the Django admin: read-only, by owner and group; they change through the step and the API."""

from __future__ import annotations

from django.contrib import admin

from duplicates.models import AssetHash


@admin.register(AssetHash)
class AssetHashAdmin(admin.ModelAdmin):
    list_display = ["asset", "owner", "duplicate_id", "hash_version", "updated_at"]
    search_fields = ["asset__id__exact", "owner__email", "duplicate_id__exact"]
    list_select_related = ["asset", "owner"]
    ordering = ["-updated_at"]
    readonly_fields = [field.name for field in AssetHash._meta.fields]
