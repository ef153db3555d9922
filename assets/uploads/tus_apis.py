"""`/api/upload/`: resumable uploads over the tus 1.0.0 protocol (core, creation, creation-with-upload,
termination, checksum, expiration), with the same authentication and `asset.upload` permission as
`POST /api/assets`. The views parse tus headers and call one service in `assets.uploads.tus`; request bodies go to it as a
stream and are never read here.

Upload-Metadata carries the fields of `POST /api/assets` (filename, fileCreatedAt, fileModifiedAt, visibility,
isFavorite, duration, deviceAssetId, deviceId, livePhotoVideoId, metadata). The request that delivers the last
byte answers with the asset: `X-Immich-Asset-Id` and `X-Immich-Asset-Status: created|duplicate`, which a HEAD
repeats until the upload row expires.
"""

from __future__ import annotations

import base64
import binascii
import json
from http import HTTPStatus

from django.conf import settings
from django.http import HttpResponse
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from assets.models import TusUpload
from assets.serializers import UploadSerializer, upload_fields
from assets.uploads import tus
from assets.uploads.services import UploadFields
from immich.exception_handler import immich_body
from immich.limits import contains_nul

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,creation-with-upload,termination,checksum,expiration"
OFFSET_OCTET_STREAM = "application/offset+octet-stream"
REASONS = {460: "Checksum Mismatch"}

# The tus headers, so the schema describes the requests the endpoints take (tus errors are in Immich's shape too).
TUS_RESUMABLE = OpenApiParameter("Tus-Resumable", str, OpenApiParameter.HEADER, required=True, enum=[TUS_VERSION])
UPLOAD_CHECKSUM = OpenApiParameter(
    "Upload-Checksum", str, OpenApiParameter.HEADER, description="`sha1 <base64 digest>` of this request's bytes"
)
CHUNK = {OFFSET_OCTET_STREAM: OpenApiTypes.BINARY}


def parse_metadata(header: str) -> dict[str, str]:
    """`key base64,key2 base64,key3` -> {key: text}; values are base64 of UTF-8 text, a key may have none."""
    metadata: dict[str, str] = {}
    for pair in header.split(","):
        key, _, value = pair.strip().partition(" ")
        if not key:
            if pair.strip():
                raise tus.TusError(400, "Upload-Metadata: a key is empty")
            continue
        if key in metadata:
            raise tus.TusError(400, f"Upload-Metadata: {key} is given twice")
        try:
            metadata[key] = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise tus.TusError(400, f"Upload-Metadata: the value of {key} is not base64 of UTF-8 text") from None
        if contains_nul([key, metadata[key]]):  # the upload row keeps the metadata, and PostgreSQL refuses NUL
            raise tus.TusError(400, f"Upload-Metadata: {key!r} contains a NUL character")
    return metadata


def encode_metadata(metadata: dict[str, str]) -> str:
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}".rstrip() for key, value in metadata.items())


def metadata_upload_fields(metadata: dict[str, str]) -> UploadFields:
    """The fields of `POST /api/assets`, validated by the same serializer; `name` (sent by other tus clients
    such as Uppy) stands in for a missing filename."""
    data = {key: value for key, value in metadata.items() if key in UploadSerializer().fields}
    if not data.get("filename") and metadata.get("name"):
        data["filename"] = metadata["name"]
    if not data.get("filename"):
        raise tus.TusError(400, "Upload-Metadata: filename is required")
    if "metadata" in data:
        try:
            data["metadata"] = json.loads(data["metadata"])
        except ValueError:
            raise tus.TusError(400, "Upload-Metadata: metadata must be JSON") from None
    serializer = UploadSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    return upload_fields(serializer.validated_data)


def _offset_header(request, name: str) -> int:
    raw = request.headers.get(name, "")
    if not raw.isdigit():
        raise tus.TusError(400, f"{name} must be a non-negative integer")
    return int(raw)


def _checksum(request) -> tus.ChunkChecksum | None:
    raw = request.headers.get("Upload-Checksum")
    if not raw:
        return None
    algorithm, _, encoded = raw.strip().partition(" ")
    algorithm = algorithm.lower()
    if algorithm not in tus.CHECKSUM_ALGORITHMS:
        raise tus.TusError(400, f"Upload-Checksum: unsupported algorithm {algorithm}")
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error:
        raise tus.TusError(400, "Upload-Checksum: the digest is not base64") from None
    return tus.ChunkChecksum(algorithm=algorithm, digest=digest)


def _body(request):
    """(stream, length) of the request body, unread. A chunked body (no Content-Length) has length None."""
    meta = request.META
    if meta.get("CONTENT_LENGTH", "") != "":
        try:
            length = int(meta["CONTENT_LENGTH"])
        except ValueError:
            raise tus.TusError(400, "Content-Length must be an integer") from None
        return request._request, length
    if "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower():
        return meta["wsgi.input"], None
    return request._request, 0


def _require_offset_stream(request) -> None:
    if request.content_type.split(";")[0].strip().lower() != OFFSET_OCTET_STREAM:
        raise tus.TusError(415, f"Content-Type must be {OFFSET_OCTET_STREAM}")


def _state_headers(response: HttpResponse, upload: TusUpload) -> HttpResponse:
    response["Upload-Offset"] = str(upload.offset)
    if upload.is_complete:
        response["X-Immich-Asset-Id"] = str(upload.asset_id) if upload.asset_id else ""
        response["X-Immich-Asset-Status"] = "duplicate" if upload.duplicate else "created"
    else:
        response["Upload-Expires"] = http_date(upload.expires_at.timestamp())
    return response


class _TusApi(APIView):
    """What every tus endpoint shares: version check, Tus-Resumable on every answer, tus status codes, and
    X-HTTP-Method-Override for clients that can only send GET and POST."""

    parser_classes = []  # the body is a stream handed to the service, never parsed
    required_permission = "asset.upload"
    error_responses = {"POST": (412, 413, 415), "PATCH": (409, 410, 412, 413, 415, 423, 460), "DELETE": (412,)}

    def initialize_request(self, request, *args, **kwargs):
        override = request.META.get("HTTP_X_HTTP_METHOD_OVERRIDE", "").upper()
        if request.method == "POST" and override in ("PATCH", "DELETE", "HEAD"):
            request.method = override
        return super().initialize_request(request, *args, **kwargs)

    def check_permissions(self, request):
        if request.method != "OPTIONS":  # discovery needs no credentials
            super().check_permissions(request)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method != "OPTIONS" and request.headers.get("Tus-Resumable") != TUS_VERSION:
            raise tus.TusError(412, f"Tus-Resumable: {TUS_VERSION} is required")

    def handle_exception(self, exc):
        if not isinstance(exc, tus.TusError):
            return super().handle_exception(exc)
        phrase = REASONS.get(exc.status) or HTTPStatus(exc.status).phrase
        body = immich_body(message=exc.message, status=exc.status, phrase=phrase)
        response = Response(None if self.request.method == "HEAD" else body, status=exc.status)
        response.reason_phrase = phrase
        if exc.status == 412:
            response["Tus-Version"] = TUS_VERSION
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Tus-Resumable"] = TUS_VERSION
        return response

    @extend_schema(request=None, responses={204: None})
    def options(self, request, *args, **kwargs):
        response = HttpResponse(status=204)
        response["Tus-Version"] = TUS_VERSION
        response["Tus-Extension"] = TUS_EXTENSIONS
        response["Tus-Checksum-Algorithm"] = ",".join(tus.CHECKSUM_ALGORITHMS)
        if settings.TUS_MAX_SIZE:
            response["Tus-Max-Size"] = str(settings.TUS_MAX_SIZE)
        return response


class TusUploadsApi(_TusApi):
    """POST creates an upload (Upload-Length, Upload-Metadata), with its first bytes if the body carries them."""

    @extend_schema(
        parameters=[
            TUS_RESUMABLE,
            OpenApiParameter("Upload-Length", int, OpenApiParameter.HEADER, required=True),
            OpenApiParameter(
                "Upload-Metadata", str, OpenApiParameter.HEADER,
                description="`key base64,...`: filename, fileCreatedAt, fileModifiedAt and the other upload fields",
            ),
            UPLOAD_CHECKSUM,
        ],
        request=CHUNK,
        responses={201: None},
    )  # fmt: skip
    def post(self, request):
        if request.headers.get("Upload-Defer-Length"):
            raise tus.TusError(400, "Upload-Defer-Length is not supported: send Upload-Length")
        length = _offset_header(request, "Upload-Length")
        metadata = parse_metadata(request.headers.get("Upload-Metadata", ""))
        fields = metadata_upload_fields(metadata)
        body, body_length = _body(request)
        if body_length != 0:
            _require_offset_stream(request)
        checksum = _checksum(request)
        upload = tus.tus_upload_create(owner=request.user, length=length, metadata=metadata, fields=fields)
        if body_length != 0:
            try:
                upload = tus.tus_upload_append(
                    owner=request.user, upload_id=upload.id, offset=0, body=body, body_length=body_length,
                    checksum=checksum,
                )  # fmt: skip
            except tus.TusError:
                # The upload exists all the same: the client learns its offset and goes on with PATCH.
                upload = tus.tus_upload_get(owner=request.user, upload_id=upload.id)
        response = _state_headers(HttpResponse(status=201), upload)
        # A relative reference, resolved against the request's URL: right behind a proxy, any prefix or scheme.
        response["Location"] = str(upload.id) if request.path.endswith("/") else f"upload/{upload.id}"
        return response


class TusUploadApi(_TusApi):
    """HEAD tells the offset to resume from, PATCH appends a chunk at it, DELETE gives the upload up."""

    @extend_schema(request=None, responses={200: None})
    def head(self, request, upload_id):
        upload = tus.tus_upload_get(owner=request.user, upload_id=upload_id)
        response = _state_headers(HttpResponse(status=200), upload)
        response["Upload-Length"] = str(upload.length)
        response["Cache-Control"] = "no-store"
        if upload.metadata:
            response["Upload-Metadata"] = encode_metadata(upload.metadata)
        return response

    @extend_schema(
        parameters=[
            TUS_RESUMABLE, OpenApiParameter("Upload-Offset", int, OpenApiParameter.HEADER, required=True),
            UPLOAD_CHECKSUM,
        ],
        request=CHUNK,
        responses={204: None},
    )  # fmt: skip
    def patch(self, request, upload_id):
        _require_offset_stream(request)
        offset = _offset_header(request, "Upload-Offset")
        checksum = _checksum(request)
        body, body_length = _body(request)
        upload = tus.tus_upload_append(
            owner=request.user, upload_id=upload_id, offset=offset, body=body, body_length=body_length,
            checksum=checksum,
        )  # fmt: skip
        return _state_headers(HttpResponse(status=204), upload)

    @extend_schema(parameters=[TUS_RESUMABLE], request=None, responses={204: None})
    def delete(self, request, upload_id):
        tus.tus_upload_terminate(owner=request.user, upload_id=upload_id)
        return HttpResponse(status=204)
