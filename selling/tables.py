"""The quotation and sales order lists' columns (``crm.ui.columns``)."""

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from crm.ui.columns import (
    Column,
    Table,
    amount,
    badge,
    choice_label,
    detail_url,
    escaped,
    key_url,
    link,
    phrase,
    short_date,
    text,
    today,
)

# The badge of each document status (quotations and orders share the one list of colours).
STATUS_BADGES = {
    "sent": "primary",
    "confirmed": "primary",
    "accepted": "success",
    "ordered": "success",
    "fulfilled": "success",
    "rejected": "danger",
    "cancelled": "danger",
    "expired": "warning",
}

# A row carries its parties' keys and names, not the records (``selectors.quotations_for_list``,
# ``orders_for_list``).
customer_url = key_url("customers:customer_detail")
opportunity_url = key_url("leads:opportunity_detail")


def _status(document, row) -> str:
    return badge(choice_label(document, "status"), STATUS_BADGES.get(document.status, ""))


def _total(document, row) -> str:
    # The figures come escaped (``amount``); so does the wording they go into.
    net = escaped(phrase(gettext_noop("net %(net)s"))) % {"net": amount(document.net_total)}
    return SafeString(
        f'<span class="money">{amount(document.gross_total, document.currency)}&nbsp;'
        f'<span class="currency">{escaped(document.currency)}</span></span>'
        f'<br><small class="muted">{net}</small>'
    )


def _salesperson(document, row) -> str:
    return text(document.salesperson_name)


def _quotation_party(quotation, row) -> str:
    """The customer, else the customer its opportunity became, else the opportunity."""
    opportunity_id = quotation.opportunity_id
    if quotation.customer_id is not None:
        html = link(customer_url(quotation.customer_id), quotation.customer_name)
    elif quotation.linked_customer_id is not None:
        html = link(customer_url(quotation.linked_customer_id), quotation.linked_customer_name)
    elif opportunity_id is not None:
        return format_html(
            '{}<br><small class="muted">{}</small>',
            link(opportunity_url(opportunity_id), quotation.opportunity_title),
            phrase(gettext_noop("opportunity, not a customer yet")),
        )
    else:
        return ""
    if opportunity_id is not None:
        note = phrase(gettext_noop("for %(title)s")) % {"title": quotation.opportunity_title}
        html = format_html('{}<br><small class="muted">{}</small>', html, note)
    return html


def _valid_until(quotation, row) -> str:
    html = short_date(quotation.valid_until)
    if quotation.is_due_to_expire(today()):
        html = format_html(
            '{}<br><small class="doc-overdue">{}</small>',
            html,
            phrase(gettext_noop("passed: expires when opened")),
        )
    return html


quotation_table = Table(
    caption=_("Quotations"),
    url=detail_url("selling:quotation_detail"),
    css="data doc-list table-cards",
    columns=[
        Column(
            "number",
            _("Number"),
            lambda q, row: link(row.url, q.number, css="doc-number"),
            sort="number",
        ),
        Column("date", _("Date"), lambda q, row: short_date(q.quotation_date), sort="date"),
        Column("customer", _("Customer"), _quotation_party, sort="customer", css="doc-party-cell"),
        Column("valid", _("Valid until"), _valid_until),
        Column("salesperson", _("Salesperson"), _salesperson),
        Column("total", _("Total"), _total, sort="total", num=True),
        Column("status", _("Status"), _status, sort="status"),
    ],
)


def _order_number(order, row) -> str:
    html = link(row.url, order.number, css="doc-number")
    if order.quotation_number is not None:
        note = phrase(gettext_noop("from %(number)s")) % {"number": order.quotation_number}
        html = format_html('{}<br><small class="muted">{}</small>', html, note)
    return html


order_table = Table(
    caption=_("Sales orders"),
    url=detail_url("selling:order_detail"),
    css="data doc-list table-cards",
    columns=[
        Column("number", _("Number"), _order_number, sort="number"),
        Column("date", _("Order date"), lambda o, row: short_date(o.order_date), sort="date"),
        Column(
            "customer",
            _("Customer"),
            lambda o, row: link(customer_url(o.customer_id), o.customer_name),
            sort="customer",
            css="doc-party-cell",
        ),
        Column("delivery", _("Delivery"), lambda o, row: short_date(o.delivery_date, "—")),
        Column("salesperson", _("Salesperson"), _salesperson),
        Column("total", _("Total"), _total, sort="total", num=True),
        Column("status", _("Status"), _status, sort="status"),
    ],
)
