"""SQL shared by the sync migrations: the change key `(sync_xid, sync_seq)` of a synced table."""

from django.db import migrations

KEY = "pg_current_xact_id()::text::bigint, nextval('sync_change_seq')"

# The asset audit trigger's start: an asset deleted, marked deleted or given away leaves its owner's library.
ASSET_AUDIT_START = f"""
CREATE FUNCTION sync_audit_asset() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'deleted' THEN  -- else recorded when it was marked deleted
            INSERT INTO sync_assetaudit (asset_id, owner_id, sync_xid, sync_seq, deleted_at)
                VALUES (OLD.id, OLD.owner_id, {KEY}, now());
        END IF;
        RETURN OLD;
    END IF;
    IF NEW.owner_id <> OLD.owner_id OR (NEW.status = 'deleted' AND OLD.status <> 'deleted') THEN
        INSERT INTO sync_assetaudit (asset_id, owner_id, sync_xid, sync_seq, deleted_at)
            VALUES (OLD.id, OLD.owner_id, {KEY}, now());"""

# The asset audit trigger as migration 0002 made it (0006 replaces it: see _sharing_triggers.py).
ASSET_AUDIT = f"""{ASSET_AUDIT_START}
    END IF;
    IF NEW.owner_id <> OLD.owner_id THEN  -- the new owner needs the EXIF too: a new change key sends it again
        UPDATE assets_assetexif SET sync_seq = 0 WHERE asset_id = NEW.id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER assets_asset_sync_audit AFTER DELETE OR UPDATE OF owner_id, status ON assets_asset
    FOR EACH ROW EXECUTE FUNCTION sync_audit_asset();
"""


def keyed(table: str, leading: str) -> str:
    return f"""
ALTER TABLE {table} ADD COLUMN sync_xid bigint, ADD COLUMN sync_seq bigint;
UPDATE {table} SET (sync_xid, sync_seq) = ({KEY});
CREATE TRIGGER {table}_sync_change_key BEFORE INSERT OR UPDATE ON {table}
    FOR EACH ROW EXECUTE FUNCTION sync_change_key();
CREATE INDEX {table}_sync_key ON {table} ({leading}sync_xid, sync_seq);
"""


def unkeyed(table: str) -> str:
    return f"""
DROP TRIGGER {table}_sync_change_key ON {table};
ALTER TABLE {table} DROP COLUMN sync_xid, DROP COLUMN sync_seq;
"""


def postgresql_sql(sql: str, reverse_sql: str) -> migrations.RunPython:
    """The SQL on PostgreSQL only (SQLite gets its own triggers: _sqlite_change_keys.py)."""

    def run(text: str):
        def apply(apps, schema_editor) -> None:
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(text, params=None)

        return apply

    return migrations.RunPython(run(sql), run(reverse_sql))
