"""The asset admin: the checksum as hex digits (and base64), a thumbnail, a column and a filter for failed steps,
the worker that ran each step, and the sidebar's name of the jobs page (issue 24, item 12)."""

from __future__ import annotations

import base64
import re

import pytest
from django.test import Client

from jobs.models import AssetStep, Step, StepStatus
from jobs.services import WORKER_NAME, step_run, steps_enqueue
from tests.assets.helpers import upload_photo
from tests.jobs.test_admin_page import make_asset, make_step

pytestmark = pytest.mark.django_db


def test_the_checksum_reads_as_hex_digits(staff, user):
    asset = make_asset(user, "beach.jpg")
    page = staff.get(f"/admin/assets/asset/{asset.pk}/change/").content.decode()
    assert f"{bytes(asset.checksum).hex()} (sha1)" in page
    assert base64.b64encode(bytes(asset.checksum)).decode() in page
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


def test_the_list_names_each_assets_failed_steps(staff, user):
    corrupt = make_asset(user, "corrupt.jpg")
    make_step(corrupt, Step.METADATA, StepStatus.FAILED, error="no EXIF")
    make_step(corrupt, Step.THUMBNAILS, StepStatus.FAILED, error="not a JPEG")
    make_step(make_asset(user, "fine.jpg"), Step.THUMBNAILS, StepStatus.DONE)
    page = staff.get("/admin/assets/asset/").content.decode()
    cells = re.findall(r'<td class="field-failed_steps">([^<]*)</td>', page)
    assert sorted(cells) == ["-", "metadata extraction, thumbnails"]


def test_the_list_and_the_asset_page_show_its_thumbnail(staff, api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    steps_enqueue(asset_ids=[asset_id], step=Step.THUMBNAILS)
    assert step_run(asset_id=asset_id, step=Step.THUMBNAILS) == StepStatus.DONE
    thumbnail = f"/admin/assets/asset/{asset_id}/thumbnail/thumbnail/"
    assert f'src="{thumbnail}"' in staff.get("/admin/assets/asset/").content.decode()
    preview = f"/admin/assets/asset/{asset_id}/thumbnail/preview/"
    assert f'src="{preview}"' in staff.get(f"/admin/assets/asset/{asset_id}/change/").content.decode()
    answer = staff.get(thumbnail)
    assert (answer.status_code, answer["Content-Type"]) == (200, "image/webp")
    assert b"".join(answer.streaming_content)[8:12] == b"WEBP"


def test_the_thumbnail_is_for_staff_only(api, tmp_path):
    asset_id = upload_photo(api, tmp_path)
    answer = Client().get(f"/admin/assets/asset/{asset_id}/thumbnail/thumbnail/")
    assert answer.status_code == 302 and "/admin/login/" in answer["Location"]


def test_each_step_shows_the_worker_that_ran_it(staff, user):
    asset = make_asset(user, "beach.jpg")
    steps_enqueue(asset_ids=[asset.pk], step=Step.STORAGE_TEMPLATE)
    step_run(asset_id=asset.pk, step=Step.STORAGE_TEMPLATE)
    worker = AssetStep.objects.get(asset=asset, step=Step.STORAGE_TEMPLATE).worker
    assert worker.startswith(f"{WORKER_NAME}:")
    assert worker in staff.get(f"/admin/assets/asset/{asset.pk}/change/").content.decode()


def test_the_sidebar_names_the_jobs_page(staff):
    page = staff.get("/admin/").content.decode()
    assert '<a href="/admin/jobs/queuestate/">Jobs page (queues)</a>' in page
    assert "Queue states" not in page
