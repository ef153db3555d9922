"""Users, login sessions and API keys. Secrets are never stored: only their SHA-256."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models


class UserManager(BaseUserManager):
    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True)
        fields.setdefault("name", email.split("@")[0])
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=255, blank=True, default="")
    is_staff = models.BooleanField(default=False, help_text="Can use the Django admin (the jobs page).")
    is_active = models.BooleanField(default=True)
    storage_label = models.CharField(max_length=255, null=True, blank=True, unique=True)
    avatar_color = models.CharField(max_length=32, null=True, blank=True)
    should_change_password = models.BooleanField(default=False)
    is_onboarded = models.BooleanField(
        default=False, db_default=False, help_text="Went through the apps' first-run pages."
    )
    quota_size_in_bytes = models.BigIntegerField(null=True, blank=True)
    quota_usage_in_bytes = models.BigIntegerField(default=0)
    profile_image_path = models.CharField(max_length=1024, blank=True, default="", db_default="")
    profile_changed_at = models.DateTimeField(auto_now_add=True)
    license = models.JSONField(null=True, blank=True, help_text="licenseKey, activationKey, activatedAt as given")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    removing = models.BooleanField(
        default=False, db_default=False, help_text="Deleted with force: a UserDelete job is removing their data."
    )
    pin_code = models.CharField(
        max_length=128, null=True, blank=True, help_text="The PIN of the locked folder, hashed like a password."
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.email

    @property
    def is_admin(self) -> bool:
        return self.is_superuser


class Session(models.Model):
    """A login: the bearer token's hash, so a stolen database cannot be replayed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    token_hash = models.BinaryField(max_length=32, unique=True)
    device_type = models.CharField(max_length=255, blank=True, default="")
    device_os = models.CharField(max_length=255, blank=True, default="")
    pin_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Until when the PIN unlocked this session (the locked folder is open)."
    )
    app_version = models.CharField(max_length=64, null=True, blank=True)
    # A session made from another (`POST /api/sessions`, a cast device): it ends with its parent.
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    expires_at = models.DateTimeField(null=True, blank=True)
    is_pending_sync_reset = models.BooleanField(default=False, db_default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]


class ApiKey(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=255)
    key_hash = models.BinaryField(max_length=32, unique=True)
    permissions = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "API key"
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"


class UserPreferences(models.Model):
    """What a user changed of Immich's user preferences: only the values that differ from the defaults are kept, so a
    default changed in a later release reaches every user who never touched it."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, primary_key=True, related_name="preferences")
    changes = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "user preferences"


class LoginFailure(models.Model):
    """One failed login: the email tried and the client's address. Counted over a window to throttle guessing
    (accounts/throttle.py); the database holds them so every API process sees the same counts."""

    email = models.CharField(max_length=254)
    address = models.CharField(max_length=64)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["email", "at"], name="login_failure_email"),
            models.Index(fields=["address", "at"], name="login_failure_address"),
            models.Index(fields=["at"], name="login_failure_at"),
        ]


class SystemMetadata(models.Model):
    """Immich's system metadata: one JSON value per key (`admin-onboarding`, `license`)."""

    key = models.CharField(max_length=64, primary_key=True)
    value = models.JSONField()

    class Meta:
        verbose_name_plural = "system metadata"

    def __str__(self) -> str:
        return self.key
