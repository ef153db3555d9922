from pathlib import Path

from tests.media_factories import make_jpeg

CREATED = "2021-06-15T10:30:00.000Z"
MODIFIED = "2021-06-16T08:00:00.000Z"


def upload_file(client, path: Path, created: str = CREATED, **fields) -> dict:
    with open(path, "rb") as handle:
        response = client.post(
            "/api/assets",
            {"assetData": handle, "fileCreatedAt": created, "fileModifiedAt": MODIFIED, **fields},
            format="multipart",
        )
    assert response.status_code in (200, 201), response.content
    return response.json()


def upload_photo(client, folder: Path, name: str = "photo.jpg", color=(200, 40, 40), **fields) -> str:
    return upload_file(client, make_jpeg(folder / name, color=color), **fields)["id"]
