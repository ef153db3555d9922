"""The contract's own rules (validation.py), on bodies written by hand: extra fields pass, a missing required field,
a wrong type and a date in another format fail."""

from __future__ import annotations

from tests.contract.validation import violations

ASSET = {
    "id": "8b2b7c0e-4a4c-4a8e-9a57-0f0c3d7a1e11", "ownerId": "0c0b2a59-2b5e-4d8c-8f77-6a2b4c1d9e00",
    "deviceAssetId": "local-1", "deviceId": "phone", "type": "IMAGE", "originalPath": "/x.jpg",
    "originalFileName": "x.jpg", "thumbhash": None, "checksum": "aGFzaA==", "duration": None, "width": 4, "height": 3,
    "createdAt": "2021-06-15T10:30:00.000Z", "updatedAt": "2021-06-15T10:30:00.000Z",
    "fileCreatedAt": "2021-06-15T10:30:00.000Z", "fileModifiedAt": "2021-06-15T10:30:00.000Z",
    "localDateTime": "2021-06-15T10:30:00.000Z", "hasMetadata": True, "isArchived": False, "isEdited": False,
    "isFavorite": False, "isOffline": False, "isTrashed": False, "visibility": "timeline",
}  # fmt: skip


def test_a_body_of_the_type_passes_with_extra_fields(sdk_contract):
    assert violations(sdk_contract, "ServerPingResponse", {"res": "pong", "serverTime": 1}) == []


def test_a_missing_required_field_fails(sdk_contract):
    assert violations(sdk_contract, "ServerPingResponse", {}) == ["(root): 'res' is a required property"]


def test_a_wrong_type_fails(sdk_contract):
    assert violations(sdk_contract, "ServerPingResponse", {"res": 1}) == ["res: 1 is not of type 'string'"]


def test_asset_dates_are_immich_milliseconds_in_utc(sdk_contract):
    assert violations(sdk_contract, "AssetResponseDto", ASSET) == []
    (error,) = violations(sdk_contract, "AssetResponseDto", {**ASSET, "fileCreatedAt": "2021-06-15T10:30:00Z"})
    assert error.startswith("fileCreatedAt: '2021-06-15T10:30:00Z' does not match")


def test_exif_dates_carry_a_utc_offset(sdk_contract):
    good = {**ASSET, "exifInfo": {"dateTimeOriginal": "2021-06-15T10:30:00.000+00:00", "modifyDate": None}}
    assert violations(sdk_contract, "AssetResponseDto", good) == []
    bad = {**ASSET, "exifInfo": {"dateTimeOriginal": "2021-06-15T10:30:00.000Z"}}
    (error,) = violations(sdk_contract, "AssetResponseDto", bad)
    assert error.startswith("exifInfo/dateTimeOriginal: '2021-06-15T10:30:00.000Z' does not match")
