"""An asset joining, leaving or changing its duplicate group gets a new change key, on PostgreSQL and SQLite, so the
next incremental sync sends it again. In Immich `duplicateId` is a column of the asset row, whose every update moves
the row's `updateId`: a regrouped asset goes back to the phones there too (SyncAssetV2 of 3.1 does not carry the
group itself).

PostgreSQL re-keys once per statement, from the statement's transition tables (a group dismissed, resolved or merged
is one UPDATE of its hash rows, and one UPDATE of its assets here); SQLite has row triggers only. A hash row removed
goes with its asset, whose own deletion reaches the phone: deletes are not followed."""

from django.db import migrations

from sync.migrations._change_keys import postgresql_sql
from sync.migrations._sqlite_change_keys import sqlite_statements

GROUP_TRIGGERS = """
CREATE FUNCTION sync_duplicate_group() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE assets_asset SET sync_seq = 0
            WHERE id IN (SELECT asset_id FROM new_rows WHERE duplicate_id IS NOT NULL);
    ELSE
        UPDATE assets_asset SET sync_seq = 0 WHERE id IN (
            SELECT new_rows.asset_id FROM new_rows JOIN old_rows ON old_rows.asset_id = new_rows.asset_id
            WHERE new_rows.duplicate_id IS DISTINCT FROM old_rows.duplicate_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER duplicates_assethash_sync_insert AFTER INSERT ON duplicates_assethash
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sync_duplicate_group();
CREATE TRIGGER duplicates_assethash_sync_update AFTER UPDATE ON duplicates_assethash
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sync_duplicate_group();
"""

DROP_GROUP_TRIGGERS = """
DROP TRIGGER duplicates_assethash_sync_insert ON duplicates_assethash;
DROP TRIGGER duplicates_assethash_sync_update ON duplicates_assethash;
DROP FUNCTION sync_duplicate_group();
"""

_REKEY = "BEGIN UPDATE assets_asset SET sync_seq = 0 WHERE id = NEW.asset_id; END"
SQLITE_GROUP_TRIGGERS = [
    "CREATE TRIGGER duplicates_assethash_sync_insert AFTER INSERT ON duplicates_assethash FOR EACH ROW "
    f"WHEN NEW.duplicate_id IS NOT NULL {_REKEY}",
    "CREATE TRIGGER duplicates_assethash_sync_update AFTER UPDATE OF duplicate_id ON duplicates_assethash FOR EACH ROW "
    f"WHEN NEW.duplicate_id IS NOT OLD.duplicate_id {_REKEY}",
]
SQLITE_DROP_GROUP_TRIGGERS = [
    "DROP TRIGGER duplicates_assethash_sync_insert",
    "DROP TRIGGER duplicates_assethash_sync_update",
]


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0007_stacks"),
        ("duplicates", "0001_initial"),
    ]

    operations = [
        postgresql_sql(GROUP_TRIGGERS, DROP_GROUP_TRIGGERS),
        sqlite_statements(SQLITE_GROUP_TRIGGERS, SQLITE_DROP_GROUP_TRIGGERS),
    ]
