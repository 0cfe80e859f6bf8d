"""The viewset every app's API builds on: the company's rows at the user's access level, the
page's form for validation and the app's service for every write.

- ``get_queryset``: the scoped manager's rows of the request's company, narrowed by
  ``crm.access.access_filter`` for the action (view for reads, edit for changes, delete for
  deletes, and what an ``@action`` names with ``access_action=``): another company's id and an
  id outside the level are both a 404.
- Writes: ``input_serializer_class`` checks the JSON's types (and documents the body), the
  page's ``form_class`` validates as the page does, ``save_service`` / ``delete_service`` call
  the app's service. A ``DomainError`` answers 400 in the one error shape (``crm.api.errors``).
- Optimistic locking as on the pages: a detail carries its version as the ETag, and an update
  sent with ``If-Match: "<version>"`` is refused with 409 if the record changed meanwhile.
"""

from __future__ import annotations

from contextlib import ExitStack

from django.db import transaction
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from django_scopes import scope
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from crm.access import Action, access_filter, is_registered
from crm.api.forms import form_data, validated_form
from crm.forms import CompanyFormMixin
from crm.versioning import Versioned
from crm.views.mixins import has_role

READ_ACTIONS = {"list": Action.VIEW, "retrieve": Action.VIEW}
WRITE_ACTIONS = {"update": Action.EDIT, "partial_update": Action.EDIT, "destroy": Action.DELETE}


class CompanyViewSet(viewsets.GenericViewSet):
    """Rows of ``model`` in the request's company, at the user's level for the action."""

    model = None
    # The record type whose levels apply (default: ``model``, if it is registered).
    access_model = None
    # Set per ``@action(..., access_action=Action.CONVERT)``; else from the action's kind.
    access_action: str | None = None
    lookup_value_converter = "int"
    filter_backends = [DjangoFilterBackend]
    read_serializer_class = None
    input_serializer_class = None
    # Roles that may write (create, change, delete, actions), as on the pages; None: any member.
    write_roles: frozenset[str] | None = None

    # --- the company scope around the handler -----------------------------------------------

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        roles = self.write_roles
        if roles and request.method not in SAFE_METHODS and not has_role(request._request, roles):
            raise PermissionDenied(_("Only the company's managers, admins and owners can do this."))
        self._company_scope = ExitStack()
        self._company_scope.enter_context(scope(company=request._request.company))

    def finalize_response(self, request, response, *args, **kwargs):
        stack = getattr(self, "_company_scope", None)
        if stack is not None:
            stack.close()
        return super().finalize_response(request, response, *args, **kwargs)

    @property
    def company(self):
        return self.request._request.company

    # --- which rows ---------------------------------------------------------------------------

    def get_access_action(self) -> str:
        if self.access_action:
            return self.access_action
        return READ_ACTIONS.get(self.action) or WRITE_ACTIONS.get(self.action) or Action.VIEW

    def access_filtered(self, queryset, action: str | None = None):
        model = self.access_model or self.model
        if not is_registered(model):
            return queryset
        return queryset.filter(
            access_filter(
                self.request.user, self.company, model, action or self.get_access_action()
            )
        )

    def base_queryset(self):
        """The company's rows (``select_related`` the read serializer needs: override)."""
        return self.model.objects.filter(company=self.company)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator, outside a request
            return self.model.objects.none()
        return self.access_filtered(self.base_queryset())

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update") and self.input_serializer_class:
            return self.input_serializer_class
        return self.read_serializer_class

    def read(self, instance, *, status_code=status.HTTP_200_OK) -> Response:
        data = self.read_serializer_class(instance, context=self.get_serializer_context()).data
        headers = {}
        if isinstance(instance, Versioned):
            headers["ETag"] = f'"{instance.version}"'
        return Response(data, status=status_code, headers=headers)

    def seen_version(self) -> int | None:
        header = self.request.headers.get("If-Match", "").strip()
        if not header or header == "*":
            return None
        try:
            return int(header.removeprefix("W/").strip('"'))
        except ValueError as error:
            raise ValidationError(
                {"If-Match": _('Send the ETag of the record you edited, e.g. “"3"”.')}
            ) from error


class ReadViewSet(mixins.ListModelMixin, CompanyViewSet):
    """List and detail."""

    def retrieve(self, request, *args, **kwargs):
        return self.read(self.get_object())


class FormWriteMixin:
    """Writes through the page's form (``form_class``) and the app's service."""

    form_class = None

    def form_kwargs(self) -> dict:
        # The page's form, as the page builds it: choices at the user's view level.
        kwargs = {"company": self.company}
        if issubclass(self.form_class, CompanyFormMixin):
            kwargs["user"] = self.request.user
        return kwargs

    def save_service(self, instance):
        raise NotImplementedError

    def save_form(self, form):
        """Write what the valid form holds (through the app's service)."""
        return self.save_service(form.instance)

    def _input(self, *, partial: bool) -> dict:
        serializer = self.input_serializer_class(
            data=self.request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class FormCreateMixin(FormWriteMixin):
    def create(self, request, *args, **kwargs):
        validated = self._input(partial=False)
        form = validated_form(
            self.form_class,
            data=form_data(validated, form_class=self.form_class),
            **self.form_kwargs(),
        )
        with transaction.atomic():
            instance = self.save_form(form)
        return self.read(instance, status_code=status.HTTP_201_CREATED)


class FormUpdateMixin(FormWriteMixin):
    def _update(self, *, partial: bool):
        instance = self.get_object()
        validated = self._input(partial=partial)
        form = validated_form(
            self.form_class,
            data=form_data(validated, form_class=self.form_class, instance=instance),
            instance=instance,
            **self.form_kwargs(),
        )
        if isinstance(form.instance, Versioned):
            form.instance.edited_by(self.request.user, seen_version=self.seen_version())
        with transaction.atomic():
            instance = self.save_form(form)
        return self.read(instance)

    def update(self, request, *args, **kwargs):
        return self._update(partial=False)

    def partial_update(self, request, *args, **kwargs):
        return self._update(partial=True)


class ServiceDestroyMixin:
    def delete_service(self, instance) -> None:
        raise NotImplementedError

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        self.delete_service(instance)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FormViewSet(FormCreateMixin, FormUpdateMixin, ServiceDestroyMixin, ReadViewSet):
    """List, detail, create, update (PUT and PATCH) and delete, through the page's form and the
    app's services. Subclasses set ``form_class``, ``save_service`` and ``delete_service``."""


def action_form(form_class, data, **kwargs):
    """An action's small form (the page's), validated or refused in the error shape."""
    return validated_form(form_class, data=data, **kwargs)
