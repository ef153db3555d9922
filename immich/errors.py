"""Errors in Immich's shape: {"message", "error", "statusCode", "correlationId"}, so clients print them."""

from __future__ import annotations

import uuid
from http import HTTPStatus

from rest_framework import exceptions
from rest_framework.views import exception_handler

from workers.media.errors import out_of_space


class BadRequest(exceptions.APIException):
    status_code = 400
    default_detail = "Bad request"


class NotFound(exceptions.NotFound):
    pass


class InsufficientStorage(exceptions.APIException):
    status_code = 507
    default_detail = "No space left on the server's storage: nothing was stored. Try again once space is freed."


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
