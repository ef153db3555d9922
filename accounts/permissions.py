"""Who may call a view: `admin_only` on the view, and `required_permission` for API keys (a string, or a
mapping from HTTP method to permission)."""

from __future__ import annotations

from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.permissions import BasePermission

from accounts.models import ApiKey
from accounts.permissions_catalog import ALL


def required_permission(view, method: str) -> str | None:
    required = getattr(view, "required_permission", None)
    if isinstance(required, dict):
        return required.get(method)
    return required


class HasApiPermission(BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        if user is None or not user.is_active:
            raise NotAuthenticated("Authentication required")
        if getattr(view, "admin_only", False) and not user.is_superuser:
            raise PermissionDenied("Forbidden")
        permission = required_permission(view, request.method)
        if isinstance(request.auth, ApiKey) and permission:
            granted = request.auth.permissions
            if ALL not in granted and permission not in granted:
                raise PermissionDenied(f"Missing required permission: {permission}")
        return True
