"""Markup of the customer page written in Python where a template loop cost more than the rows
it shows (``DESIGN.md``, Performance: hot pages render rows in one place, URLs built once)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.template.loader import render_to_string
from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from crm.money import active_currency, minor_units
from crm.ui.kept_markup import kept, locale_key
from crm.ui.rows import url_maker
from customers.models import Customer
from customers.selectors import Hierarchy, InviteChoices


def _number_writers() -> tuple[Callable[[int], str], Callable[[Decimal], str]]:
    """``intcomma`` and the ``amount`` filter (``crm.money.format_amount``) for many numbers in
    one language: both are ``number_format`` with grouping, which looks the language's three
    formats up on every call; here they are looked up once, and the numbers written as
    ``numberformat.format`` writes them for ``number_format``."""
    lang = get_language()
    decimal_sep = get_format("DECIMAL_SEPARATOR", lang, use_l10n=True)
    grouping = get_format("NUMBER_GROUPING", lang, use_l10n=True)
    thousand_sep = get_format("THOUSAND_SEPARATOR", lang, use_l10n=True)
    places = minor_units(active_currency())
    quantum = Decimal(1).scaleb(-places)

    def count(value: int) -> str:
        return numberformat.format(
            int(value),
            decimal_sep,
            None,
            grouping,
            thousand_sep,
            force_grouping=True,
            use_l10n=True,
        )

    def amount(value) -> str:
        if value is None or value == "":
            return ""
        exact = Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
        return numberformat.format(
            exact, decimal_sep, places, grouping, thousand_sep, force_grouping=True, use_l10n=True
        )

    return count, amount


def hierarchy_children_rows(hierarchy: Hierarchy) -> SafeString:
    """The rows of the hierarchy section's table of direct children, as its template wrote them
    one by one (``_hierarchy.html``): 25 rows of five amounts cost 4 ms in the template loop."""
    url = url_maker("customers:customer_detail")
    esc = conditional_escape
    count, amount = _number_writers()
    out = []
    for row in hierarchy.children:
        customer = row.customer
        status = ""
        if customer.status != Customer.Status.ACTIVE:
            status = f' <small class="muted">({esc(customer.get_status_display().lower())})</small>'
        cells = "".join(
            f'<td class="num">{esc(amount(cell.value) if cell.money else count(cell.value))}</td>'
            for cell in row.figures
        )
        out.append(
            "\n        <tr>\n"
            f'          <th scope="row"><a href="{url(customer.pk)}">{esc(customer)}</a>{status}</th>\n'
            f'          <td class="num">{esc(count(row.descendants))}</td>\n'
            f"          {cells}\n"
            "        </tr>\n      "
        )
    return mark_safe("".join(out))


def invite_fields(
    company_id: int, choices: InviteChoices, make_form: Callable[[], forms.BaseForm]
) -> SafeString:
    """The portal invitation's fields on the customer page (``_portal_invite_fields.html`` for
    the empty ``make_form()``), kept per process (``crm.ui.kept_markup``): the same on every
    view of a customer whose contacts and roles have not changed, and building the form cost
    more than the rest of the portal card. The key holds all the fields show: each contact's
    id and name, each role's id, name, key (the buyer is preselected) and whether it is the
    customer's own, and the locale."""
    key = (
        "customer_invite_fields",
        company_id,
        locale_key(),
        tuple((c.pk, c.first_name, c.last_name) for c in choices.contacts),
        tuple((r.pk, r.name, r.key, bool(r.customer_id)) for r in choices.roles),
    )
    return kept(
        key,
        lambda: render_to_string(
            "customers/partials/_portal_invite_fields.html", {"form": make_form()}
        ),
    )
