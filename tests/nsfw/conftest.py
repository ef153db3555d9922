"""NSFW fixtures: photos with thumbnails and chosen scores."""

from __future__ import annotations

import pytest

from jobs.models import Step, StepStatus
from jobs.services import step_run, steps_enqueue
from tests.assets.helpers import upload_photo
from tests.nsfw.helpers import scored


@pytest.fixture
def photos(api, tmp_path) -> dict[str, str]:
    """Two photos with thumbnails, one scored high and one low."""
    ids = {}
    for name, score, color in (("flagged", 0.9, (200, 40, 40)), ("safe", 0.1, (40, 40, 200))):
        asset_id = upload_photo(api, tmp_path, name=f"{name}.jpg", color=color)
        steps_enqueue(asset_ids=[asset_id], step=Step.THUMBNAILS)
        assert step_run(asset_id=asset_id, step=Step.THUMBNAILS) == StepStatus.DONE
        scored(asset_id, score)
        ids[name] = asset_id
    return ids
