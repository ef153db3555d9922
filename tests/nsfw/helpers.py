"""Setting NSFW detection up for a test: the system config, a user's preference, a verdict set directly."""

from __future__ import annotations

from jobs.system_config import config_get, config_update
from nsfw.models import AssetNsfw


def nsfw_configure(**settings) -> None:
    config = config_get()
    config["nsfw"].update(settings)
    config_update(new_config=config)


def prefer(client, action: str) -> None:
    response = client.put("/api/users/me/preferences", {"nsfw": {"action": action}}, format="json")
    assert response.status_code == 200, response.content


def scored(asset_id: str, score: float) -> None:
    """The verdict the step would record, with a chosen score (the tests hold no material that scores high)."""
    AssetNsfw.objects.update_or_create(asset_id=asset_id, defaults={"score": score, "model": "test"})
