"""Library fixtures: a photo folder outside the media location, a library over it, and a scan helper."""

from __future__ import annotations

from pathlib import Path

import pytest

from libraries.models import Library


@pytest.fixture
def photos(tmp_path) -> Path:
    root = tmp_path / "photos"
    root.mkdir()
    return root


@pytest.fixture
def library(db, user, photos) -> Library:
    return Library.objects.create(owner=user, name="Family", import_paths=[str(photos)])
