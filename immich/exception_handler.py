"""DRF's exception handler (settings REST_FRAMEWORK): every error answer in Immich's shape,
{"message", "error", "statusCode", "correlationId"}, so clients print them; the correlation id is also the
`X-Correlation-ID` header, where Immich 3.1 puts it.

Application errors (immich/errors.py) are mapped here, once; DRF's own (authentication, permissions, Http404) keep
their statuses. Input that does not fit (ValidationFailed, DRF's ValidationError) is Immich 3.1's
`{"message": "Validation failed", "errors": [{"code", "path", "message"}], ...}` (immich/validation.py). Two server
conditions become application errors first: a full disk and a database that cannot be reached."""

from __future__ import annotations

import logging
import uuid
from http import HTTPStatus

from django.db import InterfaceError, OperationalError
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from immich.body_deadline import timed_out as body_read_timed_out
from immich.errors import (
    ApplicationError,
    DatabaseUnavailable,
    InsufficientStorage,
    RequestTimeout,
    TooManyRequests,
    ValidationFailed,
)
from immich.validation import validation_issues
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


def error_response(body: dict, *, status: int, headers: dict | None = None) -> Response:
    return Response(body, status=status, headers={**(headers or {}), "X-Correlation-ID": body["correlationId"]})


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
    body = immich_body(message=_flatten(error.message), status=status)
    if isinstance(error, ValidationFailed):
        body["errors"] = error.issues
    return error_response(body, status=status, headers=headers)


def immich_exception_handler(exc, context):
    if body_read_timed_out(exc):
        exc = RequestTimeout()
    elif out_of_space(exc):  # the server's condition, not the request's fault (logged by django.request as a 5xx)
        exc = InsufficientStorage()
    elif isinstance(exc, (OperationalError, InterfaceError)):
        # django.request logs the 503 without its cause
        logger.warning("%s %s: database unavailable: %s", context["request"].method, context["request"].path, exc)
        exc = DatabaseUnavailable()
    if isinstance(exc, ValidationError):  # a serializer validated outside immich.api.validated
        exc = ValidationFailed(validation_issues(exc.detail))
    if isinstance(exc, ApplicationError):
        return _application_error_response(exc, context)
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = getattr(exc, "detail", None)
    message = _flatten(detail) if detail is not None else HTTPStatus(response.status_code).phrase
    response.data = immich_body(message=message, status=response.status_code)
    response["X-Correlation-ID"] = response.data["correlationId"]
    return response
