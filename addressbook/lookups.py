"""How addresses and contacts are looked up by what a person types (see crm.ui.lookup)."""

from django.utils.translation import gettext_lazy

from addressbook.filters import AddressFilterSet, ContactFilterSet
from addressbook.models import Address, Contact
from crm.ui.lookup import Lookup


def describe_contact(contact: Contact) -> str:
    """The name, and what tells two people of the same name apart."""
    parts = [contact.full_name]
    reach = contact.job_title or contact.email or contact.phone
    if reach:
        parts.append(reach)
    return " · ".join(parts)


ADDRESSES = Lookup(
    model=Address,
    url_name="addressbook:address_lookup",
    list_url_name="addressbook:address_list",
    filterset_class=AddressFilterSet,
    ordering=("city", "street", "pk"),
    search_hint=gettext_lazy("Type a street, city or postal code"),
    describe=str,
    columns=("pk", "company_id", "label", "street", "postal_code", "city", "country"),
)

CONTACTS = Lookup(
    model=Contact,
    url_name="addressbook:contact_lookup",
    list_url_name="addressbook:contact_list",
    filterset_class=ContactFilterSet,
    ordering=("last_name", "first_name", "pk"),
    search_hint=gettext_lazy("Type a name, e-mail or phone"),
    describe=describe_contact,
    columns=("pk", "company_id", "first_name", "last_name", "job_title", "email", "phone"),
)
