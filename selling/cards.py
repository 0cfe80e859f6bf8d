"""The header, "Details" and "Notes" cards of a quotation's and an order's page, written in
Python (issue 17), as ``selling.lines`` writes the "Lines" card.

The page templates wrote them with a template round trip per fact (its translation, filter and
condition, two includes for the status badges and the terms): after the document's own read,
the largest part of what the page added to its floor. Here the same markup, byte for byte, is
written in one pass from the document the view read; the templates it came from stay as its
reference (``selling/partials/_quotation_header.html`` and the others named below), and
``tests/selling/test_cards.py`` renders both and compares them, in English and Indonesian.

As in a template, a literal translation is written as it is (``{% translate %}`` marks it safe)
and every value is escaped.
"""

from __future__ import annotations

from django.template.defaultfilters import capfirst, date, floatformat, linebreaksbr
from django.urls import get_script_prefix, reverse
from django.utils.html import conditional_escape as esc
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _

from crm.templatetags.money import money
from crm.ui.rows import interpolate, url_maker
from selling.models import Quotation, SalesOrder

_DASH = "—"

# ``selling/partials/_status_badge.html``: the badge's class by status (the documents panel's too).
BADGE_CLASSES = {
    "sent": " badge-primary",
    "confirmed": " badge-primary",
    "accepted": " badge-success",
    "ordered": " badge-success",
    "fulfilled": " badge-success",
    "rejected": " badge-danger",
    "cancelled": " badge-danger",
    "expired": " badge-warning",
}

_MAKERS: dict[tuple[str, str], object] = {}


def _url(name: str, pk: int) -> str:
    """``{% url name pk %}``, the route's pattern resolved once per process and script prefix."""
    key = (name, get_script_prefix())
    maker = _MAKERS.get(key)
    if maker is None:
        maker = _MAKERS[key] = url_maker(name)
    return maker(pk)


def _list_url(name: str) -> str:
    """``{% url name %}``, once per process and script prefix."""
    key = (name, get_script_prefix())
    url = _LIST_URLS.get(key)
    if url is None:
        url = _LIST_URLS[key] = reverse(name)
    return url


_LIST_URLS: dict[tuple[str, str], str] = {}


def _date(value, format_name: str) -> str:
    """``{{ value|date:format_name }}`` (the filter is given local time, as a template gives it)."""
    return esc(date(template_localtime(value), format_name))


def _link(obj) -> str:
    """``<a href="{{ obj.get_absolute_url }}">{{ obj }}</a>``."""
    return f'<a href="{esc(obj.get_absolute_url())}">{esc(obj)}</a>'


def _or_dash(obj) -> str:
    return _link(obj) if obj else _DASH


def status_badge(document: Quotation | SalesOrder) -> str:
    """``{% include "selling/partials/_status_badge.html" %}`` (its newline included)."""
    return (
        f'<span class="badge{BADGE_CLASSES.get(document.status, "")}">'
        f"{esc(document.get_status_display())}</span>\n"
    )


def _terms(document: Quotation | SalesOrder) -> str:
    """``selling/partials/_terms.html``."""
    if document.prices_include_vat:
        prices = (
            f'{_("Prices shown with VAT")} <small class="muted">({_("private customer")})</small>'
        )
    else:
        prices = (
            f"{_('Prices shown without VAT')} "
            f'<small class="muted">({_("business customer")})</small>'
        )
    if document.discount_rule:
        discount = f"{esc(capfirst(document.discount_note))}."
    elif document.discount_percent:
        discount = interpolate(
            _("%(percent)s %% party discount."),
            percent=floatformat(document.discount_percent, "-2"),
        )
    else:
        discount = _("No party discount.")
    unit_prices = f"{esc(capfirst(document.price_note))}."
    payment = esc(capfirst(document.payment_terms_label))
    due = getattr(document, "payment_due_date", None)
    if due:
        due_on = interpolate(_("due %(date)s"), date=date(template_localtime(due), "DATE_FORMAT"))
        payment += f' <small class="muted">({due_on})</small>'
    return (
        f"\n<dt>{_('Prices')}</dt>\n<dd>{prices}</dd>\n"
        f"<dt>{_('Discount')}</dt>\n<dd>{discount}</dd>\n"
        f"<dt>{_('Unit prices')}</dt>\n<dd>{unit_prices}</dd>\n"
        f"<dt>{_('Payment')}</dt>\n<dd>{payment}</dd>\n"
    )


def _created(document: Quotation | SalesOrder) -> str:
    creator = document.created_by
    by = esc(creator.get_full_name() or creator.get_username()) if creator else _("System")
    return (
        f"<dt>{_('Created by')}</dt><dd>{by} "
        f'<small class="muted">· {_date(document.created_at, "SHORT_DATE_FORMAT")}</small></dd>'
    )


def _portal_user(document: Quotation | SalesOrder) -> str:
    customer_user = document.customer_user
    if not customer_user:
        return ""
    return f"<dt>{_('For (portal user)')}</dt>\n      <dd>{_link(customer_user)}</dd>"


def _header(
    *, list_url: str, list_label: str, title: str, document, party: str, actions: str
) -> SafeString:
    return mark_safe(
        '<div class="page-header">\n'
        "  <div>\n"
        f'    <p class="breadcrumbs"><a href="{esc(list_url)}">{list_label}</a></p>\n'
        f"    <h1>{title} {status_badge(document)}</h1>\n"
        f'    <p class="doc-party">{party}\n'
        f"      · <strong>{esc(money(document.gross_total, document.currency))}</strong>"
        f' <span class="muted">{_("incl. VAT")}</span></p>\n'
        "  </div>\n"
        '  <div class="actions">\n'
        f"{actions}"
        "  </div>\n"
        "</div>"
    )


def _button(url: str, label: str, kind: str = "button") -> str:
    return f'<a class="{kind}" href="{esc(url)}">{label}</a>'


def _print_button(url: str) -> str:
    return f"    {_button(url, _('Print'), 'button button-ghost')}\n"


def _email_button(url: str | None) -> str:
    return f"    {_button(url, _('Send by e-mail'))}\n" if url else "    \n"


# --- quotation -------------------------------------------------------------------------------------


def quotation_header_html(
    quotation: Quotation, *, customer, can_change: bool, can_email: bool
) -> SafeString:
    """``selling/partials/_quotation_header.html``: breadcrumbs, title, party, total, buttons."""
    pk = quotation.pk
    if customer:
        party = f"{_('for')} {_link(customer)}"
    elif quotation.opportunity:
        party = f"{_('for')} {_link(quotation.opportunity)}"
    else:
        party = ""
    if can_change:
        edit = (
            "    \n"
            f"      {_button(_url('selling:quotation_update', pk), _('Edit details'))}\n"
            f"      {_button(_url('selling:quotation_items', pk), _('Edit lines'))}\n"
            "    \n"
        )
    else:
        edit = "    \n"
    actions = (
        edit
        + _print_button(_url("selling:quotation_print", pk))
        + _email_button(_url("selling:quotation_email", pk) if can_email else None)
    )
    return _header(
        list_url=_list_url("selling:quotation_list"),
        list_label=_("Quotations"),
        title=interpolate(_("Quotation %(number)s"), number=quotation.number),
        document=quotation,
        party=party,
        actions=actions,
    )


def quotation_details_html(quotation: Quotation, *, customer, order) -> SafeString:
    """``selling/partials/_quotation_details.html``: the "Details" card."""
    if customer:
        customer_fact = _link(customer)
        if not quotation.customer:
            became = _("the opportunity's customer")
            customer_fact += f' <small class="muted">({became})</small>'

    else:
        customer_fact = (
            f'<span class="muted">{_("Not a customer yet: the sales order makes one.")}</span>'
        )
    opportunity = quotation.opportunity
    if opportunity:
        opportunity_fact = (
            f'{_link(opportunity)} <small class="muted">({esc(opportunity.stage)})</small>'
        )
    else:
        opportunity_fact = _DASH
    if order:
        order_fact = (
            f'<a href="{esc(order.get_absolute_url())}">{esc(order.number)}</a> '
            f"{status_badge(order)}"
        )
    else:
        order_fact = _DASH
    return mark_safe(
        '<section class="card" aria-labelledby="details-heading">\n'
        f'  <h2 id="details-heading">{_("Details")}</h2>\n'
        '  <div class="grid-2">\n'
        '    <dl class="facts">\n'
        f"      <dt>{_('Customer')}</dt>\n"
        f"      <dd>{customer_fact}</dd>\n"
        f"      <dt>{_('Opportunity')}</dt>\n"
        f"      <dd>{opportunity_fact}</dd>\n"
        f"      <dt>{_('Sales order')}</dt>\n"
        f"      <dd>{order_fact}</dd>\n"
        f"      <dt>{_('Salesperson')}</dt>\n"
        f"      <dd>{_or_dash(quotation.salesperson)}</dd>\n"
        f"      <dt>{_('Sales partner')}</dt>\n"
        f"      <dd>{_or_dash(quotation.sales_partner)}</dd>\n"
        f"      {_portal_user(quotation)}\n"
        "    </dl>\n"
        '    <dl class="facts">\n'
        f"      <dt>{_('Date')}</dt><dd>{_date(quotation.quotation_date, 'DATE_FORMAT')}</dd>\n"
        f"      <dt>{_('Valid until')}</dt><dd>{_date(quotation.valid_until, 'DATE_FORMAT')}</dd>\n"
        f"      {_terms(quotation)}\n"
        f"      {_created(quotation)}\n"
        "    </dl>\n"
        "  </div>\n"
        "</section>"
    )


# --- order -----------------------------------------------------------------------------------------


def order_header_html(
    order: SalesOrder, *, can_edit: bool, can_edit_lines: bool, can_email: bool
) -> SafeString:
    """``selling/partials/_order_header.html``: breadcrumbs, title, customer, total, buttons."""
    pk = order.pk
    edit = (
        f"    {_button(_url('selling:order_update', pk), _('Edit details'))}\n"
        if can_edit
        else "    \n"
    )
    if can_edit_lines:
        edit += f"    {_button(_url('selling:order_items', pk), _('Edit lines'))}\n"
    else:
        edit += "    \n"
    actions = (
        edit
        + _print_button(_url("selling:order_print", pk))
        + _email_button(_url("selling:order_email", pk) if can_email else None)
    )
    return _header(
        list_url=_list_url("selling:order_list"),
        list_label=_("Sales orders"),
        title=interpolate(_("Sales order %(number)s"), number=order.number),
        document=order,
        party=f"{_('for')} {_link(order.customer)}",
        actions=actions,
    )


def order_details_html(order: SalesOrder) -> SafeString:
    """``selling/partials/_order_details.html``: the "Details" card."""
    customer = order.customer
    quotation = order.quotation
    if quotation:
        quotation_fact = (
            f'<a href="{esc(quotation.get_absolute_url())}">{esc(quotation.number)}</a>'
        )
    else:
        quotation_fact = _DASH
    delivery = _date(order.delivery_date, "DATE_FORMAT") or _DASH
    return mark_safe(
        '<section class="card" aria-labelledby="details-heading">\n'
        f'  <h2 id="details-heading">{_("Details")}</h2>\n'
        '  <div class="grid-2">\n'
        '    <dl class="facts">\n'
        f"      <dt>{_('Customer')}</dt>\n"
        f"      <dd>{_link(customer)} "
        f'<small class="muted">({esc(customer.customer_type)})</small></dd>\n'
        f"      <dt>{_('Opportunity')}</dt>\n"
        f"      <dd>{_or_dash(order.opportunity)}</dd>\n"
        f"      <dt>{_('Quotation')}</dt>\n"
        f"      <dd>{quotation_fact}</dd>\n"
        f"      <dt>{_('Salesperson')}</dt>\n"
        f"      <dd>{_or_dash(order.salesperson)}</dd>\n"
        f"      <dt>{_('Sales partner')}</dt>\n"
        f"      <dd>{_or_dash(order.sales_partner)}</dd>\n"
        f"      {_portal_user(order)}\n"
        "    </dl>\n"
        '    <dl class="facts">\n'
        f"      <dt>{_('Order date')}</dt><dd>{_date(order.order_date, 'DATE_FORMAT')}</dd>\n"
        f"      <dt>{_('Delivery date')}</dt><dd>{delivery}</dd>\n"
        f"      {_terms(order)}\n"
        f"      {_created(order)}\n"
        "    </dl>\n"
        "  </div>\n"
        "</section>"
    )


# --- both ------------------------------------------------------------------------------------------


def notes_card_html(document: Quotation | SalesOrder) -> SafeString:
    """``selling/partials/_quotation_notes.html`` and ``_order_notes.html``: the "Notes" card."""
    if isinstance(document, Quotation):
        printed = _("Printed on the quotation.")
        none = _("No notes. Notes are printed on the quotation.")
    else:
        printed = _("Printed on the order.")
        none = _("No notes. Notes are printed on the order.")
    if document.notes:
        body = (
            f'<p>{linebreaksbr(document.notes, autoescape=True)}</p><p class="help">{printed}</p>'
        )
    else:
        body = f'<p class="muted">{none}</p>'
    return mark_safe(
        '<section class="card" aria-labelledby="notes-heading">\n'
        f'    <h2 id="notes-heading">{_("Notes")}</h2>\n'
        f"    {body}\n"
        "  </section>"
    )
