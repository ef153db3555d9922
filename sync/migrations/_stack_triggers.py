"""The sync stream's triggers for stacks (migration 0007), on PostgreSQL and their twins on SQLite.

- A stack deleted (or dissolved), or given to another user by a transfer, is recorded in `sync_stackaudit` for its
  owner (StackDeleteV1) and the owner's partners (PartnerStackDeleteV1).
- An asset joining or leaving a stack gets a new change key: its `stackId` reaches the phones again."""

from sync.migrations._change_keys import KEY
from sync.migrations._sqlite_change_keys import audit

AUDIT_TRIGGERS = f"""
CREATE FUNCTION sync_audit_stack() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.owner_id <> OLD.owner_id THEN
        INSERT INTO sync_stackaudit (stack_id, owner_id, sync_xid, sync_seq, deleted_at)
            VALUES (OLD.id, OLD.owner_id, {KEY}, now());
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER stacks_stack_sync_audit AFTER DELETE OR UPDATE OF owner_id ON stacks_stack
    FOR EACH ROW EXECUTE FUNCTION sync_audit_stack();

CREATE FUNCTION sync_stack_member() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE assets_asset SET sync_seq = 0 WHERE id = OLD.asset_id;
    ELSE
        UPDATE assets_asset SET sync_seq = 0 WHERE id = NEW.asset_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER stacks_stackasset_sync_member AFTER INSERT OR DELETE OR UPDATE OF stack_id ON stacks_stackasset
    FOR EACH ROW EXECUTE FUNCTION sync_stack_member();
"""

DROP_AUDIT_TRIGGERS = """
DROP TRIGGER stacks_stack_sync_audit ON stacks_stack;
DROP TRIGGER stacks_stackasset_sync_member ON stacks_stackasset;
DROP FUNCTION sync_audit_stack(), sync_stack_member();
"""

_STACK_AUDIT = (
    "INSERT INTO sync_stackaudit (stack_id, owner_id, sync_xid, sync_seq, deleted_at) "
    "VALUES (OLD.id, OLD.owner_id, {key}, {now})"
)


def _member(name: str, event: str, row: str) -> str:
    return (
        f"CREATE TRIGGER {name} AFTER {event} ON stacks_stackasset FOR EACH ROW "
        f"BEGIN UPDATE assets_asset SET sync_seq = 0 WHERE id = {row}.asset_id; END"
    )


SQLITE_AUDIT_TRIGGERS = [
    audit("stacks_stack_sync_audit_delete", "DELETE ON stacks_stack", "", _STACK_AUDIT),
    audit(
        "stacks_stack_sync_audit_update", "UPDATE OF owner_id ON stacks_stack", "NEW.owner_id <> OLD.owner_id",
        _STACK_AUDIT,
    ),
    _member("stacks_stackasset_sync_insert", "INSERT", "NEW"),
    _member("stacks_stackasset_sync_delete", "DELETE", "OLD"),
    _member("stacks_stackasset_sync_update", "UPDATE OF stack_id", "NEW"),
]  # fmt: skip


def sqlite_dropped_audit_triggers() -> list[str]:
    return [f"DROP TRIGGER {statement.split()[2]}" for statement in SQLITE_AUDIT_TRIGGERS]
