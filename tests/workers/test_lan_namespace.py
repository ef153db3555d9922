"""Issue 24's target: on a fresh clone, `bin/run`, then the official Immich CLI from another network namespace on this
machine (its own address, as a phone on the LAN) uploads, and that device reads the thumbnails, with no setting
changed. The namespace is joined to this machine by a veth pair; the server is reached by the host end's address.

Needs root, iproute2 and npm (the CLI); skips with the reason where network namespaces cannot be made."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from immich.env import REPO_ROOT
from tests.live import first_admin_api_key, stop, wait_for_api, wait_until
from tests.media_factories import make_jpeg, make_png
from workers.embedded_redis import free_tcp_port

# The shared tools beside the checkout (a worktree one level deeper finds them beside its parent).
CLI = next(
    (
        cli
        for root in (REPO_ROOT.parent, REPO_ROOT.parent.parent)
        if (cli := root / "shared" / "tools" / "immich-cli").exists()
    ),
    REPO_ROOT.parent / "shared" / "tools" / "immich-cli",
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CLI.exists() or shutil.which("npm") is None, reason="the Immich CLI needs npm"),
    pytest.mark.skipif(shutil.which("ip") is None, reason="iproute2's `ip` is not installed"),
    pytest.mark.skipif(os.geteuid() != 0, reason="making a network namespace needs root"),
]


def _ip(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)


@pytest.fixture
def lan() -> Iterator[tuple[str, str]]:
    """A network namespace, `phone`, linked to this machine by a veth pair: (namespace name, the host's address on
    that link). The phone end has its own address in a /30 that nothing else on the machine uses."""
    tag = os.getpid() % 100_000
    name, host_end, phone_end = f"immich-phone-{tag}", f"imh{tag}", f"imp{tag}"
    subnet = f"10.{200 + tag % 50}.{tag % 250}"
    host, phone = f"{subnet}.1", f"{subnet}.2"
    made = _ip("netns", "add", name)
    if made.returncode != 0:
        pytest.skip(f"network namespaces are not permitted here: {made.stderr.strip()}")
    try:
        for command in (
            ["link", "add", host_end, "type", "veth", "peer", "name", phone_end],
            ["link", "set", phone_end, "netns", name],
            ["addr", "add", f"{host}/30", "dev", host_end],
            ["link", "set", host_end, "up"],
            ["-n", name, "addr", "add", f"{phone}/30", "dev", phone_end],
            ["-n", name, "link", "set", phone_end, "up"],
            ["-n", name, "link", "set", "lo", "up"],
        ):
            result = _ip(*command)
            if result.returncode != 0:
                pytest.skip(f"`ip {' '.join(command)}` is not permitted here: {result.stderr.strip()}")
        yield name, host
    finally:
        _ip("link", "del", host_end)  # its peer in the namespace goes with it
        _ip("netns", "del", name)


def _in_namespace(name: str, *command: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        ["ip", "netns", "exec", name, *command], capture_output=True, text=True, timeout=300, env=env
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


@pytest.fixture
def bin_run(tmp_path) -> Iterator[int]:
    """`bin/run` as a new user runs it: nothing configured. Only the port is free-chosen (others may hold 2283), and
    the user's data folder is the test's (the library's default place is under it)."""
    port = free_tcp_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(IMMICH_PORT=str(port), XDG_DATA_HOME=str(tmp_path / "share"))
    env.pop("IMMICH_MEDIA_LOCATION", None)
    server = subprocess.Popen(
        [str(REPO_ROOT / "bin" / "run")], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for_api(server, port, timeout=120, name="bin/run")
        yield port
    finally:
        stop(server, signal.SIGINT, timeout=30)  # Ctrl-C, as a user stops it
    assert (tmp_path / "share" / "immich" / "immich.sqlite3").exists()  # the library went to the user's data folder


# What the phone does once the CLI has uploaded: list its assets and fetch each thumbnail (urllib only).
PHONE_READS_THUMBNAILS = """
import json, sys, urllib.error, urllib.request
server, key = sys.argv[1], sys.argv[2]
def call(path, body=None):
    headers = {"x-api-key": key, "Content-Type": "application/json"}
    try:
        with urllib.request.urlopen(urllib.request.Request(server + path, data=body, headers=headers), timeout=30) as answer:
            return answer.headers["Content-Type"], answer.read()
    except urllib.error.HTTPError as error:  # 404 until the thumbnail is made, with the reason
        return error.code, error.read().decode()
kind, found = call("/search/metadata", b"{}")
if kind != "application/json":
    sys.exit(f"the search answered {kind}: {found!r}")
items = json.loads(found)["assets"]["items"]
print(json.dumps({item["originalFileName"]: call(f"/assets/{item['id']}/thumbnail")[0] for item in items}))
"""


def test_the_cli_on_another_device_uploads_and_reads_thumbnails_with_no_setting_changed(lan, bin_run, tmp_path):
    namespace, host = lan
    server = f"http://{host}:{bin_run}/api"
    key = first_admin_api_key(f"http://127.0.0.1:{bin_run}/api")  # the admin, on the machine itself
    photos = tmp_path / "phone-photos"
    make_jpeg(photos / "beach.jpg")
    make_png(photos / "drawing.png")
    subprocess.run([str(CLI), "--version"], capture_output=True, timeout=600, check=True)  # installed before: no net

    cli_env = {**os.environ, "IMMICH_CONFIG_DIR": str(tmp_path / "cli-config")}
    _in_namespace(namespace, str(CLI), "login", server, key, env=cli_env)
    uploaded = _in_namespace(namespace, str(CLI), "upload", "--recursive", str(photos), env=cli_env)
    assert "Successfully uploaded 2" in uploaded or "2 new" in uploaded, uploaded

    def thumbnails() -> dict[str, str]:
        script = [sys.executable, "-c", PHONE_READS_THUMBNAILS, server, key]
        return json.loads(_in_namespace(namespace, *script))

    wait_until(lambda: set(thumbnails().values()) == {"image/webp"}, 120, "the thumbnails")
    assert sorted(thumbnails()) == ["beach.jpg", "drawing.png"]
