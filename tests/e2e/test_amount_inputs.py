"""An Indonesian manager types an amount as Indonesians write it ("1,5"): one and a half is
credited, never fifteen; an amount written otherwise is refused at the field, kept as typed."""

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership
from customers.models import Customer
from tests.e2e.conftest import log_in, screenshot
from tests.factories import DEFAULT_PASSWORD, CompanyFactory, CustomerFactory, MembershipFactory


@pytest.fixture
def jakarta(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Toko Nusantara", language="id", currency="EUR")
        user = MembershipFactory(company=company, role=Membership.Role.OWNER).user
        customer = CustomerFactory(company=company, name="Kopi Jaya")
    return user, customer


def test_an_amount_typed_with_a_decimal_comma_is_credited_as_typed(page, jakarta):
    user, customer = jakarta
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto(f"/customers/{customer.pk}/balance/")
    credit = page.locator("form", has=page.get_by_role("button", name="Kreditkan saldo"))

    # A point where Indonesian writes a comma: refused at the field, what was typed kept.
    credit.get_by_label("Jumlah").fill("1.5")
    credit.get_by_label("Alasan").fill("Titipan")
    credit.get_by_role("button", name="Kreditkan saldo").click()
    credit = page.locator("form", has=page.get_by_role("button", name="Kreditkan saldo"))
    expect(credit.get_by_text("Ketik “Jumlah” sebagai angka, misalnya 1.234,50.")).to_be_visible()
    expect(credit.get_by_label("Jumlah")).to_have_value("1.5")
    expect(credit.get_by_label("Alasan")).to_have_value("Titipan")
    screenshot(page, "balance-credit-refused-id")

    credit.get_by_label("Jumlah").fill("1,5")
    credit.get_by_role("button", name="Kreditkan saldo").click()
    expect(page.locator(".message-success")).to_contain_text("1,50 EUR dikreditkan")
    screenshot(page, "balance-credited-id")
    with scopes_disabled():
        assert Customer.objects.get(pk=customer.pk).balance == Decimal("1.50")
