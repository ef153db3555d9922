"""Every JSON body an operation answers with is described in /api/openapi.json: a component or an object with
properties (or an array of those), never a free-form object, so clients and the schema checks can rely on it."""

from __future__ import annotations

import pytest


@pytest.fixture
def openapi(anonymous) -> dict:
    return anonymous.get("/api/openapi.json").json()


_SCALARS = ("string", "integer", "number", "boolean")


def _typed(schema: dict, components: dict) -> bool:
    if "$ref" in schema:
        return _typed(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    if schema.get("type") == "array":
        items = schema.get("items", {})
        return items.get("type") in _SCALARS or _typed(items, components)  # e.g. Immich's string[] suggestions
    return schema.get("type") == "object" and bool(schema.get("properties"))


def _json_answers(openapi: dict):
    """(operation, its JSON schema) for every success answer with a JSON body: "GET /api/x 200"."""
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                body = response.get("content", {}).get("application/json")
                if status.startswith("2") and body is not None:
                    yield f"{method.upper()} {path} {status}", body["schema"]


def test_every_json_answer_has_a_typed_schema(openapi):
    components = openapi["components"]["schemas"]
    untyped = [name for name, schema in _json_answers(openapi) if not _typed(schema, components)]
    assert untyped == []
