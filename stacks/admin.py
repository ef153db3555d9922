"""Stacks in the Django admin: a read-only listing by owner; stacks change through the API."""

from __future__ import annotations

from django.contrib import admin

from stacks.models import Stack


@admin.register(Stack)
class StackAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "primary_asset", "created_at"]
    search_fields = ["id__exact", "owner__email"]
    list_select_related = ["owner", "primary_asset"]
    ordering = ["-created_at"]
    readonly_fields = ["id", "owner", "primary_asset", "created_at", "updated_at"]
