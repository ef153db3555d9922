"""`manage.py live_events`: socket.io for the Immich apps (`/api/socket.io`), one per machine that runs the API.

The API hands each websocket over to it through the Unix socket IMMICH_LIVE_EVENTS_SOCKET (immich/socket_handoff.py);
it delivers the live events every process publishes through Redis (immich/live_events.py). `serve` starts it; in
Docker Compose it is the `live-events` service, sharing that socket's folder with `api`.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from immich.env import ENV
from workers.live_events import serve


class Command(BaseCommand):
    help = "Serve socket.io (live events) for the websockets the API hands over on this machine."

    def handle(self, *args, **options) -> None:
        try:
            serve(redis_url=ENV.redis_url, path=ENV.live_events_socket)
        except KeyboardInterrupt:
            pass
