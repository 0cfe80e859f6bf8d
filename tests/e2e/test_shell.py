import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.factories import DEFAULT_PASSWORD, CompanyFactory, MembershipFactory


@pytest.fixture
def two_company_user(transactional_db):
    with scopes_disabled():
        first = CompanyFactory(name="Northwind Traders")
        second = CompanyFactory(name="Globex Supplies")
        user = MembershipFactory(company=first, role=Membership.Role.OWNER).user
        MembershipFactory(company=second, user=user)
    return user, first, second


def test_log_in_see_the_dashboard_and_switch_company(page, two_company_user):
    user, first, second = two_company_user
    log_in(page, user.username, DEFAULT_PASSWORD)
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.locator(".brand + .company-switcher select").input_value() == str(first.pk)
    assert_accessible(page)
    screenshot(page, "dashboard")

    page.get_by_label("Company").select_option(label=second.name)
    expect(page.get_by_text(f"You are now working in {second.name}.")).to_be_visible()


def test_login_page_is_accessible_on_a_phone(page, transactional_db):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/accounts/login/")
    assert_accessible(page)
    screenshot(page, "login-phone")
