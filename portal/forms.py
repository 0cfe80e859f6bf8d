"""The portal's sign-in and password forms, and redeeming a gift card."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.access import Action, Level, level_for
from customers.forms import GiftCardRedeemForm
from customers.models import BalanceEntry, Customer


class LoginForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    company = forms.TypedChoiceField(
        label=_("Sign in to"),
        coerce=int,
        required=False,
        help_text=_("Your e-mail has a portal account with more than one company."),
    )

    def __init__(self, *args, companies=None, **kwargs):
        super().__init__(*args, **kwargs)
        if companies:
            self.fields["company"].choices = [(c.pk, c.name) for c in companies]
            self.fields["company"].required = True
        else:
            del self.fields["company"]


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits, not a common password."),
    )
    password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return cleaned


class PortalRedeemForm(GiftCardRedeemForm):
    """A gift card's code and, for a user whose balance level is Corporate, which customer of
    their subtree the card goes to (their own unless they pick another); at Department the card
    goes to their own customer and the form does not ask."""

    def __init__(self, *args, customer_user, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer_user = customer_user
        level = level_for(customer_user, company, BalanceEntry, Action.EDIT)
        if level == Level.COMPANY:
            self.fields["customer"] = forms.ModelChoiceField(
                label=_("Onto the balance of"),
                queryset=Customer.objects.filter(
                    company=company, pk__in=customer_user.customer_ids(level)
                ).order_by("name", "pk"),
                initial=customer_user.customer_id,
                empty_label=None,
                required=False,  # not sent: the user's own
                help_text=_("Your customer or one below it."),
            )

    def target(self) -> Customer | None:
        """The customer picked, or None for the user's own."""
        return self.cleaned_data.get("customer")
