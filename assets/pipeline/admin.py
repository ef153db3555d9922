"""Django admin for video transcoding (issue 5): the decision and its reason per video (read-only), the
"Refresh encoded video" action, and the transcoding settings page, where a dry run shows what a policy would do
before it is saved. Imported by `assets.apps.AssetsConfig.ready`. (The asset list's own "Re-encode videos" action,
in assets/admin.py, queues the same step.)"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from assets.models import Asset, AssetType, AssetVideo
from assets.pipeline import transcode
from jobs.models import Priority, Step
from jobs.services import steps_enqueue
from jobs.system_config import InvalidConfig, config_get, config_update
from workers.media.transcode import POLICIES, PRESETS

_CODECS = [(c, c) for c in ("h264", "hevc", "vp9", "av1")]
_AUDIO = [(c, c) for c in ("aac", "mp3", "opus", "pcm_s16le")]


@admin.action(description="Refresh encoded video (run the transcoding policy again)", permissions=["change"])
def refresh_encoded_video(model_admin, request, queryset) -> None:
    videos = Asset.objects.filter(pk__in=queryset.values("asset_id"), type=AssetType.VIDEO).values_list("id", flat=True)
    with transaction.atomic():
        count = steps_enqueue(asset_ids=videos, step=Step.VIDEO_ENCODE, priority=Priority.UPLOAD)
    model_admin.message_user(request, f"Queued {count} video(s) for transcoding", messages.SUCCESS)


class TranscodingSettingsForm(forms.Form):
    """Immich's `ffmpeg` settings under their keys, with the labels people read."""

    transcode = forms.ChoiceField(label="Transcode policy", choices=[(p, p) for p in POLICIES])
    targetVideoCodec = forms.ChoiceField(label="Target video codec", choices=_CODECS)
    acceptedVideoCodecs = forms.MultipleChoiceField(
        label="Accepted video codecs", choices=_CODECS, widget=forms.CheckboxSelectMultiple, required=False
    )
    targetAudioCodec = forms.ChoiceField(label="Target audio codec", choices=_AUDIO)
    acceptedAudioCodecs = forms.MultipleChoiceField(
        label="Accepted audio codecs", choices=_AUDIO, widget=forms.CheckboxSelectMultiple, required=False
    )
    acceptedContainers = forms.MultipleChoiceField(
        label="Accepted containers",
        choices=[("mov", "mov (MP4 and QuickTime MOV)"), ("mp4", "mp4"), ("ogg", "ogg"), ("webm", "webm")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Immich names the whole QuickTime family, .mp4 files too, mov",
    )
    targetResolution = forms.ChoiceField(
        label="Target resolution", choices=[(r, r) for r in ("480", "720", "1080", "1440", "2160", "original")]
    )
    crf = forms.IntegerField(label="Constant rate factor (CRF)", min_value=0, max_value=51)
    preset = forms.ChoiceField(label="Preset", choices=[(p, p) for p in PRESETS])
    maxBitrate = forms.CharField(label="Max bitrate", help_text="kbit/s; 0 = no cap (8000, 8000k or 8m)")
    threads = forms.IntegerField(label="Threads", min_value=0, help_text="0 = automatic")
    twoPass = forms.BooleanField(
        label="Two-pass encoding", required=False, help_text="Only with a max bitrate (VP9: always)"
    )
    tonemap = forms.ChoiceField(
        label="Tone mapping", choices=[(t, t) for t in ("hable", "mobius", "reinhard", "disabled")]
    )
    probeMissing = forms.BooleanField(
        required=False, label="Probe videos never probed", help_text="Reads those files now (slow on large libraries)"
    )

    def ffmpeg_changes(self) -> dict:
        return {key: value for key, value in self.cleaned_data.items() if key != "probeMissing"}


@admin.register(AssetVideo)
class AssetVideoAdmin(admin.ModelAdmin):
    list_display = ["asset_link", "decision", "short_reason", "video_encoder", "audio_encoder", "size_mb", "decided_at"]
    list_filter = ["decision", "video_encoder"]
    search_fields = ["asset__id__exact", "asset__original_file_name", "reason"]
    list_select_related = ["asset"]
    ordering = ["-decided_at"]
    readonly_fields = [field.name for field in AssetVideo._meta.fields]
    actions = [refresh_encoded_video]
    change_list_template = "admin/assets/assetvideo/change_list.html"

    @admin.display(description="asset")
    def asset_link(self, obj: AssetVideo) -> str:
        return format_html("{} ({})", obj.asset.original_file_name, obj.asset_id)

    @admin.display(description="reason")
    def short_reason(self, obj: AssetVideo) -> str:
        return obj.reason  # whole: a reason cut short ("...before playin") says nothing

    @admin.display(description="MB")
    def size_mb(self, obj: AssetVideo) -> str:
        return f"{obj.output_size / 1_000_000:.1f}" if obj.output_size else "-"

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [path("settings/", wrap(self.settings_view), name="assets_assetvideo_settings"), *super().get_urls()]

    def settings_view(self, request):
        """GET: the form with the current settings. POST preview: the dry run of the submitted settings. POST save
        (offered at once, a dry run is not required): store them (the next encode runs, or the jobs page's Missing,
        apply them)."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        current = config_get()["ffmpeg"]
        report = None
        if request.method == "POST":
            form = TranscodingSettingsForm(request.POST)
            if form.is_valid():
                try:
                    ffmpeg = transcode.ffmpeg_candidate(form.ffmpeg_changes())
                except InvalidConfig as error:
                    for problem in error.args[0]:
                        form.add_error(None, problem)
                else:
                    if request.POST.get("action") == "save":
                        if not self.has_change_permission(request):
                            raise PermissionDenied
                        config_update(new_config={**config_get(), "ffmpeg": ffmpeg})
                        self.message_user(
                            request,
                            "Transcoding settings saved. Run videoConversion Missing on the "
                            "jobs page to apply them to existing videos.",
                            messages.SUCCESS,
                        )
                        return HttpResponseRedirect(reverse("admin:assets_assetvideo_settings"))
                    report = transcode.transcode_dry_run(ffmpeg=ffmpeg, probe_missing=form.cleaned_data["probeMissing"])
        else:
            form = TranscodingSettingsForm(initial=current)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Video transcoding settings",
            "form": form,
            "report": report.to_dict() if report else None,
            "can_change": self.has_change_permission(request),
        }
        return TemplateResponse(request, "admin/assets/transcoding.html", context)
