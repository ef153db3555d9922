"""The sync stream's triggers for sharing (migration 0006), on PostgreSQL and their twins on SQLite.

- Partnerships and album memberships get a change key, and a creation key `(sync_created_xid, sync_created_seq)` set
  once on insert: a backfill (the partner's or the album's existing rows sent when a partnership or a membership is
  created) is tracked per creation key, as Immich tracks it per `createId`.
- A partnership removed is recorded in `sync_partneraudit`; a member removed in `sync_albumuseraudit` (for the album's
  other users) and in `sync_albumaudit` (the album leaves the member's phone). A member added re-keys the album, so
  that it reaches the new member's phone even when it was synced before.
- An asset that leaves what partners see (archived, locked or trashed) is recorded in `sync_assetaudit` with
  `partners_only` (the owner keeps it); one that comes back re-keys its EXIF, which the partners' phones dropped with
  it."""

from sync.migrations._change_keys import ASSET_AUDIT_START, KEY
from sync.migrations._sqlite_change_keys import BUMP, COUNTER, audit

SHARED_TABLES = {"sharing_partner": "shared_with_id, ", "albums_albumuser": "user_id, "}

# Assets partners see (sharing/access.py): on the timeline or the hidden video half of a live photo, not trashed.
_SHARED = "{row}.visibility IN ('timeline', 'hidden') AND {row}.deleted_at IS NULL AND {row}.status <> 'deleted'"
WAS_SHARED = _SHARED.format(row="OLD")
IS_SHARED = _SHARED.format(row="NEW")

CREATE_KEY_FUNCTION = """
CREATE FUNCTION sync_create_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.sync_created_xid := pg_current_xact_id()::text::bigint;
    NEW.sync_created_seq := nextval('sync_change_seq');
    RETURN NEW;
END $$;
"""


def create_keyed(table: str, leading: str) -> str:
    return f"""
ALTER TABLE {table} ADD COLUMN sync_created_xid bigint, ADD COLUMN sync_created_seq bigint;
UPDATE {table} SET (sync_created_xid, sync_created_seq) = (sync_xid, sync_seq);
CREATE TRIGGER {table}_sync_create_key BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION sync_create_key();
CREATE INDEX {table}_sync_created ON {table} ({leading}sync_created_xid, sync_created_seq);
"""


def create_unkeyed(table: str) -> str:
    return f"""
DROP TRIGGER {table}_sync_create_key ON {table};
ALTER TABLE {table} DROP COLUMN sync_created_xid, DROP COLUMN sync_created_seq;
"""


AUDIT_TRIGGERS = f"""
DROP TRIGGER assets_asset_sync_audit ON assets_asset;
DROP FUNCTION sync_audit_asset();
{ASSET_AUDIT_START}
    ELSIF ({WAS_SHARED}) AND NOT ({IS_SHARED}) THEN
        INSERT INTO sync_assetaudit (asset_id, owner_id, partners_only, sync_xid, sync_seq, deleted_at)
            VALUES (OLD.id, OLD.owner_id, true, {KEY}, now());
    END IF;
    -- the new owner, or partners seeing it again, need the EXIF too: a new change key sends it again
    IF NEW.owner_id <> OLD.owner_id OR (NOT ({WAS_SHARED}) AND ({IS_SHARED})) THEN
        UPDATE assets_assetexif SET sync_seq = 0 WHERE asset_id = NEW.id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER assets_asset_sync_audit AFTER DELETE OR UPDATE OF owner_id, status, visibility, deleted_at
    ON assets_asset FOR EACH ROW EXECUTE FUNCTION sync_audit_asset();

CREATE FUNCTION sync_audit_partner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sync_partneraudit (shared_by_id, shared_with_id, sync_xid, sync_seq, deleted_at)
        VALUES (OLD.shared_by_id, OLD.shared_with_id, {KEY}, now());
    RETURN NULL;
END $$;
CREATE TRIGGER sharing_partner_sync_audit AFTER DELETE ON sharing_partner
    FOR EACH ROW EXECUTE FUNCTION sync_audit_partner();

CREATE FUNCTION sync_audit_album_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE assets_album SET sync_seq = 0 WHERE id = NEW.album_id;
        RETURN NULL;
    END IF;
    INSERT INTO sync_albumuseraudit (album_id, user_id, sync_xid, sync_seq, deleted_at)
        VALUES (OLD.album_id, OLD.user_id, {KEY}, now());
    INSERT INTO sync_albumaudit (album_id, user_id, sync_xid, sync_seq, deleted_at)
        VALUES (OLD.album_id, OLD.user_id, {KEY}, now());
    RETURN NULL;
END $$;
CREATE TRIGGER albums_albumuser_sync_audit AFTER INSERT OR DELETE ON albums_albumuser
    FOR EACH ROW EXECUTE FUNCTION sync_audit_album_user();
"""

DROP_AUDIT_TRIGGERS = """
DROP TRIGGER assets_asset_sync_audit ON assets_asset;
DROP TRIGGER sharing_partner_sync_audit ON sharing_partner;
DROP TRIGGER albums_albumuser_sync_audit ON albums_albumuser;
DROP FUNCTION sync_audit_asset(), sync_audit_partner(), sync_audit_album_user();
"""


# SQLite: the same, one trigger per event and condition.
def sqlite_create_keyed(table: str, leading: str) -> list[str]:
    stamp = f"UPDATE {table} SET sync_created_xid = {COUNTER}, sync_created_seq = {COUNTER} WHERE rowid = NEW.rowid;"
    return [
        f"ALTER TABLE {table} ADD COLUMN sync_created_xid bigint",
        f"ALTER TABLE {table} ADD COLUMN sync_created_seq bigint",
        f"UPDATE {table} SET sync_created_xid = sync_xid, sync_created_seq = sync_seq",
        f"CREATE INDEX {table}_sync_created ON {table} ({leading}sync_created_xid, sync_created_seq)",
        f"CREATE TRIGGER {table}_sync_create_key AFTER INSERT ON {table} FOR EACH ROW BEGIN {BUMP} {stamp} END",
    ]


def sqlite_create_unkeyed(table: str) -> list[str]:
    return [
        f"DROP TRIGGER {table}_sync_create_key",
        f"DROP INDEX {table}_sync_created",
        f"ALTER TABLE {table} DROP COLUMN sync_created_xid",
        f"ALTER TABLE {table} DROP COLUMN sync_created_seq",
    ]


SQLITE_AUDIT_TRIGGERS = [
    audit(
        "assets_asset_sync_audit_unshared", "UPDATE OF owner_id, status, visibility, deleted_at ON assets_asset",
        f"NEW.owner_id = OLD.owner_id AND NEW.status <> 'deleted' AND ({WAS_SHARED}) AND NOT ({IS_SHARED})",
        "INSERT INTO sync_assetaudit (asset_id, owner_id, partners_only, sync_xid, sync_seq, deleted_at) "
        "VALUES (OLD.id, OLD.owner_id, 1, {key}, {now})",
    ),
    "CREATE TRIGGER assets_asset_sync_shared_exif AFTER UPDATE OF status, visibility, deleted_at ON assets_asset "
    f"FOR EACH ROW WHEN NOT ({WAS_SHARED}) AND ({IS_SHARED}) "
    "BEGIN UPDATE assets_assetexif SET sync_seq = 0 WHERE asset_id = NEW.id; END",
    audit(
        "sharing_partner_sync_audit", "DELETE ON sharing_partner", "",
        "INSERT INTO sync_partneraudit (shared_by_id, shared_with_id, sync_xid, sync_seq, deleted_at) "
        "VALUES (OLD.shared_by_id, OLD.shared_with_id, {key}, {now})",
    ),
    "CREATE TRIGGER albums_albumuser_sync_added AFTER INSERT ON albums_albumuser FOR EACH ROW "
    "BEGIN UPDATE assets_album SET sync_seq = 0 WHERE id = NEW.album_id; END",
    audit(
        "albums_albumuser_sync_audit", "DELETE ON albums_albumuser", "",
        "INSERT INTO sync_albumuseraudit (album_id, user_id, sync_xid, sync_seq, deleted_at) "
        "VALUES (OLD.album_id, OLD.user_id, {key}, {now}); " + BUMP + " "
        "INSERT INTO sync_albumaudit (album_id, user_id, sync_xid, sync_seq, deleted_at) "
        "VALUES (OLD.album_id, OLD.user_id, {key}, {now})",
    ),
]  # fmt: skip


def sqlite_dropped_audit_triggers() -> list[str]:
    return [f"DROP TRIGGER {statement.split()[2]}" for statement in SQLITE_AUDIT_TRIGGERS]
