"""The storage template page of the Django admin: live preview for a sample asset, saving through the system
config's validation, the dry run, and the move journal list."""

import pytest
from django.test import Client
from django.urls import reverse

from assets.file_moves.migration import storage_template_migrate
from jobs.system_config import config_get, config_update
from tests.assets.helpers import upload_photo

pytestmark = pytest.mark.django_db


def test_the_preview_renders_the_template_for_a_sample_asset(staff, api, user, tmp_path):
    asset_id = upload_photo(api, tmp_path, "beach.jpg")
    response = staff.get(
        reverse("admin:assets_filemove_template_preview"),
        {"template": "{{y}}/{{MMMM}}/{{filename}}", "asset": asset_id},
    )
    assert response.status_code == 200
    assert response.json()["path"] == f"library/{user.id}/2021/June/beach.jpg"
    assert response.json()["assetId"] == asset_id


def test_the_preview_names_an_unknown_variable(staff):
    body = staff.get(reverse("admin:assets_filemove_template_preview"), {"template": "{{y}}/{{nope}}"}).json()
    assert "{{nope}}" in body["error"] and body["path"] == ""


def test_the_page_shows_the_presets_and_saves_a_valid_template(staff):
    page = staff.get(reverse("admin:assets_filemove_template"))
    assert page.status_code == 200
    assert "{{y}}/{{MMMM}}-{{dd}}/{{filename}}" in page.content.decode()
    response = staff.post(
        reverse("admin:assets_filemove_template"),
        {
            "enabled": "on",
            "hashVerificationEnabled": "on",
            "template": "{{y}}/{{MM}}/{{filename}}",
            "timeZone": "",
        },
    )
    assert response.status_code == 302
    stored = config_get()["storageTemplate"]
    assert (stored["enabled"], stored["template"]) == (True, "{{y}}/{{MM}}/{{filename}}")


def test_an_invalid_template_is_not_saved(staff):
    response = staff.post(reverse("admin:assets_filemove_template"), {"template": "{{y}}/{{camera}}"})
    assert response.status_code == 200 and "{{camera}}" in response.content.decode()
    assert config_get()["storageTemplate"]["template"] == "{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}"


def test_the_dry_run_page_lists_planned_moves(staff, api, tmp_path):
    upload_photo(api, tmp_path, "beach.jpg")
    page = staff.get(reverse("admin:assets_filemove_template_dry_run"), {"template": "{{y}}/{{filename}}"})
    assert page.status_code == 200
    assert "/2021/beach.jpg" in page.content.decode()


def test_the_journal_lists_the_moves(staff, api, tmp_path):
    upload_photo(api, tmp_path, "beach.jpg")
    config = config_get()
    config["storageTemplate"]["enabled"] = True
    config_update(new_config=config)
    storage_template_migrate()
    page = staff.get(reverse("admin:assets_filemove_changelist"))
    assert page.status_code == 200 and "beach.jpg" in page.content.decode()


def test_users_who_are_not_staff_cannot_see_it(user):
    client = Client()
    client.force_login(user)
    assert client.get(reverse("admin:assets_filemove_template")).status_code == 302
