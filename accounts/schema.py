"""Describes Immich's credentials in the OpenAPI schema (imported by the app config)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ImmichAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ImmichAuthentication"
    name = ["api_key", "bearer"]

    def get_security_definition(self, auto_schema):
        return [
            {"type": "apiKey", "in": "header", "name": "x-api-key"},
            {"type": "http", "scheme": "bearer"},
        ]
