from __future__ import annotations

from rest_framework import serializers

from accounts.models import ApiKey, User
from immich.limits import BIGINT_MAX


def iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def user_dto(user: User) -> dict:
    return {
        "id": str(user.id),
        "email": user.email,
        "name": user.name,
        "profileImagePath": "",
        "avatarColor": user.avatar_color or "primary",
        "profileChangedAt": iso(user.profile_changed_at),
    }


class UserResponseDto(serializers.Serializer):
    """Immich's UserResponseDto: the shape `user_dto` gives, declared for the schema."""

    id = serializers.UUIDField()
    email = serializers.EmailField()
    name = serializers.CharField()
    profileImagePath = serializers.CharField(allow_blank=True)
    avatarColor = serializers.CharField()
    profileChangedAt = serializers.DateTimeField(allow_null=True)


def user_admin_dto(user: User) -> dict:
    return {
        **user_dto(user),
        "storageLabel": user.storage_label,
        "shouldChangePassword": user.should_change_password,
        "isAdmin": user.is_superuser,
        "createdAt": iso(user.created_at),
        "updatedAt": iso(user.updated_at),
        "deletedAt": iso(user.deleted_at),
        "oauthId": "",
        "quotaSizeInBytes": user.quota_size_in_bytes,
        "quotaUsageInBytes": user.quota_usage_in_bytes,
        "status": "deleted" if user.deleted_at else ("active" if user.is_active else "removing"),
        "license": None,
    }


def api_key_dto(key: ApiKey) -> dict:
    return {
        "id": str(key.id),
        "name": key.name,
        "createdAt": iso(key.created_at),
        "updatedAt": iso(key.updated_at),
        "permissions": key.permissions,
    }


class SignUpSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField()  # the one policy is the service's (accounts.services.password_check)
    name = serializers.CharField(required=False, allow_blank=True, default="")


class LoginSerializer(serializers.Serializer):
    email = serializers.CharField()
    password = serializers.CharField()


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, default="API Key", max_length=255)
    permissions = serializers.ListField(child=serializers.CharField(), allow_empty=False)


class ApiKeyUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, max_length=255)
    permissions = serializers.ListField(child=serializers.CharField(), required=False, allow_empty=False)


class UserUpdateSerializer(serializers.Serializer):
    email = serializers.EmailField(required=False)
    name = serializers.CharField(required=False, max_length=255)
    password = serializers.CharField(required=False)
    currentPassword = serializers.CharField(required=False, source="current_password")  # needed with `password`
    avatarColor = serializers.CharField(required=False, source="avatar_color", max_length=32)


class ChangePasswordSerializer(serializers.Serializer):
    password = serializers.CharField()
    newPassword = serializers.CharField()


class AdminUserCreateSerializer(SignUpSerializer):
    isAdmin = serializers.BooleanField(required=False, default=False, source="is_admin")
    storageLabel = serializers.CharField(required=False, allow_null=True, source="storage_label", max_length=255)
    quotaSizeInBytes = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=BIGINT_MAX, source="quota_size_in_bytes"
    )
    shouldChangePassword = serializers.BooleanField(required=False, default=False, source="should_change_password")


class AdminUserUpdateSerializer(UserUpdateSerializer):
    isAdmin = serializers.BooleanField(required=False, source="is_superuser")
    storageLabel = serializers.CharField(required=False, allow_null=True, source="storage_label", max_length=255)
    quotaSizeInBytes = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=BIGINT_MAX, source="quota_size_in_bytes"
    )
    shouldChangePassword = serializers.BooleanField(required=False, source="should_change_password")
