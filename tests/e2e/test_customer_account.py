"""A manager runs a customer's account: credit, a gift card issued and redeemed, an order
confirmed and paid in part from the balance; balance and lifetime sales value follow."""

from decimal import Decimal

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership
from customers.models import Customer
from customers.setup import customers_defaults_apply
from leads.setup import leads_defaults_apply
from selling import services as selling
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.factories import (
    DEFAULT_PASSWORD,
    CompanyFactory,
    CustomerFactory,
    MembershipFactory,
    ProductFactory,
)


@pytest.fixture
def setup(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
        manager = MembershipFactory(company=company, role=Membership.Role.MANAGER).user
    with scope(company=company):
        leads_defaults_apply(company)
        customers_defaults_apply(company)
        parent = CustomerFactory(company=company, name="Amsel Gastro Holding")
        customer = CustomerFactory(company=company, name="Café Amsel", parent=parent)
        product = ProductFactory(
            company=company, name="Espresso machine", unit_price=Decimal("200"), vat_rate=0
        )
        order = selling.order_create(customer=customer, actor=manager)
        selling.document_lines_save(
            document=order, actor=manager, lines=[selling.LineInput(product=product, quantity=1)]
        )
    return manager, company, customer, order, parent


def figure(page, label):
    return page.locator(".account-figures > div").filter(has_text=label).locator("dd")


def test_credit_gift_card_and_paying_an_order(page, setup):
    manager, company, customer, order, parent = setup
    log_in(page, manager.username, DEFAULT_PASSWORD)

    # Credit from the customer page.
    page.goto(customer.get_absolute_url())
    expect(figure(page, "Balance")).to_contain_text("0.00")
    account = page.get_by_role("region", name="Account")
    account.get_by_text("Add credit", exact=True).click()
    account.get_by_label("Amount").fill("30")
    account.get_by_label("Reason").fill("Late delivery")
    account.get_by_role("button", name="Credit the balance").click()
    expect(page.locator(".message-success")).to_contain_text("30.00 EUR credited")
    expect(figure(page, "Balance")).to_contain_text("30.00")

    # Issue a gift card; its code is shown once.
    page.goto("/customers/gift-cards/")
    page.get_by_role("link", name="Issue a gift card").click()
    page.get_by_label("Amount").fill("50")
    page.get_by_label("Note").fill("Trade fair raffle")
    page.get_by_role("button", name="Issue the card").click()
    code = page.locator(".gift-code").inner_text().strip()
    assert len(code) == 19
    assert_accessible(page)
    screenshot(page, "gift-card-issued")

    # Redeem it on the customer's page.
    page.goto(customer.get_absolute_url())
    account = page.get_by_role("region", name="Account")
    account.get_by_label("Redeem a gift card").fill(code.lower())
    account.get_by_role("button", name="Redeem").click()
    expect(page.locator(".message-success")).to_contain_text("Gift card redeemed: 50.00 EUR")
    expect(figure(page, "Balance")).to_contain_text("80.00")

    # Confirm the order: the lifetime sales value counts it; pay 60 of it from the balance.
    page.goto(order.get_absolute_url())
    page.get_by_role("button", name="Confirm order").click()
    page.get_by_label("Amount from the balance").fill("60")
    page.get_by_role("button", name="Pay from balance").click()
    expect(page.locator(".message-success")).to_contain_text("60.00 EUR paid from the balance")
    expect(figure(page, "Amount due")).to_contain_text("140.00")
    assert_accessible(page)
    screenshot(page, "order-paid-from-balance")

    page.goto(customer.get_absolute_url())
    expect(figure(page, "Balance")).to_contain_text("20.00")
    expect(figure(page, "Lifetime sales value")).to_contain_text("200.00")
    assert_accessible(page)
    screenshot(page, "customer-account")

    # The ledger tells the whole story.
    page.get_by_role("link", name="Whole ledger").click()
    rows = page.locator("table.data tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("Order payment")
    assert_accessible(page)
    screenshot(page, "customer-ledger")
    # The parent's roll-up counts its child: balance and lifetime sales value, own and subtree.
    page.goto(parent.get_absolute_url())
    rollup = page.locator("table.rollup")
    expect(rollup.locator("tr").filter(has_text="Balance")).to_contain_text("20.00")
    expect(rollup.locator("tr").filter(has_text="Lifetime sales value")).to_contain_text("200.00")
    expect(figure(page, "Lifetime sales value")).to_contain_text("0.00")
    assert_accessible(page)
    screenshot(page, "customer-parent-rollup")
    with scope(company=company):
        stored = Customer.objects.get(pk=customer.pk)
    assert (stored.balance, stored.lifetime_sales_value) == (Decimal("20.00"), Decimal("200.00"))
