"""Customer forms; every choice comes from the active company."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.bulk import BulkActionForm
from crm.forms import CompanyModelForm, DateInput
from crm.lookup import LookupField
from crm.models import SalesPartner, Salesperson
from customers.lookups import CUSTOMERS
from customers.models import Customer, CustomerGroup, CustomerType
from leads.forms import company_choice
from leads.models import OpportunityStage


class CustomerForm(CompanyModelForm):
    customer_type = company_choice(CustomerType, _("Customer type"), required=True)
    customer_group = company_choice(CustomerGroup, _("Customer group"))
    # Any of the company's customers: a search, never a select of all of them.
    parent = LookupField(
        CUSTOMERS, label=_("Parent customer"), required=False, empty_label=_("No parent")
    )
    salesperson = company_choice(Salesperson, _("Salesperson"))
    sales_partner = company_choice(SalesPartner, _("Sales partner"))

    class Meta:
        model = Customer
        fields = [
            "name",
            "customer_type",
            "customer_group",
            "email",
            "phone",
            "parent",
            "salesperson",
            "sales_partner",
            "internal_information",
        ]
        widgets = {"internal_information": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sales_partner"].queryset = self.fields[
            "sales_partner"
        ].queryset.non_polymorphic()
        if self.instance.pk:
            parents = self.fields["parent"].queryset
            self.fields["parent"].queryset = parents.exclude(pk=self.instance.pk)


class CustomerHoldForm(forms.Form):
    """The reason a customer is put on hold (the customer page's small form)."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=Customer._meta.get_field("hold_reason").max_length,
        help_text=_("Shown wherever a quotation or order would be made for this customer."),
    )


class CustomerBulkForm(BulkActionForm):
    """The customer list's action bar: the extra field its bulk actions need."""

    salesperson = forms.ModelChoiceField(
        label=_("Salesperson"),
        queryset=Salesperson.objects.none(),
        required=False,
        empty_label=_("Choose a salesperson"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Active salespeople only: the assignment service refuses the others.
        self.fields["salesperson"].queryset = Salesperson.objects.filter(
            company=self.company, is_active=True
        )


class ConversionForm(CompanyModelForm):
    """The customer a conversion would create, for the user to adjust before confirming."""

    customer_type = company_choice(CustomerType, _("Customer type"), required=True)
    customer_group = company_choice(CustomerGroup, _("Customer group"))

    class Meta:
        model = Customer
        fields = ["name", "customer_type", "customer_group", "email", "phone"]

    def _get_validation_exclusions(self):
        # The proposal carries the lead/opportunity it comes from; the service checks those.
        return {*super()._get_validation_exclusions(), "lead", "opportunity"}


class CustomerOpportunityForm(forms.Form):
    """A new opportunity for an existing customer (a repeat sale)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=None)
    expected_amount = forms.DecimalField(
        label=_("Expected amount"), min_value=0, max_digits=14, decimal_places=2, required=False
    )
    expected_close_date = forms.DateField(
        label=_("Expected close date"), required=False, widget=DateInput()
    )

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = OpportunityStage.objects.filter(
            company=company, kind=OpportunityStage.Kind.OPEN
        )


class CustomerGroupForm(CompanyModelForm):
    class Meta:
        model = CustomerGroup
        fields = ["name", "discount_percent", "description"]


class CustomerTypeForm(CompanyModelForm):
    class Meta:
        model = CustomerType
        fields = ["name", "is_business", "discount_percent"]


# --- the balance and gift cards ------------------------------------------------------------------


class BalanceCreditForm(forms.Form):
    """Money the company puts on the balance, or (``correction``) a signed fix of a mistake."""

    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2)
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, correction: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.correction = correction
        if correction:
            self.fields["amount"].help_text = _("Negative takes money off, positive adds it.")
            self.fields["reason"].help_text = _("What the correction puts right.")

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if self.correction and amount == 0:
            raise forms.ValidationError(_("A correction of zero changes nothing."))
        if not self.correction and amount <= 0:
            raise forms.ValidationError(_("Enter an amount more than zero."))
        return amount


class GiftCardRedeemForm(forms.Form):
    code = forms.CharField(
        label=_("Gift card code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("As printed on the card, e.g. 7K3M-Q9TZ-WX2P-HD4R."),
    )


class GiftCardIssueForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=DateInput())
    customer = LookupField(
        CUSTOMERS,
        label=_("For customer"),
        required=False,
        empty_label=_("Anyone"),
        help_text=_("Optional: only this customer can redeem the card."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Customer.objects.filter(company=company)
