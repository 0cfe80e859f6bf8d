"""Browser test of web-to-lead: a manager makes a web form, a visitor sends it from the form's
own page, and the manager sees the new lead among the submissions. Each page passes axe."""

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership
from leads.models import Lead
from leads.setup import leads_defaults_apply
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.factories import DEFAULT_PASSWORD, CompanyFactory, MembershipFactory


@pytest.fixture
def manager(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
        user = MembershipFactory(company=company, role=Membership.Role.MANAGER).user
    with scope(company=company):
        leads_defaults_apply(company)
    return user, company


def test_a_visitor_becomes_a_lead_the_manager_sees(page, manager):
    user, company = manager
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.get_by_role("link", name="Web forms").click()
    expect(page.get_by_text("No web forms yet.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="New web form").first.click()
    page.get_by_label("Name").fill("Contact us")
    page.get_by_label("Lead source").select_option(label="Website")
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The web form “Contact us” is saved.")).to_be_visible()
    expect(page.get_by_label("HTML snippet")).to_contain_text('method="post"')
    assert_accessible(page)
    detail_url = page.url

    public_url = page.locator("#webform-address ~ p a").first.get_attribute("href")
    page.goto(public_url)
    expect(page.get_by_role("heading", name="Northwind Traders")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("First name").fill("Sari")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your last name or your organization.")
    page.get_by_label("Last name").fill("Wijaya")
    page.get_by_label("E-mail").fill("sari@toko.example")
    page.get_by_label("Message").fill("Do you ship to Jakarta?")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status")).to_contain_text("we received your message")
    assert_accessible(page)

    page.goto(detail_url)
    page.get_by_role("link", name="Lead created").click()
    expect(page.get_by_role("heading", name="Sari Wijaya")).to_be_visible()
    with scope(company=company):
        assert Lead.objects.get().source.name == "Website"
    page.goto(detail_url)
    screenshot(page, "web-form-detail")
