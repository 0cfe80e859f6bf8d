"""A salesperson gives a sales partner an address and a contact, shares the address with a
second partner, and finds both in the address book with everything they are linked to."""

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from addressbook.models import Address, Contact
from crm.models import Membership
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.factories import (
    DEFAULT_PASSWORD,
    CompanyFactory,
    IndividualPartnerFactory,
    MembershipFactory,
    OrganizationPartnerFactory,
)


@pytest.fixture
def partners(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
        user = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
        first = OrganizationPartnerFactory(
            company=company, organization_name="Brightline GmbH", name="Brightline GmbH"
        )
        second = IndividualPartnerFactory(
            company=company, first_name="Ida", last_name="Lund", name="Ida Lund"
        )
    return company, user, first, second


def test_partner_address_and_contact_show_up_in_the_address_book(page, partners):
    company, user, first, second = partners
    log_in(page, user.username, DEFAULT_PASSWORD)

    page.goto(first.get_absolute_url())
    addresses = page.locator("#addresses-panel")
    addresses.get_by_text("Add a new address").click()
    addresses.get_by_label("Street").fill("Hafenstraße 21")
    addresses.get_by_label("Postal code").fill("20457")
    addresses.get_by_label("City").fill("Hamburg")
    addresses.get_by_label("Country").fill("DE")
    addresses.get_by_label("Purpose").select_option("billing")
    addresses.get_by_role("button", name="Add address").click()
    expect(addresses).to_contain_text("Hafenstraße 21")

    contacts = page.locator("#contacts-panel")
    contacts.get_by_text("Add a new contact").click()
    contacts.get_by_label("First name").fill("Jonas")
    contacts.get_by_label("Last name").fill("Weber")
    contacts.get_by_label("E-mail").fill("jonas.weber@brightline.example.com")
    contacts.get_by_label("Role").fill("Account manager")
    contacts.get_by_role("button", name="Add contact").click()
    expect(contacts).to_contain_text("Jonas Weber")
    assert_accessible(page)
    screenshot(page, "partner-with-address-and-contact")

    # The same address row goes to a second partner: linked, not copied.
    page.goto(second.get_absolute_url())
    addresses = page.locator("#addresses-panel")
    addresses.get_by_text("Link an existing address").click()
    addresses.get_by_label("Search the address book").fill("Hafen")
    addresses.get_by_role("button", name="Link Hafenstraße 21").click()
    expect(page.locator("#addresses-panel ul.plain")).to_contain_text("Hafenstraße 21")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Address book").click()
    expect(page.get_by_role("link", name="Hafenstraße 21")).to_be_visible()
    page.get_by_role("link", name="Hafenstraße 21").click()
    expect(page.get_by_role("link", name="Brightline GmbH")).to_be_visible()
    expect(page.get_by_role("link", name="Ida Lund")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "address-linked-to-two-partners")

    page.goto("/addressbook/contacts/")
    expect(page.get_by_role("link", name="Jonas Weber")).to_be_visible()
    page.get_by_role("link", name="Jonas Weber").click()
    expect(page.get_by_role("link", name="Brightline GmbH")).to_be_visible()

    with scope(company=company):
        assert Address.objects.filter(street="Hafenstraße 21").count() == 1
        assert Contact.objects.filter(last_name="Weber").count() == 1
