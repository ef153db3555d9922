"""The change key `(sync_xid, sync_seq)` on every synced table, kept by a trigger on insert and update, and the triggers
that fill the audit tables. Triggers rather than hooks in the apps: a delete by any path (a queryset, a cascade, the
trash purge, an admin action, raw SQL) is recorded, in the transaction that makes it."""

from django.db import migrations

from sync.migrations._change_keys import ASSET_AUDIT, KEY, keyed, postgresql_sql, unkeyed

SYNCED_TABLES = {
    "accounts_user": "",
    "assets_asset": "owner_id, ",
    "assets_assetexif": "",
    "assets_album": "owner_id, ",
    "assets_albumasset": "",
}

CHANGE_KEY_FUNCTION = """
CREATE SEQUENCE sync_change_seq;
CREATE FUNCTION sync_change_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.sync_xid := pg_current_xact_id()::text::bigint;
    NEW.sync_seq := nextval('sync_change_seq');
    RETURN NEW;
END $$;
"""


AUDIT_TRIGGERS = f"""
{ASSET_AUDIT}
CREATE FUNCTION sync_audit_album() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.owner_id <> OLD.owner_id THEN
        INSERT INTO sync_albumaudit (album_id, user_id, sync_xid, sync_seq, deleted_at)
            VALUES (OLD.id, OLD.owner_id, {KEY}, now());
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER assets_album_sync_audit AFTER DELETE OR UPDATE OF owner_id ON assets_album
    FOR EACH ROW EXECUTE FUNCTION sync_audit_album();

CREATE FUNCTION sync_audit_album_asset() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- when the album itself is gone, its AlbumDeleteV1 already takes the links with it on the phone
    INSERT INTO sync_albumassetaudit (album_id, asset_id, user_id, sync_xid, sync_seq, deleted_at)
        SELECT OLD.album_id, OLD.asset_id, album.owner_id, {KEY}, now()
        FROM assets_album album WHERE album.id = OLD.album_id;
    RETURN NULL;
END $$;
CREATE TRIGGER assets_albumasset_sync_audit AFTER DELETE ON assets_albumasset
    FOR EACH ROW EXECUTE FUNCTION sync_audit_album_asset();

CREATE FUNCTION sync_audit_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sync_useraudit (user_id, sync_xid, sync_seq, deleted_at) VALUES (OLD.id, {KEY}, now());
    RETURN NULL;
END $$;
CREATE TRIGGER accounts_user_sync_audit AFTER DELETE ON accounts_user FOR EACH ROW EXECUTE FUNCTION sync_audit_user();
"""

DROP_AUDIT_TRIGGERS = """
DROP TRIGGER assets_asset_sync_audit ON assets_asset;
DROP TRIGGER assets_album_sync_audit ON assets_album;
DROP TRIGGER assets_albumasset_sync_audit ON assets_albumasset;
DROP TRIGGER accounts_user_sync_audit ON accounts_user;
DROP FUNCTION sync_audit_asset(), sync_audit_album(), sync_audit_album_asset(), sync_audit_user();
"""


class Migration(migrations.Migration):
    dependencies = [("sync", "0001_initial"), ("assets", "0006_albums_move_to_their_app"), ("albums", "0001_initial")]

    operations = [
        postgresql_sql(CHANGE_KEY_FUNCTION, "DROP FUNCTION sync_change_key(); DROP SEQUENCE sync_change_seq;"),
        *(postgresql_sql(keyed(table, leading), unkeyed(table)) for table, leading in SYNCED_TABLES.items()),
        postgresql_sql(AUDIT_TRIGGERS, DROP_AUDIT_TRIGGERS),
    ]
