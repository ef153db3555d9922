"""What PostgreSQL can store, for checking client input before it reaches the database: a value past these limits
is the client's mistake (a 400 with the field's name), not a database error (a 500)."""

from __future__ import annotations

import json

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


# How long a text a client may send or a file may carry (issue 26, item 5). Immich 3.1's DTOs bound none of these
# (descriptions, names, the upload `metadata` field are unbounded there); the bounds are this server's, listed in
# docs/limits.md. A longer value sent by a client is a 400 naming the field; one read from a file is cut.
DESCRIPTION_MAX_LENGTH = 16_384  # asset, album and notification descriptions: 8x IPTC's 2,000-byte caption
EMAIL_MAX_LENGTH = 254  # an address (RFC 5321 path limit), as the users table keeps it
NAME_MAX_LENGTH = 255  # names of users, albums, people, API keys, libraries; a device's ids
TEXT_MAX_LENGTH = 1_024  # any other short text: search words, camera names, file names, passwords, checksums
PATH_MAX_LENGTH = 4_096  # paths (PATH_MAX): import paths, exclusion patterns, searched file paths, a file's id
JSON_MAX_BYTES = 65_536  # free-form JSON a client stores: the upload `metadata` field, a notification's `data`
EXTRACTED_TEXT_MAX_LENGTH = TEXT_MAX_LENGTH  # texts read from files (camera, lens, ...), but the description


def json_size(value) -> int:
    """The bytes `value` takes as compact JSON (what a jsonb column keeps, near enough)."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())
