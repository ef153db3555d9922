"""An ack resumes exactly even when transactions commit out of order: a change is streamed only once every transaction
of the database that began before it has ended, so no later sync can find a change behind an ack already sent."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection

from tests.assets.helpers import upload_photo
from tests.conftest import client_for
from tests.sync.app import ack_all, of_type, phone_for, sync

pytestmark = pytest.mark.django_db(transaction=True)


def _synced_assets(phone) -> list[str]:
    lines = sync(phone, ["AssetsV2"])
    ack_all(phone, lines)
    return sorted(asset["id"] for asset in of_type(lines, "AssetV2"))


def test_a_change_committed_late_is_not_skipped_by_the_ack_of_a_later_one(user, tmp_path):
    web = client_for(user)
    phone = phone_for(user)
    first = upload_photo(web, tmp_path, "first.jpg", color=(1, 1, 1))
    assert _synced_assets(phone) == [first]
    with psycopg.connect(**connection.get_connection_params()) as slow:
        # A slow writer: it changes the first asset (and takes its change key) before the second upload...
        slow.execute("UPDATE assets_asset SET is_favorite = true WHERE id = %s", [first])
        second = upload_photo(web, tmp_path, "second.jpg", color=(200, 1, 1))
        # ... so while it is open, the second upload waits too: an ack of it would jump over the first's change.
        assert _synced_assets(phone) == []
        slow.commit()
    assert _synced_assets(phone) == sorted([first, second])


def test_transactions_of_other_databases_do_not_hold_the_stream_back(user, tmp_path):
    web = client_for(user)
    phone = phone_for(user)
    with psycopg.connect(**{**connection.get_connection_params(), "dbname": "postgres"}) as elsewhere:
        elsewhere.execute("SELECT pg_current_xact_id()")  # a write transaction, open, in another database
        uploaded = upload_photo(web, tmp_path)
        assert _synced_assets(phone) == [uploaded]
