"""An upload whose COMMIT went through while its answer was lost with the connection (see tests/lost_commit.py), or
whose on-commit hook failed (the broker down): the asset is saved, so its file must stay where the row says, and
the client is told it was created."""

import base64
import os
from pathlib import Path

import pytest
from PIL import Image

from assets.models import Asset, TusUpload
from jobs.models import AssetStep, Step, StepStatus
from tests.assets.helpers import CREATED, MODIFIED
from tests.jobs.live_workers import redis_server  # noqa: F401  (a fixture)
from tests.lost_commit import commit_cutter  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

ASSET_INSERT = b'INSERT INTO "assets_asset"'


def noise_photo(tmp_path: Path) -> Path:
    path = tmp_path / "photo.jpg"
    Image.frombytes("RGB", (32, 24), os.urandom(32 * 24 * 3)).save(path, "JPEG")
    return path


def post_photo(api, path: Path):
    with open(path, "rb") as handle:
        return api.post(
            "/api/assets",
            {"assetData": handle, "fileCreatedAt": CREATED, "fileModifiedAt": MODIFIED},
            format="multipart",
        )


def assert_created_with_its_file(response, data: bytes) -> None:
    asset = Asset.objects.get()
    assert Path(asset.original_path).read_bytes() == data
    assert (response.status_code, response.json()) == (201, {"id": str(asset.id), "status": "created"})
    # Its first step is recorded but was not sent: the reconciler sends it.
    assert AssetStep.objects.get(asset=asset, step=Step.METADATA).status == StepStatus.PENDING


def test_a_plain_upload_keeps_its_file_when_the_commit_answer_is_lost(api, commit_cutter, tmp_path):
    path = noise_photo(tmp_path)
    commit_cutter.arm(after=ASSET_INSERT)
    response = post_photo(api, path)
    assert commit_cutter.cut.is_set()
    assert_created_with_its_file(response, path.read_bytes())


def test_an_upload_while_the_broker_is_down_keeps_its_file(api, redis_server, tmp_path):
    path = noise_photo(tmp_path)
    redis_server.kill()
    assert_created_with_its_file(post_photo(api, path), path.read_bytes())


def test_a_resumable_upload_keeps_its_file_when_the_commit_answer_is_lost(api, commit_cutter, tmp_path):
    data = noise_photo(tmp_path).read_bytes()
    metadata = {"filename": "photo.jpg", "fileCreatedAt": CREATED, "fileModifiedAt": MODIFIED}
    commit_cutter.arm(after=ASSET_INSERT)
    response = api.generic(
        "POST",
        "/api/upload/",
        data,
        content_type="application/offset+octet-stream",
        headers={
            "Tus-Resumable": "1.0.0",
            "Upload-Length": str(len(data)),
            "Upload-Metadata": ",".join(
                f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in metadata.items()
            ),
        },
    )
    assert commit_cutter.cut.is_set()
    asset = Asset.objects.get()
    assert Path(asset.original_path).read_bytes() == data
    assert (response.status_code, response["X-Immich-Asset-Id"], response["X-Immich-Asset-Status"]) == (
        201,
        str(asset.id),
        "created",
    )
    upload = TusUpload.objects.get()
    assert upload.completed_at is not None and not Path(upload.staging_path).exists()
