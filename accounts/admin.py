from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.template.response import TemplateResponse

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
    actions = ["transfer_data"]

    @admin.action(description="Transfer all data to another user (preview first)")
    def transfer_data(self, request, queryset):
        from assets.maintenance.transfer import TransferError, transfer_apply, transfer_plan

        if queryset.count() != 1:
            self.message_user(request, "Select exactly one user to transfer data from.", messages.ERROR)
            return None
        source = queryset.get()
        destinations = User.objects.exclude(pk=source.pk).filter(is_active=True).order_by("email")
        destination = destinations.filter(pk=request.POST.get("destination") or None).first()
        delete_duplicates = bool(request.POST.get("delete_duplicates"))
        plan = None
        if destination is not None:
            try:
                if "apply" in request.POST:
                    plan = transfer_apply(source=source, destination=destination, delete_duplicates=delete_duplicates)
                    self.message_user(request, plan.summary(), messages.SUCCESS)
                    return None
                plan = transfer_plan(source=source, destination=destination)
            except TransferError as error:
                self.message_user(request, str(error), messages.ERROR)
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Transfer user data",
            "source": source,
            "destinations": destinations,
            "destination": destination,
            "delete_duplicates": delete_duplicates,
            "plan": plan,
        }
        return TemplateResponse(request, "admin/accounts/transfer.html", context)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "created_at"]
    readonly_fields = ["key_hash", "created_at", "updated_at"]
    exclude = ["key_hash"]
