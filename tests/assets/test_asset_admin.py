"""The asset admin: the checksum as hex digits, and a filter for assets whose steps failed."""

from __future__ import annotations

import pytest

from jobs.models import Step, StepStatus
from tests.jobs.test_admin_page import make_asset, make_step

pytestmark = pytest.mark.django_db


def test_the_checksum_reads_as_hex_digits(staff, user):
    asset = make_asset(user, "beach.jpg")
    page = staff.get(f"/admin/assets/asset/{asset.pk}/change/").content.decode()
    assert f"{bytes(asset.checksum).hex()} (sha1)" in page
    assert "b&#x27;" not in page


def test_assets_are_filtered_by_failed_step(staff, user):
    corrupt = make_asset(user, "corrupt.jpg")
    make_step(corrupt, Step.THUMBNAILS, StepStatus.FAILED, error="not a JPEG")
    bad_metadata = make_asset(user, "odd.jpg")
    make_step(bad_metadata, Step.METADATA, StepStatus.FAILED, error="no EXIF")
    fine = make_asset(user, "fine.jpg")
    make_step(fine, Step.THUMBNAILS, StepStatus.DONE)

    def listed(query: str) -> set[str]:
        page = staff.get(f"/admin/assets/asset/?{query}").content.decode()
        return {name for name in ("corrupt.jpg", "odd.jpg", "fine.jpg") if name in page}

    assert listed("failed_step=any") == {"corrupt.jpg", "odd.jpg"}
    assert listed("failed_step=thumbnails") == {"corrupt.jpg"}
    assert listed("") == {"corrupt.jpg", "odd.jpg", "fine.jpg"}
