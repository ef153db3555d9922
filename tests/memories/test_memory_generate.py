"""The nightly "on this day" memories (Immich's MemoryGenerate): for each day around today, one memory per earlier
year with photos from that month and day."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from jobs.registry import beat_schedule
from jobs.system_config import config_get, config_update
from memories.models import Memory
from memories.services import memories_generate
from tests.assets.helpers import upload_photo

TODAY = date(2026, 12, 6)


def _photo_taken(api, folder, when: str, name: str) -> str:
    return upload_photo(api, folder, name, fileCreatedAt=when, color=(ord(name[0]) * 2, 40, 40))


@pytest.fixture
def dated(api, tmp_path) -> dict[str, str]:
    return {
        "2019": _photo_taken(api, tmp_path, "2019-12-06T10:00:00.000Z", "a.jpg"),
        "2021": _photo_taken(api, tmp_path, "2021-12-06T18:00:00.000Z", "b.jpg"),
        "2021b": _photo_taken(api, tmp_path, "2021-12-06T19:00:00.000Z", "c.jpg"),
        "other day": _photo_taken(api, tmp_path, "2021-11-20T10:00:00.000Z", "d.jpg"),
        "this year": _photo_taken(api, tmp_path, "2026-12-06T08:00:00.000Z", "e.jpg"),
    }


def test_one_memory_per_earlier_year_shown_on_that_day(api, user, dated):
    memories_generate(today=TODAY)

    today = Memory.objects.filter(owner=user, show_at__date=TODAY).order_by("memory_at")
    assert [(memory.type, memory.data) for memory in today] == [
        ("on_this_day", {"year": 2019}),
        ("on_this_day", {"year": 2021}),
    ]
    assert [str(asset_id) for asset_id in today[1].assets.order_by("local_date_time").values_list("id", flat=True)] == [
        dated["2021"],
        dated["2021b"],
    ]
    assert today[0].memory_at == datetime(2019, 12, 6, tzinfo=UTC)
    assert today[0].hide_at.date() == TODAY
    shown = api.get("/api/memories", {"for": "2026-12-06T12:00:00.000Z"}).json()
    assert [memory["data"]["year"] for memory in shown] == [2021, 2019]


def test_the_days_around_today_are_made_too(user, dated):
    memories_generate(today=date(2026, 12, 4))
    assert Memory.objects.filter(show_at__date=TODAY).count() == 2  # two days ahead


def test_a_second_run_makes_nothing_and_a_deleted_memory_stays_deleted(api, user, dated):
    assert memories_generate(today=TODAY) == 2
    Memory.objects.filter(data={"year": 2019}).delete()
    assert memories_generate(today=TODAY) == 0
    assert list(Memory.objects.values_list("data", flat=True)) == [{"year": 2021}]


def test_nothing_is_made_when_the_nightly_task_is_off(user, dated):
    config = config_get()
    config["nightlyTasks"]["generateMemories"] = False
    config_update(new_config=config)
    assert memories_generate(today=TODAY) == 0 and not Memory.objects.exists()


def test_trashed_photos_make_no_memory(api, user, dated):
    api.delete("/api/assets", {"ids": [dated["2019"]]}, format="json")
    memories_generate(today=TODAY)
    assert list(Memory.objects.values_list("data", flat=True)) == [{"year": 2021}]


def test_it_runs_every_night():
    assert beat_schedule()["memory-generate"]["task"] == "MemoryGenerate"
