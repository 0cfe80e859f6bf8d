"""The portal in a browser: Ben (a buyer) accepts a quotation and pays part of the order from
the balance; Gina (a guest) sees the quotation but has no way to accept it. Each page passes axe
and fits a 390 px wide phone."""

from decimal import Decimal

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from customers import balance
from selling.models import SalesOrder
from tests.e2e.conftest import assert_accessible, screenshot
from tests.factories import (
    PORTAL_PASSWORD,
    CompanyFactory,
    CustomerFactory,
    CustomerTypeFactory,
    CustomerUserFactory,
    UserFactory,
)
from tests.portal.documents import confirmed_order, sent_quotation


@pytest.fixture
def nordlicht(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders", currency="EUR")
        staff = UserFactory()
    with scope(company=company):
        business = CustomerTypeFactory(company=company, name="Business", is_business=True)
        holding = CustomerFactory(
            company=company, name="Nordlicht Holding AG", customer_type=business
        )
        retail = CustomerFactory(
            company=company, name="Nordlicht Retail GmbH", customer_type=business, parent=holding
        )
        ben = CustomerUserFactory(
            customer=retail, email="ben@nordlicht.example", first_name="Ben", roles="buyer"
        )
        gina = CustomerUserFactory(
            customer=retail, email="gina@nordlicht.example", first_name="Gina", roles="guest"
        )
        # 3 × 100.00 net + 20 % VAT = 360.00 gross.
        quotation = sent_quotation(retail, staff, price="100.00", vat="20.00", quantity="3")
        confirmed_order(retail, staff, price="40.00", vat="20.00")  # an earlier order
        balance.balance_credit(customer=retail, amount="100", reason="Goodwill", actor=staff)
    return company, quotation, ben, gina


def portal_sign_in(page, user):
    page.goto("/portal/login/")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PORTAL_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/portal/login/" not in url)


def nav(page, name):
    return page.get_by_role("navigation", name="Portal").get_by_role("link", name=name)


def fits_a_phone(page, name):
    """At 390 px nothing makes the page scroll sideways."""
    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width}px wide at 390px"
    screenshot(page, f"portal-{name}-390")
    page.set_viewport_size(size)


def check(page, name):
    assert_accessible(page)
    screenshot(page, f"portal-{name}")
    fits_a_phone(page, name)


def test_the_buyer_accepts_a_quotation_and_pays_part_from_the_balance(page, nordlicht):
    company, quotation, ben, gina = nordlicht
    portal_sign_in(page, ben)
    check(page, "home")

    # The waiting quotation is on the home page and in the list.
    nav(page, "Quotations").click()
    check(page, "quotations")
    page.get_by_role("link", name=quotation.number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(quotation.number)
    # A business sees net prices.
    expect(page.locator("table.doc-lines thead")).to_contain_text("Unit price (net)")
    expect(page.locator(".portal-shown-total")).to_contain_text("300.00")
    check(page, "quotation")

    page.get_by_role("button", name="Accept and order").click()
    expect(page.locator(".message-success")).to_contain_text("is confirmed")
    with scope(company=company):
        order = SalesOrder.objects.get(quotation=quotation)
    expect(page.get_by_role("heading", level=1)).to_contain_text(order.number)
    expect(page.locator(".portal-figure-due dd")).to_contain_text("360.00")
    expect(page.locator(".portal-available")).to_contain_text("100.00")
    check(page, "order")

    page.get_by_label("Amount from the balance").fill("60")
    page.get_by_role("button", name="Pay from balance").click()
    expect(page.locator(".message-success")).to_contain_text("60.00 EUR paid from the balance")
    expect(page.locator(".portal-figure-paid dd")).to_contain_text("60.00")
    expect(page.locator(".portal-figure-due dd")).to_contain_text("300.00")
    with scope(company=company):
        order.refresh_from_db()
        assert order.amount_due == Decimal("300.00")
        assert order.status == SalesOrder.Status.CONFIRMED

    nav(page, "Orders").click()
    expect(page.get_by_role("link", name=order.number)).to_be_visible()
    check(page, "orders")

    nav(page, "Balance").click()
    expect(page.locator(".portal-figure-balance dd")).to_contain_text("40.00")
    page.get_by_label("Gift card code").fill("NOT-A-CODE")
    page.get_by_role("button", name="Redeem").click()
    expect(page.locator(".field-error")).to_contain_text("No gift card has this code")
    check(page, "balance")


def test_the_guest_sees_the_quotation_without_an_accept_button(page, nordlicht):
    company, quotation, ben, gina = nordlicht
    portal_sign_in(page, gina)
    page.goto(f"/portal/quotations/{quotation.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(quotation.number)
    expect(page.get_by_role("button", name="Accept and order")).to_have_count(0)
    expect(page.get_by_text("Reject…")).to_have_count(0)
    check(page, "quotation-guest")
    page.goto("/portal/balance/")
    expect(page.get_by_label("Gift card code")).to_have_count(0)
    check(page, "balance-guest")


def test_a_corporate_user_redeems_a_gift_card_onto_a_customer_below(page, nordlicht):
    """Anna administers the holding (Corporate): she picks Retail for the card, and Retail's
    balance grows by its amount, the holding's not at all."""
    company, _quotation, ben, _gina = nordlicht
    with scope(company=company):
        retail = ben.customer
        anna = CustomerUserFactory(
            customer=retail.parent,
            email="anna@nordlicht.example",
            first_name="Anna",
            roles="administrator",
        )
        staff = UserFactory()
        _card, code = balance.gift_card_issue(company=company, amount="25", actor=staff)
    portal_sign_in(page, anna)
    nav(page, "Balance").click()
    picker = page.get_by_label("Onto the balance of")
    expect(picker).to_have_value(str(anna.customer_id))
    check(page, "balance-corporate")
    page.get_by_label("Gift card code").fill(code)
    picker.select_option(label="Nordlicht Retail GmbH")
    page.get_by_role("button", name="Redeem").click()
    expect(page.locator(".message-success")).to_contain_text(
        "25.00 EUR added to the balance of Nordlicht Retail GmbH"
    )
    with scope(company=company):
        retail.refresh_from_db()
        anna.customer.refresh_from_db()
        assert retail.balance == Decimal("125.00")
        assert anna.customer.balance == Decimal("0.00")
