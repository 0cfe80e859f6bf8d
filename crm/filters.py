"""The core's own list filters (salespeople, sales partners, products) and the sales-partner
choices other apps' filters offer; the helpers they are built from are in ``crm.ui.filters``."""

import django_filters
from django.utils.translation import gettext_lazy as _

from crm.models import IndividualPartner, OrganizationPartner, Product, SalesPartner, Salesperson
from crm.ui.filters import SearchFilterSet, active_filter, company_queryset


def partner_queryset(request):
    """The request company's sales partners as plain rows (no per-row subtype queries)."""
    return company_queryset(SalesPartner)(request).non_polymorphic()


partner_queryset.rows_of = SalesPartner  # what ``SearchFilterSet.form_class_key`` reads


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
