"""The victim's and the intruder's objects (conftest.py), built once per test module and committed, for the access
matrices: building them again for each of their ~1,400 requests was most of the suite's time.

Each test still runs in its own transaction, rolled back at its end, so what a request changes in the database is
gone before the next one; a request may not change the victim's files either, which every matrix test asserts (a
failure there may then show again in the module's later tests). The matrix modules import these fixtures: they take
the place of `user`, `other_user` and `media_root` there, and the database is emptied at the module's end, as after
a transactional test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from accounts import services as account_services
from accounts.models import User
from tests.conftest import client_for
from tests.security.conftest import World, build_intruder_objects, build_world


@dataclass
class Worlds:
    media: Path
    victim: World
    intruder: World


@pytest.fixture(scope="module")
def worlds(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Worlds]:
    media = tmp_path_factory.mktemp("media")
    sources = tmp_path_factory.mktemp("sources")
    with django_db_blocker.unblock(), override_settings(MEDIA_LOCATION=media):
        alice = account_services.user_create(email="alice@example.com", password="password123", name="alice")
        bob = account_services.user_create(email="bob@example.com", password="password123", name="bob")
        built = Worlds(
            media=media,
            victim=build_world(client_for(alice), alice, sources / "alice"),
            intruder=build_intruder_objects(client_for(bob), bob, sources / "bob"),
        )
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(name="media_root")
def shared_media_root(worlds, settings) -> Path:
    settings.MEDIA_LOCATION = worlds.media
    return worlds.media


@pytest.fixture(name="user")
def victim_user(worlds, db) -> User:
    return User.objects.get(pk=worlds.victim.user.pk)


@pytest.fixture(name="other_user")
def intruder_user(worlds, db) -> User:
    return User.objects.get(pk=worlds.intruder.user.pk)


@pytest.fixture
def victim(worlds) -> World:
    return worlds.victim


@pytest.fixture
def intruder_objects(worlds) -> World:
    return worlds.intruder
