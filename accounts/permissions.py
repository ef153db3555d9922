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


def _link_may_call(view, method: str, credentials) -> bool:
    """A shared link's holder calls only the views that take links (`shared_link_methods`), and a locked link (a
    password not yet given) only those that say they answer it (`shared_link_locked`)."""
    if method not in getattr(view, "shared_link_methods", ()):
        raise PermissionDenied("Forbidden")
    if not credentials.unlocked and not getattr(view, "shared_link_locked", False):
        raise NotAuthenticated("Password required")
    return True


class HasApiPermission(BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        if user is None or not user.is_active:
            raise NotAuthenticated("Authentication required")
        credentials = request.auth
        if getattr(credentials, "is_shared_link", False):
            return _link_may_call(view, request.method, credentials)
        if getattr(view, "admin_only", False) and not user.is_superuser:
            raise PermissionDenied("Forbidden")
        permission = required_permission(view, request.method)
        if isinstance(request.auth, ApiKey) and permission:
            granted = request.auth.permissions
            if ALL not in granted and permission not in granted:
                raise PermissionDenied(f"Missing required permission: {permission}")
        return True
