"""One error shape for every refusal the API gives:

    {"errors": [{"field": "email", "code": "invalid", "message": "Enter a valid e-mail address."}]}

``field`` is the request field the message is about (null for the request as a whole; a nested
field is spelled ``items.0.quantity``), ``code`` a stable machine-readable word, ``message``
the translated sentence a person can act on. Services' ``DomainError`` is a 400 with its code
(a stale edit a 409), Django's and DRF's errors keep their status.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from crm.errors import DomainError


class ErrorSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="The request field, or null.")
    code = serializers.CharField(help_text="A stable word: invalid, required, not_found…")
    message = serializers.CharField(help_text="What to fix, in the user's language.")


class ErrorResponseSerializer(serializers.Serializer):
    errors = ErrorSerializer(many=True)


class FormInvalid(exceptions.ValidationError):
    """A page's form refused the input: its errors, field by field, with their codes."""

    def __init__(self, form) -> None:
        self.form_errors = form.errors.get_json_data()
        super().__init__(detail={})


def _flatten(detail, field: str | None = None) -> list[dict]:
    """DRF's nested error detail as a flat list of {field, code, message}."""
    if isinstance(detail, dict):
        rows = []
        for key, value in detail.items():
            name = None if key in ("non_field_errors", "__all__") else str(key)
            rows += _flatten(value, f"{field}.{name}" if field and name else (name or field))
        return rows
    if isinstance(detail, list):
        rows = []
        for index, value in enumerate(detail):
            if isinstance(value, dict | list) and field is not None:
                rows += _flatten(value, f"{field}.{index}")
            else:
                rows += _flatten(value, field)
        return rows
    code = getattr(detail, "code", None) or "invalid"
    return [{"field": field, "code": str(code), "message": str(detail)}]


def _unique(rows: list[dict]) -> list[dict]:
    """The same message for the same field once (a form's clean() and the model's constraint
    may both say it)."""
    seen, kept = set(), []
    for row in rows:
        key = (row["field"], row["message"])
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


def _response(rows: list[dict], status_code: int, headers=None) -> Response:
    return Response({"errors": _unique(rows)}, status=status_code, headers=headers)


def exception_handler(exc, context):
    """DRF's exception handler, answering in the one shape."""
    if isinstance(exc, FormInvalid):
        rows = [
            {
                "field": None if name == "__all__" else name,
                "code": error.get("code") or "invalid",
                "message": error["message"],
            }
            for name, errors in exc.form_errors.items()
            for error in errors
        ]
        return _response(rows, status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DomainError):
        code = status.HTTP_409_CONFLICT if exc.code == "stale" else status.HTTP_400_BAD_REQUEST
        return _response([{"field": None, "code": exc.code, "message": exc.message}], code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    if isinstance(exc, ProtectedError):
        kinds = sorted({str(row._meta.verbose_name_plural) for row in exc.protected_objects})
        message = _("It cannot be deleted: it is still used by %(blockers)s.") % {
            "blockers": ", ".join(kinds)
        }
        return _response(
            [{"field": None, "code": "protected", "message": message}], status.HTTP_409_CONFLICT
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.APIException):
        rows = _flatten(exc.detail)
        if isinstance(exc, exceptions.ValidationError):
            pass
        elif rows:
            default = exc.default_code
            for row in rows:
                row["field"] = None
                row["code"] = row["code"] if row["code"] != "invalid" else default
    else:  # pragma: no cover - DRF answers only its own exceptions
        rows = [{"field": None, "code": "error", "message": str(exc)}]
    response.data = {"errors": _unique(rows)}
    return response


def page_not_found(request, exception=None):
    """Django's 404 for a URL nothing answers: in the error shape under ``/api/``, else the
    usual page."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found as html_not_found

    if request.path_info.startswith("/api/"):
        message = str(exceptions.NotFound.default_detail)
        return JsonResponse(
            {"errors": [{"field": None, "code": "not_found", "message": message}]}, status=404
        )
    return html_not_found(request, exception)
