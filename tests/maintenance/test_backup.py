"""Backup and restore against real PostgreSQL: back up, restore into an empty database, compare every row and file."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command

from immich.env import REPO_ROOT
from maintenance.backup import BackupError, read_manifest
from maintenance.tasks import _backup, database_backup
from notifications.models import Notification
from tests.assets.helpers import upload_photo

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def empty_database():
    database = settings.DATABASES["default"]
    name = f"{database['NAME']}_restore"
    params = dict(
        host=database["HOST"], port=database["PORT"], user=database["USER"], dbname="postgres", autocommit=True
    )
    with psycopg.connect(**params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{name}", name
    with psycopg.connect(**params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _restore(backup: Path, database_url: str, media_root: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "IMMICH_MEDIA_LOCATION": str(media_root),
        "DJANGO_SETTINGS_MODULE": "immich.settings.test",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "restore", str(backup), *extra],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _latest_backup(media_root: Path) -> Path:
    return sorted(p for p in (media_root / "backups").iterdir() if not p.name.startswith("."))[-1]


def _counts(database_url: str, tables) -> dict:
    with psycopg.connect(database_url) as conn:
        return {table: conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables}


def test_backup_then_restore_into_an_empty_database_keeps_every_row_and_file(api, tmp_path, media_root, empty_database):
    ids = [upload_photo(api, tmp_path / str(i), color=(i, 2 * i, 3 * i)) for i in range(3)]
    api.post("/api/albums", {"albumName": "Kept", "assetIds": ids[:2]}, format="json")
    call_command("backup", keep=3)
    backup = _latest_backup(media_root)
    manifest = read_manifest(backup)
    assert len(manifest["originals"]) == 3

    url, _ = empty_database
    result = _restore(backup, url, media_root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 originals checked, 0 missing, 0 changed." in result.stdout
    assert _counts(url, manifest["tables"]) == manifest["tables"]
    assert manifest["tables"]["assets_asset"] == 3 and manifest["tables"]["assets_albumasset"] == 2


def test_restore_refuses_a_database_that_is_not_empty(api, tmp_path, media_root):
    upload_photo(api, tmp_path)
    call_command("backup", keep=3)
    database = settings.DATABASES["default"]
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    result = _restore(_latest_backup(media_root), url, media_root)
    assert result.returncode != 0
    assert "not empty" in result.stderr


def test_verify_lists_a_changed_and_a_missing_original(api, tmp_path, media_root):
    from assets.models import Asset

    first = upload_photo(api, tmp_path / "a")
    second = upload_photo(api, tmp_path / "b", color=(1, 1, 1))
    call_command("backup", keep=3)
    Path(Asset.objects.get(pk=first).original_path).write_bytes(b"changed")
    Path(Asset.objects.get(pk=second).original_path).unlink()
    result = _restore(_latest_backup(media_root), "postgres://unused/none", media_root, "--verify-only")
    assert result.returncode != 0
    assert "CHANGED" in result.stdout and "MISSING" in result.stdout
    assert "2 originals checked, 1 missing, 1 changed." in result.stderr


def test_corrupt_manifest_is_a_clear_error(media_root, empty_database, db):
    broken = media_root / "backups" / "20200101T000000Z"
    broken.mkdir(parents=True)
    (broken / "manifest.json").write_text("{not json")
    url, _ = empty_database
    result = _restore(broken, url, media_root)
    assert result.returncode != 0
    assert "corrupt" in result.stderr
    with psycopg.connect(url) as conn:
        assert (
            conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema='public'").fetchone()[0]
            == 0
        )


def test_truncated_dump_restores_nothing(api, tmp_path, media_root, empty_database):
    upload_photo(api, tmp_path)
    call_command("backup", keep=3)
    backup = _latest_backup(media_root)
    dump = backup / "database.pgdump"
    dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    url, _ = empty_database
    result = _restore(backup, url, media_root)
    assert result.returncode != 0
    with psycopg.connect(url) as conn:
        assert (
            conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema='public'").fetchone()[0]
            == 0
        )


def test_only_the_newest_backups_are_kept(api, tmp_path, media_root):
    upload_photo(api, tmp_path)
    for _ in range(4):
        call_command("backup", keep=2)
    assert len([p for p in (media_root / "backups").iterdir()]) == 2


def test_embedded_sqlite_backup_restores_into_a_new_location(tmp_path, db):
    """The embedded default (SQLite, no DATABASE_URL): back up with SQLite's online backup API, restore elsewhere."""

    def manage(media: Path, *args: str) -> subprocess.CompletedProcess:
        env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL",)}
        env.update(DJANGO_SETTINGS_MODULE="immich.settings.embedded", IMMICH_MEDIA_LOCATION=str(media))
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
        )

    first, second = tmp_path / "first", tmp_path / "second"
    assert manage(first, "migrate", "--verbosity", "0").returncode == 0
    created = manage(
        first,
        "shell",
        "-c",
        "from accounts.services import user_create; user_create(email='s@example.com', password='password123')",
    )
    assert created.returncode == 0, created.stderr
    assert manage(first, "backup").returncode == 0
    backup = _latest_backup(first)
    restored = manage(second, "restore", str(backup))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    check = manage(
        second,
        "shell",
        "-c",
        "from accounts.models import User; print(list(User.objects.values_list('email', flat=True)))",
    )
    assert "['s@example.com']" in check.stdout


def test_backup_without_pg_dump_is_a_clear_error(tmp_path, media_root):
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "PATH": str(tmp_path),  # a machine without the PostgreSQL client
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "IMMICH_MEDIA_LOCATION": str(media_root),
        "DJANGO_SETTINGS_MODULE": "immich.settings.test",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "backup"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    assert "pg_dump is not installed" in done.stderr
    assert "apt-get install postgresql-client-" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (media_root / "backups").exists() or list((media_root / "backups").iterdir()) == []


def test_scheduled_backup_without_pg_dump_tells_the_administrators(admin, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupError):
        _backup()
    notice = Notification.objects.get(user=admin)
    assert notice.title == "Database backup failed"
    assert notice.description.startswith("pg_dump is not installed on this machine")
    assert database_backup.throws == (BackupError,)  # the worker logs the message, not a traceback
