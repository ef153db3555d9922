"""What PostgreSQL can store, for checking client input before it reaches the database: a value past these limits
is the client's mistake (a 400 with the field's name), not a database error (a 500)."""

from __future__ import annotations

# The largest number a 64-bit integer column holds.
BIGINT_MAX = 2**63 - 1


def contains_nul(value) -> bool:
    """Whether a NUL character hides in a string, a key or an item of `value`: text and jsonb columns refuse it."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(key) or contains_nul(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return any(contains_nul(item) for item in value)
    return False
