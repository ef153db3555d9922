"""Speaking as the Immich mobile app does (mobile/lib/infrastructure/repositories/sync_api.repository.dart): a login
session's token in `x-immich-user-token`, `POST /api/sync/stream` with `Accept: application/jsonlines+json`, the JSON
lines read one by one, and the last ack of each batch of a type sent back with `POST /api/sync/ack`."""

from __future__ import annotations

import json

from rest_framework.test import APIClient

# What the 3.1 app asks for (login_form.dart handleSyncFlow -> syncRemote).
APP_TYPES = [
    "AuthUsersV1", "UsersV1", "AssetsV2", "AssetExifsV1", "AssetEditsV1", "AssetMetadataV1", "PartnersV1",
    "PartnerAssetsV2", "PartnerAssetExifsV1", "AlbumsV2", "AlbumUsersV1", "AlbumAssetsV2", "AlbumAssetExifsV1",
    "AlbumToAssetsV1", "MemoriesV1", "MemoryToAssetsV1", "StacksV1", "PartnerStacksV1", "UserMetadataV1", "PeopleV1",
    "AssetFacesV2", "AssetOcrV1",
]  # fmt: skip


def phone_for(user) -> APIClient:
    login = APIClient().post(
        "/api/auth/login", {"email": user.email, "password": "password123"}, format="json", HTTP_DEVICEMODEL="Pixel"
    )
    assert login.status_code == 201, login.content
    phone = APIClient()
    phone.credentials(HTTP_X_IMMICH_USER_TOKEN=login.json()["accessToken"])
    return phone


def stream(phone: APIClient, types=APP_TYPES, **body):
    return phone.post(
        "/api/sync/stream", json.dumps({"types": types, **body}), content_type="application/json",
        HTTP_ACCEPT="application/jsonlines+json",
    )  # fmt: skip


def lines_of(response) -> list[dict]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/jsonlines+json"
    body = b"".join(response.streaming_content).decode()
    assert body.endswith("\n")
    return [json.loads(line) for line in body.splitlines()]


def sync(phone: APIClient, types=APP_TYPES, **body) -> list[dict]:
    return lines_of(stream(phone, types, **body))


def ack_all(phone: APIClient, lines: list[dict]) -> None:
    """The app acks the last line of each run of one type (sync_stream.service.dart)."""
    last_of_runs = [
        line for index, line in enumerate(lines) if index + 1 == len(lines) or lines[index + 1]["type"] != line["type"]
    ]
    acks = [line["ack"] for line in last_of_runs]
    response = phone.post("/api/sync/ack", {"acks": acks}, format="json")
    assert response.status_code == 204, response.content


def of_type(lines: list[dict], entity_type: str) -> list[dict]:
    return [line["data"] for line in lines if line["type"] == entity_type]
