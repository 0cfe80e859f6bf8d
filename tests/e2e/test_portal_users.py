"""A customer's administrator invites a buyer on the portal; the buyer follows the e-mailed link,
chooses a password, lands on the portal, sees the catalog at their (net) prices beside the list
prices and requests a quotation, whose opportunity is worth what the quotation made from it
says. Every page passes axe and fits a 390 px wide screen."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from customers.models import CustomerGroup, CustomerType, GroupPrice
from customers.setup import customers_defaults_apply
from leads.models import Opportunity, WishListItem
from leads.setup import leads_defaults_apply
from selling import services
from tests.e2e.conftest import assert_accessible, screenshot
from tests.factories import (
    PORTAL_PASSWORD,
    CompanyFactory,
    CustomerFactory,
    CustomerUserFactory,
    ProductFactory,
)

NEW_PASSWORD = "ben-chooses-a-long-one-2026"


@pytest.fixture
def setup(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
    with scope(company=company):
        leads_defaults_apply(company)
        customers_defaults_apply(company)
        business = CustomerType.objects.filter(company=company, is_business=True).first()
        group = CustomerGroup.objects.filter(company=company).first()
        group.discount_percent = Decimal("10")
        group.save()
        holding = CustomerFactory(
            company=company,
            name="Nordlicht Holding AG",
            customer_type=business,
            customer_group=group,
        )
        CustomerFactory(company=company, name="Nordlicht Retail GmbH", parent=holding)
        anna = CustomerUserFactory(
            customer=holding,
            email="anna@nordlicht.example",
            first_name="Anna",
            last_name="Admin",
            roles="administrator",
        )
        ProductFactory(
            company=company,
            sku="ESP-200",
            name="Espresso machine",
            unit_price=Decimal("200.00"),
            vat_rate=Decimal("20"),
        )
        dock = ProductFactory(
            company=company,
            sku="DOCK-1",
            name="Docking station",
            unit_price=Decimal("189.00"),
            vat_rate=Decimal("20"),
        )
        GroupPrice.objects.create(
            company=company, customer_group=group, product=dock, unit_price=Decimal("159.00")
        )
    return company, holding, anna


def fits_390(page, name):
    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("document.documentElement.scrollWidth")
    screenshot(page, f"portal-{name}-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert width <= 390, f"{page.url} is {width}px wide at 390px"


def check(page, name):
    assert_accessible(page)
    fits_390(page, name)
    screenshot(page, f"portal-{name}")


def portal_sign_in(page, email, password):
    page.goto("/portal/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/portal/login/" not in url)


def test_the_administrator_invites_a_buyer_who_signs_in_and_requests_a_quotation(
    page, browser, live_server, setup
):
    company, holding, anna = setup
    portal_sign_in(page, anna.email, PORTAL_PASSWORD)
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    check(page, "users")

    page.get_by_role("link", name="Invite a user").click()
    check(page, "user-invite")
    page.get_by_label("E-mail").fill("ben@nordlicht.example")
    page.get_by_label("First name").fill("Ben")
    page.get_by_label("Last name").fill("Becker")
    page.get_by_label("Customer").select_option(label="Nordlicht Holding AG")
    page.get_by_label("Buyer", exact=True).check()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("Ben Becker is invited")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile("Ben Becker"))).to_be_visible()

    page.get_by_role("link", name="Ben Becker").click()
    expect(page.get_by_text("Invited", exact=True).first).to_be_visible()
    check(page, "user-detail")
    page.goto("/portal/roles/")
    check(page, "roles")
    page.get_by_role("link", name="Add a role").click()
    check(page, "role-form")

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)

    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    ben = context.new_page()
    try:
        ben.goto(link)
        ben.get_by_label(re.compile(r"^New password:?$")).fill(NEW_PASSWORD)
        ben.get_by_label("New password again").fill(NEW_PASSWORD)
        ben.get_by_role("button", name="Save the password and sign in").click()
        expect(ben.get_by_role("heading", name="Welcome, Ben")).to_be_visible()
        assert ben.url.rstrip("/").endswith("/portal")
        nav = ben.get_by_role("navigation", name="Portal")
        expect(nav.get_by_role("link", name="Users")).to_have_count(0)

        nav.get_by_role("link", name="Catalog").click()
        expect(ben.get_by_text("Prices without VAT.")).to_be_visible()
        expect(ben.get_by_text("10 % discount from the customer group")).to_be_visible()
        row = ben.get_by_role("row", name=re.compile("Espresso machine"))
        expect(row).to_contain_text("200.00")  # the list price, net
        expect(row).to_contain_text("180.00")  # with the group's 10 %

        dock = ben.get_by_role("row", name=re.compile("Docking station"))
        expect(dock).to_contain_text("group price")
        expect(dock).to_contain_text("189.00")  # the list price, from the catalog
        expect(dock).to_contain_text("143.10")  # the group's 159.00, less its 10 %
        check(ben, "catalog")

        row.get_by_label("Quantity of Espresso machine").fill("2")
        row.get_by_role("button", name=re.compile("Add")).click()
        expect(ben.get_by_text("Espresso machine: 2 in your request.")).to_be_visible()
        dock = ben.get_by_role("row", name=re.compile("Docking station"))
        dock.get_by_label("Quantity of Docking station").fill("10")
        dock.get_by_role("button", name=re.compile("Add")).click()
        expect(ben.get_by_text("Docking station: 10 in your request.")).to_be_visible()
        ben.get_by_role("link", name=re.compile("Your quotation request")).click()
        ben.get_by_label("Note for the salesperson").fill("Delivery in January.")
        check(ben, "quotation-request")
        ben.get_by_role("button", name="Request a quotation").click()
        expect(ben.get_by_text("Your request reached Northwind Traders")).to_be_visible()
        check(ben, "quotation-request-sent")
    finally:
        context.close()

    with scope(company=company):
        opportunity = Opportunity.objects.get()
        wishes = {item.product.sku: item.quantity for item in WishListItem.objects.all()}
        assert wishes == {"ESP-200": Decimal("2"), "DOCK-1": Decimal("10")}
        # Worth what Ben was shown (2 x 180.00 + 10 x 143.10), as the quotation made from it.
        assert opportunity.expected_amount == Decimal("1791.00")
        quotation = services.quotation_create(opportunity=opportunity, actor=None)
        assert quotation.net_total == opportunity.expected_amount
