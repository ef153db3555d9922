"""Schemathesis against /api/openapi.json (issue 11, item 2): for every operation, requests generated from the schema
(stateless, a bounded and fixed number per operation, derandomized), sent in process to the WSGI application as a
normal user and as an admin, each with a full-permission API key. Path ids name the caller's own objects (a fresh
id only ever meets a 404, which the access matrix covers), so the bodies and queries reach the real code.

Checks: no 5xx, the status code is one the schema lists, the content type and body match the schema. Each request
runs in a savepoint that is rolled back, so every case meets the same objects and no job is ever sent: the
dangerous operations (trash empty, user delete, system config, queue commands) need no exclusion."""

from __future__ import annotations

import logging
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts import services as account_services
from libraries.models import Library
from tests.conftest import client_for
from tests.media_factories import make_jpeg
from tests.security.conftest import build_world

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

# tus chunks (PATCH /api/upload/{id}) are raw bytes under their own media type.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")

# Valid requests: every check. Invalid ones (a body, query or header the schema forbids): no server error, since
# what they get is a 400 that the schema need not spell out for every way of being wrong.
MODES = {
    GenerationMode.POSITIVE: (10, [not_a_server_error, status_code_conformance, content_type_conformance,
                                   response_schema_conformance]),
    GenerationMode.NEGATIVE: (5, [not_a_server_error]),
}  # fmt: skip


@dataclass
class Findings:
    cases: Counter = field(default_factory=Counter)
    failures: dict[tuple[str, str], str] = field(default_factory=dict)  # (operation, first line) -> details

    def report(self) -> str:
        return "\n\n".join(f"{operation}: {details}" for (operation, _), details in sorted(self.failures.items()))


class _Undo(Exception):
    """Raised to roll the request's savepoint back."""


@contextmanager
def wsgi_on_the_test_connection():
    """The WSGI application, its requests on the test's own connection inside its transaction: Django closes the
    connection at each request's start and end, which its test client prevents the same way. (Entered after the
    test client's last request: the client puts the signal back when it is done.)"""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def quiet_request_log():
    """4xx answers are what fuzzing asks for: only 5xx (which fail the test) are worth a log line."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def path_ids(caller, other_user, tmp_path) -> dict[str, str]:
    world = build_world(client_for(caller), caller, tmp_path / "objects")
    photos = tmp_path / "library"
    make_jpeg(photos / "a.jpg")
    library = Library.objects.create(owner=caller, import_paths=[str(photos)])
    return {
        "asset_id": world.ids["image"], "album_id": world.ids["album"], "person_id": world.ids["person"],
        "key_id": world.ids["api_key"], "upload_id": world.ids["tus"], "library_id": str(library.pk),
        "user_id": str(other_user.pk), "video_asset_id": world.ids["video"],
    }  # fmt: skip


def fuzz(operation, mode: GenerationMode, headers: dict, ids: dict, findings: Findings) -> None:
    names = [parameter.name for parameter in operation.path_parameters]
    fixed = {name: ids["video_asset_id" if "video" in operation.path else name] for name in names if name in ids}
    examples, checks = MODES[mode]

    @hypothesis_settings(
        max_examples=examples, derandomize=True, database=None, deadline=None,
        phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(case=operation.as_strategy(mode, path_parameters=fixed))
    def run(case):
        findings.cases[operation.label] += 1
        try:
            with transaction.atomic():
                response = case.call(headers=headers)
                raise _Undo
        except _Undo:
            pass
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except BaseException as error:  # noqa: BLE001  (a FailureGroup: each failure is recorded)
            for failure in getattr(error, "exceptions", [error]):
                first_line = str(failure).strip().splitlines()[0] if str(failure).strip() else type(failure).__name__
                findings.failures.setdefault(
                    (operation.label, f"{type(failure).__name__}: {first_line}"),
                    f"{failure}\n{response.status_code} {response.content[:300]!r}\n{case.as_curl_command(headers)}",
                )

    try:
        run()
    except Unsatisfiable:
        assert mode == GenerationMode.NEGATIVE, operation.label  # nothing in the request can be made invalid


@pytest.mark.parametrize("role", ["user", "admin"])
def test_generated_requests_get_no_server_error_and_answers_that_match_the_schema(
    request, quiet_request_log, other_user, tmp_path, role
):
    caller = request.getfixturevalue(role)
    ids = path_ids(caller, other_user, tmp_path)
    _, secret = account_services.api_key_create(user=caller, name="fuzzing", permissions=["all"])
    findings = Findings()
    with wsgi_on_the_test_connection() as app:
        schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
        for result in schema.get_all_operations():
            for mode in MODES:
                fuzz(result.ok(), mode, {"x-api-key": secret}, ids, findings)
    print(f"{role}: {sum(findings.cases.values())} cases over {len(findings.cases)} operations")
    assert not findings.failures, findings.report()
