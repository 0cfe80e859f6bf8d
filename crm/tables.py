"""The core lists' columns: sales partners, salespeople and the catalog (``crm.ui.columns``)."""

from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from crm.ui.columns import (
    Column,
    Table,
    amount,
    badge,
    detail_url,
    link,
    mailto,
    phone,
    phrase,
    text,
)


def active_badge(obj, row) -> str:
    if obj.is_active:
        return badge(phrase(gettext_noop("Active")), "success")
    return badge(phrase(gettext_noop("Inactive")))


def _percent(value) -> str:
    return format_html("{} %", text(value))


partner_table = Table(
    caption=_("Sales partners"),
    url=detail_url("crm:partner_detail"),
    columns=[
        Column("name", _("Name"), lambda p, row: link(row.url, p.name), sort="name"),
        Column(
            "type",
            _("Type"),
            lambda p, row: badge(
                p.get_kind_display(), "primary" if p.kind == "organization" else ""
            ),
        ),
        Column("email", _("E-mail"), lambda p, row: mailto(p.email), sort="email"),
        Column("phone", _("Phone"), lambda p, row: phone(p.phone)),
        Column(
            "commission",
            _("Commission"),
            lambda p, row: _percent(p.commission_rate),
            sort="commission",
            num=True,
        ),
        Column("status", _("Status"), active_badge),
    ],
)

salesperson_url = detail_url("crm:salesperson_detail")


def _person(person, row) -> str:
    html = link(row.url, person.name)
    if person.user is not None:
        html = format_html('{} <span class="muted">({})</span>', html, person.user.get_username())
    return html


def _manager(person, row) -> str:
    if person.manager is None:
        return '<span class="muted">—</span>'
    return link(salesperson_url(person.manager), person.manager.name)


salesperson_table = Table(
    caption=_("Salespeople"),
    url=salesperson_url,
    columns=[
        Column("name", _("Name"), _person, sort="name"),
        Column("email", _("E-mail"), lambda p, row: mailto(p.email), sort="email"),
        Column("phone", _("Phone"), lambda p, row: phone(p.phone)),
        Column("manager", _("Manager"), _manager, sort="manager"),
        Column("team", _("Team"), lambda p, row: text(p.team_size), num=True),
        Column("status", _("Status"), active_badge),
    ],
)


def _price(product, row) -> str:
    currency = row.request.company.currency
    return format_html(
        '<span class="money">{}&nbsp;<span class="currency">{}</span></span>',
        amount(product.unit_price, currency),
        currency,
    )


product_table = Table(
    caption=_("Products"),
    url=detail_url("crm:product_detail"),
    columns=[
        Column("sku", _("SKU"), lambda p, row: link(row.url, p.sku), sort="sku"),
        Column("name", _("Name"), lambda p, row: text(p.name), sort="name"),
        Column("price", _("Net price"), _price, sort="price", num=True),
        Column("vat", _("VAT"), lambda p, row: _percent(p.vat_rate), sort="vat", num=True),
        Column("status", _("Status"), active_badge),
    ],
)
