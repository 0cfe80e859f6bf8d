"""Amounts of money in templates, one way everywhere (a template builtin: no ``{% load %}``).

``{{ value|amount }}`` gives the number alone (a table column whose header names the currency);
``{{ value|money:currency }}`` the number and the currency code. Both follow the active language
(grouping and decimal mark) and the currency's minor units (rupiah without cents), through
``crm.money.format_amount``.
"""

from django import template
from django.utils.html import format_html

from crm.money import active_currency, format_amount

register = template.Library()


@register.filter
def amount(value, currency: str = "") -> str:
    return format_amount(value, currency)


@register.filter
def money(value, currency: str = "") -> str:
    if value is None or value == "":
        return ""
    code = currency or active_currency()
    return format_html(
        '<span class="money">{}&nbsp;<span class="currency">{}</span></span>',
        format_amount(value, code),
        code,
    )
