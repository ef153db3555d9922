"""Streaming responses of stored files with HTTP Range support (players seek, downloads resume), read from the
storage backend, or a redirect to the bucket's presigned URL when IMMICH_S3_PRESIGNED_REDIRECT asks for one."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils.http import content_disposition_header

from immich import storage

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
# A redirect to a presigned URL may be cached only while the URL is valid (settings: querystring_expire, 3600 s).
PRESIGNED_REDIRECT_MAX_AGE = 1800


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The first span of a Range header as (start, end inclusive); None when it cannot be satisfied."""
    match = _RANGE.match(header.split(",")[0].strip())
    if not match:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        length = int(last)
        if length == 0:
            return None
        return max(size - length, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        return None
    return start, end


def file_response(
    request, path: Path, *, size: int, content_type: str, download_name: str | None = None, roots: storage.Roots = ()
) -> HttpResponse:
    """The stored file at `path` (of `size` bytes, as its `storage.stat` said), read inside `roots` (see
    `storage.stat`) through the guarded opener."""
    if settings.S3_PRESIGNED_REDIRECT:
        url = storage.presigned_url(path, content_type=content_type, download_name=download_name)
        if url:
            return HttpResponseRedirect(url)
    header = request.headers.get("Range")
    if header:
        span = _parse_range(header, size)
        if span is None:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        start, end = span
        response = StreamingHttpResponse(
            storage.read(path, start, end - start + 1, roots=roots), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    else:
        # A local file goes as a file object, which the WSGI server may hand to sendfile().
        response = (
            FileResponse(storage.open_local(path, roots=roots), content_type=content_type)
            if storage.is_local(path)
            else StreamingHttpResponse(storage.read(path, roots=roots), content_type=content_type)
        )
        response["Content-Length"] = str(size)
    response["Accept-Ranges"] = "bytes"
    if download_name:
        response["Content-Disposition"] = content_disposition_header(True, download_name)
    return response


def cacheable(response: HttpResponse, *, etag: str) -> HttpResponse:
    """A generated file (thumbnail), kept by the client for a day; a redirect to it only while its URL is valid."""
    response["ETag"] = etag
    if response.status_code == 302:
        response["Cache-Control"] = f"private, max-age={PRESIGNED_REDIRECT_MAX_AGE}"
    else:
        response["Cache-Control"] = "private, max-age=86400, no-transform"
    return response
