"""Customer list filters; every choice is the request company's."""

import django_filters
from django.utils.translation import gettext_lazy as _

from crm.filters import partner_queryset
from crm.models import Salesperson
from crm.ui.filters import (
    SearchFilterSet,
    company_queryset,
    created_range,
)
from customers.models import Customer, CustomerGroup, CustomerType


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

    class Meta:
        model = Customer
        fields = ["q", "status", "customer_type", "customer_group", "salesperson", "sales_partner"]
