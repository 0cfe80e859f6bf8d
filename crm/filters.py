"""FilterSet helpers: choices come from the request's company, search spans several fields."""

from functools import reduce
from operator import or_

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.models import IndividualPartner, OrganizationPartner, Product, SalesPartner, Salesperson


def company_queryset(model, **filters):
    """A callable queryset for ModelChoiceFilter, evaluated per request inside its scope."""

    def for_request(request):
        if request is None or getattr(request, "company", None) is None:
            return model.objects.none()
        return model.objects.filter(company=request.company, **filters)

    return for_request


class SearchFilterSet(django_filters.FilterSet):
    """Adds ``q``: a case-insensitive match on any of ``search_fields``."""

    search_fields: tuple[str, ...] = ()

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")

    def filter_search(self, queryset, name, value):
        terms = value.split()
        for term in terms:
            queryset = queryset.filter(
                reduce(or_, (Q(**{f"{field}__icontains": term}) for field in self.search_fields))
            )
        return queryset


def active_filter() -> django_filters.BooleanFilter:
    """Any / active / inactive, worded for people rather than as a three-valued boolean."""
    return django_filters.BooleanFilter(
        label=_("Status"),
        field_name="is_active",
        widget=forms.Select(
            choices=[("", _("Any status")), ("true", _("Active")), ("false", _("Inactive"))]
        ),
    )


class SalespersonFilter(SearchFilterSet):
    search_fields = ("name", "email")

    is_active = active_filter()
    manager = django_filters.ModelChoiceFilter(
        label=_("Manager"), queryset=company_queryset(Salesperson), empty_label=_("Anyone")
    )

    class Meta:
        model = Salesperson
        fields = ["q", "is_active", "manager"]


class PartnerFilter(SearchFilterSet):
    search_fields = ("name", "email", "phone")

    kind = django_filters.ChoiceFilter(
        label=_("Type"),
        choices=SalesPartner.Kind.choices,
        method="filter_kind",
        empty_label=_("Any type"),
    )
    is_active = active_filter()

    class Meta:
        model = SalesPartner
        fields = ["q", "kind", "is_active"]

    def filter_kind(self, queryset, name, value):
        model = {
            SalesPartner.Kind.INDIVIDUAL: IndividualPartner,
            SalesPartner.Kind.ORGANIZATION: OrganizationPartner,
        }[value]
        return queryset.instance_of(model)


class ProductFilter(SearchFilterSet):
    search_fields = ("sku", "name")

    is_active = active_filter()
    min_price = django_filters.NumberFilter(
        label=_("Price from"), field_name="unit_price", lookup_expr="gte", min_value=0
    )
    max_price = django_filters.NumberFilter(
        label=_("Price up to"), field_name="unit_price", lookup_expr="lte", min_value=0
    )

    class Meta:
        model = Product
        fields = ["q", "is_active", "min_price", "max_price"]
