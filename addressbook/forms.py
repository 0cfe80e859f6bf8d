from django import forms
from django.utils.translation import gettext_lazy as _

from addressbook.countries import CountryField
from addressbook.lookups import ADDRESSES, CONTACTS
from addressbook.models import Address, AddressLink, Contact
from addressbook.services import ADDRESS_FIELDS, CONTACT_FIELDS
from crm.forms import CompanyFormMixin, CompanyModelForm
from crm.ui.lookup import LookupField


class AddressForm(CompanyModelForm):
    country = CountryField(label=_("Country"))

    class Meta:
        model = Address
        fields = list(ADDRESS_FIELDS)


class ContactForm(CompanyModelForm):
    class Meta:
        model = Contact
        fields = list(CONTACT_FIELDS)
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "mobile": forms.TextInput(attrs={"type": "tel"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }


class PurposeFieldsMixin(forms.Form):
    purpose = forms.ChoiceField(
        label=_("Purpose"), choices=AddressLink.Purpose.choices, initial=AddressLink.Purpose.OFFICE
    )
    is_primary = forms.BooleanField(label=_("Primary address"), required=False)


class RoleFieldsMixin(forms.Form):
    role = forms.CharField(
        label=_("Role"), max_length=120, required=False, help_text=_("e.g. Purchasing")
    )
    is_primary = forms.BooleanField(label=_("Primary contact"), required=False)


class AddressNewLinkForm(AddressForm, PurposeFieldsMixin):
    """A new address for an owner: the address fields plus how it is linked."""


class ContactNewLinkForm(ContactForm, RoleFieldsMixin):
    """A new contact for an owner: the contact fields plus the role."""


class AddressLinkForm(CompanyFormMixin, PurposeFieldsMixin):
    """Link an existing address; the choice is limited to the company's addresses."""

    address = LookupField(ADDRESSES, label=_("Address"), empty_label=_("Choose an address"))
    field_order = ["address", "purpose", "is_primary"]


class ContactLinkForm(CompanyFormMixin, RoleFieldsMixin):
    """Link an existing contact; the choice is limited to the company's contacts."""

    contact = LookupField(CONTACTS, label=_("Contact"), empty_label=_("Choose a contact"))
    field_order = ["contact", "role", "is_primary"]
