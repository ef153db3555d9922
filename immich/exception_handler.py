"""DRF's exception handler (settings REST_FRAMEWORK): every error answer in Immich's shape,
{"message", "error", "statusCode", "correlationId"}, so clients print them.

Application errors (immich/errors.py) are mapped here, once; DRF's own (validation, authentication, permissions,
Http404) keep their statuses. Two server conditions become application errors first: a full disk and a database
that cannot be reached."""

from __future__ import annotations

import logging
import uuid
from http import HTTPStatus

from django.db import InterfaceError, OperationalError
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from immich.body_deadline import timed_out as body_read_timed_out
from immich.errors import ApplicationError, DatabaseUnavailable, InsufficientStorage, RequestTimeout, TooManyRequests
from workers.media.errors import out_of_space

logger = logging.getLogger(__name__)


def _flatten(detail) -> str | list[str]:
    if isinstance(detail, dict):
        messages = []
        for field, value in detail.items():
            for text in value if isinstance(value, list) else [value]:
                text = _flatten(text)
                messages.append(text if field == "non_field_errors" else f"{field}: {text}")
        return messages if len(messages) > 1 else messages[0]
    if isinstance(detail, list):
        flat = [_flatten(item) for item in detail]
        return flat if len(flat) > 1 else flat[0]
    return str(detail)


def immich_body(*, message: str | list[str], status: int, phrase: str | None = None) -> dict:
    return {
        "message": message,
        "error": phrase or HTTPStatus(status).phrase,
        "statusCode": status,
        "correlationId": uuid.uuid4().hex[:8],
    }


def _application_error_response(error: ApplicationError, context) -> Response:
    status = int(error.status)
    headers = {}
    if isinstance(error, (DatabaseUnavailable, TooManyRequests)):
        headers["Retry-After"] = str(error.retry_after)
    if status == HTTPStatus.UNAUTHORIZED:
        challenge = context["view"].get_authenticate_header(context["request"])
        if challenge:
            headers["WWW-Authenticate"] = challenge
    set_rollback()  # as DRF does for its own errors: a refused request changes nothing
    return Response(immich_body(message=_flatten(error.message), status=status), status=status, headers=headers)


def immich_exception_handler(exc, context):
    if body_read_timed_out(exc):
        exc = RequestTimeout()
    elif out_of_space(exc):  # the server's condition, not the request's fault (logged by django.request as a 5xx)
        exc = InsufficientStorage()
    elif isinstance(exc, (OperationalError, InterfaceError)):
        # django.request logs the 503 without its cause
        logger.warning("%s %s: database unavailable: %s", context["request"].method, context["request"].path, exc)
        exc = DatabaseUnavailable()
    if isinstance(exc, ApplicationError):
        return _application_error_response(exc, context)
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = getattr(exc, "detail", None)
    message = _flatten(detail) if detail is not None else HTTPStatus(response.status_code).phrase
    response.data = immich_body(message=message, status=response.status_code)
    return response
