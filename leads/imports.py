"""Leads as an import kind: validated by the lead form, saved by ``lead_save``; new leads take
a fast path (the form's own fields clean each value, then rows are written in batches).
Duplicates are found by e-mail (case ignored)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crm.imports.fast import instance_maker, text_cleaner
from crm.imports.kinds import ImportField, ImportKind, Reference
from crm.models import SalesPartner, Salesperson
from leads import services
from leads.forms import LEAD_NAME_MESSAGE, LeadForm, lead_has_name
from leads.models import Lead, LeadSource

TEXT_FIELDS = ("first_name", "last_name", "organization_name", "email", "phone", "notes")
REFERENCE_FIELDS = ("source", "salesperson", "sales_partner")

SALESPERSON = Reference(
    lambda company: Salesperson.objects.filter(company=company), ("name", "email")
)
SALES_PARTNER = Reference(
    lambda company: SalesPartner.objects.filter(company=company).non_polymorphic(), ("name",)
)


def _form(*, company, data, instance, user=None):
    return LeadForm(data=data, company=company, instance=instance, user=user)


def _save(*, form, actor):
    return services.lead_save(lead=form.save(commit=False), actor=actor)


def lead_fast_path(company):
    """New leads without a form per row: the lead form's fields clean each value (lengths,
    e-mail), the shared name rule applies, and the references were resolved among the
    company's rows before (see ``crm.imports.engine``)."""
    fields = LeadForm(company=company).fields
    cleaners = [(name, text_cleaner(fields[name])) for name in TEXT_FIELDS]
    make = instance_maker(Lead)
    company_id = company.pk

    def build(values: dict):
        cleaned = {}
        problems = {}
        for name, clean in cleaners:
            value = values.get(name)
            if value is None:
                continue
            try:
                cleaned[name] = clean(value)
            except ValidationError as error:
                problems[name] = " ".join(error.messages)
        if problems:
            return None, problems
        if not lead_has_name(cleaned):
            return None, {"__all__": str(LEAD_NAME_MESSAGE)}
        for name in REFERENCE_FIELDS:
            if values.get(name):
                cleaned[f"{name}_id"] = values[name]
        cleaned["company_id"] = company_id
        return make(cleaned), {}

    return build


LEAD_IMPORT = ImportKind(
    key="leads",
    label=_("Leads"),
    model=Lead,
    fields=[
        ImportField("first_name", _("First name"), ("first", "firstname", "given name")),
        ImportField("last_name", _("Last name"), ("last", "surname", "family name")),
        ImportField("organization_name", _("Organization"), ("company", "organisation")),
        ImportField("email", _("E-mail"), ("email address", "mail")),
        ImportField("phone", _("Phone"), ("telephone", "tel")),
        ImportField(
            "source",
            _("Source"),
            ("lead source",),
            reference=Reference(lambda company: LeadSource.objects.filter(company=company)),
        ),
        ImportField("salesperson", _("Salesperson"), ("owner", "sales rep"), reference=SALESPERSON),
        ImportField("sales_partner", _("Sales partner"), ("partner",), reference=SALES_PARTNER),
        ImportField("notes", _("Description"), ("description", "note", "comment")),
    ],
    make_form=_form,
    save=_save,
    match_field="email",
    match_label=_("e-mail"),
    list_url="leads:lead_list",
    fast_path=lead_fast_path,
)
