"""A salesperson in Jakarta types phone numbers as they dial them; the CRM keeps them in E.164
and shows them back nationally (home) or internationally (abroad), each a link that dials."""

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership
from leads.models import Lead
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.factories import DEFAULT_PASSWORD, CompanyFactory, CustomerFactory, MembershipFactory


@pytest.fixture
def jakarta_owner(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Toko Nusantara", phone_region="ID")
        user = MembershipFactory(company=company, role=Membership.Role.OWNER).user
        CustomerFactory(company=company, name="Berlin Buyer GmbH", phone="+49301234567")
    return user


def test_a_number_typed_nationally_is_shown_and_dialled(page, jakarta_owner):
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, jakarta_owner.username, DEFAULT_PASSWORD)
    page.goto("/leads/new/")
    page.get_by_label("Last name").fill("Wijaya")
    page.get_by_label("Phone").fill("12345")
    page.get_by_role("button", name="Save").click()
    # Refused with a message that says how to type it; nothing saved.
    expect(page.get_by_text("“12345” is not a phone number that can be dialled")).to_be_visible()
    assert_accessible(page)
    with scopes_disabled():
        assert not Lead.objects.filter(last_name="Wijaya").exists()

    page.get_by_label("Phone").fill("021 5550 1234")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Wijaya")
    link = page.get_by_role("link", name="(021) 55501234")
    expect(link).to_have_attribute("href", "tel:+622155501234")
    assert_accessible(page)
    screenshot(page, "phone-lead-detail-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(link).to_be_visible()
    screenshot(page, "phone-lead-detail-390")
    page.set_viewport_size({"width": 1366, "height": 900})
    with scopes_disabled():
        assert Lead.objects.get(last_name="Wijaya").phone == "+622155501234"

    # A number abroad reads internationally, in the list and on the record.
    page.goto("/customers/")
    foreign = page.get_by_role("link", name="+49 30 1234567")
    expect(foreign).to_have_attribute("href", "tel:+49301234567")
    assert_accessible(page)
    screenshot(page, "phone-customer-list-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "phone-customer-list-390")


def test_the_company_chooses_its_phone_region_in_settings(page, jakarta_owner):
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, jakarta_owner.username, DEFAULT_PASSWORD)
    page.goto("/settings/")
    region = page.get_by_label("Phone region")
    expect(region).to_have_value("ID")
    region.select_option(label="Germany")
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_text("Company settings saved.")).to_be_visible()
    expect(page.get_by_label("Phone region")).to_have_value("DE")
    assert_accessible(page)
    screenshot(page, "phone-settings-1366")
    # The Berlin customer now reads nationally, and dials the same.
    page.goto("/customers/")
    expect(page.get_by_role("link", name="030 1234567")).to_have_attribute(
        "href", "tel:+49301234567"
    )
