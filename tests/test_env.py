"""immich/env.py: host names, the reverse proxy settings and the library's default folder read from the environment."""

from __future__ import annotations

import pytest

import immich.env
from immich.env import read_environment


def test_any_host_is_answered_by_default(monkeypatch):
    monkeypatch.delenv("ALLOWED_HOSTS", raising=False)
    assert read_environment().allowed_hosts == ("*",)


def test_a_list_of_hosts_keeps_this_machines_own_names(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "photos.example.com, 192.168.1.20")
    assert read_environment().allowed_hosts == (
        "photos.example.com", "192.168.1.20", "localhost", "127.0.0.1", "[::1]",
    )  # fmt: skip


def test_proxy_settings_are_off_by_default(monkeypatch):
    for name in ("CSRF_TRUSTED_ORIGINS", "IMMICH_TRUST_X_FORWARDED_PROTO", "IMMICH_TRUST_X_FORWARDED_HOST"):
        monkeypatch.delenv(name, raising=False)
    env = read_environment()
    assert (env.csrf_trusted_origins, env.trust_x_forwarded_proto, env.trust_x_forwarded_host) == ((), False, False)


def test_proxy_settings_are_read(monkeypatch):
    monkeypatch.setenv("CSRF_TRUSTED_ORIGINS", "https://photos.example.com/,https://*.example.org")
    monkeypatch.setenv("IMMICH_TRUST_X_FORWARDED_PROTO", "true")
    monkeypatch.setenv("IMMICH_TRUST_X_FORWARDED_HOST", "1")
    env = read_environment()
    assert env.csrf_trusted_origins == ("https://photos.example.com", "https://*.example.org")
    assert env.trust_x_forwarded_proto and env.trust_x_forwarded_host


def test_an_origin_without_its_scheme_is_refused_with_the_fix(monkeypatch):
    monkeypatch.setenv("CSRF_TRUSTED_ORIGINS", "photos.example.com")
    with pytest.raises(ValueError, match="https://photos.example.com"):
        read_environment()


def test_task_lines_are_off_unless_asked_for(monkeypatch):
    monkeypatch.delenv("IMMICH_LOG_TASKS", raising=False)
    assert read_environment().log_tasks is False
    monkeypatch.setenv("IMMICH_LOG_TASKS", "true")
    assert read_environment().log_tasks is True


def test_the_library_defaults_to_the_users_data_folder_outside_the_clone(monkeypatch, tmp_path):
    monkeypatch.delenv("IMMICH_MEDIA_LOCATION", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    monkeypatch.setattr(immich.env, "LEGACY_MEDIA_LOCATION", tmp_path / "clone" / "data")
    media = read_environment().media_location
    assert media == tmp_path / "share" / "immich" and not media.is_relative_to(immich.env.REPO_ROOT)


def test_an_existing_library_inside_the_clone_is_kept(monkeypatch, tmp_path):
    legacy = tmp_path / "clone" / "data"
    (legacy / "upload").mkdir(parents=True)
    monkeypatch.delenv("IMMICH_MEDIA_LOCATION", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    monkeypatch.setattr(immich.env, "LEGACY_MEDIA_LOCATION", legacy)
    assert read_environment().media_location == legacy
