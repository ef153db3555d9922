"""Maintenance in the admin: the "transfer all data to another user" action on the users' list. The users' admin
belongs to accounts, which knows nothing of maintenance; this app registers it again, extended with the action."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse

from accounts.admin import UserAdmin
from accounts.models import User
from maintenance.transfer import TransferError, transfer_apply, transfer_plan


class UserWithTransferAdmin(UserAdmin):
    actions = ["transfer_data"]

    @admin.action(description="Transfer all data to another user (preview first)")
    def transfer_data(self, request, queryset):
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
        return TemplateResponse(request, "admin/maintenance/transfer.html", context)


admin.site.unregister(User)
admin.site.register(User, UserWithTransferAdmin)
