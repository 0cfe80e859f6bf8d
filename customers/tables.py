"""The customer list's columns (``crm.ui.columns``)."""

from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from crm.ui.columns import (
    Column,
    Table,
    amount,
    badge,
    choice_label,
    detail_url,
    link,
    mailto,
    phone,
    phrase,
    short_date,
    text,
)

STATUS_BADGES = {"active": "success", "on_hold": "warning"}


def _parent_name(customer) -> str | None:
    """The parent's name, read with the row by the list (``parent_name``) or through it."""
    if hasattr(customer, "parent_name"):
        return customer.parent_name
    return customer.parent.name if customer.parent_id is not None else None


def _name(customer, row) -> str:
    html = link(row.url, customer.name)
    parent = _parent_name(customer)
    if parent is not None:
        part_of = phrase(gettext_noop("part of %(parent)s")) % {"parent": parent}
        html = format_html('{}<br><small class="muted">{}</small>', html, part_of)
    return html


def _status(customer, row) -> str:
    html = badge(choice_label(customer, "status"), STATUS_BADGES.get(customer.status, "muted"))
    if customer.hold_reason:
        reason = Truncator(customer.hold_reason).chars(60)
        html = format_html('{}<br><small class="muted">{}</small>', html, reason)
    return html


# A row carries its type's, group's and salesperson's names (``CustomerListView.decorate_rows``).
customer_table = Table(
    caption=_("Customers"),
    url=detail_url("customers:customer_detail"),
    bulk_label=lambda customer: customer.name,
    columns=[
        Column("name", _("Name"), _name, sort="name"),
        Column("status", _("Status"), _status),
        Column("type", _("Type"), lambda c, row: text(c.type_name), sort="type"),
        Column("group", _("Group"), lambda c, row: text(c.group_name), sort="group"),
        Column(
            "value",
            _("Lifetime sales"),
            lambda c, row: amount(c.lifetime_sales_value),
            sort="value",
            num=True,
        ),
        Column(
            "balance",
            _("Balance"),
            lambda c, row: amount(c.balance),
            num=True,
            optional=True,
        ),
        Column("email", _("E-mail"), lambda c, row: mailto(c.email)),
        Column("phone", _("Phone"), lambda c, row: phone(c.phone)),
        Column("salesperson", _("Salesperson"), lambda c, row: text(c.salesperson_name)),
        Column(
            "created",
            _("Customer since"),
            lambda c, row: short_date(c.created_at),
            sort="created",
        ),
    ],
)
