"""Quotation and order header forms (the lines have their own forms); every choice comes from the
active company, and the services do the writing."""

import datetime
from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from crm.access import viewable_rows
from crm.errors import DomainError
from crm.forms import CompanyModelForm, DateInput, LocalDateField, LocalDecimalField
from crm.models import Company, SalesPartner, Salesperson
from crm.ui.lookup import LookupField
from customers import services as customers_services
from customers.lookups import CUSTOMERS
from customers.models import Customer, CustomerUser
from leads.forms import company_choice
from selling.mailing import PLACEHOLDERS, split_addresses, unknown_placeholders
from selling.models import Quotation, SalesOrder
from selling.services import DEFAULT_VALIDITY_DAYS


def _customer_choice() -> LookupField:
    # Active customers only (the services refuse the others), found by typing: a company may
    # have a million of them.
    return LookupField(
        CUSTOMERS,
        only="active",
        label=_("Customer"),
        empty_label=_("Choose a customer"),
        help_text=_("Only active customers can be quoted or ordered for."),
    )


def _company_customers(company: Company, user=None):
    """The company's customers the user may view (all of them for a caller without a user)."""
    return viewable_rows(Customer.objects.filter(company=company), user, company)


def _notes() -> forms.CharField:
    return forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Printed on the document."),
    )


class _CustomerChoiceMixin:
    """The customer field offers active customers only. One on hold or inactive sent anyway
    (a page opened before the hold, a hand-made link) is refused with the reason the service
    gives, rather than as "not one of the choices"; ``refused_customer`` is it, for the page."""

    refused_customer: Customer | None = None

    def clean(self):
        cleaned = super().clean()
        name = self.add_prefix("customer")
        if "customer" in self.errors and not self.data.get(f"{name}_search"):
            try:
                pk = int(self.data.get(name))
            except (TypeError, ValueError):
                return cleaned
            customer = _company_customers(self.company, self.user).filter(pk=pk).first()
            if customer is not None and not customer.can_receive_documents:
                try:
                    customers_services.customer_check_can_order(customer)
                except DomainError as error:
                    self.errors["customer"] = self.error_class([error.message])
                    self.refused_customer = customer
        return cleaned


class QuotationCreateForm(_CustomerChoiceMixin, forms.Form):
    """A new draft quotation for one of the company's customers."""

    customer = _customer_choice()
    valid_until = LocalDateField(
        label=_("Valid until"),
        required=False,
        help_text=ngettext_lazy(
            "Leave empty for %(days)s day from today.",
            "Leave empty for %(days)s days from today.",
            "days",
        )
        % {"days": DEFAULT_VALIDITY_DAYS},
    )
    notes = _notes()

    def __init__(self, *args, company: Company, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        self.user = user
        self.fields["customer"].queryset = _company_customers(company, user)

    def clean_valid_until(self):
        valid_until = self.cleaned_data["valid_until"]
        if valid_until and valid_until < timezone.localdate():
            raise forms.ValidationError(_("“Valid until” cannot be in the past."))
        return valid_until


class OrderCreateForm(_CustomerChoiceMixin, forms.Form):
    """A new draft order for one of the company's customers."""

    customer = _customer_choice()
    order_date = LocalDateField(label=_("Order date"))
    delivery_date = LocalDateField(label=_("Delivery date"), required=False)
    notes = _notes()

    def __init__(self, *args, company: Company, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        self.user = user
        self.fields["customer"].queryset = _company_customers(company, user)

    def clean(self):
        cleaned = super().clean()
        order_date, delivery_date = cleaned.get("order_date"), cleaned.get("delivery_date")
        if order_date and delivery_date and delivery_date < order_date:
            self.add_error("delivery_date", _("The delivery date cannot be before the order date."))
        return cleaned


class _HeaderForm(CompanyModelForm):
    """Dates, salesperson, partner and notes of a document; ``fields_changed`` is what the
    service receives."""

    salesperson = company_choice(Salesperson, _("Salesperson"))
    sales_partner = company_choice(SalesPartner, _("Sales partner"))
    customer_user = company_choice(CustomerUser, _("For (portal user)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "sales_partner" in self.fields:
            partners = self.fields["sales_partner"].queryset
            self.fields["sales_partner"].queryset = partners.non_polymorphic()
        if "customer_user" in self.fields:
            self._limit_customer_users()

    def _limit_customer_users(self) -> None:
        """The document's customer's active portal users (and whoever it is already for); a
        document without a customer, or a customer without portal users, has no such field."""
        field = self.fields["customer_user"]
        customer_id = self.instance.customer_id
        users = field.queryset.filter(customer_id=customer_id).filter(
            Q(is_active=True) | Q(pk=self.instance.customer_user_id)
        )
        if customer_id is None or not users.exists():
            del self.fields["customer_user"]
            return
        field.queryset = users.order_by("last_name", "first_name", "pk")
        field.empty_label = _("Nobody in particular")
        field.help_text = _(
            "The person at the customer this is for: it is theirs on the portal, where their "
            "role may show them only their own documents."
        )

    @property
    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields if name in self.cleaned_data}


class QuotationHeaderForm(_HeaderForm):
    class Meta:
        model = Quotation
        fields = [
            "quotation_date",
            "valid_until",
            "salesperson",
            "sales_partner",
            "customer_user",
            "notes",
        ]
        widgets = {
            "quotation_date": DateInput(),
            "valid_until": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def clean_valid_until(self):
        # A draft whose date has passed would expire the moment it is opened.
        valid_until = self.cleaned_data["valid_until"]
        if "valid_until" in self.changed_data and valid_until < timezone.localdate():
            raise forms.ValidationError(_("“Valid until” cannot be in the past."))
        return valid_until


class OrderHeaderForm(_HeaderForm):
    # What a confirmed order may still change (selling.services.order_update).
    CONFIRMED_FIELDS = ("delivery_date", "notes")

    class Meta:
        model = SalesOrder
        fields = [
            "order_date",
            "delivery_date",
            "salesperson",
            "sales_partner",
            "customer_user",
            "notes",
        ]
        widgets = {
            "order_date": DateInput(),
            "delivery_date": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.instance.is_editable:
            for name in list(self.fields):
                if name not in self.CONFIRMED_FIELDS:
                    del self.fields[name]


class ReasonForm(forms.Form):
    """The optional reason given when rejecting a quotation or cancelling an order."""

    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=200)


class ReviseForm(forms.Form):
    valid_until = LocalDateField(
        label=_("New “valid until” date"),
        required=False,
    )

    @classmethod
    def default_valid_until(cls) -> datetime.date:
        return timezone.localdate() + datetime.timedelta(days=DEFAULT_VALIDITY_DAYS)


class ApplyBalanceForm(forms.Form):
    """How much of the customer's balance to put towards an order (empty: all that is due)."""

    amount = LocalDecimalField(
        label=_("Amount from the balance"),
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text=_("Leave empty to pay as much of the amount due as the balance covers."),
    )
    # The order's version on the page: a second click on "Pay" finds it moved on and is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


# --- e-mailing a document ------------------------------------------------------------------------


class DocumentEmailForm(forms.Form):
    """Who gets the e-mail (the party's own address or one of its contacts, from
    ``selling.mailing.recipients``, or a typed address), copies, subject and message. An
    address outside ``recipients`` (another record's contact, another company's) is not a valid
    choice."""

    contact = forms.ChoiceField(
        label=_("Recipient"),
        required=False,
        help_text=_("The customer's own address and its contacts that have one."),
    )
    to = forms.EmailField(
        label=_("Or this e-mail address"),
        required=False,
        help_text=_("Used when no contact is chosen."),
    )
    cc = forms.CharField(
        label=_("Cc"),
        required=False,
        max_length=1000,
        help_text=_("More addresses, separated by commas."),
    )
    cc_me = forms.BooleanField(label=_("Send me a copy"), required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 10}))

    def __init__(self, *args, recipients, **kwargs):
        super().__init__(*args, **kwargs)
        self.recipients = {recipient.key: recipient for recipient in recipients}
        self.fields["contact"].choices = [
            ("", _("Type an address instead")),
            *((recipient.key, recipient.label) for recipient in recipients),
        ]

    def clean_cc(self):
        try:
            return ", ".join(split_addresses(self.cleaned_data["cc"]))
        except DomainError as error:
            raise forms.ValidationError(error.message) from None

    def clean(self):
        cleaned = super().clean()
        chosen, typed = cleaned.get("contact"), cleaned.get("to")
        if not self.errors and not chosen and not typed:
            raise forms.ValidationError(
                _("Choose a contact or type the e-mail address to send it to.")
            )
        cleaned["recipient"] = self.recipients[chosen].email if chosen else typed
        return cleaned


class EmailTemplateForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 10}))

    def clean(self):
        cleaned = super().clean()
        unknown = unknown_placeholders(cleaned.get("subject", "") + cleaned.get("body", ""))
        if unknown:
            raise forms.ValidationError(
                _("Unknown placeholder %(names)s. Use only: %(allowed)s.")
                % {
                    "names": ", ".join(f"{{{name}}}" for name in unknown),
                    "allowed": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
                }
            )
        return cleaned
