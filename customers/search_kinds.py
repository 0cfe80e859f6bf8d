"""Customers in the top bar's search box (crm.ui.global_search)."""

from django.utils.translation import gettext_lazy as _

from crm.ui.global_search import SearchKind, register_search_kind


def _describe_customer(customer) -> str:
    return " · ".join(part for part in (customer.email, customer.phone) if part)


def register() -> None:
    from customers.filters import CustomerFilter

    register_search_kind(
        SearchKind(
            key="customers.customer",
            label=_("Customers"),
            model_label="customers.Customer",
            filterset=CustomerFilter,
            list_url_name="customers:customer_list",
            ordering=("name", "pk"),
            order=30,
            only=("name", "email", "phone"),
            describe=_describe_customer,
            list_params={"owner": "all"},
        )
    )
