"""Load: 20 clients (4 users with 5 API keys each) upload 200 small files each at once to the real API (gunicorn)
while a worker (2 processes) runs the pipeline. Every tenth file is a race: all 20 clients send the same bytes at
the same moment, so 5 clients of each user race for one asset and 4 users each get their own. Then the pipeline is
paused: none of its steps failed, and check_consistency finds nothing. Throughput is printed, never asserted
(figures in docs/reliability.md)."""

from __future__ import annotations

import collections
import hashlib
import io
import itertools
import os
import threading
import time
from dataclasses import dataclass

import pytest
import requests
from PIL import Image

from accounts import services as account_services
from assets.models import Asset
from jobs.commands import queue_pause
from jobs.models import AssetStep, StepStatus
from tests.jobs.live_workers import CHAIN_QUEUES, assert_consistent, redis_server, wait_for  # noqa: F401
from tests.live import api_key_for, api_session, post_asset

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

USERS, CLIENTS_PER_USER, FILES_PER_CLIENT = 4, 5, 200
RACE_EVERY = 10  # every tenth upload of every client is the same file for all of them, sent at the same moment
RACES = FILES_PER_CLIENT // RACE_EVERY


def tiny_image(index: int) -> tuple[str, bytes]:
    """A 24x24 picture of noise, about 2 KB, JPEG or PNG by turns: its bytes differ from every other call's."""
    extension, kind = ("jpg", "JPEG") if index % 2 else ("png", "PNG")
    buffer = io.BytesIO()
    Image.frombytes("RGB", (24, 24), os.urandom(24 * 24 * 3)).save(buffer, kind)
    return f"file{index}.{extension}", buffer.getvalue()


@dataclass(frozen=True)
class Answer:
    user: int
    checksum: bytes
    size: int
    outcome: int | str  # the HTTP status, or the connection error in words
    asset_id: str | None


def upload_all(
    url: str, key: str, user: int, files: list[tuple[str, bytes]], together: threading.Barrier, answers: list[Answer]
) -> None:
    session = api_session(key)
    for position, (name, content) in enumerate(files):
        if position % RACE_EVERY == 0:
            together.wait(timeout=300)
        try:
            response = post_asset(session, url, name, content)
            outcome = response.status_code
            asset_id = response.json()["id"] if outcome in (200, 201) else None
        except requests.RequestException as error:
            outcome, asset_id = repr(error), None
        answers.append(Answer(user, hashlib.sha1(content).digest(), len(content), outcome, asset_id))


def uploads_by_file(answers: list[Answer]) -> dict[tuple[int, bytes], list[Answer]]:
    """The answers grouped by user and file, each group checked: one "created", the others duplicates of it."""
    by_file: dict[tuple[int, bytes], list[Answer]] = collections.defaultdict(list)
    for answer in answers:
        by_file[(answer.user, answer.checksum)].append(answer)
    assert [
        (user, checksum.hex(), [(answer.outcome, answer.asset_id) for answer in group])
        for (user, checksum), group in by_file.items()
        if sorted(answer.outcome for answer in group) != [200] * (len(group) - 1) + [201]
        or len({answer.asset_id for answer in group}) != 1
    ] == []
    return by_file


def test_twenty_clients_upload_four_thousand_files_at_once(redis_server, live_server_processes, media_root):
    owners = [account_services.user_create(email=f"load{n}@example.com", password="password123") for n in range(USERS)]
    clients = [(user, api_key_for(owner)) for user, owner in enumerate(owners) for _ in range(CLIENTS_PER_USER)]
    races = [tiny_image(index) for index in range(RACES)]
    fresh = itertools.count(RACES)
    plans = [
        [
            races[position // RACE_EVERY] if position % RACE_EVERY == 0 else tiny_image(next(fresh))
            for position in range(FILES_PER_CLIENT)
        ]
        for _ in clients
    ]
    answers: list[Answer] = []
    together = threading.Barrier(len(clients))
    threads = [
        threading.Thread(target=upload_all, args=(live_server_processes, key, user, plan, together, answers))
        for (user, key), plan in zip(clients, plans)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=900)
    uploaded = time.monotonic()

    # Every upload answered without an error; per user and file one asset, the same file of two users two.
    assert len(answers) == len(clients) * FILES_PER_CLIENT
    assert collections.Counter(answer.outcome for answer in answers if answer.outcome not in (200, 201)) == {}
    by_file = uploads_by_file(answers)
    assert collections.Counter(len(group) for group in by_file.values()) == {
        1: USERS * CLIENTS_PER_USER * (FILES_PER_CLIENT - RACES),
        CLIENTS_PER_USER: USERS * RACES,
    }
    stored = collections.Counter(
        (owner_id, bytes(checksum)) for owner_id, checksum in Asset.objects.values_list("owner_id", "checksum")
    )
    assert stored == {(owners[user].id, checksum): 1 for user, checksum in by_file}

    # The pipeline ran alongside without a failure; it is paused here rather than drained (its backlog is minutes of
    # fixed cost per asset: bench/pipeline.py measures that, and the reliability tests drain theirs to the end).
    for queue in CHAIN_QUEUES:
        queue_pause(queue=queue)
    wait_for(lambda: not AssetStep.objects.filter(status=StepStatus.RUNNING).exists(), 120, "the running steps to end")
    outcomes = collections.Counter(AssetStep.objects.values_list("status", flat=True))
    assert outcomes[StepStatus.FAILED] == 0 and outcomes[StepStatus.DONE] > 0, outcomes
    assert_consistent()  # nothing lost or left over on disk by either side
    for user, owner in enumerate(owners):
        owner.refresh_from_db()
        assert owner.quota_usage_in_bytes == sum(group[0].size for (who, _), group in by_file.items() if who == user)
    print(
        f"{len(answers)} uploads in {uploaded - started:.1f} s ({len(answers) / (uploaded - started):.1f}/s); "
        f"meanwhile {outcomes[StepStatus.DONE]} steps done, {outcomes[StepStatus.SKIPPED]} skipped, none failed"
    )
