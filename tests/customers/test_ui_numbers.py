"""The hierarchy rows' numbers (``customers.ui._number_writers``) are written as ``intcomma`` and
the ``amount`` filter write them, in English and Indonesian, for a currency with cents and one
without."""

from decimal import Decimal

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import translation

from crm.money import activate_currency, format_amount, reset_currency
from customers.ui import _number_writers

COUNTS = [0, 1, 7, 999, 1000, 12345, 1234567, -4321]
AMOUNTS = [
    Decimal("0"),
    Decimal("0.005"),
    Decimal("1.5"),
    Decimal("999.995"),
    Decimal("1234.5"),
    Decimal("-1234567.891"),
    Decimal("100000000"),
    3,
    None,
]


@pytest.mark.parametrize("language", ["en", "id"])
@pytest.mark.parametrize("currency", ["EUR", "IDR"])
def test_numbers_as_intcomma_and_format_amount_write_them(language, currency):
    token = activate_currency(currency)
    try:
        with translation.override(language):
            count, amount = _number_writers()
            assert [count(n) for n in COUNTS] == [intcomma(n) for n in COUNTS]
            assert [amount(a) for a in AMOUNTS] == [format_amount(a) for a in AMOUNTS]
            if language == "id":
                assert count(1234567) == "1.234.567"
    finally:
        reset_currency(token)
