"""Every text a client sends is bounded (issue 26, item 5): each string property of every request body and each
string query parameter in /api/openapi.json has a maxLength, an enum or a fixed format (uuid, date-time, binary).
Without this, a 60 MB description or upload `metadata` field was stored and served back. Free-form JSON fields
are bounded in bytes by their serializers (tests/assets/test_text_limits.py)."""

from __future__ import annotations

import pytest

FIXED_FORMATS = {"uuid", "date-time", "date", "binary", "email"}
# Free-form JSON (no type in the schema): bounded in bytes by the serializer, checked by its own tests.
JSON_FIELDS = {"metadata", "data", "albumUsers"}


@pytest.fixture
def openapi(anonymous) -> dict:
    return anonymous.get("/api/openapi.json").json()


def _unbounded(schema: dict, components: dict, where: str, seen: set[str]):
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return
        yield from _unbounded(components[name], components, f"{where}", seen | {name})
        return
    for key in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(key, []):
            yield from _unbounded(part, components, where, seen)
    if schema.get("type") == "string":
        if "maxLength" not in schema and "enum" not in schema and schema.get("format") not in FIXED_FORMATS:
            yield where
    if schema.get("type") == "array":
        yield from _unbounded(schema.get("items", {}), components, f"{where}[]", seen)
    for name, prop in schema.get("properties", {}).items():
        if name not in JSON_FIELDS:
            yield from _unbounded(prop, components, f"{where}.{name}", seen)


def test_every_string_a_client_sends_has_a_bound(openapi):
    components = openapi["components"]["schemas"]
    unbounded = []
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            name = f"{method.upper()} {path}"
            for content in operation.get("requestBody", {}).get("content", {}).values():
                unbounded += _unbounded(content.get("schema", {}), components, f"{name} body", set())
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    unbounded += _unbounded(
                        parameter.get("schema", {}), components, f"{name} ?{parameter['name']}", set()
                    )
    assert unbounded == []
