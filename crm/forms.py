"""Form bases that keep every choice inside the active company."""

from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crm.access import viewable_rows
from crm.models import (
    Company,
    IndividualPartner,
    Membership,
    OrganizationPartner,
    Product,
    SalesPartner,
    Salesperson,
)
from crm.phones import PhoneFormField, region_choices
from crm.ui.choices import use_cached_choices
from crm.ui.dates import DateInput, LocalDateField, localise_date_fields
from crm.ui.numbers import LocalDecimalField, localise_decimal_fields

__all__ = ["DateInput", "LocalDateField", "LocalDecimalField"]  # every app's forms use them


def is_company_owned(model) -> bool:
    return any(f.name == "company" and f.is_relation for f in model._meta.get_fields())


def limit_choices_to_company(form: forms.BaseForm, company: Company, user=None) -> None:
    """Point every model-choice field at the company's own rows (and, given the ``user``, at
    those of them the user may view, for record types the access engine knows).

    The queryset is rebuilt here, inside the request's scope, because one built at import time
    has no scope; validation then re-checks the submitted id against the same queryset, so an id
    from another company (or beyond the user's level) is rejected like an unknown one.
    """
    for field in form.fields.values():
        if not isinstance(field, forms.ModelChoiceField):
            continue
        model = field.queryset.model
        if not is_company_owned(model):
            continue
        queryset = viewable_rows(model.objects.filter(company=company), user, company)
        ordering = field.queryset.query.order_by
        if ordering:
            queryset = queryset.order_by(*ordering)
        field.queryset = queryset
    use_cached_choices(form)


class CompanyFormMixin:
    """Takes ``company`` and limits choices to it; new instances are saved into it. Given the
    ``user``, choices of record types the access engine knows are the ones the user may view."""

    def __init__(self, *args, company: Company, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        limit_choices_to_company(self, company, user)
        localise_date_fields(self)
        localise_decimal_fields(self)
        for field in self.fields.values():
            if isinstance(field, PhoneFormField):
                field.region = company.dialing_region

    def _post_clean(self):
        # Set before model validation so unique-per-company checks see the company.
        if hasattr(self, "instance") and getattr(self.instance, "company_id", None) is None:
            self.instance.company = self.company
        super()._post_clean()
        say_each_error_once(self)

    def _get_validation_exclusions(self):
        # ``company`` is never a form field, so Django would skip every constraint that names
        # it (unique SKU per company, ...) and the database would answer with an error page.
        exclusions = super()._get_validation_exclusions()
        if getattr(self.instance, "company_id", None) is not None:
            exclusions.discard("company")
        return exclusions


def say_each_error_once(form: forms.BaseForm) -> None:
    """Drop an error a field (or the form) already has: a rule that ``clean()`` explains and a
    database constraint guarantees (a lead's name) fails in both with the same words, and the
    page, the API and an import's error report would otherwise say it twice."""
    for errors in form._errors.values():
        seen, unique = set(), []
        for error in errors.data:
            key = tuple(error.messages) if isinstance(error, ValidationError) else (str(error),)
            if key not in seen:
                seen.add(key)
                unique.append(error)
        errors.data[:] = unique


def bind_company(form_class: type[forms.BaseForm], company: Company) -> type[forms.BaseForm]:
    """A subclass of a ModelForm class that saves into ``company`` and validates its per-company
    constraints; for forms built by others (the admin) that cannot take a ``company`` argument."""

    class CompanyBoundForm(form_class):
        def _post_clean(self):
            if getattr(self.instance, "company_id", None) is None:
                self.instance.company = company
            super()._post_clean()

        def _get_validation_exclusions(self):
            exclusions = super()._get_validation_exclusions()
            exclusions.discard("company")
            return exclusions

    CompanyBoundForm.__name__ = form_class.__name__
    return CompanyBoundForm


class CompanyModelForm(CompanyFormMixin, forms.ModelForm):
    pass


class CompanySwitchForm(forms.Form):
    company = forms.ModelChoiceField(queryset=Company.objects.none(), label=_("Company"))

    def __init__(self, *args, companies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = companies


def time_zone_choices() -> list[tuple[str, str]]:
    zones = sorted(zone for zone in available_timezones() if "/" in zone and "Etc/" not in zone)
    return [("", _("The server's (%(zone)s)") % {"zone": settings.TIME_ZONE})] + [
        (zone, zone.replace("_", " ")) for zone in zones
    ]


class CompanySettingsForm(forms.ModelForm):
    class Meta:
        model = Company
        fields = ["name", "currency", "default_vat_rate", "language", "time_zone", "phone_region"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Each member's browser decides"))] + list(
            settings.LANGUAGES
        )
        self.fields["time_zone"].widget = forms.Select(choices=time_zone_choices())
        self.fields["phone_region"].widget = forms.Select(
            choices=[("", _("The time zone's country"))] + region_choices()
        )
        localise_decimal_fields(self)


class MembershipAddForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(
        label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.SALESPERSON
    )


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class SalespersonForm(CompanyModelForm):
    # Declared with an empty queryset: the scoped manager refuses queries at import time, and
    # CompanyFormMixin fills in the company's rows per request.
    manager = forms.ModelChoiceField(
        queryset=Salesperson.objects.none(), required=False, label=_("Manager")
    )

    class Meta:
        model = Salesperson
        fields = ["name", "user", "email", "phone", "manager", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the company's members can be linked; users are global, memberships are not.
        self.fields["user"].queryset = (
            get_user_model()
            .objects.filter(memberships__company=self.company)
            .order_by("username")
            .distinct()
        )
        if self.instance.pk:
            self.fields["manager"].queryset = self.fields["manager"].queryset.exclude(
                pk=self.instance.pk
            )


# No "name": the display name is made from the subtype's name fields on every save.
_PARTNER_COMMON_FIELDS = ["email", "phone", "commission_rate", "is_active", "notes"]


class IndividualPartnerForm(CompanyModelForm):
    class Meta:
        model = IndividualPartner
        fields = ["first_name", "last_name", *_PARTNER_COMMON_FIELDS]


class OrganizationPartnerForm(CompanyModelForm):
    class Meta:
        model = OrganizationPartner
        fields = ["organization_name", "tax_id", "website", *_PARTNER_COMMON_FIELDS]


PARTNER_FORMS = {
    SalesPartner.Kind.INDIVIDUAL: IndividualPartnerForm,
    SalesPartner.Kind.ORGANIZATION: OrganizationPartnerForm,
}


class ProductForm(CompanyModelForm):
    class Meta:
        model = Product
        fields = ["sku", "name", "description", "unit_price", "vat_rate", "is_active"]

    def clean_sku(self):
        # The (company, sku) constraint is skipped by model validation because ``company`` is
        # not a form field, so ask the question here and let the constraint guarantee it.
        sku = self.cleaned_data["sku"].strip()
        clash = Product.objects.filter(company=self.company, sku__iexact=sku)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(
                _("Another product already has the SKU “%(sku)s”.") % {"sku": sku}
            )
        return sku


class ActivityForm(forms.Form):
    """One form for every kind a person adds; only the chosen kind's fields are used.

    Without JavaScript every field shows; CSS hides the other kinds' fields once one is picked.
    """

    KIND_CHOICES = [
        ("note", _("Note")),
        ("call", _("Call")),
        ("meeting", _("Meeting")),
        ("task", _("Task")),
    ]

    kind = forms.ChoiceField(
        label=_("Type"), choices=KIND_CHOICES, initial="note", widget=forms.RadioSelect
    )
    body = forms.CharField(
        label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    direction = forms.ChoiceField(label=_("Direction"), required=False, choices=[])
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), required=False, min_value=0, max_value=24 * 60
    )
    outcome = forms.CharField(label=_("Outcome"), required=False, max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    location = forms.CharField(label=_("Location"), required=False, max_length=200)
    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    due_date = LocalDateField(label=_("Due date"), required=False)
    assigned_to = forms.ModelChoiceField(
        label=_("Assigned to"), required=False, queryset=None, empty_label=_("Nobody")
    )

    def __init__(self, *args, company: Company, **kwargs):
        from django.contrib.auth import get_user_model

        from crm.models import Call

        super().__init__(*args, **kwargs)
        self.fields["direction"].choices = Call.Direction.choices
        self.fields["direction"].initial = Call.Direction.OUTBOUND
        self.fields["assigned_to"].queryset = (
            get_user_model()
            .objects.filter(memberships__company=company)
            .order_by("first_name", "last_name", "username")
        )
        self.fields["assigned_to"].label_from_instance = lambda user: (
            user.get_full_name() or user.get_username()
        )

    def clean(self):
        from crm.timeline import KIND_FIELDS

        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == "note" and not (cleaned.get("body") or "").strip():
            self.add_error("body", _("Write something in the note."))
        if kind == "call" and not cleaned.get("direction"):
            self.add_error("direction", _("Was the call inbound or outbound?"))
        if kind == "meeting":
            starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
            if not starts_at:
                self.add_error("starts_at", _("When does the meeting start?"))
            if not ends_at:
                self.add_error("ends_at", _("When does the meeting end?"))
            if starts_at and ends_at and ends_at < starts_at:
                self.add_error("ends_at", _("A meeting cannot end before it starts."))
        if kind == "task" and not (cleaned.get("title") or "").strip():
            self.add_error("title", _("Give the task a title."))
        if kind in KIND_FIELDS:
            self.activity_fields = {
                name: cleaned.get(name) for name in ("body", *KIND_FIELDS[kind])
            }
        return cleaned
