from __future__ import annotations

import re

from django.core.validators import EmailValidator
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from accounts.permissions_catalog import PERMISSIONS
from accounts.profile import license_read
from immich.fields import ImmichDateTimeField
from immich.limits import BIGINT_MAX, EMAIL_MAX_LENGTH, NAME_MAX_LENGTH, TEXT_MAX_LENGTH


class OptionalOmitted(serializers.Serializer):
    """A response shape whose optional fields (`required=False`) are left out when they have no value, as Immich
    leaves them out: its clients read an optional field as absent or a value, never null."""

    def to_representation(self, instance) -> dict:
        body = super().to_representation(instance)
        for name, field in self.fields.items():
            if not field.required and body.get(name) is None:
                body.pop(name, None)
        return body


# The response shapes, named and typed as `@immich/sdk` 3.1.0 names them: the OpenAPI schema describes them, and
# the views serialize what they answer with them.


class UserStatus(models.TextChoices):
    ACTIVE = "active"
    REMOVING = "removing"
    DELETED = "deleted"


class UserAvatarColor(models.TextChoices):
    PRIMARY = "primary"
    PINK = "pink"
    RED = "red"
    YELLOW = "yellow"
    BLUE = "blue"
    GREEN = "green"
    PURPLE = "purple"
    ORANGE = "orange"
    GRAY = "gray"
    AMBER = "amber"


class UserResponseDto(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    name = serializers.CharField()
    profileImagePath = serializers.CharField(source="profile_image_path")
    avatarColor = serializers.SerializerMethodField()
    profileChangedAt = ImmichDateTimeField(source="profile_changed_at")

    @extend_schema_field(serializers.ChoiceField(choices=UserAvatarColor.choices))
    def get_avatarColor(self, user: User) -> str:
        return user.avatar_color or UserAvatarColor.PRIMARY


class UserLicense(serializers.Serializer):
    activatedAt = ImmichDateTimeField()
    activationKey = serializers.CharField()
    licenseKey = serializers.CharField()


class UserAdminResponseDto(UserResponseDto):
    storageLabel = serializers.CharField(source="storage_label", allow_null=True)
    shouldChangePassword = serializers.BooleanField(source="should_change_password")
    isAdmin = serializers.BooleanField(source="is_superuser")
    createdAt = ImmichDateTimeField(source="created_at")
    updatedAt = ImmichDateTimeField(source="updated_at")
    deletedAt = ImmichDateTimeField(source="deleted_at", allow_null=True)
    oauthId = serializers.SerializerMethodField()
    quotaSizeInBytes = serializers.IntegerField(source="quota_size_in_bytes", allow_null=True)
    quotaUsageInBytes = serializers.IntegerField(source="quota_usage_in_bytes", allow_null=True)
    status = serializers.SerializerMethodField()
    license = serializers.SerializerMethodField()

    def get_oauthId(self, user: User) -> str:
        return ""  # no OAuth here

    @extend_schema_field(serializers.ChoiceField(choices=UserStatus.choices))
    def get_status(self, user: User) -> str:
        if user.removing:
            return UserStatus.REMOVING
        if user.deleted_at:
            return UserStatus.DELETED
        return UserStatus.ACTIVE if user.is_active else UserStatus.REMOVING

    @extend_schema_field(UserLicense(allow_null=True))
    def get_license(self, user: User) -> dict | None:
        return UserLicense(license_read(user.license)).data if user.license else None


class UserAdminDeleteSerializer(serializers.Serializer):
    """Immich's UserAdminDeleteDto: `force` removes the user's data now (in the background) instead of keeping it
    for a restore."""

    force = serializers.BooleanField(required=False)


class LoginResponseDto(serializers.Serializer):
    """Made from a `services.Login`."""

    accessToken = serializers.CharField(source="access_token")
    userId = serializers.UUIDField(source="user.id")
    userEmail = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.name")
    isAdmin = serializers.BooleanField(source="user.is_superuser")
    profileImagePath = serializers.CharField(source="user.profile_image_path")
    shouldChangePassword = serializers.BooleanField(source="user.should_change_password")
    isOnboarded = serializers.BooleanField(source="user.is_onboarded")


class LogoutResponseDto(serializers.Serializer):
    successful = serializers.BooleanField()
    redirectUri = serializers.CharField()


class ValidateAccessTokenResponseDto(serializers.Serializer):
    authStatus = serializers.BooleanField()


class ApiKeyResponseDto(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    createdAt = ImmichDateTimeField(source="created_at")
    updatedAt = ImmichDateTimeField(source="updated_at")
    permissions = serializers.ListField(child=serializers.ChoiceField(choices=PERMISSIONS))


class ApiKeyCreateResponseDto(serializers.Serializer):
    """Made from `{"secret": ..., "apiKey": key}`: the secret is shown once, at creation."""

    secret = serializers.CharField()
    apiKey = ApiKeyResponseDto()


class _EmailWithoutTldValidator(EmailValidator):
    """Immich takes an address whose domain is one label (`admin@local`, `me@nas`), as a home network names hosts."""

    def validate_domain_part(self, domain_part: str) -> bool:
        return super().validate_domain_part(domain_part) or _HOST_LABEL.fullmatch(domain_part) is not None


_HOST_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", re.IGNORECASE)


class ImmichEmailField(serializers.EmailField):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = [_EmailWithoutTldValidator(message=self.error_messages["invalid"])]


class SignUpSerializer(serializers.Serializer):
    email = ImmichEmailField(max_length=EMAIL_MAX_LENGTH)
    # the one policy is the service's (accounts.services.password_check)
    password = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    name = serializers.CharField(
        max_length=NAME_MAX_LENGTH, allow_blank=True
    )  # required, "" allowed (Immich's z.string())


class LoginSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=EMAIL_MAX_LENGTH)
    password = serializers.CharField(max_length=TEXT_MAX_LENGTH)


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, default="API Key", max_length=NAME_MAX_LENGTH)
    permissions = serializers.ListField(child=serializers.CharField(max_length=TEXT_MAX_LENGTH), allow_empty=False)


class ApiKeyUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, max_length=NAME_MAX_LENGTH)
    permissions = serializers.ListField(
        child=serializers.CharField(max_length=TEXT_MAX_LENGTH), required=False, allow_empty=False
    )


class UserUpdateSerializer(serializers.Serializer):
    email = ImmichEmailField(required=False, max_length=EMAIL_MAX_LENGTH)
    name = serializers.CharField(required=False, max_length=NAME_MAX_LENGTH)
    password = serializers.CharField(required=False, max_length=TEXT_MAX_LENGTH)
    currentPassword = serializers.CharField(
        required=False, source="current_password", max_length=TEXT_MAX_LENGTH
    )  # needed with `password`
    avatarColor = serializers.ChoiceField(required=False, source="avatar_color", choices=UserAvatarColor.choices)


class ChangePasswordSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    newPassword = serializers.CharField(max_length=TEXT_MAX_LENGTH)


class AdminUserCreateSerializer(SignUpSerializer):
    isAdmin = serializers.BooleanField(required=False, default=False, source="is_admin")
    storageLabel = serializers.CharField(
        required=False, allow_null=True, source="storage_label", max_length=NAME_MAX_LENGTH
    )
    quotaSizeInBytes = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=BIGINT_MAX, source="quota_size_in_bytes"
    )
    # Immich's default: a user an admin made chooses their own password at the first login
    shouldChangePassword = serializers.BooleanField(required=False, default=True, source="should_change_password")


class AdminUserUpdateSerializer(UserUpdateSerializer):
    isAdmin = serializers.BooleanField(required=False, source="is_superuser")
    storageLabel = serializers.CharField(
        required=False, allow_null=True, source="storage_label", max_length=NAME_MAX_LENGTH
    )
    quotaSizeInBytes = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=BIGINT_MAX, source="quota_size_in_bytes"
    )
    shouldChangePassword = serializers.BooleanField(required=False, source="should_change_password")


class LicenseKeyDto(serializers.Serializer):
    licenseKey = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    activationKey = serializers.CharField(max_length=TEXT_MAX_LENGTH)


class CreateProfileImageDto(serializers.Serializer):
    file = serializers.FileField()


class CreateProfileImageResponseDto(serializers.Serializer):
    userId = serializers.UUIDField(source="id")
    profileChangedAt = ImmichDateTimeField(source="profile_changed_at")
    profileImagePath = serializers.CharField(source="profile_image_path")
