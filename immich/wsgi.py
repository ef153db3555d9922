import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "immich.settings.production")

from immich.body_deadline import BodyDeadline  # noqa: E402  (after the settings module is chosen)
from immich.env import ENV  # noqa: E402
from immich.long_lived import freeze_loaded_app  # noqa: E402
from immich.socket_handoff import SocketIOHandoff  # noqa: E402

# Slow clients cannot hold the API's threads: each piece of a body must arrive in IMMICH_BODY_READ_TIMEOUT seconds.
# Websockets of /api/socket.io are handed to this machine's live-events process (immich/socket_handoff.py).
application = SocketIOHandoff(
    BodyDeadline(get_wsgi_application(), timeout=ENV.body_read_timeout_s), gateway=ENV.live_events_socket
)

freeze_loaded_app()  # the app's objects out of the garbage collector's walks (immich/long_lived.py)
