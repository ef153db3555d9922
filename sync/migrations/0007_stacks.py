"""The sync stream for stacks (StacksV1, PartnerStacksV1): stacks get change keys; their removal is recorded, and an
asset joining or leaving a stack is re-keyed (sync/migrations/_stack_triggers.py), on PostgreSQL and SQLite."""

from django.db import migrations, models

from sync.migrations._change_keys import keyed, postgresql_sql, unkeyed
from sync.migrations._sqlite_change_keys import keyed as sqlite_keyed
from sync.migrations._sqlite_change_keys import sqlite_statements
from sync.migrations._sqlite_change_keys import unkeyed as sqlite_unkeyed
from sync.migrations._stack_triggers import (
    AUDIT_TRIGGERS,
    DROP_AUDIT_TRIGGERS,
    SQLITE_AUDIT_TRIGGERS,
    sqlite_dropped_audit_triggers,
)


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0006_sharing"),
        ("stacks", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="StackAudit",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("sync_xid", models.BigIntegerField()),
                ("sync_seq", models.BigIntegerField()),
                ("deleted_at", models.DateTimeField(auto_now_add=True)),
                ("stack_id", models.UUIDField()),
                ("owner_id", models.UUIDField()),
            ],
            options={
                "indexes": [models.Index(fields=["owner_id", "sync_xid", "sync_seq"], name="sync_stack_audit_owner")],
            },
        ),
        postgresql_sql(keyed("stacks_stack", "owner_id, "), unkeyed("stacks_stack")),
        postgresql_sql(AUDIT_TRIGGERS, DROP_AUDIT_TRIGGERS),
        sqlite_statements(
            [*sqlite_keyed("stacks_stack", "owner_id, "), *SQLITE_AUDIT_TRIGGERS],
            [*sqlite_dropped_audit_triggers(), *sqlite_unkeyed("stacks_stack")],
        ),
    ]
