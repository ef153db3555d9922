"""The production stack as compose runs it (migrate, then gunicorn with production settings, a worker, beat and live
events), behind Debian's nginx terminating HTTPS for a host name that is not this machine's loopback: a real browser
logs into the admin from that origin and gets a styled page, an upload goes through the proxy to a thumbnail, and the
app's socket.io websocket passes the proxy."""

from __future__ import annotations

import shutil
import sys
import warnings
from pathlib import Path

import pytest
import requests
import socketio
from django.conf import settings
from urllib3.exceptions import InsecureRequestWarning

from tests.browser import headless_chromium
from tests.live import (
    answers_ok,
    api_key_for,
    live_events_socket_path,
    process_env,
    processes_running,
    run_or_explain,
    this_machines_address,
    wait_until,
)
from tests.media_factories import make_jpeg
from tests.nginx import NGINX, running_nginx
from workers.embedded_redis import free_tcp_port

OPENSSL = shutil.which("openssl")
HOST = "photos.test"  # the name the family's phones would use; the browser resolves it to this machine's address
PASSWORD = "a-long-family-password"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed (bin/test installs Debian's nginx with apt)"),
    pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed (it makes the proxy's certificate)"),
]

# docs/production.md's nginx example with a self-signed certificate.
SERVERS = """
    server {{
        listen {address}:{port} ssl;
        server_name {host};
        ssl_certificate {root}/cert.pem;
        ssl_certificate_key {root}/key.pem;
        client_max_body_size 0;

        location / {{
            proxy_pass http://{upstream};
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_request_buffering off;
        }}

        location /api/socket.io {{
            proxy_pass http://{upstream};
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
        }}
    }}
"""


def production_env(media_root: Path) -> dict:
    """compose.yaml's environment for the test's database, Redis and media, behind an HTTPS proxy."""
    return {
        **process_env(media_root=media_root, redis_url=settings.CELERY_BROKER_URL),
        "DJANGO_SETTINGS_MODULE": "immich.settings.production",
        "SECRET_KEY": "production-test-secret-key-" + "x" * 32,
        "IMMICH_TRUST_X_FORWARDED_PROTO": "true",
        "ALLOWED_HOSTS": "",  # compose's default: any host
    }


@pytest.fixture
def stack(media_root, tmp_path):
    """compose.yaml's processes: migrate (to completion), then the API (its gunicorn command), a worker, beat."""
    env = production_env(media_root)
    env["IMMICH_LIVE_EVENTS_SOCKET"] = str(live_events_socket_path())  # compose: in the shared `run` volume
    python, bin_dir = sys.executable, Path(sys.executable).parent
    run_or_explain([python, "manage.py", "migrate", "--noinput"], env=env)
    port = free_tcp_port()
    logs = tmp_path / "logs"
    logs.mkdir()
    commands = {
        "api": [
            str(bin_dir / "gunicorn"), "immich.wsgi:application", "-b", f"127.0.0.1:{port}",
            "-k", "gthread", "--threads", "8", "--timeout", "600", "--no-control-socket",
        ],
        "worker": [python, "manage.py", "worker", "--name", "production-test", "--concurrency", "2"],
        "beat": [str(bin_dir / "celery"), "-A", "immich", "beat", "-l", "INFO", "-s", str(tmp_path / "beat-schedule")],
        "live-events": [python, "manage.py", "live_events"],
    }  # fmt: skip
    with processes_running(commands, env=env, logs=logs) as processes:
        wait_until(lambda: answers_ok(f"http://127.0.0.1:{port}/api/server/ping"), 60, "the API")
        wait_until(lambda: Path(env["IMMICH_LIVE_EVENTS_SOCKET"]).exists(), 60, "the live-events process")
        yield f"127.0.0.1:{port}", processes
    shutil.rmtree(Path(env["IMMICH_LIVE_EVENTS_SOCKET"]).parent, ignore_errors=True)


@pytest.fixture
def https_proxy(stack, tmp_path):
    """nginx terminating TLS for HOST on this machine's address; yields (address, port)."""
    upstream, _ = stack
    root = tmp_path / "nginx"
    root.mkdir()
    run_or_explain([
        OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={HOST}",
        "-addext", f"subjectAltName=DNS:{HOST}", "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem"),
    ])  # fmt: skip
    address, port = this_machines_address(), free_tcp_port()
    servers = SERVERS.format(root=root, address=address, port=port, host=HOST, upstream=upstream)
    with running_nginx(root, servers, lambda: _answers_insecure(f"https://{address}:{port}/api/server/ping")):
        yield address, port


def _insecure_session() -> requests.Session:
    """A client of the proxy's self-signed certificate, ignoring the machine's HTTP proxy settings."""
    session = requests.Session()
    session.verify = False
    session.trust_env = False
    return session


def _answers_insecure(url: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureRequestWarning)
        try:
            return _insecure_session().get(url, timeout=5).status_code == 200
        except requests.RequestException:
            return False


def test_admin_login_from_an_https_origin_gets_a_styled_page(https_proxy, stack, media_root):
    address, port = https_proxy
    # The first admin, made as docs/production.md says (production's password hasher, not the tests' fast one).
    email = "family-admin@example.com"
    run_or_explain(
        [sys.executable, "manage.py", "createsuperuser", "--noinput", "--email", email],
        env={**production_env(media_root), "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
    )
    origin = f"https://{HOST}:{port}"
    with headless_chromium(
        f"--host-resolver-rules=MAP {HOST} {address}", "--ignore-certificate-errors", "--no-proxy-server"
    ) as browser:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        # The front door names the server and gives the address the phone should use: the proxy's.
        browser.get(f"{origin}/")
        assert browser.find_element(By.ID, "name").text == "Immich-compatible media server"
        assert browser.find_element(By.ID, "server-url").text == origin
        assert f"immich login {origin}/api" in browser.find_element(By.ID, "cli").text

        # The admin's login form posted from the proxy's https origin passes Django's CSRF origin check.
        browser.get(f"{origin}/admin/login/?next=/admin/")
        browser.find_element(By.ID, "id_username").send_keys(email)
        browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
        browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
        WebDriverWait(browser, 30).until(lambda driver: "/login/" not in driver.current_url, browser.page_source)
        assert browser.current_url == f"{origin}/admin/"
        assert browser.find_element(By.ID, "user-tools").text.startswith("WELCOME")

        # Styled: the admin's stylesheet came through the proxy from the API process (WhiteNoise).
        header_colour = browser.execute_script(
            "return getComputedStyle(document.getElementById('header')).backgroundColor"
        )
        assert header_colour not in ("", "rgba(0, 0, 0, 0)", "transparent")
        stylesheet = browser.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name).find(n => n.endsWith('base.css'))"
        )
        assert stylesheet == f"{origin}/static/admin/css/base.css"


def test_upload_through_the_proxy_gets_its_thumbnail(https_proxy, stack, user, tmp_path):
    address, port = https_proxy
    _, processes = stack
    session = _insecure_session()
    session.headers.update({"x-api-key": api_key_for(user), "Host": f"{HOST}:{port}"})
    photo = make_jpeg(tmp_path / "beach.jpg", size=(640, 480))
    url = f"https://{address}:{port}/api"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureRequestWarning)
        response = session.post(
            f"{url}/assets",
            files={"assetData": ("beach.jpg", photo.read_bytes(), "image/jpeg")},
            data={"fileCreatedAt": "2021-06-15T10:30:00Z", "fileModifiedAt": "2021-06-15T10:30:00Z"},
            timeout=60,
        )
        assert response.status_code == 201, response.text
        asset_id = response.json()["id"]

        def thumbnail_served() -> bool:
            answer = session.get(f"{url}/assets/{asset_id}/thumbnail", timeout=10)
            return answer.status_code == 200 and answer.headers["Content-Type"].startswith("image/")

        wait_until(thumbnail_served, 90, "the worker's thumbnail, served through the proxy")
    running = {name: process.poll() for name, process in processes.items()}
    assert running == {"api": None, "worker": None, "beat": None, "live-events": None}


def test_the_apps_socket_connects_through_the_proxy_and_hears_the_server(https_proxy, stack, user):
    address, port = https_proxy
    heard = []
    app = socketio.Client(reconnection=False, ssl_verify=False)
    app.on("on_server_version", lambda version: heard.append(version))
    app.connect(
        f"https://{address}:{port}", socketio_path="/api/socket.io", transports=["websocket"],
        headers={"x-api-key": api_key_for(user)}, wait_timeout=30,
    )  # fmt: skip
    try:
        wait_until(lambda: heard, 30, "on_server_version through the proxy")
    finally:
        app.disconnect()
    assert heard[0]["major"] == 3
