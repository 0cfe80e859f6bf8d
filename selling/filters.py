"""Quotation and order list filters; every choice is the request company's."""

import django_filters
from django.utils.translation import gettext_lazy as _

from crm.filters import partner_queryset
from crm.models import Salesperson
from crm.ui.filters import SearchFilterSet, company_queryset, date_filter
from crm.ui.lookup import LookupFilter
from customers.lookups import CUSTOMERS
from customers.models import Customer
from selling import selectors
from selling.models import Quotation, SalesOrder

# The order list's status for what counts as a sale: confirmed or fulfilled (SalesOrder.BOOKED).
BOOKED = "booked"


def _customer_filter(**kwargs) -> LookupFilter:
    """Any of the company's customers, found by typing: a select of every customer with a
    document would list hundreds of thousands of them."""
    return LookupFilter(
        CUSTOMERS,
        label=_("Customer"),
        queryset=company_queryset(Customer),
        empty_label=_("Any customer"),
        **kwargs,
    )


def _total_range() -> tuple[django_filters.NumberFilter, django_filters.NumberFilter]:
    """``total_min`` / ``total_max`` on the total the customer pays (with VAT)."""
    return (
        django_filters.NumberFilter(
            label=_("Total from"), field_name="gross_total", lookup_expr="gte", min_value=0
        ),
        django_filters.NumberFilter(
            label=_("Total up to"), field_name="gross_total", lookup_expr="lte", min_value=0
        ),
    )


class QuotationFilter(SearchFilterSet):
    # The number, and whoever it is for: the customer (also the one its opportunity became) or
    # the opportunity's title, all stored on the quotation (selling.party_names).

    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Quotation.Status.choices, empty_label=_("Any status")
    )
    customer = _customer_filter(method="filter_customer")
    salesperson = django_filters.ModelChoiceFilter(
        label=_("Salesperson"), queryset=company_queryset(Salesperson), empty_label=_("Anyone")
    )
    sales_partner = django_filters.ModelChoiceFilter(
        label=_("Sales partner"), queryset=partner_queryset, empty_label=_("Any partner")
    )
    date_from = date_filter(_("Dated from"), "quotation_date", "gte")
    date_to = date_filter(_("Dated up to"), "quotation_date", "lte")
    total_min, total_max = _total_range()

    class Meta:
        model = Quotation
        fields = ["q", "status", "customer", "salesperson", "sales_partner"]

    def filter_customer(self, queryset, name, value):
        return queryset.filter(selectors.quotations_of_customer(value))


class OrderFilter(SearchFilterSet):
    # The number, and the customer's name, e-mail and phone, stored on the order
    # (selling.party_names).
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(BOOKED, _("Booked (confirmed or fulfilled)")), *SalesOrder.Status.choices],
        empty_label=_("Any status"),
        method="filter_status",
    )
    customer = _customer_filter()
    salesperson = django_filters.ModelChoiceFilter(
        label=_("Salesperson"), queryset=company_queryset(Salesperson), empty_label=_("Anyone")
    )
    sales_partner = django_filters.ModelChoiceFilter(
        label=_("Sales partner"), queryset=partner_queryset, empty_label=_("Any partner")
    )
    date_from = date_filter(_("Ordered from"), "order_date", "gte")
    date_to = date_filter(_("Ordered up to"), "order_date", "lte")
    total_min, total_max = _total_range()

    class Meta:
        model = SalesOrder
        fields = ["q", "status", "customer", "salesperson", "sales_partner"]

    def filter_status(self, queryset, name, value: str):
        """One status, or "booked": what counts as a sale (the dashboard's booked sales)."""
        if value == BOOKED:
            return queryset.filter(status__in=SalesOrder.BOOKED)
        return queryset.filter(status=value)
