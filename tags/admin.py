"""Tags in the Django admin: a listing by owner and path; links to assets change through the API."""

from __future__ import annotations

from django.contrib import admin

from tags.models import Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["value", "owner", "color", "created_at"]
    search_fields = ["value", "id__exact", "owner__email"]
    list_select_related = ["owner"]
    ordering = ["owner", "value"]
    readonly_fields = ["id", "owner", "value", "parent", "created_at", "updated_at"]
    fields = ["id", "owner", "value", "parent", "color", "created_at", "updated_at"]
