"""The sync stream for sharing: partnerships and album memberships get change and creation keys; their removal, and
an asset leaving what partners see, are recorded (sync/migrations/_sharing_triggers.py), on PostgreSQL and SQLite."""

from django.db import migrations, models

from sync.migrations._change_keys import ASSET_AUDIT, keyed, postgresql_sql, unkeyed
from sync.migrations._sharing_triggers import (
    AUDIT_TRIGGERS,
    CREATE_KEY_FUNCTION,
    DROP_AUDIT_TRIGGERS,
    SHARED_TABLES,
    SQLITE_AUDIT_TRIGGERS,
    create_keyed,
    create_unkeyed,
    sqlite_create_keyed,
    sqlite_create_unkeyed,
    sqlite_dropped_audit_triggers,
)
from sync.migrations._sqlite_change_keys import keyed as sqlite_keyed
from sync.migrations._sqlite_change_keys import sqlite_statements
from sync.migrations._sqlite_change_keys import unkeyed as sqlite_unkeyed


def _audit(name: str, fields: list, indexes: list[models.Index]) -> migrations.CreateModel:
    return migrations.CreateModel(
        name=name,
        fields=[
            ("id", models.BigAutoField(primary_key=True, serialize=False)),
            ("sync_xid", models.BigIntegerField()),
            ("sync_seq", models.BigIntegerField()),
            ("deleted_at", models.DateTimeField(auto_now_add=True)),
            *fields,
        ],
        options={"indexes": indexes},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0005_sqlite_change_keys"),
        ("sharing", "0001_initial"),
        ("albums", "0002_album_users"),
    ]

    operations = [
        # Added in SQL: on SQLite, Django would rebuild the table, which its audit triggers forbid.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="assetaudit",
                    name="partners_only",
                    field=models.BooleanField(db_default=False, default=False),
                )
            ],
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE sync_assetaudit ADD COLUMN partners_only boolean NOT NULL DEFAULT false",
                    "ALTER TABLE sync_assetaudit DROP COLUMN partners_only",
                )
            ],
        ),
        _audit(
            "AlbumUserAudit",
            [("album_id", models.UUIDField()), ("user_id", models.UUIDField())],
            [models.Index(fields=["album_id", "sync_xid", "sync_seq"], name="sync_albumuser_audit_album")],
        ),
        _audit(
            "PartnerAudit",
            [("shared_by_id", models.UUIDField()), ("shared_with_id", models.UUIDField())],
            [
                models.Index(fields=["shared_by_id", "sync_xid", "sync_seq"], name="sync_partner_audit_by"),
                models.Index(fields=["shared_with_id", "sync_xid", "sync_seq"], name="sync_partner_audit_with"),
            ],
        ),
        postgresql_sql(CREATE_KEY_FUNCTION, "DROP FUNCTION sync_create_key();"),
        *(
            postgresql_sql(keyed(table, leading) + create_keyed(table, leading), create_unkeyed(table) + unkeyed(table))
            for table, leading in SHARED_TABLES.items()
        ),
        postgresql_sql(AUDIT_TRIGGERS, DROP_AUDIT_TRIGGERS + ASSET_AUDIT),
        sqlite_statements(
            [
                *(
                    statement
                    for table, leading in SHARED_TABLES.items()
                    for statement in [*sqlite_keyed(table, leading), *sqlite_create_keyed(table, leading)]
                ),
                *SQLITE_AUDIT_TRIGGERS,
            ],
            [
                *sqlite_dropped_audit_triggers(),
                *(
                    statement
                    for table in SHARED_TABLES
                    for statement in [*sqlite_create_unkeyed(table), *sqlite_unkeyed(table)]
                ),
            ],
        ),
    ]
