"""Lead and opportunity forms; every choice comes from the active company."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.forms import CompanyModelForm, DateInput, LocalDecimalField
from crm.models import Product, SalesPartner, Salesperson
from crm.ui.bulk import BulkActionForm
from leads.models import Lead, LeadSource, LostReason, Opportunity, OpportunityStage


def company_choice(
    model, label, *, required: bool = False, empty_label=None
) -> forms.ModelChoiceField:
    """Declared empty: the scoped manager refuses queries at import time, and
    CompanyFormMixin fills in the company's rows per request. ``empty_label`` names the empty
    choice ("No sales partner") instead of Django's dashes."""
    field = forms.ModelChoiceField(queryset=model.objects.none(), required=required, label=label)
    if empty_label is not None:
        field.empty_label = empty_label
    return field


LEAD_NAME_FIELDS = ("first_name", "last_name", "organization_name")
LEAD_NAME_MESSAGE = _("Give the lead a name or an organization.")


def lead_has_name(cleaned: dict) -> bool:
    """The rule the form and the import's fast path share (the database checks it too)."""
    return any((cleaned.get(name) or "").strip() for name in LEAD_NAME_FIELDS)


class LeadForm(CompanyModelForm):
    source = company_choice(LeadSource, _("Source"))
    salesperson = company_choice(Salesperson, _("Salesperson"))
    sales_partner = company_choice(SalesPartner, _("Sales partner"))

    class Meta:
        model = Lead
        fields = [
            "first_name",
            "last_name",
            "organization_name",
            "email",
            "phone",
            "source",
            "salesperson",
            "sales_partner",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sales_partner"].queryset = self.fields[
            "sales_partner"
        ].queryset.non_polymorphic()

    def clean(self):
        cleaned = super().clean()
        if not lead_has_name(cleaned):
            raise forms.ValidationError(LEAD_NAME_MESSAGE)
        return cleaned


class OpportunityForm(CompanyModelForm):
    """The opportunity's own fields. The stage moves with ``OpportunityMoveForm`` (the service
    keeps the stage history); a lost opportunity's reason can be corrected here."""

    lost_reason = company_choice(LostReason, _("Lost reason"), required=True)
    salesperson = company_choice(Salesperson, _("Salesperson"))
    sales_partner = company_choice(SalesPartner, _("Sales partner"))

    class Meta:
        model = Opportunity
        fields = [
            "title",
            "probability",
            "expected_close_date",
            "expected_amount",
            "lost_reason",
            "salesperson",
            "sales_partner",
        ]
        widgets = {"expected_close_date": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sales_partner"].queryset = self.fields[
            "sales_partner"
        ].queryset.non_polymorphic()
        instance = self.instance
        if not (instance.stage_id and instance.stage.kind == OpportunityStage.Kind.LOST):
            del self.fields["lost_reason"]


class CompanyChoicesForm(forms.Form):
    """A plain form whose model choices are set per request: ``company_querysets`` maps a field
    to its model, whose active company's rows are offered (and re-checked on submit)."""

    company_querysets: dict = {}

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        for name, model in self.company_querysets.items():
            self.fields[name].queryset = model.objects.filter(company=company)


class LeadStatusForm(CompanyChoicesForm):
    status = forms.ChoiceField(
        label=_("New status"),
        choices=[(value, label) for value, label in Lead.Status.choices if value != "converted"],
    )
    lost_reason = forms.ModelChoiceField(label=_("Lost reason"), queryset=None, required=False)

    company_querysets = {"lost_reason": LostReason}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Lead.Status.LOST and not cleaned.get("lost_reason"):
            self.add_error("lost_reason", _("Say why the lead was lost."))
        return cleaned


class OpportunityMoveForm(CompanyChoicesForm):
    """Moves an opportunity to a stage; a lost stage needs a reason."""

    stage = forms.ModelChoiceField(label=_("Stage"), queryset=None, empty_label=None)
    lost_reason = forms.ModelChoiceField(
        label=_("Lost reason"),
        queryset=None,
        required=False,
        empty_label=_("Only for a lost stage"),
    )
    probability = forms.IntegerField(
        label=_("Probability (%)"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Leave empty to use the stage's default."),
    )

    company_querysets = {"stage": OpportunityStage, "lost_reason": LostReason}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = self.fields["stage"].queryset.order_by("order", "pk")

    def clean(self):
        cleaned = super().clean()
        stage = cleaned.get("stage")
        if stage and stage.kind == OpportunityStage.Kind.LOST and not cleaned.get("lost_reason"):
            self.add_error("lost_reason", _("Say why the opportunity was lost."))
        return cleaned


class WishListItemForm(CompanyChoicesForm):
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=None, empty_label=_("Choose a product")
    )
    quantity = LocalDecimalField(
        label=_("Quantity"), min_value=Decimal("0.01"), max_digits=12, decimal_places=2, initial=1
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    company_querysets = {"product": Product}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = self.fields["product"].queryset.filter(is_active=True)


class LeadSourceForm(CompanyModelForm):
    class Meta:
        model = LeadSource
        fields = ["name"]


class OpportunityStageForm(CompanyModelForm):
    class Meta:
        model = OpportunityStage
        fields = ["name", "order", "probability", "kind"]


class LostReasonForm(CompanyModelForm):
    class Meta:
        model = LostReason
        fields = ["name"]


class SalesRecordBulkForm(BulkActionForm):
    """The action bar of the lead and opportunity lists: the extra fields their bulk actions
    need (an action names the ones it uses; only those are shown and required)."""

    salesperson = forms.ModelChoiceField(
        label=_("Salesperson"),
        queryset=Salesperson.objects.none(),
        required=False,
        empty_label=_("Choose a salesperson"),
    )
    lost_reason = forms.ModelChoiceField(
        label=_("Lost reason"),
        queryset=LostReason.objects.none(),
        required=False,
        empty_label=_("Choose a reason"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Active salespeople only: the assignment service refuses the others.
        self.fields["salesperson"].queryset = Salesperson.objects.filter(
            company=self.company, is_active=True
        )
        self.fields["lost_reason"].queryset = LostReason.objects.filter(company=self.company)
