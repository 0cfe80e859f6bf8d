"""Quotations and sales orders in the top bar's search box (crm.ui.global_search)."""

from django.utils.translation import gettext_lazy as _

from crm.ui.global_search import SearchKind, register_search_kind


def _describe_document(document) -> str:
    party = document.customer or getattr(document, "opportunity", None)
    return " · ".join(part for part in (str(party or ""), document.get_status_display()) if part)


def register() -> None:
    from selling.filters import OrderFilter, QuotationFilter

    register_search_kind(
        SearchKind(
            key="selling.quotation",
            label=_("Quotations"),
            model_label="selling.Quotation",
            filterset=QuotationFilter,
            list_url_name="selling:quotation_list",
            ordering=("-quotation_date", "-pk"),
            order=60,
            select_related=("customer", "opportunity"),
            only=("number", "status", "customer__name", "opportunity__title"),
            describe=_describe_document,
            list_params={"owner": "all"},
        )
    )
    register_search_kind(
        SearchKind(
            key="selling.salesorder",
            label=_("Sales orders"),
            model_label="selling.SalesOrder",
            filterset=OrderFilter,
            list_url_name="selling:order_list",
            ordering=("-order_date", "-pk"),
            order=70,
            select_related=("customer",),
            only=("number", "status", "customer__name"),
            describe=_describe_document,
            list_params={"owner": "all"},
        )
    )
