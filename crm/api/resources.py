"""The core's own resources on the API: the product catalog (``/api/v1/products/``) and the
timelines of records (``/api/v1/activities/``).
Registered by ``crm.api.urls`` (crm's own ``api`` module is this package)."""

import re

from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.access import Action, can, is_registered
from crm.api.forms import BIGINT_MAX, form_serializer, validated_form
from crm.api.router import router
from crm.api.viewsets import FormViewSet, ReadViewSet
from crm.errors import DomainError
from crm.filters import ProductFilter
from crm.forms import ActivityForm, ProductForm
from crm.models import Activity, Call, Membership, Product, Task
from crm.services import product_save
from crm.timeline import activity_add, activity_delete, task_complete, task_reopen
from crm.views.timeline import resolve_owner

MODEL_LABEL = re.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*")


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = [
            "id",
            "sku",
            "name",
            "description",
            "unit_price",
            "vat_rate",
            "gross_unit_price",
            "is_active",
            "created_at",
            "version",
            "updated_at",
        ]
        read_only_fields = fields

    gross_unit_price = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)


class ProductViewSet(FormViewSet):
    """The company's catalog: everyone reads it, managers, admins and owners change it. A
    product used on quotations, orders or wish lists cannot be deleted (409): mark it
    inactive instead."""

    model = Product
    read_serializer_class = ProductSerializer
    input_serializer_class = form_serializer(ProductForm, "ProductInput")
    form_class = ProductForm
    filterset_class = ProductFilter
    write_roles = Membership.MANAGER_ROLES

    def save_service(self, instance):
        if instance.vat_rate is None:
            instance.vat_rate = self.company.default_vat_rate
        return product_save(product=instance)

    def delete_service(self, instance) -> None:
        # As the catalog page does: a row others still use is refused (ProtectedError: 409).
        instance.delete()


router.register("products", ProductViewSet, basename="product")


# --- the timeline -------------------------------------------------------------------------------

ACTIVITY_EXTRA_FIELDS = (
    "direction",
    "duration_minutes",
    "outcome",
    "starts_at",
    "ends_at",
    "location",
    "title",
    "due_date",
    "assigned_to",
    "done",
    "done_at",
)


class ActivitySerializer(serializers.Serializer):
    """One timeline entry; the fields of other kinds than its own are null."""

    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True, help_text="note, call, meeting, task, system")
    owner_type = serializers.CharField(read_only=True, help_text="app_label.modelname")
    owner_id = serializers.IntegerField(read_only=True)
    author = serializers.IntegerField(read_only=True, allow_null=True)
    occurred_at = serializers.DateTimeField(read_only=True)
    body = serializers.CharField(
        read_only=True,
        help_text="What the entry says; a system event's in the request's language",
    )
    direction = serializers.CharField(read_only=True, allow_null=True)
    duration_minutes = serializers.IntegerField(read_only=True, allow_null=True)
    outcome = serializers.CharField(read_only=True, allow_null=True)
    starts_at = serializers.DateTimeField(read_only=True, allow_null=True)
    ends_at = serializers.DateTimeField(read_only=True, allow_null=True)
    location = serializers.CharField(read_only=True, allow_null=True)
    title = serializers.CharField(read_only=True, allow_null=True)
    due_date = serializers.DateField(read_only=True, allow_null=True)
    assigned_to = serializers.IntegerField(read_only=True, allow_null=True)
    done = serializers.BooleanField(read_only=True, allow_null=True)
    done_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def to_representation(self, activity):
        content_type = ContentType.objects.get_for_id(activity.owner_type_id)
        row = {
            "id": activity.pk,
            "kind": activity.kind,
            "owner_type": f"{content_type.app_label}.{content_type.model}",
            "owner_id": activity.owner_id,
            "author": activity.author_id,
            "occurred_at": activity.occurred_at,
            "body": activity.text,
        }
        for name in ACTIVITY_EXTRA_FIELDS:
            if name == "assigned_to":
                row[name] = getattr(activity, "assigned_to_id", None)
            else:
                row[name] = getattr(activity, name, None)
        return super().to_representation(_Row(row))


class _Row(dict):
    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError as error:
            raise AttributeError(name) from error


class _ActivityInput(form_serializer(ActivityForm, "ActivityFields")):
    owner_type = serializers.CharField(max_length=100, help_text="e.g. leads.lead")
    owner_id = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX)
    direction = serializers.ChoiceField(
        choices=Call.Direction.choices, required=False, allow_blank=True, allow_null=True
    )


ActivityInput = type("ActivityInput", (_ActivityInput,), {})

OWNER_PARAMETERS = [
    OpenApiParameter("owner_type", str, required=True, description="e.g. leads.lead"),
    OpenApiParameter("owner_id", int, required=True),
]


class ActivityViewSet(ReadViewSet):
    """A record's timeline: list it (``?owner_type=leads.lead&owner_id=5``), add a note, call,
    meeting or task, tick a task off or reopen it, delete an entry (its author or an admin;
    system events stay). Only records you may view have their timeline read or written."""

    model = Activity
    read_serializer_class = ActivitySerializer
    input_serializer_class = ActivityInput
    filter_backends = []

    def owner(self, owner_type: str, owner_id) -> object:
        """The record the entries belong to, if it is the company's and within your view
        level; anything else is a 404."""
        try:
            owner_id = int(owner_id)
        except (TypeError, ValueError):
            raise Http404 from None
        if not (1 <= owner_id <= BIGINT_MAX) or not MODEL_LABEL.fullmatch(owner_type or ""):
            raise Http404
        owner = resolve_owner(self.request._request, owner_type, owner_id)
        if is_registered(type(owner)) and not can(
            self.request.user, self.company, owner, Action.VIEW
        ):
            raise Http404
        return owner

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Activity.objects.none()
        return Activity.objects.filter(company=self.company).select_related("owner_type")

    def get_object(self):
        activity = super().get_object()
        owner_type = activity.owner_type
        self.owner(f"{owner_type.app_label}.{owner_type.model}", activity.owner_id)
        return activity

    @extend_schema(parameters=OWNER_PARAMETERS)
    def list(self, request, *args, **kwargs):
        owner = self.owner(
            request.query_params.get("owner_type"), request.query_params.get("owner_id")
        )
        queryset = self.get_queryset().filter(
            owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(ActivitySerializer(page, many=True).data)

    @extend_schema(request=ActivityInput, responses={201: ActivitySerializer})
    def create(self, request, *args, **kwargs):
        serializer = ActivityInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        given = dict(serializer.validated_data)
        owner = self.owner(given.pop("owner_type"), given.pop("owner_id"))
        data = {name: ("" if value is None else value) for name, value in given.items()}
        form = validated_form(ActivityForm, data=data, company=self.company)
        activity = activity_add(
            owner=owner,
            kind=form.cleaned_data["kind"],
            actor=request.user,
            **form.activity_fields,
        )
        return self.read(activity, status_code=201)

    def destroy(self, request, *args, **kwargs):
        activity_delete(activity=self.get_object(), actor=request.user)
        return Response(status=204)

    def _task(self):
        activity = self.get_object()
        if not isinstance(activity, Task):
            raise DomainError(_("Only a task can be ticked off or reopened."), code="not_a_task")
        return activity

    @extend_schema(request=None, responses=ActivitySerializer)
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        """Tick the task off (again: no change)."""
        return self.read(task_complete(task=self._task(), actor=request.user))

    @extend_schema(request=None, responses=ActivitySerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Open a done task again."""
        return self.read(task_reopen(task=self._task(), actor=request.user))


router.register("activities", ActivityViewSet, basename="activity")
