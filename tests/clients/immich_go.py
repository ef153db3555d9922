"""immich-go's client side of an `upload from-folder` run (simulot/immich-go: immich/*.go, app/upload/run.go;
/work/shared/docs/clients.md section 2), replayed over HTTP: the same paths, headers, bodies and multipart fields,
each answer decoded with its Go structs (tests/clients/go_json.py). Calls that the tool treats as fatal raise."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
from datetime import datetime, timezone
from pathlib import Path

import requests

from tests.clients import go_json as go

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.000Z"  # immich-go's TimeFormat, "2006-01-02T15:04:05.000Z"
PAUSED_QUEUES = ("thumbnailGeneration", "metadataExtraction", "videoConversion", "faceDetection", "smartSearch")
EVER = "0001-01-01T00:00:00.000Z"  # its trashedAfter: trashed at any time


def go_json_body(value) -> bytes:
    """Go's json.Marshal: compact, UTF-8, with <, > and & escaped."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


def go_time(moment: datetime) -> str:
    """Go's time.Time MarshalJSON (RFC 3339 with nanoseconds trimmed), as UpdAssetField.DateTimeOriginal sends it."""
    fraction = f"{moment.microsecond:06d}".rstrip("0")
    zone = moment.strftime("%z")
    zone = "Z" if zone == "+0000" else f"{zone[:3]}:{zone[3:]}"
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if fraction else "") + zone


def checksum_of(path: Path) -> str:
    """The `x-immich-checksum` immich-go sends, and compares with the search's `checksum`: base64 of the SHA-1."""
    return base64.b64encode(hashlib.sha1(path.read_bytes()).digest()).decode()


class ImmichGo:
    """One run's client: the user's key for everything, the administrator's key for the queue commands."""

    def __init__(self, server: str, key: str, admin_key: str) -> None:
        self.api = f"{server}/api"
        self.device_id = socket.gethostname()  # immich-go's DeviceUUID defaults to the host name
        self.user_session = self._session(key)
        self.admin_session = self._session(admin_key)
        self.calls: list[str] = []

    @staticmethod
    def _session(key: str) -> requests.Session:
        session = requests.Session()
        session.headers.update({"x-api-key": key, "User-Agent": "immich-go/0.28.0 linux/amd64"})
        return session

    def _call(self, method: str, path: str, spec=None, *, body=None, admin: bool = False, **options):
        """One serverCall: JSON in and out, `Accept: application/json`; a status >= 300 is an error."""
        session = self.admin_session if admin else self.user_session
        headers = {"Accept": "application/json", **options.pop("headers", {})}
        if body is not None:
            headers["Content-Type"] = "application/json"
            options["data"] = go_json_body(body)
        response = session.request(method, self.api + path, headers=headers, timeout=120, **options)
        self.calls.append(f"{method} {path} {response.status_code}")
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text[:500]}"
        if spec is None:
            return None
        return go.decode(response.json(), spec)

    # -- opening (G1-G4) -----------------------------------------------------------------------------------------

    def open(self) -> dict:
        assert self._call("GET", "/server/ping", {"res": go.STRING})["res"] == "pong"
        user = self._call("GET", "/users/me", go.USER)
        media = self._call("GET", "/server/media-types", go.MapOf([go.STRING]))
        self.supported = {extension: kind for kind, extensions in media.items() for extension in extensions}
        about = self._call("GET", "/server/about", go.ABOUT)
        major, minor, patch = about["version"].removeprefix("v").split("-")[0].split("+")[0].split(".")
        self.server_major = int(major)
        self.user = user
        return user

    # -- queues (G5, G6, G16) ------------------------------------------------------------------------------------

    def send_job_command(self, queue: str, command: str) -> dict:
        body = {"command": command, "force": True}
        return self._call("PUT", f"/jobs/{queue}", go.JOB_COMMAND_ANSWER, body=body, admin=True)

    def pause_jobs(self) -> None:
        for queue in PAUSED_QUEUES:  # the first error ends the run
            self.send_job_command(queue, "pause")

    def resume_jobs(self) -> None:
        for queue in PAUSED_QUEUES:
            self.send_job_command(queue, "resume")

    def jobs(self) -> dict:
        return self._call("GET", "/jobs", go.MapOf(go.JOB), admin=True)

    # -- what the server has (G7-G9) -----------------------------------------------------------------------------

    def asset_statistics(self) -> dict:
        return self._call("GET", "/assets/statistics", go.ASSET_STATISTICS)

    def all_assets(self) -> list[dict]:
        """Six paged searches: each visibility, not trashed and trashed; `size` 1000, `page` from `nextPage`."""
        found = []
        for visibility in ("archive", "timeline", "hidden"):
            for trashed in (False, True):
                query = {"page": 1, "size": 1000, "withExif": True, "visibility": visibility, "order": "asc"}
                if trashed:
                    query["trashedAfter"] = EVER
                while True:
                    answer = self._call("POST", "/search/metadata", go.SEARCH_ANSWER, body=query)["assets"]
                    for asset in answer["items"]:
                        assert asset["id"] and asset["checksum"], asset  # immichIndex.add panics otherwise
                        found.append(asset)
                    if answer["nextPage"] == 0:
                        break
                    query["page"] = answer["nextPage"]
        return found

    def albums(self) -> dict[str, dict]:
        """Every album with its asset ids (GetAllAlbums, then GetAlbumInfo without `withoutAssets`)."""
        listed = self._call("GET", "/albums", [go.ALBUM])
        return {
            album["albumName"]: self._call("GET", f"/albums/{album['id']}?withoutAssets=false", go.ALBUM_CONTENT)
            for album in listed
        }

    # -- writes (G10-G15) ----------------------------------------------------------------------------------------

    def upload(self, path: Path, *, captured: datetime, archived: bool = False, favorite: bool = False,
               sidecar: Path | None = None) -> dict:  # fmt: skip
        """POST /assets as immich/upload.go writes it: its fields, then `assetData`, then `sidecarData` (.xmp)."""
        content = path.read_bytes()
        modified = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
        fields = {
            "deviceAssetId": f"{path.name}-{len(content)}", "deviceId": self.device_id,
            "assetType": self.supported[path.suffix.lower()], "fileCreatedAt": captured.strftime(TIME_FORMAT),
            "fileModifiedAt": modified.strftime(TIME_FORMAT), "isFavorite": "true" if favorite else "false",
            "fileExtension": path.suffix, "duration": "0", "isReadOnly": "false",
            "visibility": "archive" if archived else "timeline",
        }  # fmt: skip
        files = [("assetData", (path.name, content, "application/octet-stream"))]
        if sidecar is not None:
            files.append(("sidecarData", (f"{path.name}.xmp", sidecar.read_bytes(), "application/octet-stream")))
        return self._call(
            "POST",
            "/assets",
            go.UPLOAD_ANSWER,
            data=fields,
            files=files,
            headers={"x-immich-checksum": checksum_of(path)},
        )

    def update_asset(self, asset_id: str, *, description: str = "", latitude: float = 0.0, longitude: float = 0.0,
                     rating: int = 0, captured: datetime) -> dict:  # fmt: skip
        """UpdAssetField's JSON: empty values left out, GPS only when set, the date always (a Go struct)."""
        body: dict = {}
        if latitude or longitude:
            body |= {"latitude": latitude, "longitude": longitude}
        if description:
            body["description"] = description
        if rating:
            body["rating"] = rating
        body["dateTimeOriginal"] = go_time(captured)
        return self._call("PUT", f"/assets/{asset_id}", go.ASSET, body=body)

    def create_album(self, name: str, asset_ids: list[str]) -> dict:
        """AlbumContent marshalled: `description` and `shared` are always sent."""
        body = {"albumName": name, "description": "", "shared": False, "assetIds": asset_ids}
        return self._call("POST", "/albums", go.ALBUM, body=body)

    def add_to_album(self, album_id: str, asset_ids: list[str]) -> list[dict]:
        return self._call("PUT", f"/albums/{album_id}/assets", [go.ID_RESULT], body={"ids": asset_ids})

    def upsert_tags(self, values: list[str]) -> list[dict]:
        return self._call("PUT", "/tags", [go.TAG], body={"tags": values})

    def tag_assets(self, tag_id: str, asset_ids: list[str]) -> list[dict]:
        return self._call("PUT", f"/tags/{tag_id}/assets", [go.ID_RESULT], body={"ids": asset_ids})

    def create_stack(self, asset_ids: list[str]) -> dict:
        return self._call("POST", "/stacks", go.STACK, body={"assetIds": asset_ids})

    def copy_asset(self, source_id: str, target_id: str) -> None:
        body = {"sourceId": source_id, "targetId": target_id, "albums": True, "favorite": True,
                "sharedLinks": True, "sidecar": True, "stack": True}  # fmt: skip
        self._call("PUT", "/assets/copy", body=body)

    def delete_assets(self, asset_ids: list[str], *, force: bool) -> None:
        self._call("DELETE", "/assets", body={"force": force, "ids": asset_ids})
