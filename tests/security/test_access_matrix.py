"""The access-control matrix (issue 11, item 1), driven by the live OpenAPI schema: every operation is classified in
matrix.py, and for each one an intruder (another user, or an admin where the object is a user's own) can neither
read, change nor delete the victim's objects, nor receive any of their bytes."""

from __future__ import annotations

import pytest

from tests.conftest import client_for
from tests.security.conftest import MARKER, World, snapshot
from tests.security.matrix import (
    LINK_ONLY,
    MEMBER_REACH,
    RULES,
    SESSION_ONLY,
    Access,
    refusal_of,
    request_for,
    rule_for,
    schema_operations,
    send,
)
from tests.security.shared_world import (  # noqa: F401  (fixtures, see there)
    intruder_objects,
    intruder_user,
    shared_media_root,
    victim,
    victim_user,
    worlds,
)

pytestmark = pytest.mark.django_db

OPERATIONS = schema_operations()


def _of(*accesses: Access, with_path_id: bool | None = None) -> list[str]:
    """The schema's operations whose rule has one of these accesses; unclassified ones too, so that they fail."""
    chosen = []
    for operation in OPERATIONS:
        rule = RULES.get(operation)
        if rule is None or (rule.access in accesses and (with_path_id is None or bool(rule.owned) == with_path_id)):
            chosen.append(operation)
    return chosen


def _content(response) -> bytes:
    """The whole body, read once (a file answer streams)."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def assert_nothing_leaked(content: bytes, victim: World, sent: str = "") -> None:
    """No name, byte or id of the victim's objects, beyond the ids the intruder sent itself."""
    assert MARKER.encode() not in content, content[:500]
    assert not [index for index, secret in enumerate(victim.secrets) if secret in content]
    assert not [kind for kind, value in victim.ids.items() if value not in sent and value.encode() in content]


def _victim_ids(victim: World) -> dict[str, str]:
    return {**victim.ids, "checksum": victim.checksum_hex, "user_id": str(victim.user.id)}


def test_every_operation_of_the_schema_has_an_access_rule():
    unclassified = [operation for operation in OPERATIONS if operation not in RULES]
    assert not unclassified, f"endpoints with no access rule in the matrix: {unclassified}"


def test_every_rule_names_an_operation_of_the_schema():
    stale = sorted(set(RULES) - set(OPERATIONS))
    assert not stale, f"rules for operations the schema no longer has: {stale}"


@pytest.mark.parametrize("operation", _of(Access.USER, Access.ADMIN))
def test_without_credentials_the_answer_is_401(anonymous, operation):
    rule_for(operation)
    response = send(anonymous, request_for(operation))
    assert response.status_code == 401, response.content
    assert response.json()["statusCode"] == 401


@pytest.mark.parametrize("operation", _of(Access.PUBLIC))
def test_public_operations_need_no_credentials(anonymous, operation):
    rule_for(operation)
    assert send(anonymous, request_for(operation)).status_code not in (401, 403)


@pytest.mark.parametrize("operation", _of(Access.ADMIN))
def test_a_non_admin_gets_403_on_admin_operations(api, operation):
    rule_for(operation)
    response = send(api, request_for(operation))
    assert response.status_code == 403, response.content
    assert response.json()["message"] == "Forbidden"


@pytest.mark.parametrize("intruder", ["other_user", "admin"])
@pytest.mark.parametrize("operation", _of(Access.USER, with_path_id=True))
def test_another_users_object_is_refused_as_unknown_and_stays_as_it_was(
    request, victim, media_root, operation, intruder
):
    rule = rule_for(operation)
    client = client_for(request.getfixturevalue(intruder))
    sent = request_for(operation, rule, path_ids=victim.ids, ids=_victim_ids(victim))
    before = snapshot(victim.user, media_root)
    response = send(client, sent)
    content = _content(response)
    assert response.status_code == refusal_of(rule), content[:300]
    assert snapshot(victim.user, media_root) == before
    assert_nothing_leaked(content, victim, sent.text())


def _probes() -> list[str]:
    """Operations whose request names the victim's ids (in the body or the query) without a victim id in the path."""
    return [op for op in _of(Access.USER) if op not in RULES or RULES[op].expect is not None]


@pytest.mark.parametrize("operation", _probes())
def test_ids_of_another_user_are_neither_touched_nor_revealed(
    other_api, victim, intruder_objects, media_root, operation
):
    rule = rule_for(operation)
    ids = _victim_ids(victim)
    sent = request_for(operation, rule, path_ids={**intruder_objects.ids, "user_id": ids["user_id"]}, ids=ids)
    before = snapshot(victim.user, media_root)
    response = send(other_api, sent)
    content = _content(response)
    assert response.status_code == rule.expect, content[:300]
    assert snapshot(victim.user, media_root) == before
    assert_nothing_leaked(content, victim, sent.text())


@pytest.mark.parametrize(
    "operation",
    [op for op in _of(Access.USER, with_path_id=False) if op.startswith("GET ") and op not in SESSION_ONLY | LINK_ONLY],
)
def test_listings_and_reads_without_filters_show_only_the_callers_objects(other_api, victim, operation):
    rule = rule_for(operation)
    response = send(other_api, request_for(operation, path_ids={"user_id": str(victim.user.id)}))
    content = _content(response)
    assert response.status_code in (200, 400, rule.expect), content[:300]
    assert_nothing_leaked(content, victim)


def test_head_of_another_users_resumable_upload_is_not_found(other_api, victim):
    """HEAD is not in the schema (drf-spectacular leaves it out) but tus clients resume with it."""
    response = other_api.generic("HEAD", f"/api/upload/{victim.ids['tus']}", headers={"Tus-Resumable": "1.0.0"})
    assert response.status_code == 404
    assert "Upload-Offset" not in response and "Upload-Metadata" not in response


@pytest.mark.parametrize("name", ["userId", "albumId", "personId"])
def test_a_timeline_filter_naming_another_users_object_matches_nothing(api, other_api, victim, intruder_objects, name):
    """Filters only narrow the caller's own assets: another user's id answers like an unknown one."""
    value = _victim_ids(victim)[{"userId": "user_id", "albumId": "album", "personId": "person"}[name]]
    assert api.get(f"/api/timeline/buckets?{name}={value}").json()  # the owner's own filter finds the assets
    assert other_api.get(f"/api/timeline/buckets?{name}={value}").json() == []


@pytest.mark.parametrize("role", ["viewer", "editor", "partner"])
@pytest.mark.parametrize("operation", _of(Access.USER, with_path_id=True))
def test_album_members_and_partners_reach_what_is_shared_and_nothing_else(
    api, other_user, victim, media_root, operation, role
):
    """Bob, a member of Alice's album (the album and its photo, as his role allows), or her partner (the photos on
    her timeline): nothing else of Alice's."""
    if role == "partner":
        response = api.post("/api/partners", {"sharedWithId": str(other_user.id)}, format="json")
    else:
        body = {"albumUsers": [{"userId": str(other_user.id), "role": role}]}
        response = api.put(f"/api/albums/{victim.ids['album']}/users", body, format="json")
    assert response.status_code in (200, 201)
    rule = rule_for(operation)
    sent = request_for(operation, rule, path_ids=victim.ids, ids=_victim_ids(victim))
    before = snapshot(victim.user, media_root)
    response = send(client_for(other_user), sent)
    content = _content(response)
    refused = refusal_of(rule)
    expected = MEMBER_REACH.get(operation, {}).get(role, refused)
    assert response.status_code == expected, content[:300]
    assert snapshot(victim.user, media_root) == before
    if expected == refused:
        assert_nothing_leaked(content, victim, sent.text())
