"""The OpenAPI schema (drf-spectacular): every operation documents the one error shape for the
refusals it can give, and the viewsets' input and read serializers for bodies."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

from crm.api.errors import ErrorResponseSerializer

ERRORS = {
    "400": "The input was refused: each error names the field, a code and what to fix.",
    "401": "No valid API token: send “Authorization: Bearer <key>”.",
    "403": "Signed in, but this is not allowed (or the CSRF token is missing).",
    "404": "No such record in your company, or outside your access level.",
    "409": "The record changed since you read it (If-Match), or others still depend on it.",
    "429": "Too many requests: wait as long as the Retry-After header says.",
}


class CrmAutoSchema(AutoSchema):
    def get_request_serializer(self):
        view = self.view
        if getattr(view, "input_serializer_class", None) and view.action in (
            "create",
            "update",
            "partial_update",
        ):
            return view.input_serializer_class
        return super().get_request_serializer()

    def get_response_serializers(self):
        view = self.view
        if getattr(view, "read_serializer_class", None) and view.action in (
            "list",
            "retrieve",
            "create",
            "update",
            "partial_update",
        ):
            if view.action == "list":
                return view.read_serializer_class(many=True)
            return view.read_serializer_class
        return super().get_response_serializers()

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        wanted = ["401", "403", "429"]
        if self.method != "GET" or self._is_list_view():
            wanted.append("400")
        if "{" in self.path:
            wanted.append("404")
        if self.method in ("PUT", "PATCH", "DELETE"):
            wanted.append("409")
        for code in wanted:
            if code not in responses:
                response = self._get_response_for_code(ErrorResponseSerializer, code)
                response["description"] = ERRORS[code]
                responses[code] = response
        return dict(sorted(responses.items()))


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "crm.api.auth.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token, made under “API tokens” in the CRM "
            "(shown once). It acts as you, in the company it was made for.",
        }


class CrmSessionScheme(OpenApiAuthenticationExtension):
    target_class = "crm.api.auth.SessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
