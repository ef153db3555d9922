"""A user transfer moves tags and stacks with the assets (issue 20): none stays with the old owner on assets it
no longer owns, a path the destination already has is merged, and a duplicate that stays behind leaves its stack."""

import pytest

from maintenance.transfer import transfer_apply
from stacks.models import Stack, StackAsset
from tags.models import Tag, TagAsset
from tests.assets.helpers import upload_photo

pytestmark = pytest.mark.django_db


def _tag(client, value: str, asset_ids: list[str]) -> str:
    tag = next(t for t in client.put("/api/tags", {"tags": [value]}, format="json").json() if t["value"] == value)
    assert client.put(f"/api/tags/{tag['id']}/assets", {"ids": asset_ids}, format="json").status_code == 200
    return tag["id"]


def test_tags_move_with_the_assets_and_merge_into_the_destinations_own(api, other_api, user, other_user, tmp_path):
    ids = [upload_photo(api, tmp_path / str(i), color=(40 * i, 10, 10)) for i in range(2)]
    bobs = upload_photo(other_api, tmp_path / "bob", color=(0, 200, 0))
    _tag(api, "Travel/Italy", ids)
    _tag(api, "Family", ids[:1])
    bobs_travel = _tag(other_api, "Travel", [bobs])

    plan = transfer_apply(source=user, destination=other_user)

    assert plan.tags == 3
    assert not Tag.objects.filter(owner=user).exists()
    values = dict(Tag.objects.filter(owner=other_user).values_list("value", "id"))
    assert set(values) == {"Travel", "Travel/Italy", "Family"}
    assert str(values["Travel"]) == bobs_travel  # merged into Bob's own
    assert Tag.objects.get(pk=values["Travel/Italy"]).parent_id == values["Travel"]
    on_italy = set(map(str, TagAsset.objects.filter(tag_id=values["Travel/Italy"]).values_list("asset_id", flat=True)))
    assert on_italy == set(ids)
    assert not TagAsset.objects.exclude(tag__owner=other_user).filter(asset__owner=other_user).exists()


def test_a_duplicate_that_stays_behind_hands_its_tags_to_the_destinations_copy(
    api, other_api, user, other_user, tmp_path
):
    stays = upload_photo(api, tmp_path / "same", color=(1, 2, 3))
    bobs_copy = upload_photo(other_api, tmp_path / "same", color=(1, 2, 3))
    _tag(api, "Kept", [stays])

    transfer_apply(source=user, destination=other_user)

    kept = Tag.objects.get(owner=other_user, value="Kept")
    assert list(map(str, TagAsset.objects.filter(tag=kept).values_list("asset_id", flat=True))) == [bobs_copy]
    assert not TagAsset.objects.filter(asset_id=stays).exists()


def test_stacks_move_with_their_assets(api, other_api, user, other_user, tmp_path):
    ids = [upload_photo(api, tmp_path / str(i), color=(30 * i, 60, 0)) for i in range(3)]
    stack = api.post("/api/stacks", {"assetIds": ids}, format="json").json()

    plan = transfer_apply(source=user, destination=other_user)

    assert plan.stacks == 1
    moved = Stack.objects.get(pk=stack["id"])
    assert moved.owner == other_user and str(moved.primary_asset_id) == ids[0]
    assert other_api.get(f"/api/stacks/{stack['id']}").status_code == 200
    assert api.get(f"/api/stacks/{stack['id']}").status_code == 400


def test_a_duplicate_that_stays_behind_leaves_its_stack(api, other_api, user, other_user, tmp_path):
    primary = upload_photo(api, tmp_path / "same", color=(9, 9, 9))
    upload_photo(other_api, tmp_path / "same", color=(9, 9, 9))  # Bob has the primary already: it stays with Alice
    others = [upload_photo(api, tmp_path / str(i), color=(0, 30 * i, 90)) for i in range(1, 3)]
    stack = api.post("/api/stacks", {"assetIds": [primary, *others]}, format="json").json()

    transfer_apply(source=user, destination=other_user)

    moved = Stack.objects.get(pk=stack["id"])
    assert moved.owner == other_user and str(moved.primary_asset_id) in others
    members = set(map(str, StackAsset.objects.filter(stack=moved).values_list("asset_id", flat=True)))
    assert members == set(others)


def test_a_stack_left_with_one_asset_is_dissolved(api, other_api, user, other_user, tmp_path):
    stays = upload_photo(api, tmp_path / "same", color=(5, 5, 5))
    upload_photo(other_api, tmp_path / "same", color=(5, 5, 5))
    moves = upload_photo(api, tmp_path / "other", color=(200, 5, 5))
    stack = api.post("/api/stacks", {"assetIds": [stays, moves]}, format="json").json()

    transfer_apply(source=user, destination=other_user)

    assert not Stack.objects.filter(pk=stack["id"]).exists()
    assert not StackAsset.objects.filter(asset_id__in=[stays, moves]).exists()
