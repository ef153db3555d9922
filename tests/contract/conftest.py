"""The SDK contract, read once per session from its cache (built on the first run), and a fresh Scene per test."""

from __future__ import annotations

import pytest

from tests.contract.scene import Scene
from tests.contract.sdk import Contract, SdkUnavailable, load_contract


@pytest.fixture(scope="session")
def sdk_contract() -> Contract:
    try:
        return load_contract()
    except SdkUnavailable as reason:
        pytest.skip(f"the @immich/sdk contract cannot be read: {reason}")


@pytest.fixture
def scene(db, tmp_path) -> Scene:
    return Scene(tmp_path / "scene")
