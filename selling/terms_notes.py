"""The sentences that say where a document's discount and unit prices come from, in the reader's
language.

``selling.pricing`` writes them when a quotation or order is made and the document stores them
(``discount_rule``, ``price_rule``: its terms as made, which the API and the history show) in
the language of whoever made it. Pages, the print view and the PDF must not print that text
as stored: a document made in English would stay English for a reader in Indonesian. They
write the sentence again in the active language from what the document holds: the percentage
from ``discount_percent``, the catalog or a price list from ``price_group_id``, and the group or
type's name (as it was when the document was made) read back from the stored sentence with the
wording of every language the CRM ships. A stored sentence no language's wording matches (an
older wording, an edit in the admin) is printed as stored rather than guessed at.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from crm.money import format_plain

# The wordings, marked here and translated where they are written (pricing) or printed (below).
DISCOUNT_RULE = gettext_noop("%(percent)s %% discount from the %(source)s")
GROUP_SOURCE = gettext_noop("customer group “%(name)s”")
TYPE_SOURCE = gettext_noop("customer type “%(name)s”")
NOT_ADDED = gettext_noop(
    " (the larger of the group and type discounts applies; they are not added)"
)
CATALOG_PRICES = gettext_noop("unit prices from the catalog")
GROUP_PRICES = gettext_noop(
    "unit prices from the price list of customer group “%(group)s”, the catalog price for "
    "products not on it; any party discount applies on top"
)

SOURCES = {"group": GROUP_SOURCE, "type": TYPE_SOURCE}


def discount_rule_text(*, percent: Decimal, source: str, name: str, larger_of_two: bool) -> str:
    """“10 % discount from the customer group “VIP””, in the active language. ``source`` is
    "group" or "type"; ``larger_of_two`` adds that the other one also gave a (smaller) discount."""
    rule = gettext(DISCOUNT_RULE) % {
        "percent": format_plain(percent),
        "source": gettext(SOURCES[source]) % {"name": name},
    }
    return rule + gettext(NOT_ADDED) if larger_of_two else rule


def price_rule_text(group_name: str | None) -> str:
    """Where new lines' unit prices come from: the catalog, or the named group's price list."""
    if group_name is None:
        return gettext(CATALOG_PRICES)
    return gettext(GROUP_PRICES) % {"group": group_name}


def discount_note(document) -> str:
    """The document's stored discount rule, written in the active language ("" without one)."""
    stored = document.discount_rule
    if not stored:
        return ""
    for language in _languages():
        for source, pattern in _discount_patterns(language).items():
            found = pattern.fullmatch(stored)
            if found:
                return discount_rule_text(
                    percent=document.discount_percent,
                    source=source,
                    name=found["name"],
                    larger_of_two=bool(found["not_added"]),
                )
    return stored


def price_note(document) -> str:
    """The document's stored price rule, written in the active language. A document without a
    price list says it prices from the catalog, whatever (or however) it stored."""
    if not document.price_group_id:
        return price_rule_text(None)
    for language in _languages():
        found = _price_pattern(language).fullmatch(document.price_rule)
        if found:
            return price_rule_text(found["group"])
    return document.price_rule


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


_PARTS = re.compile(r"%\((\w+)\)s|%%")


def _regex(template: str, **inner: str) -> str:
    """A translated ``%``-template as a regular expression: its text literal, each placeholder a
    named group (or the expression given for it in ``inner``)."""
    parts, end = [], 0
    for placeholder in _PARTS.finditer(template):
        parts.append(re.escape(template[end : placeholder.start()]))
        name = placeholder.group(1)
        if name is None:
            parts.append("%")
        else:
            parts.append(inner.get(name, f"(?P<{name}>.+?)"))
        end = placeholder.end()
    parts.append(re.escape(template[end:]))
    return "".join(parts)


@lru_cache(maxsize=8)
def _discount_patterns(language: str) -> dict[str, re.Pattern]:
    with translation.override(language):
        rule, not_added = gettext(DISCOUNT_RULE), gettext(NOT_ADDED)
        return {
            source: re.compile(
                _regex(rule, source=_regex(gettext(template)))
                + f"(?P<not_added>{re.escape(not_added)})?",
                re.DOTALL,
            )
            for source, template in SOURCES.items()
        }


@lru_cache(maxsize=8)
def _price_pattern(language: str) -> re.Pattern:
    with translation.override(language):
        return re.compile(_regex(gettext(GROUP_PRICES)), re.DOTALL)
