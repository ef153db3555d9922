"""The application's errors: what services refuse, in words for a person, with the HTTP status the API answers.

Services, selectors and domain modules raise these and never an HTTP framework's exceptions; one exception handler
(immich/exception_handler.py) turns them into Immich's error shape. A domain error that reaches the API subclasses
one of them (jobs' InvalidCommand is a BadRequest), so no view translates errors one by one."""

from __future__ import annotations

from http import HTTPStatus


class ApplicationError(Exception):
    """`message`: a sentence, or a list of them (a config with several problems), shown to the user as it is."""

    status: int = HTTPStatus.BAD_REQUEST
    default_message = "Bad request"

    def __init__(self, message: str | list[str] | None = None):
        self.message = self.default_message if message is None else message
        super().__init__(self.message)


class BadRequest(ApplicationError):
    pass


class ValidationFailed(BadRequest):
    """Input that does not fit what an endpoint takes: Immich 3.1's "Validation failed" with zod's issues, each
    `{"code", "path", "message"}` (immich/validation.py makes them from DRF's errors)."""

    default_message = "Validation failed"

    def __init__(self, issues: list[dict]):
        super().__init__()
        self.issues = issues


class Unauthorized(ApplicationError):
    """No or wrong credentials, such as a failed login."""

    status = HTTPStatus.UNAUTHORIZED
    default_message = "Authentication required"


class Forbidden(ApplicationError):
    """Known caller, not allowed to do this (a scoped API key changing credentials)."""

    status = HTTPStatus.FORBIDDEN
    default_message = "Forbidden"


class NotFound(ApplicationError):
    """Not found, or not the caller's: one answer for both, so that nobody learns which ids others have."""

    status = HTTPStatus.NOT_FOUND
    default_message = "Not found or no access"


class NoAccess(BadRequest):
    """An id the caller may not act on with `permission`, or that does not exist: Immich answers both with 400 "Not
    found or no <permission> access" (its requireAccess), so nobody learns which ids others have."""

    def __init__(self, permission: str):
        super().__init__(f"Not found or no {permission} access")
        self.permission = permission


class RequestTimeout(ApplicationError):
    """The client sent its request body too slowly (immich/body_deadline.py)."""

    status = HTTPStatus.REQUEST_TIMEOUT
    default_message = "The request body arrived too slowly"


class TooManyRequests(ApplicationError):
    """Too many attempts (failed logins) in a while: `retry_after` seconds until the next one is looked at."""

    status = HTTPStatus.TOO_MANY_REQUESTS
    default_message = "Too many requests"

    def __init__(self, message: str | None = None, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class InsufficientStorage(ApplicationError):
    status = HTTPStatus.INSUFFICIENT_STORAGE
    default_message = "No space left on the server's storage: nothing was stored. Try again once space is freed."


class DatabaseUnavailable(ApplicationError):
    """The database could not be reached or dropped the connection (a restart, a failover): worth retrying, as
    the next request reconnects. Left alone it would be an HTML 500 that clients cannot tell from a bug."""

    status = HTTPStatus.SERVICE_UNAVAILABLE
    default_message = "The database is unavailable; retry the request shortly"
    retry_after = 5  # seconds
