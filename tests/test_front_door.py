"""The front door at `/` and the interactive API docs: what the server is, its queues, how to connect."""

from __future__ import annotations

import pytest
from django.test import Client

from jobs.models import QueueState, Step, StepStatus
from tests.jobs.test_admin_page import make_asset, make_step

pytestmark = pytest.mark.django_db


def front_door(host: str = "192.0.2.2:2283", **headers: str):
    return Client().get("/", HTTP_HOST=host, **headers)


def test_names_the_server_and_its_version():
    response = front_door()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    assert '<h1 id="name">Immich-compatible media server</h1>' in page
    assert "Immich API v3.1.0" in page


def test_gives_the_address_it_was_reached_by_for_the_app_and_the_cli():
    page = front_door("192.0.2.2:2283").content.decode()
    assert '<pre id="server-url">http://192.0.2.2:2283</pre>' in page
    assert "immich login http://192.0.2.2:2283/api YOUR-API-KEY" in page


def test_links_the_admin_the_jobs_page_and_the_api_docs():
    page = front_door().content.decode()
    for link in ('href="/admin/"', 'href="/admin/jobs/queuestate/"', 'href="/api/docs"'):
        assert link in page


def test_shows_each_queue_with_its_counts(user, broker):
    done = make_asset(user, "done.jpg")
    make_step(done, Step.THUMBNAILS, StepStatus.DONE)
    make_step(make_asset(user, "broken.jpg"), Step.THUMBNAILS, StepStatus.FAILED, error="corrupt")
    QueueState.objects.create(queue="metadataExtraction", is_paused=True)
    page = front_door().content.decode()
    row = page[
        page.index('id="queue-thumbnailGeneration"') : page.index("</tr>", page.index("queue-thumbnailGeneration"))
    ]
    assert [cell.split("<")[0] for cell in row.split('class="n">')[1:]] == ["0", "0", "1", "1"]
    metadata = page[page.index('id="queue-metadataExtraction"') :]
    assert '<span class="paused">paused</span>' in metadata[: metadata.index("</tr>")]


def test_tells_how_to_make_the_first_admin_only_while_there_is_none(admin):
    assert 'id="first-admin"' not in front_door().content.decode()


def test_tells_how_to_make_the_first_admin(db):
    page = front_door().content.decode()
    assert 'id="first-admin"' in page
    assert "http://192.0.2.2:2283/api/auth/admin-sign-up" in page


def test_api_docs_are_swagger_ui_over_the_schema():
    response = Client().get("/api/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page and "/api/openapi.json" in page


def test_the_admin_stylesheet_is_served_by_the_app():
    response = Client().get("/static/admin/css/base.css")
    assert response.status_code == 200
    assert b"--header-bg" in b"".join(response.streaming_content)
