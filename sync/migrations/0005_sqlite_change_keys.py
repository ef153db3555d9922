"""The sync stream on the embedded SQLite database (`bin/run`'s default): change keys and audit triggers written
for SQLite. Nothing happens on PostgreSQL."""

from django.db import migrations

from sync.migrations._sqlite_change_keys import (
    AUDIT_TRIGGERS,
    CREATE_COUNTER,
    dropped_audit_triggers,
    keyed,
    sqlite_statements,
    unkeyed,
)

KEYED_TABLES = {
    "accounts_user": "",
    "accounts_userpreferences": "user_id, ",
    "assets_asset": "owner_id, ",
    "assets_assetexif": "",
    "assets_album": "owner_id, ",
    "assets_albumasset": "",
    "people_person": "owner_id, ",
    "people_assetface": "",
}


class Migration(migrations.Migration):
    dependencies = [("sync", "0004_people_and_faces")]

    operations = [
        sqlite_statements(
            [
                *CREATE_COUNTER,
                *(statement for table, leading in KEYED_TABLES.items() for statement in keyed(table, leading)),
                *AUDIT_TRIGGERS,
            ],
            [
                *dropped_audit_triggers(),
                *(statement for table in KEYED_TABLES for statement in unkeyed(table)),
                "DROP TABLE sync_change_counter",
            ],
        )
    ]
