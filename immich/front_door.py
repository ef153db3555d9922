"""The front door at `/`: what this server is, the state of its queues, and how to connect a phone or the CLI.

Server-rendered (one template, no build step), public like Immich's own start page: it shows counts, never assets.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from redis.exceptions import RedisError

from accounts.selectors import admin_exists
from immich.server_apis import VERSION_TEXT
from jobs.selectors import queue_statistics

TITLE = "Immich-compatible media server"


def _queues() -> tuple[list[dict], str]:
    """One row per queue in the reference order, or no rows and why (the broker does not answer)."""
    try:
        statistics = queue_statistics()
    except RedisError as error:
        return [], f"the job broker (Redis) does not answer: {error}"
    return [
        {"name": name, "is_paused": state["queueStatus"]["isPaused"], **state["jobCounts"]}
        for name, state in statistics.items()
    ], ""


def front_door(request: HttpRequest) -> HttpResponse:
    # The address this page was reached by (behind a trusted proxy: the proxy's scheme and host) is the one to give
    # the app: the phone reaches the server the same way.
    server_url = request.build_absolute_uri("/").rstrip("/")
    queues, queues_error = _queues()
    return render(
        request,
        "immich/front_door.html",
        {
            "title": TITLE,
            "version": VERSION_TEXT,
            "server_url": server_url,
            "api_url": f"{server_url}/api",
            "has_admin": admin_exists(),
            "queues": queues,
            "queues_error": queues_error,
        },
    )
