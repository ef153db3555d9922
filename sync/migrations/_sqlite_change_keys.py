"""The sync stream's change keys and audit rows on the embedded SQLite database: the same columns as on PostgreSQL,
kept by SQLite triggers. SQLite lets one transaction write at a time and makes its rows visible at once when it
commits, so a counter bumped by every write orders the rows in commit order: a reader never sees a row whose key is
below one it has already seen. The key of a row is then `(counter, counter)`, and every committed row can be streamed
(there is no running transaction to wait for)."""

from django.db import migrations

COUNTER = "(SELECT value FROM sync_change_counter WHERE id = 1)"
BUMP = "UPDATE sync_change_counter SET value = value + 1 WHERE id = 1;"
NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"

CREATE_COUNTER = [
    "CREATE TABLE sync_change_counter (id integer PRIMARY KEY CHECK (id = 1), value bigint NOT NULL)",
    "INSERT INTO sync_change_counter (id, value) VALUES (1, 1)",
]


def keyed(table: str, leading: str) -> list[str]:
    """Rows already there get keys in row order below every new one (new keys start past the counter's first value)."""
    stamp = f"UPDATE {table} SET sync_xid = {COUNTER}, sync_seq = {COUNTER} WHERE rowid = NEW.rowid;"
    return [
        f"ALTER TABLE {table} ADD COLUMN sync_xid bigint",
        f"ALTER TABLE {table} ADD COLUMN sync_seq bigint",
        f"UPDATE {table} SET sync_xid = 1, sync_seq = rowid",
        f"CREATE INDEX {table}_sync_key ON {table} ({leading}sync_xid, sync_seq)",
        f"CREATE TRIGGER {table}_sync_key_insert AFTER INSERT ON {table} FOR EACH ROW BEGIN {BUMP} {stamp} END",
        f"CREATE TRIGGER {table}_sync_key_update AFTER UPDATE ON {table} FOR EACH ROW BEGIN {BUMP} {stamp} END",
    ]


def audit(name: str, event: str, when: str, insert: str) -> str:
    """An audit trigger: `insert` is an INSERT ... VALUES/SELECT whose `{key}` and `{now}` are filled in."""
    condition = f"WHEN {when} " if when else ""
    body = insert.format(key=f"{COUNTER}, {COUNTER}", now=NOW)
    return f"CREATE TRIGGER {name} AFTER {event} FOR EACH ROW {condition}BEGIN {BUMP} {body}; END"


AUDIT_TRIGGERS = [
    audit(
        "assets_asset_sync_audit_delete", "DELETE ON assets_asset", "OLD.status <> 'deleted'",
        "INSERT INTO sync_assetaudit (asset_id, owner_id, sync_xid, sync_seq, deleted_at) "
        "VALUES (OLD.id, OLD.owner_id, {key}, {now})",
    ),
    audit(
        "assets_asset_sync_audit_update", "UPDATE OF owner_id, status ON assets_asset",
        "NEW.owner_id <> OLD.owner_id OR (NEW.status = 'deleted' AND OLD.status <> 'deleted')",
        "INSERT INTO sync_assetaudit (asset_id, owner_id, sync_xid, sync_seq, deleted_at) "
        "VALUES (OLD.id, OLD.owner_id, {key}, {now})",
    ),
    # the new owner needs the EXIF too: a new change key sends it again
    "CREATE TRIGGER assets_asset_sync_owner_exif AFTER UPDATE OF owner_id ON assets_asset FOR EACH ROW "
    "WHEN NEW.owner_id <> OLD.owner_id BEGIN UPDATE assets_assetexif SET sync_seq = 0 WHERE asset_id = NEW.id; END",
    audit(
        "assets_album_sync_audit_delete", "DELETE ON assets_album", "",
        "INSERT INTO sync_albumaudit (album_id, user_id, sync_xid, sync_seq, deleted_at) "
        "VALUES (OLD.id, OLD.owner_id, {key}, {now})",
    ),
    audit(
        "assets_album_sync_audit_update", "UPDATE OF owner_id ON assets_album", "NEW.owner_id <> OLD.owner_id",
        "INSERT INTO sync_albumaudit (album_id, user_id, sync_xid, sync_seq, deleted_at) "
        "VALUES (OLD.id, OLD.owner_id, {key}, {now})",
    ),
    audit(
        "assets_albumasset_sync_audit", "DELETE ON assets_albumasset", "",
        "INSERT INTO sync_albumassetaudit (album_id, asset_id, user_id, sync_xid, sync_seq, deleted_at) "
        "SELECT OLD.album_id, OLD.asset_id, album.owner_id, {key}, {now} FROM assets_album album "
        "WHERE album.id = OLD.album_id",
    ),
    audit(
        "accounts_user_sync_audit", "DELETE ON accounts_user", "",
        "INSERT INTO sync_useraudit (user_id, sync_xid, sync_seq, deleted_at) VALUES (OLD.id, {key}, {now})",
    ),
    audit(
        "people_person_sync_audit", "DELETE ON people_person", "",
        "INSERT INTO sync_personaudit (person_id, owner_id, sync_xid, sync_seq, deleted_at) "
        "VALUES (OLD.id, OLD.owner_id, {key}, {now})",
    ),
    audit(
        "people_assetface_sync_audit", "DELETE ON people_assetface", "",
        "INSERT INTO sync_assetfaceaudit (face_id, owner_id, sync_xid, sync_seq, deleted_at) "
        "SELECT OLD.id, asset.owner_id, {key}, {now} FROM assets_asset asset WHERE asset.id = OLD.asset_id",
    ),
]  # fmt: skip


def unkeyed(table: str) -> list[str]:
    return [
        f"DROP TRIGGER {table}_sync_key_insert",
        f"DROP TRIGGER {table}_sync_key_update",
        f"DROP INDEX {table}_sync_key",
        f"ALTER TABLE {table} DROP COLUMN sync_xid",
        f"ALTER TABLE {table} DROP COLUMN sync_seq",
    ]


def dropped_audit_triggers() -> list[str]:
    return [f"DROP TRIGGER {statement.split()[2]}" for statement in AUDIT_TRIGGERS]


def sqlite_statements(statements: list[str], reverse_statements: list[str]) -> migrations.RunPython:
    """The statements on SQLite only (PostgreSQL has its own triggers, made by the earlier migrations)."""

    def run(chosen: list[str]):
        def apply(apps, schema_editor) -> None:
            if schema_editor.connection.vendor == "sqlite":
                for statement in chosen:
                    schema_editor.execute(statement, params=None)

        return apply

    return migrations.RunPython(run(statements), run(reverse_statements))
