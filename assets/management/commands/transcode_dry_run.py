"""`python manage.py transcode_dry_run [--policy optimal] [--target-resolution 720] ... [--probe]`

What a transcoding policy would do to the library before it is saved: how many videos would be transcoded,
remuxed or lose their transcode, and the estimated gigabytes written. Settings not given are the current ones;
`--set key=value` sets any other key of the ffmpeg section (JSON values: --set twoPass=true). Nothing changes."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from assets.pipeline import transcode
from immich.progress import ProgressBar
from jobs.system_config import InvalidConfig

_LISTS = ("acceptedVideoCodecs", "acceptedAudioCodecs", "acceptedContainers")


def _value(key: str, text: str):
    if key in _LISTS:
        return [item.strip() for item in text.split(",") if item.strip()]
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


class Command(BaseCommand):
    help = "Estimate what a transcoding policy would do (files and GB) without running anything."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--policy", dest="transcode", choices=["all", "optimal", "bitrate", "required", "disabled"])
        parser.add_argument("--target-resolution", dest="targetResolution")
        parser.add_argument("--target-video-codec", dest="targetVideoCodec")
        parser.add_argument("--accepted-video-codecs", dest="acceptedVideoCodecs", help="comma separated")
        parser.add_argument("--accepted-containers", dest="acceptedContainers", help="comma separated")
        parser.add_argument("--max-bitrate", dest="maxBitrate")
        parser.add_argument("--crf", dest="crf")
        parser.add_argument("--preset", dest="preset")
        parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="any other ffmpeg key")
        parser.add_argument("--probe", action="store_true", help="probe videos never probed (reads those files)")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **options) -> None:
        changes = {}
        for key in (
            "transcode",
            "targetResolution",
            "targetVideoCodec",
            "acceptedVideoCodecs",
            "acceptedContainers",
            "maxBitrate",
            "crf",
            "preset",
        ):
            if options[key] is not None:
                changes[key] = _value(key, options[key]) if key in (*_LISTS, "crf") else options[key]
        for item in options["set"]:
            key, sep, text = item.partition("=")
            if not sep:
                raise CommandError(f"--set needs KEY=VALUE, got {item!r}")
            changes[key] = _value(key, text)
        try:
            ffmpeg = transcode.ffmpeg_candidate(changes)
        except InvalidConfig as error:
            raise CommandError("; ".join(error.args[0])) from error
        with ProgressBar(self.stderr, label="videos") as bar:
            report = transcode.transcode_dry_run(ffmpeg=ffmpeg, probe_missing=options["probe"], progress=bar.update)
        result = report.to_dict()
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))
            return
        self.stdout.write(
            f"Policy {ffmpeg['transcode']}, target {ffmpeg['targetVideoCodec']} {ffmpeg['targetResolution']}, "
            f"crf {ffmpeg['crf']} {ffmpeg['preset']}, max bitrate {ffmpeg['maxBitrate']}"
        )
        rows = [
            ("videos", result["videos"]),
            ("transcoded (new or overwritten)", result["transcode"]),
            ("remuxed into MP4", result["remux"]),
            ("transcodes deleted (no longer needed)", result["delete"]),
            ("nothing to do", result["unchanged"]),
            ("never probed (not counted; --probe)", result["notProbed"]),
            ("unreadable", result["unreadable"]),
        ]
        for label, count in rows:
            self.stdout.write(f"  {label:<40} {count:>8,}")
        self.stdout.write(f"  {'estimated output':<40} {result['estimatedOutputGB']:>8.2f} GB")
        self.stdout.write(f"  {'freed by deletions':<40} {result['freedBytes'] / 1e9:>8.2f} GB")
        self.stdout.write(f"  {'net change of encoded-video/':<40} {result['netChangeGB']:>+8.2f} GB")
        for item in result["topReasons"]:
            self.stdout.write(f"  {item['count']:>6,} x {item['reason']}")
