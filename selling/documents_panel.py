"""The "Quotations and orders" panel of a customer's and an opportunity's page, written in Python
(issue 17).

``selling/partials/_documents_panel.html`` wrote it with a template round trip per cell (its
translations, filters, an include per status badge): half a millisecond a page for a panel that
is mostly empty. Here the same markup, byte for byte, is written in one pass from the panel's
context (``selling.panels.render_documents_panel``); the template stays as its reference, and
``tests/selling/test_documents_panel.py`` renders both and compares them. The on-hold notice, on
the pages of a held customer only, is still the customers app's template.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format, localize
from django.utils.html import conditional_escape as esc
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from crm.money import format_amount
from crm.ui.rows import interpolate
from selling.cards import BADGE_CLASSES
from selling.selectors import PanelOrder, PanelQuotation

# As in a template, a literal translation is written as it is (``{% translate %}`` marks it safe)
# and every value is escaped.


def _badge(document: PanelQuotation | PanelOrder) -> str:
    """``selling/partials/_status_badge.html``, its closing line break included."""
    tone = BADGE_CLASSES.get(document.status, "")
    return f'<span class="badge{tone}">{esc(document.get_status_display())}</span>\n'


def _row(document: PanelQuotation | PanelOrder, day, detail: str) -> str:
    return (
        "\n      <tr>\n"
        f'        <td><a class="doc-number" href="{esc(document.get_absolute_url())}">'
        f'{esc(document.number)}</a><br><small class="muted">'
        f"{esc(date_format(day, 'SHORT_DATE_FORMAT'))}{detail}</small></td>\n"
        f"        <td>{_badge(document)}</td>\n"
        f'        <td class="num"><span class="money">{esc(format_amount(document.gross_total))}'
        "</span></td>\n"
        "      </tr>\n    "
    )


def _quotation_row(quotation: PanelQuotation, is_customer: bool) -> str:
    title = quotation.opportunity_title
    detail = f" · {esc(title)}" if is_customer and title is not None else ""
    return _row(quotation, quotation.quotation_date, detail)


def _order_row(order: PanelOrder, from_label: str) -> str:
    number = order.quotation_number
    detail = f" · {interpolate(from_label, number=number)}" if number is not None else ""
    return _row(order, order.order_date, detail)


def _section(
    context: dict,
    *,
    heading: str,
    documents: list,
    count: int,
    rows: str,
    region: str,
    column: str,
    list_route: str,
    see_all: str,
    nothing: str,
) -> str:
    """One half of the panel: the heading with the count, the latest documents and the line
    that says there are more, or that there are none."""
    out = (
        f'\n  <h3 class="panel-subheading">{heading} <span class="muted">'
        f"({esc(localize(count))})</span></h3>\n  "
    )
    if not documents:
        return out + f'\n  <p class="muted">{nothing}</p>\n  '
    total = interpolate(_("Total (%(currency)s)"), currency=context["currency"])
    more = ""
    if count > context["limit"]:
        more = interpolate(
            _("The latest %(shown)s of %(total)s."),
            shown=localize(len(documents)),
            total=localize(count),
        )
        if context["is_customer"]:
            query = f"?customer={esc(context['record'].pk)}&amp;owner=all"
            more += f' <a href="{esc(reverse(list_route))}{query}">{see_all}</a>'
        more = f'<p class="panel-more">{more}</p>'
    return (
        out + "\n"
        f'  <div class="table-wrap panel-table" tabindex="0" role="region" aria-label="{region}">\n'
        '  <table class="data">\n'
        f'    <caption class="visually-hidden">{region}</caption>\n'
        f'    <thead><tr><th scope="col">{column}</th><th scope="col">{_("Status")}</th>'
        f'<th scope="col" class="num">{total}</th></tr></thead>\n'
        "    <tbody>\n    "
        f"{rows}\n"
        "    </tbody>\n"
        "  </table>\n"
        "  </div>\n"
        f"  {more}\n  "
    )


def _header(context: dict, csrf_token: str) -> str:
    actions = ""
    if context["can_create"]:
        buttons, token = context["buttons"], esc(csrf_token)
        hidden = f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
        quotation = ""
        if buttons.get("quotation"):
            quotation = (
                f'<form method="post" action="{esc(buttons["quotation"])}">{hidden}'
                '<button type="submit" class="button button-small">'
                f"{_('New quotation')}</button></form>"
            )
        order = ""
        if context["is_customer"]:
            link = ""
            if buttons.get("order"):
                link = (
                    f'<a class="button button-small" href="{esc(buttons["order"])}">'
                    f"{_('New order')}</a>"
                )
            order = f"\n        {link}\n      "
        elif buttons.get("order"):
            order = (
                f'\n        <form method="post" action="{esc(buttons["order"])}">{hidden}'
                '<button type="submit" class="button button-small">'
                f"{_('Create order')}</button></form>\n      "
            )
        actions = f'\n    <div class="actions">\n      {quotation}\n      {order}\n    </div>\n    '
    return (
        '\n<section class="card selling-panel" aria-labelledby="selling-panel-heading">\n'
        '  <div class="card-header">\n'
        f'    <h2 id="selling-panel-heading">{_("Quotations and orders")}</h2>\n'
        f"    {actions}\n"
        "  </div>\n"
    )


def documents_panel_html(context: dict, *, csrf_token: str) -> SafeString:
    """``selling/partials/_documents_panel.html`` as ``render_to_string`` writes it for the
    panel's ``context`` (``currency``: the company's, as ``request.company.currency``)."""
    overview, is_customer = context["overview"], context["is_customer"]
    notice = ""
    held = context["held_customer"]
    if held:
        notice = render_to_string(
            "customers/partials/_status_notice.html",
            {"customer": held, "link": context["notice_link"]},
        )
    help_text = ""
    if not is_customer and context["can_create"]:
        help_text = (
            '<p class="help">'
            + _(
                "Both start from the wish list. Creating the order makes the opportunity a "
                "customer if it is not one yet."
            )
            + "</p>"
        )
    from_label = _("from %(number)s")
    quotations = _section(
        context,
        heading=_("Quotations"),
        documents=overview.quotations,
        count=overview.quotation_count,
        rows="".join(_quotation_row(q, is_customer) for q in overview.quotations),
        region=_("Latest quotations"),
        column=_("Quotation"),
        list_route="selling:quotation_list",
        see_all=_("See all quotations"),
        nothing=_("No quotations yet."),
    )
    orders = _section(
        context,
        heading=_("Sales orders"),
        documents=overview.orders,
        count=overview.order_count,
        rows="".join(_order_row(o, from_label) for o in overview.orders),
        region=_("Latest sales orders"),
        column=_("Order"),
        list_route="selling:order_list",
        see_all=_("See all orders"),
        nothing=_("No sales orders yet."),
    )
    return mark_safe(
        f"{_header(context, csrf_token)}"
        f"  {notice}\n"
        f"  {help_text}\n"
        f"{quotations}\n{orders}\n"
        "</section>\n"
    )
