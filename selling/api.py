"""Quotations and sales orders on the REST API (``/api/v1/quotations/``, ``/api/v1/orders/``),
their status moves as actions, and quoting or ordering an opportunity
(``/api/v1/opportunities/<id>/quote/``, ``/order/``). The pages' forms validate,
``selling.services`` writes; every action is idempotent as the service is."""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from crm.access import Action, viewable_rows
from crm.api.forms import action_input, form_data, form_serializer, validated_form
from crm.api.router import router
from crm.api.viewsets import CompanyViewSet, FormUpdateMixin, ReadViewSet
from customers.models import Customer
from leads.models import Opportunity
from selling import services
from selling.filters import OrderFilter, QuotationFilter
from selling.forms import (
    OrderCreateForm,
    OrderHeaderForm,
    QuotationCreateForm,
    QuotationHeaderForm,
    ReasonForm,
)
from selling.models import Quotation, QuotationItem, SalesOrder, SalesOrderItem

LINE_FIELDS = [
    "id",
    "position",
    "product",
    "description",
    "quantity",
    "unit_price",
    "discount_percent",
    "vat_rate",
]
DOCUMENT_FIELDS = [
    "id",
    "number",
    "status",
    "customer",
    "opportunity",
    "salesperson",
    "sales_partner",
    "currency",
    "prices_include_vat",
    "discount_percent",
    "discount_rule",
    "payment_terms_days",
    "net_total",
    "vat_total",
    "gross_total",
    "notes",
    "created_at",
    "version",
    "updated_at",
]


class QuotationItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuotationItem
        fields = LINE_FIELDS
        read_only_fields = fields


class OrderItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = SalesOrderItem
        fields = [*LINE_FIELDS, "quotation_item"]
        read_only_fields = fields


class QuotationSerializer(serializers.ModelSerializer):
    items = QuotationItemSerializer(many=True, read_only=True)

    class Meta:
        model = Quotation
        fields = [*DOCUMENT_FIELDS, "quotation_date", "valid_until", "items"]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    items = OrderItemSerializer(many=True, read_only=True)
    amount_due = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = SalesOrder
        fields = [
            *DOCUMENT_FIELDS,
            "quotation",
            "order_date",
            "delivery_date",
            "balance_applied",
            "amount_due",
            "items",
        ]
        read_only_fields = fields


class OrderFromInput(serializers.Serializer):
    """If the party is not a customer yet, the order makes it one: link ``customer`` (picked
    after a duplicate check), or allow a new one whose e-mail or phone matches another."""

    customer = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, allow_null=True
    )
    allow_duplicates = serializers.BooleanField(required=False, default=False)


ReasonInput = form_serializer(ReasonForm, "ReasonInput")


def _order_kwargs(view) -> dict:
    serializer = OrderFromInput(data=view.request.data)
    serializer.is_valid(raise_exception=True)
    given = serializer.validated_data
    kwargs = {"allow_duplicates": given.get("allow_duplicates", False)}
    if given.get("customer"):
        customer = viewable_rows(
            Customer.objects.filter(company=view.company, pk=given["customer"]),
            view.request.user,
            view.company,
        ).first()
        if customer is None:
            raise ValidationError({"customer": _("No such customer in your company.")})
        kwargs["customer"] = customer
    return kwargs


class _DocumentViewSet(FormUpdateMixin, ReadViewSet):
    """List, detail, create (a draft for a customer), change the header of a draft."""

    create_form_class = None
    item_model = None

    def base_queryset(self):
        items = self.item_model.objects.filter(company=self.company).order_by("position", "pk")
        return super().base_queryset().prefetch_related(Prefetch("items", queryset=items))

    def form_kwargs(self) -> dict:
        # The header forms are the pages': their choices at the user's view level.
        return {"company": self.company, "user": self.request.user}

    def save_form(self, form):
        return self.update_service(form.instance, form.service_fields)

    def create_service(self, data: dict):
        raise NotImplementedError

    def update_service(self, instance, fields: dict):
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        serializer = self.create_serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        form = validated_form(
            self.create_form_class,
            data=form_data(serializer.validated_data, form_class=self.create_form_class),
            company=self.company,
            user=request.user,  # the customers the user may view, as on the page
        )
        document = self.create_service(form.cleaned_data)
        document = self.get_queryset().get(pk=document.pk)
        return self.read(document, status_code=status.HTTP_201_CREATED)

    def _move(self, service, *, document=None):
        """Run ``service`` on the document (found first: another company's is a 404 before
        the body is read), and answer with the document as it is now."""
        document = document or self.get_object()
        service(document)
        return self.read(
            self.get_queryset()
            .model.objects.prefetch_related("items")
            .get(pk=document.pk, company=self.company)
        )


class QuotationViewSet(_DocumentViewSet):
    """The company's quotations at your access level. Lines come from the opportunity's wish
    list or the pages; the API reads them."""

    model = Quotation
    item_model = QuotationItem
    read_serializer_class = QuotationSerializer
    input_serializer_class = form_serializer(QuotationHeaderForm, "QuotationHeaderInput")
    create_serializer_class = form_serializer(QuotationCreateForm, "QuotationCreateInput")
    create_form_class = QuotationCreateForm
    form_class = QuotationHeaderForm
    filterset_class = QuotationFilter

    def create_service(self, data):
        return services.quotation_create(
            customer=data["customer"],
            valid_until=data["valid_until"],
            notes=data["notes"],
            actor=self.request.user,
        )

    def update_service(self, instance, fields):
        return services.quotation_update(quotation=instance, actor=self.request.user, fields=fields)

    @extend_schema(request=create_serializer_class, responses={201: QuotationSerializer})
    def create(self, request, *args, **kwargs):
        """A new draft quotation for one of the company's active customers."""
        return super().create(request, *args, **kwargs)

    @extend_schema(request=None, responses=QuotationSerializer)
    @action(detail=True, methods=["post"], access_action=Action.EDIT)
    def send(self, request, pk=None):
        """Mark the quotation as sent to the customer."""
        return self._move(lambda q: services.quotation_send(quotation=q, actor=request.user))

    @extend_schema(request=None, responses=QuotationSerializer)
    @action(detail=True, methods=["post"], access_action=Action.CONVERT)
    def accept(self, request, pk=None):
        """The customer accepted it."""
        return self._move(lambda q: services.quotation_accept(quotation=q, actor=request.user))

    @extend_schema(request=ReasonInput, responses=QuotationSerializer)
    @action(detail=True, methods=["post"], access_action=Action.CONVERT)
    def reject(self, request, pk=None):
        """The customer rejected it (the reason is optional)."""
        quotation = self.get_object()
        form = action_input(self, ReasonInput, _ReasonForm)
        return self._move(
            lambda q: services.quotation_reject(
                quotation=q, actor=request.user, reason=form.cleaned_data["reason"]
            ),
            document=quotation,
        )

    @extend_schema(request=OrderFromInput, responses=OrderSerializer)
    @action(detail=True, methods=["post"], access_action=Action.CONVERT)
    def order(self, request, pk=None):
        """The sales order for this accepted quotation (made once: again answers the same)."""
        quotation = self.get_object()
        order = services.order_from_quotation(
            quotation=quotation, actor=request.user, **_order_kwargs(self)
        )
        order = SalesOrder.objects.prefetch_related("items").get(pk=order.pk, company=self.company)
        return Response(OrderSerializer(order).data)


class OrderViewSet(_DocumentViewSet):
    """The company's sales orders at your access level."""

    model = SalesOrder
    item_model = SalesOrderItem
    read_serializer_class = OrderSerializer
    input_serializer_class = form_serializer(OrderHeaderForm, "OrderHeaderInput")
    create_serializer_class = form_serializer(OrderCreateForm, "OrderCreateInput")
    create_form_class = OrderCreateForm
    form_class = OrderHeaderForm
    filterset_class = OrderFilter

    def create_service(self, data):
        return services.order_create(
            customer=data["customer"],
            order_date=data["order_date"],
            delivery_date=data["delivery_date"],
            notes=data["notes"],
            actor=self.request.user,
        )

    def update_service(self, instance, fields):
        return services.order_update(order=instance, actor=self.request.user, fields=fields)

    @extend_schema(request=create_serializer_class, responses={201: OrderSerializer})
    def create(self, request, *args, **kwargs):
        """A new draft order for one of the company's active customers."""
        return super().create(request, *args, **kwargs)

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"], access_action=Action.EDIT)
    def confirm(self, request, pk=None):
        return self._move(lambda o: services.order_confirm(order=o, actor=request.user))

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"], access_action=Action.EDIT)
    def fulfil(self, request, pk=None):
        return self._move(lambda o: services.order_fulfil(order=o, actor=request.user))

    @extend_schema(request=ReasonInput, responses=OrderSerializer)
    @action(detail=True, methods=["post"], access_action=Action.EDIT)
    def cancel(self, request, pk=None):
        """Cancel the order (balance applied to it goes back to the customer)."""
        order = self.get_object()
        form = action_input(self, ReasonInput, _ReasonForm)
        return self._move(
            lambda o: services.order_cancel(
                order=o, actor=request.user, reason=form.cleaned_data["reason"]
            ),
            document=order,
        )


class _ReasonForm(ReasonForm):
    def __init__(self, *args, company=None, **kwargs):
        super().__init__(*args, **kwargs)


class OpportunitySellingViewSet(CompanyViewSet):
    """Quote or order an opportunity (both convert it: its convert level applies)."""

    model = Opportunity
    access_action = Action.CONVERT

    def base_queryset(self):
        return super().base_queryset().select_related("lead")

    @extend_schema(request=None, responses={201: QuotationSerializer})
    @action(detail=True, methods=["post"])
    def quote(self, request, pk=None):
        """A draft quotation whose lines are the opportunity's wish list."""
        quotation = services.quotation_create(opportunity=self.get_object(), actor=request.user)
        quotation = Quotation.objects.prefetch_related("items").get(
            pk=quotation.pk, company=self.company
        )
        return Response(QuotationSerializer(quotation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OrderFromInput, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def order(self, request, pk=None):
        """The order made from the wish list (made once: again answers the open one); the
        opportunity becomes a customer if it is not one yet."""
        order = services.order_from_opportunity(
            opportunity=self.get_object(), actor=request.user, **_order_kwargs(self)
        )
        order = SalesOrder.objects.prefetch_related("items").get(pk=order.pk, company=self.company)
        return Response(OrderSerializer(order).data)


router.register("quotations", QuotationViewSet, basename="quotation")
router.register("orders", OrderViewSet, basename="order")
router.register("opportunities", OpportunitySellingViewSet, basename="opportunity-selling")
