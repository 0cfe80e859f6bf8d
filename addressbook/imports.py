"""Addresses and contacts as import kinds, validated by the address book's forms and saved by
its services. Contacts are matched by e-mail (case ignored); an address has no key of its own
(no e-mail, no external id), so every address row makes a new address."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from addressbook import services
from addressbook.forms import AddressForm, ContactForm
from addressbook.models import Address, Contact
from crm.imports.kinds import ImportField, ImportKind


def _address_form(*, company, data, instance, user=None):
    return AddressForm(data=data, company=company, instance=instance, user=user)


def _address_save(*, form, actor):
    fields = {name: form.cleaned_data[name] for name in services.ADDRESS_FIELDS}
    if form.instance.pk:
        return services.address_update(address=form.instance, fields=fields, actor=actor)
    return services.address_create(company=form.company, fields=fields, actor=actor)


def _contact_form(*, company, data, instance, user=None):
    return ContactForm(data=data, company=company, instance=instance, user=user)


def _contact_save(*, form, actor):
    fields = {name: form.cleaned_data[name] for name in services.CONTACT_FIELDS}
    if form.instance.pk:
        return services.contact_update(contact=form.instance, fields=fields, actor=actor)
    return services.contact_create(company=form.company, fields=fields, actor=actor)


ADDRESS_IMPORT = ImportKind(
    key="addresses",
    label=_("Addresses"),
    model=Address,
    fields=[
        ImportField("label", _("Label"), ("name",)),
        ImportField("street", _("Street"), ("address", "address line 1"), required=True),
        ImportField("street2", _("Address line 2"), ("street 2",)),
        ImportField("postal_code", _("Postal code"), ("zip", "postcode", "plz")),
        ImportField("city", _("City"), ("town",), required=True),
        ImportField("region", _("Region / state"), ("region", "state")),
        ImportField("country", _("Country"), ("country code",), required=True),
    ],
    make_form=_address_form,
    save=_address_save,
    list_url="addressbook:address_list",
)

CONTACT_IMPORT = ImportKind(
    key="contacts",
    label=_("Contacts"),
    model=Contact,
    fields=[
        ImportField("first_name", _("First name"), ("first", "firstname", "given name")),
        ImportField("last_name", _("Last name"), ("last", "surname"), required=True),
        ImportField("job_title", _("Job title"), ("title", "position")),
        ImportField("email", _("E-mail"), ("email address", "mail")),
        ImportField("phone", _("Phone"), ("telephone", "tel")),
        ImportField("mobile", _("Mobile"), ("cell", "mobile phone")),
        ImportField("notes", _("Notes"), ("note", "comment")),
    ],
    make_form=_contact_form,
    save=_contact_save,
    match_field="email",
    match_label=_("e-mail"),
    list_url="addressbook:contact_list",
)
