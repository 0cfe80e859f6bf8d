"""Markup of the customer page written in Python where a template loop cost more than the rows
it shows (``DESIGN.md``, Performance: hot pages render rows in one place, URLs built once)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.template.defaultfilters import capfirst, date, floatformat
from django.template.loader import render_to_string
from django.utils import numberformat
from django.utils.formats import get_format, localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from crm.money import active_currency, minor_units
from crm.templatetags.crm_tags import phone
from crm.ui.kept_markup import kept, locale_key
from crm.ui.rows import interpolate, url_maker
from customers.models import Customer
from customers.selectors import GroupAndTypeTerms, Hierarchy, InviteChoices


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


esc = conditional_escape


def _v(value) -> str:
    """``{{ value }}``: localized (dates in the current time zone), then escaped."""
    return conditional_escape(localize(template_localtime(value)))


def _link(record) -> str:
    return f'<a href="{_v(record.get_absolute_url())}">{_v(record)}</a>'


def _terms_note(customer: Customer, terms: GroupAndTypeTerms) -> tuple[str, str]:
    """What the customer's type and group give it, as the two notes in brackets."""
    ctype = customer.customer_type
    business = getattr(ctype, "is_business", "")
    note = esc(_("sees net prices")) if business else esc(_("sees prices with VAT"))
    if getattr(ctype, "discount_percent", ""):
        discount = floatformat(ctype.discount_percent, "-2")
        note += "; " + interpolate(_("%(discount)s %% discount"), discount=discount)
    if terms.type_only_products:
        count = terms.type_only_products
        note += "; " + interpolate(
            ngettext(
                "%(counter)s product only for this type",
                "%(counter)s products only for this type",
                count,
            ),
            counter=localize(count),
        )
    group = customer.customer_group
    if not group:
        return note, ""
    group_note = ""
    if group.discount_percent:
        discount = floatformat(group.discount_percent, "-2")
        group_note += interpolate(_("%(discount)s %% discount"), discount=discount) + "; "
    if terms.group_prices:
        group_note += interpolate(
            ngettext(
                "own price for %(counter)s product",
                "own prices for %(counter)s products",
                terms.group_prices,
            ),
            counter=localize(terms.group_prices),
        )
    else:
        group_note += esc(_("catalog prices"))
    if terms.group_only_products:
        count = terms.group_only_products
        group_note += "; " + interpolate(
            ngettext(
                "%(counter)s product only for this group",
                "%(counter)s products only for this group",
                count,
            ),
            counter=localize(count),
        )
    return note, group_note


def details_card_html(customer: Customer, terms: GroupAndTypeTerms) -> SafeString:
    """The customer page's "Details" card, as ``customers/partials/_details_card.html`` writes
    it (a test holds the two together, in English and Indonesian): a dozen facts whose template
    tags cost more than the values they show."""
    type_note, group_note = _terms_note(customer, terms)
    group = customer.customer_group
    group_cell = f'{_v(group)} <small class="muted">({group_note})</small>' if group else "—"
    email = customer.email
    email_cell = f'<a href="mailto:{_v(email)}">{_v(email)}</a>' if email else "—"
    phone_cell = _v(phone(customer.phone)) if customer.phone else "—"
    parent, seller, partner = customer.parent, customer.salesperson, customer.sales_partner
    opportunity, lead = customer.opportunity, customer.lead
    came_from = "\n          "
    if opportunity:
        came_from += f"{esc(_('Opportunity'))} {_link(opportunity)}"
        if lead:
            came_from += " · "
    came_from += "\n          "
    if lead:
        came_from += f"{esc(_('Lead'))} {_link(lead)}"
    came_from += "\n          "
    if not lead and not opportunity:
        came_from += esc(_("Entered directly"))
    came_from += "\n        "
    since = _v(date(template_localtime(customer.created_at), "DATE_FORMAT"))
    return mark_safe(
        '<section class="card" aria-labelledby="details-heading">\n'
        f'      <h2 id="details-heading">{esc(_("Details"))}</h2>\n'
        '      <dl class="facts">\n'
        f"        <dt>{esc(_('Customer type'))}</dt><dd>{_v(customer.customer_type)}"
        f' <small class="muted">({type_note})</small></dd>\n'
        f"        <dt>{esc(_('Customer group'))}</dt><dd>{group_cell}</dd>\n"
        f"        <dt>{esc(_('Payment terms'))}</dt><dd>{_v(capfirst(terms.payment_terms))}</dd>\n"
        f"        <dt>{esc(_('E-mail'))}</dt><dd>{email_cell}</dd>\n"
        f"        <dt>{esc(_('Phone'))}</dt><dd>{phone_cell}</dd>\n"
        f"        <dt>{esc(_('Parent customer'))}</dt><dd>{_link(parent) if parent else '—'}</dd>\n"
        f"        <dt>{esc(_('Salesperson'))}</dt><dd>{_link(seller) if seller else '—'}</dd>\n"
        f"        <dt>{esc(_('Sales partner'))}</dt><dd>{_link(partner) if partner else '—'}</dd>\n"
        f"        <dt>{esc(_('Came from'))}</dt><dd>{came_from}</dd>\n"
        f"        <dt>{esc(_('Customer since'))}</dt><dd>{since}</dd>\n"
        "      </dl>\n"
        "    </section>"
    )
