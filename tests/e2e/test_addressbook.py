import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.factories import DEFAULT_PASSWORD, CompanyFactory, MembershipFactory


@pytest.fixture
def owner_user(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
        user = MembershipFactory(company=company, role=Membership.Role.OWNER).user
    return user


def test_add_address_and_contact_on_settings_then_find_them_in_the_address_book(page, owner_user):
    log_in(page, owner_user.username, DEFAULT_PASSWORD)
    page.goto("/settings/")

    addresses = page.locator("#addresses-panel")
    addresses.get_by_text("Add a new address").click()
    addresses.get_by_label("Street").fill("Friedrichstraße 123")
    addresses.get_by_label("Postal code").fill("10117")
    addresses.get_by_label("City").fill("Berlin")
    addresses.get_by_label("Country").fill("DE")
    addresses.get_by_label("Purpose").select_option("billing")
    addresses.get_by_role("button", name="Add address").click()
    expect(page.locator("#addresses-panel")).to_contain_text("Friedrichstraße 123")

    contacts = page.locator("#contacts-panel")
    contacts.get_by_text("Add a new contact").click()
    contacts.get_by_label("First name").fill("Anna")
    contacts.get_by_label("Last name").fill("Schmidt")
    contacts.get_by_label("E-mail").fill("anna@example.com")
    contacts.get_by_label("Role").fill("Purchasing")
    contacts.get_by_role("button", name="Add contact").click()
    expect(page.locator("#contacts-panel")).to_contain_text("Anna Schmidt")
    expect(page.locator("#contacts-panel")).to_contain_text("Primary")
    assert_accessible(page)
    screenshot(page, "addressbook-settings-panels")

    page.goto("/addressbook/")
    expect(page.get_by_role("link", name="Friedrichstraße 123")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "addressbook-address-list")

    page.get_by_role("link", name="Friedrichstraße 123").click()
    expect(page.get_by_role("link", name="Northwind Traders")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "addressbook-address-detail")

    page.goto("/addressbook/")
    page.get_by_role("link", name="Contacts", exact=True).first.click()
    page.get_by_label("Search").fill("Schmidt")
    expect(page.get_by_role("link", name="Anna Schmidt")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "addressbook-contact-list")

    page.get_by_role("link", name="Anna Schmidt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anna Schmidt")
    assert_accessible(page)
    screenshot(page, "addressbook-contact-detail")


def test_link_an_existing_address_by_searching(page, owner_user):
    from addressbook.models import Address

    with scopes_disabled():
        company = Membership.objects.get(user=owner_user).company
        Address.objects.create(company=company, street="Hafenweg 8", city="Hamburg", country="DE")
    log_in(page, owner_user.username, DEFAULT_PASSWORD)
    page.goto("/settings/")
    addresses = page.locator("#addresses-panel")
    addresses.get_by_text("Link an existing address").click()
    addresses.get_by_label("Search the address book").fill("Hamb")
    addresses.get_by_role("button", name="Link Hafenweg 8").click()
    expect(page.locator("#addresses-panel ul.plain")).to_contain_text("Hafenweg 8")
    page.set_viewport_size({"width": 390, "height": 844})
    assert_accessible(page)
    screenshot(page, "addressbook-settings-phone")
