"""What differs between the address and the contact UI, in one place, so views stay generic."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from addressbook import forms, selectors, services
from addressbook.models import Address, AddressLink, Contact, ContactLink


@dataclass(frozen=True)
class Kind:
    name: str  # "address" or "contact"
    plural: str  # "addresses" or "contacts": URL segment and panel id
    model: type
    link_model: type
    new_form: type
    link_form: type
    title: Promise
    add_label: Promise
    link_label: Promise
    empty_text: Promise
    search_fields: tuple[str, ...]
    links_for_owner: Any
    create_and_link: Any
    link: Any
    link_extra_fields: tuple[str, ...]

    def search(self, *, company, query: str, exclude_ids, limit: int = 10):
        queryset = self.model.objects.filter(company=company).exclude(pk__in=exclude_ids)
        for term in query.split():
            condition = Q()
            for field in self.search_fields:
                condition |= Q(**{f"{field}__icontains": term})
            queryset = queryset.filter(condition)
        return list(queryset[:limit])


ADDRESS = Kind(
    name="address",
    plural="addresses",
    model=Address,
    link_model=AddressLink,
    new_form=forms.AddressNewLinkForm,
    link_form=forms.AddressLinkForm,
    title=_("Addresses"),
    add_label=_("Add a new address"),
    link_label=_("Link an existing address"),
    empty_text=_("No addresses yet."),
    search_fields=("label", "street", "city", "postal_code", "country"),
    links_for_owner=selectors.address_links_for_owner,
    create_and_link=services.address_create_and_link,
    link=services.address_link,
    link_extra_fields=("purpose", "is_primary"),
)

CONTACT = Kind(
    name="contact",
    plural="contacts",
    model=Contact,
    link_model=ContactLink,
    new_form=forms.ContactNewLinkForm,
    link_form=forms.ContactLinkForm,
    title=_("Contacts"),
    add_label=_("Add a new contact"),
    link_label=_("Link an existing contact"),
    empty_text=_("No contacts yet."),
    search_fields=("first_name", "last_name", "email", "phone", "job_title"),
    links_for_owner=selectors.contact_links_for_owner,
    create_and_link=services.contact_create_and_link,
    link=services.contact_link,
    link_extra_fields=("role", "is_primary"),
)
