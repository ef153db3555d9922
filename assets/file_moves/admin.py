"""The storage template in the Django admin: the move journal (read-only list of every file move, its state and
error), and on top of it a page that edits `storageTemplate` with a live preview for a sample asset and a dry run.

Registered from `AssetsConfig.ready()` (this is not `admin.py`, which autodiscovery imports)."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse

from assets.file_moves.preview import storage_template_dry_run, storage_template_preview
from assets.models import FileMove
from immich.admin import ReadOnlyAdminMixin
from jobs import system_config
from workers.media import storage_template as engine
from workers.media.template_values import PRESETS, WEEK_YEAR_OPTIONS, template_options

DRY_RUN_SHOWN = 1000


class StorageTemplateForm(forms.Form):
    enabled = forms.BooleanField(required=False, label="Enable the storage template")
    hashVerificationEnabled = forms.BooleanField(
        required=False, label="Verify the SHA-1 of files copied across filesystems"
    )
    template = forms.CharField(widget=forms.TextInput(attrs={"size": 90, "id": "template-input"}))
    timeZone = forms.CharField(
        required=False, help_text="Empty: each asset's own zone when known, else the server's. Or an IANA name / UTC+2."
    )
    skipLowConfidenceDates = forms.BooleanField(
        required=False, label="Keep files whose date is only a file time where they are"
    )


def _asset_id(raw: str | None):
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None


@admin.register(FileMove)
class FileMoveAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["asset", "kind", "state", "method", "old_path", "new_path", "short_error", "updated_at"]
    list_filter = ["state", "kind", "method"]
    search_fields = ["asset__id__exact", "old_path", "new_path", "error"]
    ordering = ["-updated_at"]
    readonly_fields = [field.name for field in FileMove._meta.fields]
    change_list_template = "admin/assets/filemove/change_list.html"

    @admin.display(description="error")
    def short_error(self, obj: FileMove) -> str:
        return obj.error[:120]

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("template/", wrap(self.template_page), name="assets_filemove_template"),
            path("template/preview/", wrap(self.template_preview), name="assets_filemove_template_preview"),
            path("template/dry-run/", wrap(self.template_dry_run), name="assets_filemove_template_dry_run"),
            *super().get_urls(),
        ]

    def _context(self, request, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": FileMove._meta,
            "journal_url": reverse("admin:assets_filemove_changelist"),
            **extra,
        }

    def template_page(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        config = system_config.config_get()
        current = config["storageTemplate"]
        if request.method == "POST":
            if not request.user.is_superuser:
                raise PermissionDenied
            form = StorageTemplateForm(request.POST)
            if form.is_valid():
                config["storageTemplate"] = {**current, **form.cleaned_data}
                try:
                    system_config.config_update(new_config=config)
                except system_config.InvalidConfig as error:
                    for problem in error.args[0]:
                        form.add_error(None, problem)
                else:
                    messages.success(
                        request,
                        "Storage template saved. It applies to new uploads; run the "
                        "storageTemplateMigration job to move the files already stored.",
                    )
                    return HttpResponseRedirect(reverse("admin:assets_filemove_template"))
        else:
            form = StorageTemplateForm(initial=current)
        asset_id = _asset_id(request.GET.get("asset"))
        preview = storage_template_preview(template=form["template"].value() or "", asset_id=asset_id)
        context = self._context(
            request,
            title="Storage template",
            form=form,
            preview=preview,
            presets=PRESETS,
            options=template_options(),
            week_year=WEEK_YEAR_OPTIONS,
            asset_id=asset_id or "",
            preview_url=reverse("admin:assets_filemove_template_preview"),
            dry_run_url=reverse("admin:assets_filemove_template_dry_run"),
            can_save=request.user.is_superuser,
        )
        return TemplateResponse(request, "admin/assets/storage_template.html", context)

    def template_preview(self, request):
        """What the page asks while the template is typed: {path, assetId, error, notes}."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        preview = storage_template_preview(
            template=request.GET.get("template", ""), asset_id=_asset_id(request.GET.get("asset"))
        )
        return JsonResponse(
            {"path": preview.path, "assetId": preview.asset_id, "error": preview.error, "notes": list(preview.notes)}
        )

    def template_dry_run(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        template = request.GET.get("template") or None
        try:
            report = storage_template_dry_run(template=template)
        except engine.TemplateError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(reverse("admin:assets_filemove_template"))
        context = self._context(
            request,
            title="Storage template: dry run",
            report=report,
            summary=report.summary(),
            moves=report.planned[:DRY_RUN_SHOWN],
            not_moved=report.not_moved[:DRY_RUN_SHOWN],
            shown=DRY_RUN_SHOWN,
            template=template or system_config.config_get()["storageTemplate"]["template"],
        )
        return TemplateResponse(request, "admin/assets/storage_template_dry_run.html", context)
