"""The OpenAPI schema's error answers: every operation lists the client errors it can give, each in Immich's shape
(immich/exception_handler.py), so that clients and schema checks (tests/security/test_schema_fuzzing.py) know them.

What an operation can answer follows from what it takes: 400 when it reads a body or query parameters, 401 when it
needs credentials, 403 when its view checks an API key permission or is for admins, 404 when its path names an
object. A view adds others (a refusal that needs no input, the tus status codes) with `error_responses`."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent

from accounts.permissions import HasApiPermission, required_permission

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "message": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "error": {"type": "string"},
        "statusCode": {"type": "integer"},
        "correlationId": {"type": "string"},
    },
    "required": ["message", "error", "statusCode", "correlationId"],
}
PHRASES = {400: "Bad request, or an object not found or not the caller's (Immich's \"Not found or no ... access\")", 401: "No or invalid credentials", 403: "Missing permission, or not an admin",
           404: "Not found (a file, or a user)"}  # fmt: skip


class ImmichAutoSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        component = ResolvedComponent(
            "ImmichError", ResolvedComponent.SCHEMA, schema=ERROR_SCHEMA, object="ImmichError"
        )
        registry.register_on_missing(component)
        for code in sorted(self._error_codes(operation)):
            operation["responses"].setdefault(str(code), {
                "description": PHRASES.get(code, ""),
                "content": {"application/json": {"schema": component.ref}},
            })  # fmt: skip
        return operation

    def _error_codes(self, operation: dict) -> set[int]:
        codes = set(getattr(self.view, "error_responses", {}).get(self.method, ()))
        parameters = operation.get("parameters", [])
        if operation.get("requestBody") or any(parameter["in"] == "query" for parameter in parameters):
            codes.add(400)
        if any(parameter["in"] == "path" for parameter in parameters):
            codes.update((400, 404))  # Immich's "Not found or no ... access"; 404: a file or user not there
        if any(requirement for requirement in operation.get("security", [])):
            codes.add(401)
            if HasApiPermission in self.view.permission_classes and (
                getattr(self.view, "admin_only", False) or required_permission(self.view, self.method)
            ):
                codes.add(403)
        return codes

    def get_request_serializer(self):
        if self.method == "DELETE":
            return None  # unless the view declares one with extend_schema(request=...), which overrides this
        return super().get_request_serializer()

    def _get_request_body(self, direction="request"):
        """drf-spectacular leaves DELETE bodies out; Immich's bulk deletes (`DELETE /assets {ids, force}`) take one,
        declared on the view with `extend_schema(request=...)`."""
        if self.method != "DELETE" or self.get_request_serializer() is None:
            return super()._get_request_body(direction)
        self.method = "POST"
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = "DELETE"
