"""List filters; every choice is the request company's."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from crm.filters import SearchFilterSet, company_queryset
from crm.models import SalesPartner, Salesperson
from leads.models import Lead, LeadSource, Opportunity, OpportunityStage


class DateInput(forms.DateInput):
    input_type = "date"


def _partners(request):
    return company_queryset(SalesPartner)(request).non_polymorphic()


class LeadFilter(SearchFilterSet):
    search_fields = ("first_name", "last_name", "organization_name", "email", "phone")

    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Lead.Status.choices, empty_label=_("Any status")
    )
    source = django_filters.ModelChoiceFilter(
        label=_("Source"), queryset=company_queryset(LeadSource), empty_label=_("Any source")
    )
    salesperson = django_filters.ModelChoiceFilter(
        label=_("Salesperson"), queryset=company_queryset(Salesperson), empty_label=_("Anyone")
    )
    sales_partner = django_filters.ModelChoiceFilter(
        label=_("Sales partner"), queryset=_partners, empty_label=_("Any partner")
    )
    created_from = django_filters.DateFilter(
        label=_("Created from"),
        field_name="created_at",
        lookup_expr="date__gte",
        widget=DateInput(),
    )
    created_to = django_filters.DateFilter(
        label=_("Created up to"),
        field_name="created_at",
        lookup_expr="date__lte",
        widget=DateInput(),
    )

    class Meta:
        model = Lead
        fields = ["q", "status", "source", "salesperson", "sales_partner"]


class OpportunityFilter(SearchFilterSet):
    # The title, and the people behind it: the lead's name, organization, e-mail and phone.
    search_fields = (
        "title",
        "lead__first_name",
        "lead__last_name",
        "lead__organization_name",
        "lead__email",
        "lead__phone",
    )

    stage = django_filters.ModelChoiceFilter(
        label=_("Stage"), queryset=company_queryset(OpportunityStage), empty_label=_("Any stage")
    )
    salesperson = django_filters.ModelChoiceFilter(
        label=_("Salesperson"), queryset=company_queryset(Salesperson), empty_label=_("Anyone")
    )
    sales_partner = django_filters.ModelChoiceFilter(
        label=_("Sales partner"), queryset=_partners, empty_label=_("Any partner")
    )
    close_from = django_filters.DateFilter(
        label=_("Closing from"),
        field_name="expected_close_date",
        lookup_expr="gte",
        widget=DateInput(),
    )
    close_to = django_filters.DateFilter(
        label=_("Closing up to"),
        field_name="expected_close_date",
        lookup_expr="lte",
        widget=DateInput(),
    )
    created_from = django_filters.DateFilter(
        label=_("Created from"),
        field_name="created_at",
        lookup_expr="date__gte",
        widget=DateInput(),
    )
    created_to = django_filters.DateFilter(
        label=_("Created up to"),
        field_name="created_at",
        lookup_expr="date__lte",
        widget=DateInput(),
    )

    class Meta:
        model = Opportunity
        fields = ["q", "stage", "salesperson", "sales_partner"]
