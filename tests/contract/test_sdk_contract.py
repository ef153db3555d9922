"""Issue 18, item 3: every endpoint that both `@immich/sdk` 3.1.0 and this server have answers a client's call with
a body of the SDK's type for it (required fields, types, enums, Immich's date formats; extra fields allowed, see
validation.py). Each endpoint is one test id, "METHOD /sdk/path/{param}".

KNOWN_GAPS lists what today's server gets wrong, each marked xfail(strict=True): fixing a gap turns its test red
until the entry is removed, so the list only ever shrinks and always says what is left."""

from __future__ import annotations

import re

import pytest

from tests.contract.recipes import RECIPES
from tests.contract.sdk import Contract
from tests.contract.validation import violations

KNOWN_GAPS: dict[tuple[str, str], str] = {
    # jobs
    ("GET", "/queues/{name}/jobs"): "name is the step's label ('metadata extraction'), not a JobName",
    # search
    ("POST", "/search/smart"): "always 400 'Smart search is not enabled': this server runs no machine-learning model",
}  # fmt: skip

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _template(path: str) -> str:
    """A path with its parameters unnamed: /assets/{asset_id} and /assets/{id} are the same endpoint."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def shared_endpoints(contract: Contract, openapi: dict) -> set[tuple[str, str]]:
    """The SDK's (method, path) of every endpoint the server's schema lists too."""
    server = {
        (method.upper(), _template(path.removeprefix("/api")))
        for path, operations in openapi["paths"].items() for method in operations if method.upper() in _METHODS
    }  # fmt: skip
    return {(method, path) for method, path in contract.endpoints if (method, _template(path)) in server}


@pytest.fixture
def shared(sdk_contract, client, db) -> set[tuple[str, str]]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return shared_endpoints(sdk_contract, response.json())


def _names(endpoints) -> list[str]:
    return [f"{method} {path}" for method, path in sorted(endpoints)]


def test_every_endpoint_both_sides_have_has_a_recipe(shared):
    assert _names(shared - RECIPES.keys()) == []


def test_every_recipe_is_for_an_endpoint_both_sides_have(shared):
    assert _names(RECIPES.keys() - shared) == []


def test_every_known_gap_names_a_recipe():
    assert _names(KNOWN_GAPS.keys() - RECIPES.keys()) == []


def _cases():
    for endpoint in sorted(RECIPES):
        gap = KNOWN_GAPS.get(endpoint)
        marks = [pytest.mark.xfail(strict=True, reason=gap)] if gap else []
        yield pytest.param(endpoint, id=" ".join(endpoint), marks=marks)


@pytest.mark.parametrize("endpoint", list(_cases()))
def test_the_response_is_of_the_sdk_type(endpoint, sdk_contract, scene):
    sdk = sdk_contract.endpoints[endpoint]
    response_type = sdk.response_type
    response = RECIPES[endpoint](scene)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    # oazapfts' ok() throws on anything but 2xx (a redirect is followed by fetch and must end in 2xx too).
    assert 200 <= response.status_code < 300, (response.status_code, body[:500])
    if response_type == "never":  # the SDK reads no body (fetchText)
        return
    if response_type == "Blob":
        assert body, "an empty file"
        return
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    errors = violations(sdk_contract, response_type, response.json())
    assert not errors, f"{len(errors)} violations of {response_type} ({sdk.function}):\n" + "\n".join(errors)
