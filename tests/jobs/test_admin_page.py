"""The admin's jobs page in a real headless browser (Debian's chromium through chromium-driver, driven by
Selenium) against pytest-django's live server: buttons clicked, counts read from the page's cells; plus who may
see it, and the asset admin's actions, through Django's test client."""

from __future__ import annotations

import os
import time

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assets.models import Asset, AssetType
from jobs.models import AssetStep, QueueState, Step, StepStatus
from jobs.queues import IDLE_QUEUES, Queue
from tests.browser import headless_chromium

# Immich's queues this server has no work for come last, in Immich's order
IDLE = [queue.value for queue in Queue if queue in IDLE_QUEUES]

PASSWORD = "password123"  # tests/conftest.py makes every user with it
JOBS_URL = "/admin/jobs/queuestate/"
COUNTS_URL = "/admin/jobs/queuestate/counts/"


def make_asset(owner, name: str, *, type: str = AssetType.IMAGE) -> Asset:
    now = timezone.now()
    return Asset.objects.create(
        owner=owner,
        type=type,
        original_path=f"/nowhere/{name}",
        original_file_name=name,
        checksum=os.urandom(20),
        file_created_at=now,
        file_modified_at=now,
        local_date_time=now,
    )


def make_step(asset: Asset, step: Step, status: StepStatus, *, error: str = "", attempts: int = 1) -> AssetStep:
    now = timezone.now()
    return AssetStep.objects.create(
        asset=asset,
        step=step,
        status=status,
        last_error=error,
        attempts=attempts,
        queued_at=now,
        finished_at=None if status == StepStatus.PENDING else now,
    )


@pytest.fixture
def recorded_work(user) -> dict[str, Asset]:
    """metadataExtraction: 3 failed (with reasons), 2 waiting, 1 completed; thumbnailGeneration: 1 completed."""
    assets = {name: make_asset(user, f"{name}.jpg") for name in ["bad1", "bad2", "bad3", "wait1", "wait2", "good"]}
    for number, name in enumerate(["bad1", "bad2", "bad3"], start=1):
        make_step(
            assets[name], Step.METADATA, StepStatus.FAILED, error=f"corrupt JPEG number {number}", attempts=number
        )
    make_step(assets["wait1"], Step.METADATA, StepStatus.PENDING, attempts=0)
    make_step(assets["wait2"], Step.METADATA, StepStatus.PENDING, attempts=0)
    make_step(assets["good"], Step.METADATA, StepStatus.DONE)
    make_step(assets["good"], Step.THUMBNAILS, StepStatus.DONE)
    return assets


# -- the browser ------------------------------------------------------------------------------------------------


@pytest.fixture
def browser():
    with headless_chromium() as driver:
        yield driver


def _left_the_page(element) -> bool:
    """Whether the page that held `element` has been replaced. While the new page loads, asking the old node may
    also fail with Chromium's "Node with given id does not belong to the document" rather than as a stale element
    (seen in CI): either answer means it is gone."""
    from selenium.common.exceptions import WebDriverException

    try:
        element.is_enabled()
    except WebDriverException:
        return True
    return False


class Page:
    """The jobs page as a person sees it: cells, badges, buttons and messages, found by their stable ids."""

    def __init__(self, driver, base_url: str) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver, self.base_url, self.by = driver, base_url, By
        from selenium.common.exceptions import StaleElementReferenceException

        # Generous: CI machines can be loaded; the page's refresh may replace a cell while it is being read.
        self.wait = WebDriverWait(driver, 45, poll_frequency=0.2, ignored_exceptions=(StaleElementReferenceException,))

    def open(self, path: str) -> None:
        self.driver.get(self.base_url + path)

    def login(self, email: str) -> None:
        self.open(f"/admin/login/?next={JOBS_URL}")
        self.element("id_username").send_keys(email)
        self.element("id_password").send_keys(PASSWORD)
        self.click(self.driver.find_element(self.by.CSS_SELECTOR, "input[type=submit]"))
        self.wait.until(lambda driver: driver.find_elements(self.by.ID, "queues"))

    def element(self, element_id: str):
        return self.driver.find_element(self.by.ID, element_id)

    def count(self, queue: str, name: str) -> int:
        return int(self.element(f"count-{queue}-{name}").text)

    def counts(self, queue: str) -> dict[str, int]:
        return {name: self.count(queue, name) for name in ["active", "waiting", "failed", "completed"]}

    def click(self, element, find=None) -> None:
        """Click something that loads a new page (a form's button, a link), and wait for that page. With `find`,
        the element is looked up again when the page's 2-second refresh replaced it between lookup and click."""
        from selenium.common.exceptions import WebDriverException

        for attempt in range(5):
            try:
                element.click()
                break
            except WebDriverException:
                if find is None or attempt == 4:
                    raise
                time.sleep(0.3)
                element = find()
        self.wait.until(lambda driver: _left_the_page(element))
        self.wait.until(lambda driver: driver.execute_script("return document.readyState") == "complete")

    def press(self, queue: str, button: str) -> None:
        def find():
            return self.element(f"button-{queue}-{button}")

        self.click(find(), find=find)

    def messages(self, level: str = "") -> list[str]:
        selector = f"ul.messagelist li{'.' + level if level else ''}"
        return [item.text for item in self.driver.find_elements(self.by.CSS_SELECTOR, selector)]

    def wait_for_count(self, queue: str, name: str, expected: int) -> None:
        self.wait.until(
            lambda _: self.count(queue, name) == expected,
            f"{queue} {name} never showed {expected} (shows {self.count(queue, name)})",
        )


@pytest.mark.django_db(transaction=True)
def test_jobs_page_in_a_browser(browser, live_server, admin, recorded_work, broker):
    page = Page(browser, live_server.url)
    page.login(admin.email)
    metadata = Queue.METADATA_EXTRACTION.value

    # The queues in the reference order, with the recorded counts.
    rows = browser.find_elements(page.by.CSS_SELECTOR, "#queues tbody tr")
    assert [row.get_attribute("id").removeprefix("queue-") for row in rows] == [
        "thumbnailGeneration",
        "metadataExtraction",
        "library",
        "sidecar",
        "videoConversion",
        "storageTemplateMigration",
        "migration",
        "backgroundTask",
        "backupDatabase",
        "duplicateDetection",
        "nsfwDetection",
        *IDLE,
    ]
    assert page.counts(metadata) == {"active": 0, "waiting": 2, "failed": 3, "completed": 1}
    assert page.counts(Queue.THUMBNAIL_GENERATION.value) == {"active": 0, "waiting": 0, "failed": 0, "completed": 1}
    assert not page.element(f"paused-{metadata}").is_displayed()

    # Pause: the badge shows, the state is durable, the waiting jobs still count as waiting; Resume undoes it.
    page.press(metadata, "pause")
    assert page.element(f"paused-{metadata}").is_displayed()
    assert QueueState.objects.get(queue=metadata).is_paused
    assert page.count(metadata, "waiting") == 2
    assert not page.element(f"button-{metadata}-pause").is_displayed()
    page.press(metadata, "resume")
    assert not page.element(f"paused-{metadata}").is_displayed()
    assert not QueueState.objects.get(queue=metadata).is_paused
    assert any("Resumed metadataExtraction" in text for text in page.messages("success"))

    # A command the queue cannot take comes back as an error message, not a crash.
    page.press(Queue.SIDECAR.value, "all")
    assert any("cannot be started" in text for text in page.messages("error"))

    # The counts follow the database without a reload: a step fails behind the page's back.
    browser.execute_script("window.notReloaded = true;")
    AssetStep.objects.filter(asset=recorded_work["wait1"], step=Step.METADATA).update(
        status=StepStatus.FAILED, last_error="decoder crashed", attempts=1
    )
    page.wait_for_count(metadata, "failed", 4)
    assert page.count(metadata, "waiting") == 1
    assert browser.execute_script("return window.notReloaded === true;")
    assert page.element("counts-updated").text.startswith("updated")

    # The failed items with their reasons; retry one of them.
    page.click(page.element(f"count-{metadata}-failed"))
    items = browser.find_elements(page.by.CSS_SELECTOR, "#failed-items tbody tr")
    assert len(items) == 4
    assert "corrupt JPEG number 2" in page.element(f"failed-{recorded_work['bad2'].id}").text
    assert "decoder crashed" in page.element(f"failed-{recorded_work['wait1'].id}").text
    page.click(page.element(f"retry-{recorded_work['bad2'].id}"))
    assert any(str(recorded_work["bad2"].id) in text for text in page.messages("success"))
    assert len(browser.find_elements(page.by.CSS_SELECTOR, "#failed-items tbody tr")) == 3
    retried = AssetStep.objects.get(asset=recorded_work["bad2"], step=Step.METADATA)
    assert (retried.status, retried.attempts, retried.last_error) == (StepStatus.PENDING, 0, "")

    # Retry failed: the failed count drops to 0 and the waiting count takes them.
    page.open(JOBS_URL)
    assert page.counts(metadata)["failed"] == 3
    page.press(metadata, "retry-failed")
    assert any("Queued 3 assets" in text for text in page.messages("success"))
    page.wait_for_count(metadata, "failed", 0)
    page.wait_for_count(metadata, "waiting", 5)
    assert not AssetStep.objects.filter(step=Step.METADATA, status=StepStatus.FAILED).exists()


# -- access and the JSON view, through the test client -----------------------------------------------------------


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", [JOBS_URL, COUNTS_URL, f"{JOBS_URL}failed/?queue=metadataExtraction"])
def test_non_staff_users_are_sent_to_the_login_page(user, url):
    for client in (Client(), _logged_in(user)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(f"/admin/login/?next={url.split('?')[0]}")


def test_non_staff_users_cannot_send_commands(user, recorded_work):
    response = _logged_in(user).post(f"{JOBS_URL}metadataExtraction/command/", {"command": "clear-failed"})
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert AssetStep.objects.filter(step=Step.METADATA, status=StepStatus.FAILED).count() == 3


def test_counts_json_for_staff(admin, recorded_work):
    QueueState.objects.create(queue=Queue.METADATA_EXTRACTION.value, is_paused=True)
    response = _logged_in(admin).get(COUNTS_URL)
    assert response.status_code == 200
    data = response.json()
    assert (
        list(data)
        == [
            queue.value
            for queue in [
                Queue.THUMBNAIL_GENERATION,
                Queue.METADATA_EXTRACTION,
                Queue.LIBRARY,
                Queue.SIDECAR,
                Queue.VIDEO_CONVERSION,
                Queue.STORAGE_TEMPLATE_MIGRATION,
                Queue.MIGRATION,
                Queue.BACKGROUND_TASK,
                Queue.BACKUP_DATABASE,
                Queue.DUPLICATE_DETECTION,
                Queue.NSFW_DETECTION,
            ]
        ]
        + IDLE
    )
    # Paused jobs count as waiting, as on Immich's page.
    assert data["metadataExtraction"] == {"active": 0, "waiting": 2, "failed": 3, "completed": 1, "isPaused": True}


def test_commands_are_post_only(admin, recorded_work):
    response = _logged_in(admin).get(f"{JOBS_URL}metadataExtraction/command/?command=clear-failed")
    assert response.status_code == 405
    assert AssetStep.objects.filter(step=Step.METADATA, status=StepStatus.FAILED).count() == 3


def test_unknown_queue_is_404(admin):
    client = _logged_in(admin)
    assert client.get(f"{JOBS_URL}failed/?queue=nope").status_code == 404
    assert client.post(f"{JOBS_URL}nope/command/", {"command": "pause"}).status_code == 404


def test_clear_failed_button(admin, recorded_work):
    response = _logged_in(admin).post(f"{JOBS_URL}metadataExtraction/command/", {"command": "clear-failed"})
    assert response.status_code == 302 and response["Location"] == JOBS_URL
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        "Cleared 3 failed jobs of metadataExtraction"
    ]
    assert not AssetStep.objects.filter(step=Step.METADATA, status=StepStatus.FAILED).exists()


# -- the asset admin ---------------------------------------------------------------------------------------------


def _action(client: Client, action: str, assets: list[Asset]):
    return client.post(
        reverse("admin:assets_asset_changelist"),
        {"action": action, "_selected_action": [str(asset.id) for asset in assets]},
        follow=True,
    )


def test_asset_actions_queue_steps_across_owners(admin, user, other_user, broker, django_capture_on_commit_callbacks):
    mine, theirs = make_asset(user, "a.jpg"), make_asset(other_user, "b.jpg")
    make_step(theirs, Step.THUMBNAILS, StepStatus.FAILED, error="broken")
    client = _logged_in(admin)
    with django_capture_on_commit_callbacks(execute=True) as published:
        response = _action(client, "regenerate_thumbnails", [mine, theirs])
    assert response.status_code == 200
    assert "Regenerate thumbnails: queued 2 of 2 selected assets" in response.content.decode()
    assert len(published) == 1
    rows = AssetStep.objects.filter(step=Step.THUMBNAILS, asset__in=[mine, theirs])
    assert sorted(row.status for row in rows) == [StepStatus.PENDING, StepStatus.PENDING]
    assert all(row.last_error == "" for row in rows)
    assert broker.llen(Queue.THUMBNAIL_GENERATION.value) == 2

    with django_capture_on_commit_callbacks(execute=True):
        _action(client, "refresh_metadata", [mine])
    assert AssetStep.objects.get(asset=mine, step=Step.METADATA).status == StepStatus.PENDING


def test_reencode_action_queues_only_videos(admin, user):
    video = make_asset(user, "clip.mp4", type=AssetType.VIDEO)
    photo = make_asset(user, "photo.jpg")
    response = _action(_logged_in(admin), "reencode_videos", [video, photo])
    assert "queued 1 of 2 selected assets" in response.content.decode()
    assert list(AssetStep.objects.filter(step=Step.VIDEO_ENCODE).values_list("asset_id", flat=True)) == [video.id]


def test_asset_page_shows_its_steps_and_errors(admin, recorded_work):
    asset = recorded_work["bad3"]
    response = _logged_in(admin).get(reverse("admin:assets_asset_change", args=[asset.id]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "corrupt JPEG number 3" in body and "failed" in body
    search = _logged_in(admin).get(reverse("admin:assets_asset_changelist"), {"q": str(asset.id)})
    assert search.status_code == 200 and search.context["cl"].result_count == 1
    assert _logged_in(admin).get(reverse("admin:assets_asset_changelist"), {"q": "bad"}).context["cl"].result_count == 3


def test_admin_index_links_the_jobs_page_and_the_step_list(admin, recorded_work):
    client = _logged_in(admin)
    assert f'href="{JOBS_URL}"' in client.get("/admin/").content.decode()
    steps = client.get(reverse("admin:jobs_assetstep_changelist"), {"status__exact": "failed"})
    assert steps.status_code == 200 and steps.context["cl"].result_count == 3
    found = client.get(reverse("admin:jobs_assetstep_changelist"), {"q": str(recorded_work["bad1"].id)})
    assert found.context["cl"].result_count == 1
