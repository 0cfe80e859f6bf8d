"""Amounts, quantities and rates are typed as the page's language writes them, read by the
server alone, and refused (naming the field, with an example) when they are written otherwise:
never read as another number, as a browser's number input did ("1,5" became 15)."""

from decimal import Decimal

import pytest
from django.utils import translation

from customers.forms import BalanceCreditForm
from portal.forms_catalog import QuantityForm
from selling.forms import ApplyBalanceForm


def credit(language: str, amount: str) -> BalanceCreditForm:
    with translation.override(language):
        form = BalanceCreditForm({"amount": amount, "reason": "Goodwill"})
        form.is_valid()
        form.rendered = str(form["amount"])
        form.messages = [str(message) for message in form.errors.get("amount", [])]
    return form


@pytest.mark.parametrize(
    ("language", "typed", "read"),
    [
        ("id", "1,5", Decimal("1.50")),
        ("id", "1.234,50", Decimal("1234.50")),
        ("id", "1234,50", Decimal("1234.50")),
        ("id", "1.500", Decimal("1500")),
        ("id", ",5", Decimal("0.50")),
        ("en", "1.5", Decimal("1.50")),
        ("en", "1,234.50", Decimal("1234.50")),
        ("en", " 25 ", Decimal("25")),
    ],
)
def test_an_amount_is_read_in_the_pages_language(language, typed, read):
    form = credit(language, typed)

    assert form.errors == {}
    assert form.cleaned_data["amount"] == read


@pytest.mark.parametrize(
    ("language", "typed", "message"),
    [
        ("id", "1.5", "Ketik “Jumlah” sebagai angka, misalnya 1.234,50."),
        ("id", "1,234.50", "Ketik “Jumlah” sebagai angka, misalnya 1.234,50."),
        ("en", "1,5", "Type “Amount” as a number, for example 1,234.50."),
        ("en", "1.234,50", "Type “Amount” as a number, for example 1,234.50."),
        ("en", "12abc", "Type “Amount” as a number, for example 1,234.50."),
        ("en", "1.2.3", "Type “Amount” as a number, for example 1,234.50."),
        ("en", "1,23,4", "Type “Amount” as a number, for example 1,234.50."),
    ],
)
def test_an_amount_written_otherwise_is_refused_naming_the_field(language, typed, message):
    form = credit(language, typed)

    assert form.messages == [message]
    # What was typed comes back as typed, to be put right.
    assert f'value="{typed}"' in form.rendered


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_amount_field_is_text_with_a_number_pad(language):
    with translation.override(language):
        html = str(BalanceCreditForm()["amount"])

    assert 'type="text"' in html
    assert 'inputmode="decimal"' in html
    assert "step=" not in html


def test_a_number_is_shown_in_the_pages_language():
    with translation.override("id"):
        html = str(BalanceCreditForm(initial={"amount": Decimal("1234.50")})["amount"])

    assert 'value="1234,50"' in html


@pytest.mark.parametrize(
    ("language", "typed", "message"),
    [
        ("id", "0", "Masukkan nilai minimal 0,01 di “Jumlah dari saldo”."),
        ("id", "-5", "Masukkan nilai minimal 0,01 di “Jumlah dari saldo”."),
        ("en", "-5", "Enter a value of at least 0.01 in “Amount from the balance”."),
    ],
)
def test_paying_from_the_balance_names_the_smallest_amount(language, typed, message):
    with translation.override(language):
        form = ApplyBalanceForm({"amount": typed})
        assert [str(m) for m in form.errors["amount"]] == [message]


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("id", "Masukkan nilai maksimal 9.999.999.999,99 di “Kuantitas”."),
        ("en", "Enter a value of at most 9,999,999,999.99 in “Quantity”."),
    ],
)
def test_a_too_large_quantity_names_the_largest(language, message):
    with translation.override(language):
        form = QuantityForm({"product": "1", "quantity": "99999999999"})
        assert [str(m) for m in form.errors["quantity"]] == [message]
