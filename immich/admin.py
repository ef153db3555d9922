"""Admin building blocks shared by the apps."""

from __future__ import annotations


class ReadOnlyAdminMixin:
    """A listing to look at: rows change through the API and the pipeline, never through admin forms."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
