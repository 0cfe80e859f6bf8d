"""The "Lines" card of a quotation's and an order's page, written in Python (issue 17).

``selling/partials/_lines.html`` wrote it with a template round trip per cell (its translations,
filters and conditions, eight cells a line): a sixth of the page's time for ten lines. Here the
same markup, byte for byte, is written in one pass from ``selectors.document_page_lines``; the
template stays as its reference, and ``tests/selling/test_lines.py`` renders both and compares
them. The table's head depends only on the language and whether prices include VAT, so it is
kept per process (``crm.ui.kept_markup``).
"""

from __future__ import annotations

from django.template.defaultfilters import floatformat
from django.utils.html import conditional_escape as esc
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from crm.money import format_amount
from crm.templatetags.money import money
from crm.ui.kept_markup import kept
from crm.ui.rows import interpolate, url_maker
from selling.models import Quotation, SalesOrder
from selling.selectors import DocumentView

# As in a template, a literal translation is written as it is (``{% translate %}`` marks it safe)
# and every value is escaped.


def _number(value) -> str:
    """``{{ value|floatformat:"-2" }}``."""
    return esc(floatformat(value, "-2"))


def _amount(value) -> str:
    """``{{ value|amount }}``."""
    return esc(format_amount(value))


def _labels(include_vat: bool) -> tuple[str, str]:
    """The unit price's and the amount's column labels."""
    if include_vat:
        return _("Unit price incl. VAT"), _("Amount incl. VAT")
    return _("Unit price (net)"), _("Amount (net)")


def _table_head(include_vat: bool) -> str:
    unit_price_label, amount_label = _labels(include_vat)
    return (
        '  <div class="table-wrap doc-lines-wrap" tabindex="0">\n'
        '  <table class="data doc-lines">\n'
        f'    <caption class="visually-hidden">{_("Lines, in the order they are printed")}'
        "</caption>\n"
        "    <thead><tr>\n"
        '      <th scope="col" class="num">#</th>\n'
        f'      <th scope="col">{_("Product")}</th>\n'
        f'      <th scope="col">{_("Description")}</th>\n'
        f'      <th scope="col" class="num">{_("Quantity")}</th>\n'
        f'      <th scope="col" class="num">{unit_price_label}</th>\n'
        f'      <th scope="col" class="num">{_("Discount")}</th>\n'
        f'      <th scope="col" class="num">{_("VAT")}</th>\n'
        f'      <th scope="col" class="num">{amount_label}</th>\n'
        "    </tr></thead>\n"
        "    <tbody>\n    "
    )


def _rows(document: Quotation | SalesOrder, shown: DocumentView) -> str:
    unit_price_label, amount_label = _labels(document.prices_include_vat)
    line_label, product_label = _("Line"), _("Product")
    description_label, quantity_label = _("Description"), _("Quantity")
    discount_label, vat_label = _("Discount"), _("VAT")
    muted_dash = '<span class="muted">—</span>'
    # An order's lines made from its quotation link to that quotation's line.
    quotation_id = getattr(document, "quotation_id", None)
    if quotation_id:
        quotation_url = url_maker("selling:quotation_detail")(quotation_id)
        quotation_number = document.quotation.number
        from_line = _("from %(number)s, line %(position)s")
    out = []
    for row in shown.lines:
        line = row.line
        name, description = line.product_name, line.description
        linked = bool(line.quotation_item_id and quotation_id)
        sku = f'<br><small class="muted">{esc(line.sku)}</small>' if line.sku else ""
        empty = not line.quotation_item_id and (description == name or not description)
        empty_class = ' class="doc-cell-empty"' if empty else ""
        if description and description != name:
            text = f"{esc(description)}{'<br>' if linked else ''}"
        elif not linked:
            text = muted_dash
        else:
            text = ""
        if linked:
            label = interpolate(
                from_line, number=quotation_number, position=line.quotation_item_position
            )
            text += (
                f'<small><a href="{esc(quotation_url)}#line-{esc(line.quotation_item_id)}">'
                f"{label}</a></small>"
            )
        if line.discount_percent:
            discount_class, discount = "", f"{_number(line.discount_percent)} %"
        else:
            discount_class, discount = " doc-cell-empty", muted_dash
        out.append(
            f'\n      <tr id="line-{esc(line.pk)}">\n'
            f'        <td class="num doc-line-position" data-label="{line_label}">'
            f"{esc(line.position)}</td>\n"
            f'        <td class="doc-line-product" data-label="{product_label}">'
            f"<span>{esc(name)}{sku}</span></td>\n"
            f'        <td data-label="{description_label}"{empty_class}><span>{text}</span></td>\n'
            f'        <td class="num" data-label="{quantity_label}">{_number(line.quantity)}</td>\n'
            f'        <td class="num" data-label="{unit_price_label}">{_amount(row.unit_price)}'
            "</td>\n"
            f'        <td class="num{discount_class}" data-label="{discount_label}">{discount}</td>\n'
            f'        <td class="num" data-label="{vat_label}">{_number(line.vat_rate)} %</td>\n'
            f'        <td class="num doc-line-amount" data-label="{amount_label}">'
            f"{_amount(row.amount)}</td>\n"
            "      </tr>\n    "
        )
    return "".join(out)


def _totals(document: Quotation | SalesOrder, shown: DocumentView) -> str:
    vat_rows = "".join(
        '\n      <tr class="doc-vat"><th scope="row" colspan="7" class="num">'
        + interpolate(
            _("VAT %(rate)s %% on %(net)s"), rate=floatformat(vat.rate, "-2"), net=_amount(vat.net)
        )
        + f'</th><td class="num">{_amount(vat.vat)}</td></tr>\n      '
        for vat in shown.totals.vat_breakdown
    )
    return (
        '    <tfoot class="doc-totals">\n'
        f'      <tr><th scope="row" colspan="7" class="num">{_("Net total")}</th>'
        f'<td class="num">{_amount(document.net_total)}</td></tr>\n      '
        f"{vat_rows}\n"
        '      <tr class="doc-grand-total"><th scope="row" colspan="7" class="num">'
        f"{_('Total incl. VAT')}</th>"
        f'<td class="num">{money(document.gross_total, document.currency)}</td></tr>\n'
        "    </tfoot>\n"
        "  </table>\n"
        "  </div>\n  "
    )


def _empty(document: Quotation | SalesOrder, items_url: str) -> str:
    if items_url:
        hint = (
            "<p>"
            + _(
                "Add the products this document is for; prices, the party's discount and "
                "VAT are filled in for you."
            )
            + "</p>\n    "
            # Not primary: the "Next step" box offers adding lines as the page's one action.
            f'<p><a class="button" href="{esc(items_url)}">'
            f"{_('Add lines')}</a></p>\n    "
        )
    elif document.is_editable:
        hint = f"<p>{_('Lines can be added while it is a draft.')}</p>"
    else:
        hint = ""
    return (
        '\n  <div class="empty-state">\n'
        f"    <p><strong>{_('No lines yet')}</strong></p>\n    {hint}\n"
        "  </div>\n  "
    )


def lines_card_html(
    document: Quotation | SalesOrder, shown: DocumentView, *, items_url: str
) -> SafeString:
    """``selling/partials/_lines.html`` as ``{% include %}`` writes it for ``document`` and its
    ``shown`` lines (``selectors.document_page_lines``); ``items_url`` is the "Edit lines" page
    where the user may change them, else empty."""
    if items_url:
        button_label = _("Edit lines") if shown.lines else _("Add lines")
        button = f'<a class="button button-small" href="{esc(items_url)}">{button_label}</a>'
    else:
        button = ""
    if shown.lines:
        include_vat = bool(document.prices_include_vat)
        head = kept(
            ("selling.lines", get_language(), include_vat), lambda: _table_head(include_vat)
        )
        body = f"\n  \n{head}{_rows(document, shown)}\n    </tbody>\n{_totals(document, shown)}"
    else:
        body = _empty(document, items_url)
    return mark_safe(
        '\n<section class="card" aria-labelledby="lines-heading">\n'
        '  <div class="card-header">\n'
        f'    <h2 id="lines-heading">{_("Lines")}</h2>\n'
        f"    {button}\n"
        "  </div>\n"
        f"  {body}\n"
        "</section>\n"
    )
