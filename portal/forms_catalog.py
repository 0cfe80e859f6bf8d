"""The catalog's forms: a quantity for the quotation request, and the request's note."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.ui.numbers import LocalDecimalField
from customers.services import REQUEST_NOTE_MAX

MAX_QUANTITY = Decimal("9999999999.99")


class QuantityForm(forms.Form):
    """One product and how many of it the request asks for (the product is checked by the
    view against the products the customer may buy)."""

    product = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    quantity = LocalDecimalField(
        label=_("Quantity"),
        min_value=Decimal("0.01"),
        max_value=MAX_QUANTITY,
        decimal_places=2,
        error_messages={
            "min_value": _("Enter a quantity above zero."),
            "max_decimal_places": _("Enter the quantity with at most two decimal places."),
        },
    )


class RequestForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the salesperson"),
        required=False,
        max_length=REQUEST_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Delivery date, variants, anything the quotation should consider."),
    )
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
