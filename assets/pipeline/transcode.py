"""Video transcoding for one asset: the ffmpeg settings and a probe of the original become a decision in words
(workers.media.transcode); the decision writes an MP4 (encode or remux), or deletes a transcode that is no longer
needed; the decision and its reason are recorded per asset. Originals are only ever read.

Also here: the dry run of a policy (how many videos would be transcoded, remuxed or lose their transcode, and the
size of what would be written), and which file playback serves."""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from assets import media_types
from assets.models import Asset, AssetFile, AssetFileType, AssetStatus, AssetType, AssetVideo, TranscodeDecision
from assets.storage import OFFLINE_REASON, asset_take_offline, local_original, nested_folder, original_roots
from immich import storage
from immich.roots import library_file_roots
from jobs.models import StepStatus
from jobs.services import PermanentFailure
from jobs.system_config import InvalidConfig, config_cached, config_get, config_validate
from workers.media import encoders, fs, transcode, video_encode, video_probe

logger = logging.getLogger(__name__)


def settings_version(ffmpeg: dict) -> str:
    """Outputs made under other ffmpeg settings count as missing (the jobs page's Missing re-runs them)."""
    return hashlib.sha1(json.dumps(ffmpeg, sort_keys=True).encode()).hexdigest()[:16]


def encoded_video_path(asset: Asset) -> Path:
    """`<media>/encoded-video/<ownerId>/<xx>/<yy>/<assetId>.mp4`"""
    return nested_folder("encoded-video", asset.owner_id, str(asset.id)) / f"{asset.id}.mp4"


def _record(
    asset_id,
    *,
    decision: str,
    reason: str,
    version: str,
    probe: video_probe.ProbeSummary | None = None,
    notes: list[str] | tuple[str, ...] = (),
    result: video_encode.EncodeResult | None = None,
) -> None:
    defaults = {
        "decision": decision,
        "reason": reason,
        "notes": list(notes),
        "settings_version": version,
        "decided_at": timezone.now(),
        "video_encoder": result.video_encoder if result else "",
        "audio_encoder": (result.audio_encoder or "") if result else "",
        "output_size": result.output_size if result and result.stored else None,
        "encode_seconds": round(result.seconds, 3) if result else None,
    }
    if probe is not None:
        defaults["probe"] = probe.to_dict()
    AssetVideo.objects.update_or_create(asset_id=asset_id, defaults=defaults)


def _fail(asset_id, reason: str, version: str, probe=None) -> PermanentFailure:
    _record(asset_id, decision=TranscodeDecision.FAILED, reason=reason, version=version, probe=probe)
    return PermanentFailure(reason)


def _delete_transcode(existing: AssetFile) -> str:
    path = Path(existing.path)
    found = storage.stat(path)
    size = found.size if found else 0
    existing.delete()
    transaction.on_commit(lambda: storage.delete(path))
    return f"deleted the transcode that is no longer needed ({size / 1_000_000:.1f} MB)"


def _up_to_date(
    asset_id, existing: AssetFile | None, version: str, decision: transcode.Decision, probe: video_probe.ProbeSummary
) -> bool:
    """A re-run under the same settings, on the same original, with the transcode still on disk, does nothing."""
    if existing is None or not storage.exists(existing.path):
        return False
    current = AssetVideo.objects.filter(asset_id=asset_id).first()
    return bool(
        current
        and current.settings_version == version
        and current.decision == decision.action.value
        and current.probe.get("size_bytes") == probe.size_bytes
    )


def asset_video_encode(asset_id: str) -> StepStatus:
    asset = Asset.objects.get(pk=asset_id)
    if asset.type != AssetType.VIDEO:
        return StepStatus.SKIPPED
    ffmpeg = config_cached()["ffmpeg"]
    version = settings_version(ffmpeg)
    try:
        found = storage.exists(asset.original_path, roots=original_roots(asset))
    except fs.OutsideRoots as error:
        asset_take_offline(asset)
        raise _fail(asset.id, f"{OFFLINE_REASON}: {error}", version) from error
    if not found:
        raise _fail(asset.id, f"the original file is missing: {asset.original_path}", version)
    with local_original(asset) as source:
        return _decide_and_encode(asset, source, ffmpeg, version)


def _decide_and_encode(asset: Asset, source: Path, ffmpeg: dict, version: str) -> StepStatus:
    settings = transcode.TranscodeSettings.from_config(ffmpeg)
    try:
        probe = video_probe.probe(source)
    except video_probe.UnreadableVideo as error:
        raise _fail(asset.id, str(error), version) from error
    if probe.video is None:
        what = "audio only" if probe.audio else "no stream at all"
        raise _fail(asset.id, f"the file has no video stream ({what})", version, probe)

    decision = transcode.decide(probe, settings)
    existing = AssetFile.objects.filter(asset_id=asset.id, type=AssetFileType.ENCODED_VIDEO).first()
    if not decision.action.writes_file:
        with transaction.atomic():
            notes = [_delete_transcode(existing)] if existing else []
            _record(
                asset.id, decision=decision.action, reason=decision.reason, version=version, probe=probe, notes=notes
            )
        return StepStatus.SKIPPED
    if _up_to_date(asset.id, existing, version, decision, probe):
        return StepStatus.SKIPPED

    try:
        plan = transcode.plan(probe, decision, settings, encoders.available_encoders())
    except LookupError as error:
        raise _fail(asset.id, str(error), version, probe) from error
    output = encoded_video_path(asset)
    try:
        with storage.outputs({"video": output}) as written:
            result = video_encode.encode(
                source, written["video"], plan, time_limit_s=transcode.time_limit_s(probe, plan)
            )
    except video_encode.TranscodeFailed as error:
        # An earlier transcode, if any, stays: it still plays.
        raise _fail(asset.id, f"{decision.reason}: {error}", version, probe) from error
    with transaction.atomic():
        notes = list(result.notes)
        if result.stored:
            AssetFile.objects.update_or_create(
                asset_id=asset.id, type=AssetFileType.ENCODED_VIDEO, defaults={"path": str(output)}
            )
            if existing and existing.path != str(output):
                transaction.on_commit(lambda: storage.delete(existing.path))
        elif existing:
            notes.append(_delete_transcode(existing))
        _record(
            asset.id,
            decision=decision.action,
            reason=decision.reason,
            version=version,
            probe=probe,
            notes=notes,
            result=result,
        )
    return StepStatus.DONE if result.stored else StepStatus.SKIPPED


# -- playback -----------------------------------------------------------------------------------------------------


def playback_file(asset: Asset) -> tuple[Path, str, storage.FileStat] | None:
    """The encoded MP4 when there is one stored, else the original (None when neither is there)."""
    files = AssetFile.objects.filter(asset_id=asset.id, type=AssetFileType.ENCODED_VIDEO)
    encoded = files.values_list("path", flat=True).first()
    found = storage.stat(encoded) if encoded else None
    if found is not None:
        return Path(encoded), "video/mp4", found
    found = storage.stat(asset.original_path, roots=original_roots(asset))
    if found is not None:
        content_type = media_types.mime_type_for(asset.original_file_name) or "application/octet-stream"
        return Path(asset.original_path), content_type, found
    return None


# -- dry run ------------------------------------------------------------------------------------------------------


@dataclass
class DryRunReport:
    videos: int = 0
    transcode: int = 0  # would be encoded (new, or overwriting an existing transcode)
    remux: int = 0  # would be copied into MP4 without re-encoding
    delete: int = 0  # have a transcode that would no longer be needed
    unchanged: int = 0  # nothing to do and nothing stored
    not_probed: int = 0  # never looked at by the encode step (run it, or the dry run with probing)
    unreadable: int = 0
    estimated_output_bytes: int = 0  # what the transcodes and remuxes would write
    replaced_bytes: int = 0  # existing transcodes those would overwrite
    freed_bytes: int = 0  # existing transcodes that would be deleted
    current_bytes: int = 0  # all existing transcodes now
    reasons: Counter = field(default_factory=Counter)

    @property
    def net_change_bytes(self) -> int:
        return self.estimated_output_bytes - self.replaced_bytes - self.freed_bytes

    def to_dict(self) -> dict:
        return {
            "videos": self.videos,
            "transcode": self.transcode,
            "remux": self.remux,
            "delete": self.delete,
            "unchanged": self.unchanged,
            "notProbed": self.not_probed,
            "unreadable": self.unreadable,
            "estimatedOutputBytes": self.estimated_output_bytes,
            "estimatedOutputGB": round(self.estimated_output_bytes / 1e9, 3),
            "replacedBytes": self.replaced_bytes,
            "freedBytes": self.freed_bytes,
            "currentBytes": self.current_bytes,
            "netChangeBytes": self.net_change_bytes,
            "netChangeGB": round(self.net_change_bytes / 1e9, 3),
            "topReasons": [{"reason": reason, "count": count} for reason, count in self.reasons.most_common(10)],
        }


def _existing_size(path: str | None, recorded: int | None) -> int:
    if not path:
        return 0
    if recorded:
        return recorded
    found = storage.stat(path)
    return found.size if found else 0


def transcode_dry_run(
    *, ffmpeg: dict, probe_missing: bool = False, progress: Callable[[int, int], None] | None = None
) -> DryRunReport:
    """What running the encode step for every video under `ffmpeg` (a validated config section) would do, without
    doing it. Uses the probe each asset's last decision stored; with `probe_missing` the others are probed now."""
    settings = transcode.TranscodeSettings.from_config(ffmpeg)
    report = DryRunReport()
    videos = Asset.objects.filter(type=AssetType.VIDEO).exclude(status=AssetStatus.DELETED)
    encoded = dict(
        AssetFile.objects.filter(type=AssetFileType.ENCODED_VIDEO, asset__in=videos).values_list("asset_id", "path")
    )
    total = videos.count()
    rows = videos.values_list("id", "original_path", "library__import_paths", "video__probe", "video__output_size")
    for position, row in enumerate(rows.order_by("id").iterator(chunk_size=2000), 1):
        asset_id, original, import_paths, stored_probe, output_size = row
        roots = library_file_roots(import_paths) if import_paths is not None else ()
        report.videos += 1
        existing = _existing_size(encoded.get(asset_id), output_size)
        report.current_bytes += existing
        probe = _probe_for_dry_run(stored_probe, original, roots, probe_missing, report)
        if progress:
            progress(position, total)
        if probe is None:
            continue
        decision = transcode.decide(probe, settings)
        report.reasons[decision.reason if decision.action.writes_file else decision.action.value] += 1
        if decision.action is transcode.Action.NONE:
            if encoded.get(asset_id):
                report.delete += 1
                report.freed_bytes += existing
            else:
                report.unchanged += 1
            continue
        if decision.action is transcode.Action.REMUX:
            report.remux += 1
        else:
            report.transcode += 1
        report.estimated_output_bytes += transcode.estimate_output_bytes(probe, decision, settings)
        report.replaced_bytes += existing
    return report


def _probe_for_dry_run(
    stored: dict | None, original: str, roots: tuple[str, ...], probe_missing: bool, report: DryRunReport
):
    if stored and stored.get("video"):
        return video_probe.ProbeSummary.from_dict(stored)
    if stored:  # probed before: not a usable video
        report.unreadable += 1
        return None
    if not probe_missing:
        report.not_probed += 1
        return None
    try:
        with storage.local_copy(original, roots=roots) as local:
            probe = video_probe.probe(local)
    except (video_probe.UnreadableVideo, OSError):
        probe = None
    if probe is None or probe.video is None:
        report.unreadable += 1
        return None
    return probe


def ffmpeg_candidate(changes: dict) -> dict:
    """The current `ffmpeg` section with `changes` applied, validated like a system-config update (raises
    InvalidConfig with the problems in words)."""
    if not isinstance(changes, dict):
        raise InvalidConfig(["ffmpeg must be an object"])
    config = config_get()
    config["ffmpeg"] = {**config["ffmpeg"], **changes}
    problems = config_validate(config)
    if problems:
        raise InvalidConfig(problems)
    return config["ffmpeg"]
