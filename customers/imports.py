"""Customers as an import kind: validated by the customer form (type, group, salesperson and
partner among the company's own, named by text), saved by ``customer_save``. Duplicates are
found by e-mail (case ignored)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from crm.imports.kinds import ImportField, ImportKind, Reference
from customers import services
from customers.forms import CustomerForm
from customers.models import Customer, CustomerGroup, CustomerType
from leads.imports import SALES_PARTNER, SALESPERSON


def _form(*, company, data, instance, user=None):
    return CustomerForm(data=data, company=company, instance=instance, user=user)


def _save(*, form, actor):
    return services.customer_save(customer=form.save(commit=False), actor=actor)


CUSTOMER_IMPORT = ImportKind(
    key="customers",
    label=_("Customers"),
    model=Customer,
    fields=[
        ImportField("name", _("Name"), ("customer", "company", "customer name"), required=True),
        ImportField(
            "customer_type",
            _("Customer type"),
            ("type",),
            required=True,
            reference=Reference(lambda company: CustomerType.objects.filter(company=company)),
        ),
        ImportField(
            "customer_group",
            _("Customer group"),
            ("group",),
            reference=Reference(lambda company: CustomerGroup.objects.filter(company=company)),
        ),
        ImportField("email", _("E-mail"), ("email address", "mail")),
        ImportField("phone", _("Phone"), ("telephone", "tel")),
        ImportField("salesperson", _("Salesperson"), ("owner", "sales rep"), reference=SALESPERSON),
        ImportField("sales_partner", _("Sales partner"), ("partner",), reference=SALES_PARTNER),
        ImportField("internal_information", _("Internal information"), ("notes", "note")),
    ],
    make_form=_form,
    save=_save,
    match_field="email",
    match_label=_("e-mail"),
    list_url="customers:customer_list",
)
