"""The multi-index search of near hashes (duplicates.selectors.hash_neighbours) at every distance the settings
allow: each stored hash within the distance is found, wherever its differing bits fall among the chunks, and none
beyond it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from assets.models import Asset
from duplicates.models import AssetHash
from duplicates.selectors import hash_neighbours
from jobs.config_defaults import MAX_HAMMING_DISTANCE
from workers.media import perceptual

PROBE = 0x9E3779B97F4A7C15  # 32 bits set, as the median split makes hashes
TAKEN = datetime(2021, 6, 1, tzinfo=UTC)


def _flipped(bits: list[int]) -> int:
    value = PROBE
    for bit in bits:
        value ^= 1 << bit
    return value


def _placements(flips: int) -> list[list[int]]:
    """The differing bits all in the first chunk (the highest bits), all in the last, and spread over the four in
    turn, starting from the first chunk and from the last (the first chunk is searched widest)."""
    from_last = [
        perceptual.BAND_BITS * (index % perceptual.BANDS) + index // perceptual.BANDS for index in range(flips)
    ]
    from_first = [63 - bit for bit in from_last]
    return [list(range(63, 63 - flips, -1)), list(range(flips)), from_first, from_last]


def _store(owner, value: int) -> uuid.UUID:
    asset = Asset.objects.create(
        owner=owner, type="IMAGE", original_path=f"/photos/{uuid.uuid4()}.jpg", original_file_name="photo.jpg",
        checksum=uuid.uuid4().bytes + b"\0" * 4, file_created_at=TAKEN, file_modified_at=TAKEN, local_date_time=TAKEN,
    )  # fmt: skip
    bands = {f"band{index}": band for index, band in enumerate(perceptual.bands(value))}
    AssetHash.objects.create(asset=asset, owner=owner, phash=perceptual.to_signed(value), hash_version="test", **bands)
    return asset.id


@pytest.mark.parametrize("distance", range(MAX_HAMMING_DISTANCE + 1))
def test_every_hash_within_the_distance_is_found_and_none_beyond(user, distance):
    within = set()
    for flips in range(distance + 2):  # up to one bit beyond the distance
        for bits in _placements(flips):
            asset_id = _store(user, _flipped(bits))
            if flips <= distance:
                within.add(asset_id)

    found = {
        near.asset_id for near in hash_neighbours(owner_id=user.id, value=PROBE, max_distance=distance, exclude=None)
    }

    assert found == within
