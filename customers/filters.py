"""Customer list filters; every choice is the request company's."""

import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from crm.filters import partner_queryset
from crm.models import Salesperson
from crm.ui.filters import (
    LocalDateFilter,
    SearchFilterSet,
    company_queryset,
    created_range,
    day_lookups,
)
from customers.models import Customer, CustomerGroup, CustomerLink, CustomerType


class CustomerFilter(SearchFilterSet):
    customer_type = django_filters.ModelChoiceFilter(
        label=_("Type"), queryset=company_queryset(CustomerType), empty_label=_("Any type")
    )
    customer_group = django_filters.ModelChoiceFilter(
        label=_("Group"), queryset=company_queryset(CustomerGroup), empty_label=_("Any group")
    )
    salesperson = django_filters.ModelChoiceFilter(
        label=_("Salesperson"), queryset=company_queryset(Salesperson), empty_label=_("Anyone")
    )
    sales_partner = django_filters.ModelChoiceFilter(
        label=_("Sales partner"), queryset=partner_queryset, empty_label=_("Any partner")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Customer.Status.choices, empty_label=_("Any status")
    )
    created_from, created_to = created_range()
    # The dashboard funnel's cohort: customers made from (or linked to) the leads created in a
    # period (the lead's created date kept on the link).
    lead_created_from = LocalDateFilter(label=_("Lead created from"), method="filter_lead_cohort")
    lead_created_to = LocalDateFilter(label=_("Lead created up to"), method="filter_lead_cohort")

    class Meta:
        model = Customer
        fields = ["q", "status", "customer_type", "customer_group", "salesperson", "sales_partner"]

    def filter_lead_cohort(self, queryset, name, value):
        """Both ends at once, in one EXISTS on the customer's links: a customer of two such
        leads is listed once, and each end applies to the same link. The second end finds it
        done."""
        if getattr(self, "_lead_cohort_applied", False):
            return queryset
        self._lead_cohort_applied = True
        data = self.form.cleaned_data
        lookups = day_lookups(
            "lead_created_at", data.get("lead_created_from"), data.get("lead_created_to")
        )
        if not lookups:
            return queryset
        links = CustomerLink.objects.filter(
            company=OuterRef("company"), customer=OuterRef("pk"), **lookups
        )
        return queryset.filter(Exists(links))
