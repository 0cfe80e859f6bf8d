"""Browser test of the portal's door: a customer user signs in on the portal's own page, sees
the home page with the group's news, signs out; a user whose group has no portal login is
refused with the reason; the forgotten-password page answers without telling whether the
address is known. Each page passes axe, and the pages fit a 390 px phone."""

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from customers.models import GroupContent
from customers.setup import customers_defaults_apply
from tests.e2e.conftest import assert_accessible, screenshot
from tests.factories import (
    PORTAL_PASSWORD,
    CompanyFactory,
    CustomerFactory,
    CustomerGroupFactory,
    CustomerUserFactory,
)


@pytest.fixture
def world(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
    with scope(company=company):
        customers_defaults_apply(company)
        wholesale = CustomerGroupFactory(company=company, name="Wholesale")
        walk_in = CustomerGroupFactory(company=company, name="Walk-in", portal_login=False)
        GroupContent.objects.create(
            company=company,
            customer_group=wholesale,
            title="Your wholesale price list",
            body="Docking stations at wholesale prices.\n\nAsk for the bundle.",
        )
        buyer = CustomerUserFactory(
            customer=CustomerFactory(
                company=company, name="Nordlicht Retail GmbH", customer_group=wholesale
            ),
            email="ben@nordlicht.example",
            first_name="Ben",
        )
        refused = CustomerUserFactory(
            customer=CustomerFactory(company=company, name="Café Amsel", customer_group=walk_in),
            email="amsel@cafe.example",
        )
    return company, buyer, refused


def sign_in(page, email, password=PORTAL_PASSWORD):
    page.goto("/portal/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def fits(page, width=390):
    return page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_buyer_signs_in_sees_the_group_news_and_signs_out(page, world):
    _company, buyer, _refused = world
    page.goto("/portal/")
    expect(page).to_have_url("/portal/login/?next=/portal/")
    expect(page.get_by_role("heading", name="Sign in to the customer portal")).to_be_visible()
    assert_accessible(page)

    sign_in(page, buyer.email, "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("The e-mail or the password is wrong.")

    sign_in(page, buyer.email)
    expect(page.get_by_role("heading", name="Welcome, Ben")).to_be_visible()
    expect(page.get_by_text("Portal for Nordlicht Retail GmbH")).to_be_visible()
    expect(page.get_by_role("heading", name="Your wholesale price list")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "portal-home")

    page.set_viewport_size({"width": 390, "height": 800})
    assert fits(page)
    assert_accessible(page)
    screenshot(page, "portal-home-390")

    # The staff pages are not for customer users: they land back at the portal.
    page.goto("/customers/")
    expect(page).to_have_url("/portal/")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out of the portal.")).to_be_visible()
    page.goto("/portal/")
    expect(page).to_have_url("/portal/login/?next=/portal/")


def test_a_group_without_portal_login_is_refused_with_the_reason(page, world):
    _company, _buyer, refused = world
    sign_in(page, refused.email)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Customers of the group “Walk-in” cannot use")
    expect(alert).to_contain_text("Ask your contact at Northwind Traders")
    assert_accessible(page)
    page.goto("/portal/")
    expect(page).to_have_url("/portal/login/?next=/portal/")


def test_the_forgotten_password_page_answers_alike(page, world):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/portal/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    assert_accessible(page)
    page.get_by_label("E-mail").fill("nobody@example.com")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    assert fits(page)
    assert_accessible(page)
    page.goto("/portal/password/reset/not-a-token/")
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()
    assert_accessible(page)
