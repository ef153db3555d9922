"""People fixtures: tagged photos uploaded through the API and read by the metadata step, then imported the way
the pipeline calls the import, and a recorder for the person thumbnail jobs queued on commit."""

from __future__ import annotations

from pathlib import Path

import pytest

from assets.models import Asset
from assets.pipeline.steps import asset_extract_metadata
from jobs.system_config import config_get, config_update
from people import services, tasks
from people.services import faces_import_enabled
from tests.assets.helpers import upload_file
from tests.people.face_factories import face_picture, jpeg_with_xmp, mwg_block, packet, stored_box


def upload_tagged(
    client,
    folder: Path,
    *,
    regions=None,
    orientation: int = 1,
    name: str = "tagged.jpg",
    picture=None,
    xmp: bytes | None = None,
) -> str:
    """A JPEG of `picture` with MWG `regions` (name, displayed-box-or-None) embedded; None boxes mean "the painted
    face", written in the stored frame for `orientation`. Uploaded, then its metadata extracted."""
    picture = picture or face_picture()
    if xmp is None:
        regions = regions if regions is not None else [("Alice", None)]
        stored = [(region_name, box or stored_box(picture, orientation)) for region_name, box in regions]
        xmp = packet(mwg_block(stored))
    path = jpeg_with_xmp(folder / name, picture=picture, orientation=orientation, xmp=xmp)
    asset_id = upload_file(client, path)["id"]
    # The metadata step imports faces itself when the setting is on; these tests call the import explicitly.
    enabled = faces_import_enabled()
    _set_faces_import(False)
    try:
        asset_extract_metadata(asset_id)
    finally:
        _set_faces_import(enabled)
    return asset_id


def _set_faces_import(enabled: bool) -> None:
    config = config_get()
    config["metadata"]["faces"]["import"] = enabled
    config_update(new_config=config)


def import_faces(asset_id, *, sidecar: Path | None = None) -> services.FacesImportResult:
    """What the metadata step passes: the settled orientation and the displayed size."""
    asset = Asset.objects.select_related("exif").get(pk=asset_id)
    orientation = int(asset.exif.orientation) if asset.exif.orientation else None
    return services.faces_import(
        asset_id=asset_id,
        original=Path(asset.original_path),
        sidecar=sidecar,
        orientation=orientation,
        width=asset.width,
        height=asset.height,
    )


@pytest.fixture
def queued(monkeypatch) -> list[str]:
    """Person ids whose thumbnail job was sent (after commit, with django_capture_on_commit_callbacks)."""
    sent: list[str] = []
    monkeypatch.setattr(tasks.person_generate_thumbnail, "delay", lambda person_id, *args: sent.append(person_id))
    return sent


@pytest.fixture
def folder(tmp_path) -> Path:
    path = tmp_path / "photos"
    path.mkdir()
    return path
