"""Duplicate detection fixtures: the step switched on, and generated photos uploaded and run through the pipeline
(metadata, thumbnails, duplicate detection) in the test's own process, as a worker runs them."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from jobs.models import Step, StepStatus
from jobs.services import step_run, steps_enqueue
from jobs.system_config import config_get, config_update
from tests.assets.helpers import upload_file
from tests.duplicates.scenes import recompressed, resized, save, scene

PIPELINE = (Step.METADATA, Step.THUMBNAILS, Step.DUPLICATES)
SMALL = (480, 360)


def set_duplicates(**settings) -> None:
    config = config_get()
    config["machineLearning"]["duplicateDetection"].update(settings)
    config_update(new_config=config)


@pytest.fixture(autouse=True)
def detection_on(db):
    set_duplicates(enabled=True)


def run_step(asset_id: str, step: Step = Step.DUPLICATES) -> StepStatus | None:
    steps_enqueue(asset_ids=[asset_id], step=step)
    return step_run(asset_id=asset_id, step=step)


def process(asset_id: str) -> str:
    for step in PIPELINE:
        assert run_step(asset_id, step) in (StepStatus.DONE, StepStatus.SKIPPED), step
    return asset_id


def upload_picture(api, image: Image.Image, path: Path, quality: int = 92) -> str:
    return process(upload_file(api, save(image, path, quality))["id"])


def group_of(api, asset_id: str) -> str | None:
    response = api.get(f"/api/assets/{asset_id}")
    assert response.status_code == 200, response.content
    return response.json()["duplicateId"]


def groups(api) -> list[dict]:
    response = api.get("/api/duplicates")
    assert response.status_code == 200, response.content
    return response.json()


def members(api) -> list[set[str]]:
    return [{asset["id"] for asset in group["assets"]} for group in groups(api)]


@pytest.fixture
def trio(api, tmp_path) -> list[str]:
    """One photo, then a smaller copy and a recompressed one: a group of three."""
    image = scene(seed=11, size=SMALL)
    return [
        upload_picture(api, image, tmp_path / "big.jpg"),
        upload_picture(api, resized(image, 0.5), tmp_path / "small.jpg"),
        upload_picture(api, recompressed(image), tmp_path / "recompressed.jpg"),
    ]
