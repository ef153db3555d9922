"""This server's version: the Immich release whose API it speaks."""

from __future__ import annotations

VERSION = {"major": 3, "minor": 1, "patch": 0, "prerelease": None}
VERSION_NUMBER = "3.1.0"  # as Immich records it in its version history
VERSION_TEXT = f"v{VERSION_NUMBER}"  # as Immich shows it (/server/about)
