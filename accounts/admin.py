from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm

from accounts.models import ApiKey, User


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "name"]


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserCreationForm
    form = UserEditForm
    ordering = ["email"]
    list_display = ["email", "name", "is_superuser", "is_active", "storage_label", "quota_usage_in_bytes", "created_at"]
    search_fields = ["email", "name"]
    list_filter = ["is_superuser", "is_active"]
    readonly_fields = ["quota_usage_in_bytes", "created_at", "updated_at", "last_login"]
    fieldsets = [
        (None, {"fields": ["email", "name", "password"]}),
        ("Storage", {"fields": ["storage_label", "quota_size_in_bytes", "quota_usage_in_bytes"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "should_change_password"]}),
        ("Dates", {"fields": ["created_at", "updated_at", "last_login", "deleted_at"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "name", "password1", "password2", "is_superuser"]})
    ]
    filter_horizontal: list = []


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "created_at"]
    readonly_fields = ["key_hash", "created_at", "updated_at"]
    exclude = ["key_hash"]
