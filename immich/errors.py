"""Errors in Immich's shape: {"message", "error", "statusCode", "correlationId"}, so clients print them."""

from __future__ import annotations

import logging
import uuid
from http import HTTPStatus

from django.db import InterfaceError, OperationalError
from rest_framework import exceptions
from rest_framework.views import exception_handler

from workers.media.errors import out_of_space

logger = logging.getLogger(__name__)


class BadRequest(exceptions.APIException):
    status_code = 400
    default_detail = "Bad request"


class NotFound(exceptions.NotFound):
    pass


class InsufficientStorage(exceptions.APIException):
    status_code = 507
    default_detail = "No space left on the server's storage: nothing was stored. Try again once space is freed."


class DatabaseUnavailable(exceptions.APIException):
    """The database could not be reached or dropped the connection (a restart, a failover): worth retrying, as
    the next request reconnects. Left alone it would be an HTML 500 that clients cannot tell from a bug."""

    status_code = 503
    default_detail = "The database is unavailable; retry the request shortly"
    wait = 5  # seconds: DRF sends it as Retry-After


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


def immich_exception_handler(exc, context):
    if out_of_space(exc):  # the server's condition, not the request's fault (logged by django.request as a 5xx)
        exc = InsufficientStorage()
    elif isinstance(exc, (OperationalError, InterfaceError)):
        # django.request logs the 503 without its cause
        logger.warning("%s %s: database unavailable: %s", context["request"].method, context["request"].path, exc)
        exc = DatabaseUnavailable()
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = getattr(exc, "detail", None)
    message = _flatten(detail) if detail is not None else HTTPStatus(response.status_code).phrase
    response.data = {
        "message": message,
        "error": HTTPStatus(response.status_code).phrase,
        "statusCode": response.status_code,
        "correlationId": uuid.uuid4().hex[:8],
    }
    return response
