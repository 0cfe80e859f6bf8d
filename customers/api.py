"""Customers on the REST API (``/api/v1/customers/``) and the conversions that make them:
``/api/v1/leads/<id>/convert-to-customer/`` and ``/api/v1/opportunities/<id>/convert-to-customer/``.
The pages' forms validate, ``customers.services`` writes."""

from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError

from crm.access import Action, viewable_rows
from crm.api.forms import action_input, form_serializer, serializer_field, validated_form
from crm.api.router import router
from crm.api.viewsets import CompanyViewSet, FormViewSet
from customers import services
from customers.filters import CustomerFilter
from customers.forms import ConversionForm, CustomerForm
from customers.models import Customer
from leads.api import VERSIONED
from leads.models import Lead, Opportunity


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "customer_type",
            "customer_group",
            "email",
            "phone",
            "status",
            "hold_reason",
            "parent",
            "salesperson",
            "sales_partner",
            "lead",
            "opportunity",
            "internal_information",
            "balance",
            "lifetime_sales_value",
            "created_at",
            *VERSIONED,
        ]
        read_only_fields = fields


class CustomerStatusForm(forms.Form):
    """A status move: on hold needs the reason shown wherever a quotation or order is made."""

    status = forms.ChoiceField(label=_("New status"), choices=Customer.Status.choices)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=Customer._meta.get_field("hold_reason").max_length,
        required=False,
    )

    def __init__(self, *args, company=None, **kwargs):
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Customer.Status.ON_HOLD and not cleaned.get("reason"):
            self.add_error("reason", _("Say why the customer is on hold."))
        return cleaned


CustomerInput = form_serializer(CustomerForm, "CustomerInput")
CustomerStatusInput = form_serializer(CustomerStatusForm, "CustomerStatusInput")


class ConversionInput(serializers.Serializer):
    """Link an existing ``customer``, or make a new one from the proposal (the lead's or
    opportunity's people), changed by any of the other fields. A new customer whose e-mail or
    phone matches another is refused (code ``duplicate``) unless ``allow_duplicates``."""

    customer = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, allow_null=True
    )
    allow_duplicates = serializers.BooleanField(required=False, default=False)


# The proposal's fields, each optional: what is left out stays as proposed.
for _name, _field in ConversionForm.base_fields.items():
    ConversionInput._declared_fields[_name] = serializer_field(_field, required=False)


class CustomerViewSet(FormViewSet):
    """The company's customers at your access level."""

    model = Customer
    read_serializer_class = CustomerSerializer
    input_serializer_class = CustomerInput
    form_class = CustomerForm
    filterset_class = CustomerFilter

    def save_service(self, instance):
        return services.customer_save(customer=instance, actor=self.request.user)

    def delete_service(self, instance) -> None:
        services.customer_delete(customer=instance, actor=self.request.user)

    @extend_schema(request=CustomerStatusInput, responses=CustomerSerializer)
    @action(detail=True, methods=["post"], access_action=Action.EDIT)
    def status(self, request, pk=None):
        """Put on hold (with a reason), release, mark inactive or reactivate."""
        customer = self.get_object()
        form = action_input(self, CustomerStatusInput, CustomerStatusForm)
        customer = services.customer_set_status(
            customer=customer,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
        return self.read(customer)


class _ConvertToCustomer(CompanyViewSet):
    """One action on a lead or an opportunity: make (or link) its customer."""

    access_action = Action.CONVERT
    read_serializer_class = CustomerSerializer

    def sources(self, record) -> tuple[Lead | None, Opportunity | None]:
        raise NotImplementedError

    def convert(self, record, **kwargs) -> Customer:
        raise NotImplementedError

    def convert_to_customer(self, request, pk=None):
        record = self.get_object()
        serializer = ConversionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        given = serializer.validated_data
        if given.get("customer"):
            customer = viewable_rows(
                Customer.objects.filter(company=self.company, pk=given["customer"]),
                request.user,
                self.company,
            ).first()
            if customer is None:
                raise ValidationError({"customer": _("No such customer in your company.")})
            return self.read(self.convert(record, customer=customer))
        lead, opportunity = self.sources(record)
        proposal = services.proposed_customer(lead=lead, opportunity=opportunity)
        data = {
            name: getattr(proposal, f"{name}_id" if name.startswith("customer_") else name)
            for name in ConversionForm.Meta.fields
        }
        data = {name: ("" if value is None else value) for name, value in data.items()}
        for name in ConversionForm.Meta.fields:
            if name in given:
                data[name] = "" if given[name] is None else given[name]
        form = validated_form(ConversionForm, data=data, instance=proposal, company=self.company)
        fields = {name: form.cleaned_data[name] for name in ConversionForm.Meta.fields}
        customer = self.convert(
            record, fields=fields, allow_duplicates=given.get("allow_duplicates", False)
        )
        return self.read(customer)


class LeadToCustomerViewSet(_ConvertToCustomer):
    model = Lead

    def sources(self, record):
        return record, None

    def convert(self, record, **kwargs):
        return services.lead_convert_to_customer(lead=record, actor=self.request.user, **kwargs)

    @extend_schema(request=ConversionInput, responses=CustomerSerializer)
    @action(detail=True, methods=["post"], url_path="convert-to-customer")
    def convert_to_customer(self, request, pk=None):
        """Make the lead a customer (through its opportunity, if it has one), or answer with
        the customer it already became."""
        return super().convert_to_customer(request, pk)


class OpportunityToCustomerViewSet(_ConvertToCustomer):
    model = Opportunity

    def base_queryset(self):
        return super().base_queryset().select_related("stage", "lead")

    def sources(self, record):
        return record.lead, record

    def convert(self, record, **kwargs):
        return services.opportunity_convert_to_customer(
            opportunity=record, actor=self.request.user, **kwargs
        )

    @extend_schema(request=ConversionInput, responses=CustomerSerializer)
    @action(detail=True, methods=["post"], url_path="convert-to-customer")
    def convert_to_customer(self, request, pk=None):
        """Make the opportunity's customer (and mark it won), or answer with the customer it
        already became."""
        return super().convert_to_customer(request, pk)


router.register("customers", CustomerViewSet, basename="customer")
router.register("leads", LeadToCustomerViewSet, basename="lead-customer")
router.register("opportunities", OpportunityToCustomerViewSet, basename="opportunity-customer")
