"""Customer list filters; every choice is the request company's."""

import django_filters
from django.utils.translation import gettext_lazy as _

from crm.filters import SearchFilterSet, active_filter, company_queryset
from crm.models import SalesPartner, Salesperson
from customers.models import Customer, CustomerGroup, CustomerType
from leads.filters import DateInput


def _partners(request):
    return company_queryset(SalesPartner)(request).non_polymorphic()


class CustomerFilter(SearchFilterSet):
    search_fields = ("name", "email", "phone")

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
        label=_("Sales partner"), queryset=_partners, empty_label=_("Any partner")
    )
    is_active = active_filter()
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
        model = Customer
        fields = ["q", "customer_type", "customer_group", "salesperson", "sales_partner"]
