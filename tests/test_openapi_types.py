"""Every JSON body an operation answers with is described in /api/openapi.json: a component or an object with
properties (or an array of those), never a free-form object, so clients and the schema checks can rely on it."""

from __future__ import annotations

import pytest

TYPES_B = "types-b helper (accounts, jobs, system-config, libraries, people, notifications)"
# Not typed yet, each with whoever types it; an entry goes when its operation gets a response serializer.
UNTYPED = {
    "POST /api/admin/notifications 201": TYPES_B,
    "GET /api/admin/users 200": TYPES_B,
    "POST /api/admin/users 201": TYPES_B,
    "GET /api/admin/users/{user_id} 200": TYPES_B,
    "PUT /api/admin/users/{user_id} 200": TYPES_B,
    "DELETE /api/admin/users/{user_id} 200": TYPES_B,
    "GET /api/api-keys 200": TYPES_B,
    "POST /api/api-keys 201": TYPES_B,
    "GET /api/api-keys/{key_id} 200": TYPES_B,
    "PUT /api/api-keys/{key_id} 200": TYPES_B,
    "GET /api/api-keys/me 200": TYPES_B,
    "POST /api/auth/admin-sign-up 201": TYPES_B,
    "POST /api/auth/change-password 200": TYPES_B,  # a UserAdminResponseDto, as PUT /api/users/me
    "POST /api/auth/login 201": TYPES_B,
    "POST /api/auth/logout 200": TYPES_B,
    "POST /api/auth/validateToken 200": TYPES_B,
    "GET /api/jobs 200": TYPES_B,
    "PUT /api/jobs/{queue_name} 200": TYPES_B,
    "GET /api/libraries 200": TYPES_B,
    "POST /api/libraries 201": TYPES_B,
    "GET /api/libraries/{library_id} 200": TYPES_B,
    "PUT /api/libraries/{library_id} 200": TYPES_B,
    "GET /api/libraries/{library_id}/statistics 200": TYPES_B,
    "POST /api/libraries/{library_id}/validate 200": TYPES_B,
    "GET /api/notifications 200": TYPES_B,
    "GET /api/notifications/{notification_id} 200": TYPES_B,
    "PUT /api/notifications/{notification_id} 200": TYPES_B,
    "GET /api/people 200": TYPES_B,
    "GET /api/people/{person_id} 200": TYPES_B,
    "PUT /api/people/{person_id} 200": TYPES_B,
    "GET /api/people/{person_id}/statistics 200": TYPES_B,
    "GET /api/queues 200": TYPES_B,
    "GET /api/queues/{queue_name} 200": TYPES_B,
    "PUT /api/queues/{queue_name} 200": TYPES_B,
    "GET /api/queues/{queue_name}/jobs 200": TYPES_B,
    "POST /api/queues/{queue_name}/jobs/retry 200": TYPES_B,
    "GET /api/system-config 200": TYPES_B,
    "PUT /api/system-config 200": TYPES_B,
    "GET /api/system-config/defaults 200": TYPES_B,
    "GET /api/system-config/storage-template-options 200": TYPES_B,
    "GET /api/users 200": TYPES_B,
    "GET /api/users/{user_id} 200": TYPES_B,
    "GET /api/users/me 200": TYPES_B,
    "PUT /api/users/me 200": TYPES_B,
}


@pytest.fixture
def openapi(anonymous) -> dict:
    return anonymous.get("/api/openapi.json").json()


def _typed(schema: dict, components: dict) -> bool:
    if "$ref" in schema:
        return _typed(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    if schema.get("type") == "array":
        return _typed(schema.get("items", {}), components)
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
    untyped = {name for name, schema in _json_answers(openapi) if not _typed(schema, components)}
    assert sorted(untyped - set(UNTYPED)) == []


def test_the_list_of_untyped_answers_holds_no_typed_one(openapi):
    components = openapi["components"]["schemas"]
    answers = dict(_json_answers(openapi))
    typed_now = [name for name in UNTYPED if name not in answers or _typed(answers[name], components)]
    assert typed_now == [], "typed now (or gone): remove from UNTYPED"
