"""Real processes for end-to-end tests: the API under gunicorn and a Celery worker, on the test database; and a
PostgreSQL server of the test's own, for tests that stop it."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection, connections

from accounts import services as account_services
from accounts.models import User
from immich.env import REPO_ROOT
from jobs.models import AssetStep, StepStatus
from workers.embedded_redis import free_tcp_port


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def this_machines_address() -> str:
    """The address of the interface of the default route (what a phone on the LAN connects to); loopback only on
    a machine without a network."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.254.254.254", 9))  # UDP: nothing is sent
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def stop(process: subprocess.Popen, signal_number: int, *, timeout: float) -> None:
    """Ask a process to stop with `signal_number`; killed if it has not ended after `timeout` seconds."""
    if process.poll() is not None:
        return
    process.send_signal(signal_number)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def process_env(*, media_root: Path, redis_url: str) -> dict:
    """The environment of a server process started by a test: the test's database, its Redis and media."""
    database = settings.DATABASES["default"]
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "immich.settings.test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "REDIS_URL": redis_url,
        "IMMICH_MEDIA_LOCATION": str(media_root),
        "IMMICH_LOG_TASKS": "true",  # tests read the workers' "Task ... succeeded" lines
    }


def answers_ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


def wait_for_api(process: subprocess.Popen, port: int, *, timeout: float, name: str) -> None:
    """Until the API started by `process` answers its ping on `port`; fails at once if the process ends."""
    deadline = time.monotonic() + timeout
    while not answers_ok(f"http://127.0.0.1:{port}/api/server/ping"):
        assert process.poll() is None, f"{name} exited early with code {process.returncode}"
        assert time.monotonic() < deadline, f"the API did not answer within {timeout:.0f} s"
        time.sleep(0.5)


def first_admin_api_key(api: str) -> str:
    """As the README says to start: the first admin signs up, logs in and asks for a key with every permission."""
    admin = {"email": "admin@example.com", "password": "change-me-please", "name": "Admin"}
    assert requests.post(f"{api}/auth/admin-sign-up", json=admin, timeout=30).status_code == 201
    token = requests.post(f"{api}/auth/login", json=admin, timeout=30).json()["accessToken"]
    answer = requests.post(
        f"{api}/api-keys",
        json={"name": "cli", "permissions": ["all"]},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    secret: str = answer.json()["secret"]
    return secret


UPLOAD_FIELDS = {"fileCreatedAt": "2021-06-15T10:30:00Z", "fileModifiedAt": "2021-06-15T10:30:00Z"}


def api_key_for(user: User) -> str:
    """The secret of a new API key with every permission, for a client of the live API."""
    _, key = account_services.api_key_create(user=user, name="live", permissions=["all"])
    return key


def new_api_key(email: str) -> tuple[User, str]:
    user = account_services.user_create(email=email, password="password123")
    return user, api_key_for(user)


def api_session(key: str) -> requests.Session:
    """One client of the live API: its own kept-alive connections, authenticated by an API key."""
    session = requests.Session()
    session.headers["x-api-key"] = key
    return session


def post_asset(session: requests.Session, url: str, name: str, content: bytes, **headers: str) -> requests.Response:
    return session.post(
        f"{url}/api/assets", files={"assetData": (name, content)}, data=UPLOAD_FIELDS, headers=headers, timeout=120
    )


def live_events_socket_path() -> Path:
    """Where the API hands websockets to the live-events process: a Unix socket's path must stay under 108 bytes,
    so a short folder of its own, not the test's."""
    return Path(tempfile.mkdtemp(prefix="live-")) / "events.sock"


@pytest.fixture
def live_server_processes(media_root, tmp_path):
    """gunicorn + `celery -A immich worker` (no -Q: every queue) + `manage.py live_events` (socket.io) on the test
    database and the test Redis."""
    logs = tmp_path / "logs"
    logs.mkdir()
    with _server_processes(media_root, logs) as url:
        yield url


@pytest.fixture(scope="module")
def module_media_root(tmp_path_factory) -> Path:
    """The media folder of the processes a module's tests share (live_server_for_module)."""
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="module")
def live_server_for_module(django_db_setup, module_media_root, tmp_path_factory):
    """The same processes, shared by a module's tests (each test's rows are still its own: the processes read the
    database afresh, which is emptied after each test). Starting the three processes costs about ten seconds of
    CPU, so a module of tests that need no process of their own shares them; a module whose tests read the media
    folder imports `shared_media_root`."""
    with _server_processes(module_media_root, tmp_path_factory.mktemp("logs")) as url:
        yield url


@pytest.fixture
def server(live_server_for_module, transactional_db) -> Iterator[str]:
    """The URL of the processes the module's tests share. After the test, and before its rows are emptied, it waits
    for their work on those rows to end: emptying the tables under a job still writing them deadlocks."""
    yield live_server_for_module
    wait_until_quiet(timeout=60)


def wait_until_quiet(*, timeout: float) -> None:
    """Until no step waits or runs and no other connection to the test database is in a transaction; gives up
    silently after `timeout` seconds (the emptying then only risks a deadlock)."""

    def quiet() -> bool:
        if AssetStep.objects.filter(status__in=[StepStatus.PENDING, StepStatus.RUNNING]).exists():
            return False
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
            )
            return cursor.fetchone()[0] == 0

    with suppress(AssertionError):  # not quiet in time: the emptying then only risks a deadlock
        wait_until(quiet, timeout, "the shared processes to finish their work")


@pytest.fixture(name="media_root")
def shared_media_root(module_media_root, settings) -> Path:
    """The module's shared media folder in place of each test's own `media_root`, set in this process's settings
    too: a module that shares the processes and reads their files imports this fixture (tests/assets/test_tus_live.py)."""
    settings.MEDIA_LOCATION = module_media_root
    return module_media_root


@contextmanager
def _server_processes(media_root: Path, logs: Path):
    port = free_tcp_port()
    env = process_env(media_root=media_root, redis_url=settings.CELERY_BROKER_URL)
    env["IMMICH_LIVE_EVENTS_SOCKET"] = str(live_events_socket_path())
    bin_dir = Path(sys.executable).parent
    commands = {
        "api": [
            str(bin_dir / "gunicorn"),
            "immich.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-k",
            "gthread",
            "--threads",
            "8",
            "--no-control-socket",
        ],
        "worker": [str(bin_dir / "celery"), "-A", "immich", "worker", "-l", "INFO", "--concurrency", "2"],
        "live-events": [sys.executable, "manage.py", "live_events"],
    }
    url = f"http://127.0.0.1:{port}"
    try:
        with processes_running(commands, env=env, logs=logs):
            wait_until(lambda: answers_ok(f"{url}/api/server/ping"), 60, "the API")
            wait_until(lambda: Path(env["IMMICH_LIVE_EVENTS_SOCKET"]).exists(), 60, "the live-events process")
            yield url
    finally:
        shutil.rmtree(Path(env["IMMICH_LIVE_EVENTS_SOCKET"]).parent, ignore_errors=True)


@contextmanager
def processes_running(commands: dict[str, list[str]], *, env: dict, logs: Path):
    """Start each command in its own process group (output to logs/<name>.log); on the way out, SIGTERM to every
    group, SIGKILL to those still there after 20 s, and the end of each log printed (pytest shows it on failure)."""
    processes = {
        name: subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=env,
            stdout=open(logs / f"{name}.log", "w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        for name, command in commands.items()
    }
    try:
        yield processes
    finally:
        for process in processes.values():
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for log in logs.iterdir():
            print(f"--- {log.name}\n{log.read_text()[-4000:]}")


# -- a PostgreSQL server of the test's own ---------------------------------------------------------------------


def run_or_explain(command: list[str], **options) -> None:
    """Run a setup command; when it fails, the failure says what it printed."""
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, **options)
    assert done.returncode == 0, f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}{done.stderr}"


def _postgres_programs() -> Path | None:
    """The folder holding initdb and pg_ctl: Debian keeps them out of PATH, under /usr/lib/postgresql/<version>/."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).parent
    folders = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda folder: int(folder.parent.name))
    return next((folder for folder in reversed(folders) if (folder / "initdb").exists()), None)


def _as_postgres_user() -> list[str] | None:
    """initdb and postgres refuse to run as root (CI runs tests as root): then they run as user postgres."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return None
    if shutil.which("runuser") is None:
        return None
    return ["runuser", "-u", "postgres", "--"]


class PostgresCluster:
    """initdb into a temporary folder and a server on a free loopback port, so a test may stop and restart it
    without touching the shared server. The folder is outside pytest's (a root-only path user postgres cannot
    enter), and holds the data, the log and the Unix socket."""

    def __init__(self, programs: Path, run_as: list[str]) -> None:
        self.programs = programs
        self.run_as = run_as
        # As root, in /tmp itself: TMPDIR may be a folder user postgres cannot enter.
        self.folder = Path(tempfile.mkdtemp(prefix="immich-pg-", dir="/tmp" if run_as else None))
        if run_as:
            shutil.chown(self.folder, user="postgres")
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = free_tcp_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _pg(self, program: str, *arguments: str) -> None:
        run_or_explain([*self.run_as, str(self.programs / program), *arguments])

    def create(self) -> None:
        self._pg(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        )

    def start(self) -> None:
        # fsync off: the test stops the server cleanly or not at all, and the machine is shared and slow.
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends every session, aborting open transactions; `immediate` is a crash, recovered at start."""
        self._pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def destroy(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def postgres_cluster(media_root):
    """A private PostgreSQL server with the schema migrated, running; skipped where none can be made."""
    programs, run_as = _postgres_programs(), _as_postgres_user()
    if programs is None:
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    if run_as is None:
        pytest.skip("running as root without a postgres user or runuser: initdb refuses to run as root")
    cluster = PostgresCluster(programs, run_as)
    try:
        cluster.create()
        cluster.start()
        run_or_explain(
            [sys.executable, "manage.py", "migrate", "--no-input"],
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "immich.settings.test",
                "DATABASE_URL": cluster.url,
                "IMMICH_MEDIA_LOCATION": str(media_root),
            },
        )
        yield cluster
    finally:
        if cluster.log.exists():
            print(f"--- postgres\n{cluster.log.read_text()[-3000:]}")
        cluster.destroy()


@contextmanager
def database_settings(**changes: str):
    """This process's ORM on another server or database, and with it every process started meanwhile (they are
    given the same settings, see process_env). Django's connections read this very dict."""
    database = settings.DATABASES["default"]
    saved = dict(database)
    connections.close_all()
    database.update(changes)
    try:
        yield
    finally:
        connections.close_all()
        database.clear()
        database.update(saved)


@pytest.fixture
def database_on_cluster(transactional_db, postgres_cluster):
    """The test, the API and the worker on the private cluster, the database the test stops. The shared test
    database comes back before transactional_db, set up first, is torn down (it empties that one)."""
    with database_settings(
        NAME="postgres", HOST="127.0.0.1", PORT=str(postgres_cluster.port), USER="postgres", PASSWORD=""
    ):
        yield postgres_cluster
