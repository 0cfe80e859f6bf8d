"""Contacts and addresses in the top bar's search box (crm.ui.global_search)."""

from django.utils.translation import gettext_lazy as _

from crm.ui.global_search import SearchKind, register_search_kind


def _describe_contact(contact) -> str:
    return " · ".join(part for part in (contact.job_title, contact.email) if part)


def register() -> None:
    from addressbook.filters import AddressFilterSet, ContactFilterSet

    register_search_kind(
        SearchKind(
            key="addressbook.contact",
            label=_("Contacts"),
            model_label="addressbook.Contact",
            filterset=ContactFilterSet,
            list_url_name="addressbook:contact_list",
            ordering=("last_name", "first_name", "pk"),
            order=40,
            only=("first_name", "last_name", "job_title", "email"),
            describe=_describe_contact,
        )
    )
    register_search_kind(
        SearchKind(
            key="addressbook.address",
            label=_("Addresses"),
            model_label="addressbook.Address",
            filterset=AddressFilterSet,
            list_url_name="addressbook:address_list",
            ordering=("city", "street", "pk"),
            order=50,
            only=("label", "street", "postal_code", "city", "country"),
        )
    )
