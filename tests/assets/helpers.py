import uuid
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


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body written byte by byte, so a file name reaches the server exactly as a hostile
    client sends it (quotes, newlines, NUL, `../`): Django's test client would clean it first. Returns the body and
    its content type."""
    boundary = f"hostile-{uuid.uuid4().hex}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'.encode() + value.encode() + b"\r\n"
        for key, value in fields.items()
    ]
    parts += [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"; filename="'.encode()
        + name.encode()
        + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
        + data
        + b"\r\n"
        for key, (name, data) in files.items()
    ]
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"
