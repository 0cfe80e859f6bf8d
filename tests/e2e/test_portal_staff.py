"""The staff's side of the portal in a browser: a manager invites a customer's contact as a
buyer and sees them listed as invited; the new pages pass axe, at desktop width and at 390 px."""

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership
from customers.models import CustomerUser, GroupContent
from customers.portal_users import customer_roles_ensure
from customers.setup import customers_defaults_apply
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.factories import (
    DEFAULT_PASSWORD,
    CompanyFactory,
    ContactFactory,
    ContactLinkFactory,
    CustomerFactory,
    CustomerGroupFactory,
    MembershipFactory,
)


@pytest.fixture
def setup(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
        manager = MembershipFactory(company=company, role=Membership.Role.MANAGER).user
        admin = MembershipFactory(company=company, role=Membership.Role.ADMIN).user
    with scope(company=company):
        customers_defaults_apply(company)
        customer_roles_ensure(company)
        group = CustomerGroupFactory(company=company, name="Retail partners")
        customer = CustomerFactory(
            company=company, name="Nordlicht Retail GmbH", customer_group=group
        )
        ben = ContactFactory(
            company=company, first_name="Ben", last_name="Brandt", email="ben@nordlicht.example"
        )
        ContactLinkFactory(company=company, owner=customer, contact=ben)
        GroupContent.objects.create(
            company=company, customer_group=group, title="Winter terms", body="Two days."
        )
    return company, manager, admin, customer, ben, group


def test_a_manager_invites_a_contact_as_buyer(page, setup):
    company, manager, _admin, customer, ben, _group = setup
    log_in(page, manager.username, DEFAULT_PASSWORD)

    # From the contact's page to the customer's invitation form, the contact picked.
    page.goto(ben.get_absolute_url())
    panel = page.get_by_role("region", name="Portal access")
    expect(panel).to_contain_text("Ben Brandt does not sign in to the customer portal.")
    assert_accessible(page)
    panel.get_by_role("link", name="Invite to the portal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite to the portal")
    expect(page.get_by_label("Contact")).to_have_value(str(ben.pk))
    assert_accessible(page)
    page.get_by_label("Buyer").check()
    screenshot(page, "portal-staff-invite")
    page.get_by_role("button", name="Send the invitation").click()

    section = page.get_by_role("region", name="Portal users")
    expect(page.locator(".messages")).to_contain_text("Ben Brandt is invited")
    row = section.get_by_role("row").filter(has_text="Ben Brandt")
    expect(row).to_contain_text("Buyer")
    expect(row).to_contain_text("Invited")
    expect(row).to_contain_text("never")
    assert_accessible(page)
    screenshot(page, "portal-staff-customer")
    with scope(company=company):
        user = CustomerUser.objects.get(customer=customer)
        assert user.contact_id == ben.pk
    assert [message.to for message in mail.outbox] == [["ben@nordlicht.example"]]

    # The user's own page: roles, resend, deactivate.
    row.get_by_role("link", name="Ben Brandt").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ben Brandt")
    assert_accessible(page)
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Deactivated")
    screenshot(page, "portal-staff-user")

    # The contact's page now names the customer they sign in for.
    page.goto(ben.get_absolute_url())
    expect(page.get_by_role("region", name="Portal access")).to_contain_text(
        "Ben Brandt signs in to the portal for Nordlicht Retail GmbH"
    )
    assert_accessible(page)
    screenshot(page, "portal-staff-contact")

    # At 390 px the customer page and the invitation still work.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(customer.get_absolute_url())
    page.get_by_text("Invite to the portal", exact=True).click()
    expect(page.locator("#invite_email")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "portal-staff-customer-390")


def test_the_roles_and_group_content_pages_pass_axe(page, setup):
    _company, _manager, admin, _customer, _ben, group = setup
    log_in(page, admin.username, DEFAULT_PASSWORD)
    page.goto(reverse("crm:access_settings"))
    page.get_by_role("link", name="Customer roles on the portal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Customer roles")
    assert_accessible(page)
    page.get_by_label("Buyer: view quotations").select_option("company")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_label("Buyer: view quotations")).to_have_value("company")
    screenshot(page, "portal-staff-roles")

    page.goto(reverse("customers:group_update", args=[group.pk]))
    expect(page.get_by_label("portal login allowed")).to_be_visible()
    content = page.get_by_role("region", name="Portal content")
    expect(content).to_contain_text("Winter terms")
    assert_accessible(page)
    screenshot(page, "portal-staff-group")
    content.get_by_role("link", name="Add content").click()
    page.get_by_label("Title").fill("Spring terms")
    page.get_by_label("Text").fill("Orders ship within a day.")
    page.get_by_label("Shown from").fill("2027-03-10")
    page.get_by_label("Shown until").fill("2027-03-01")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".field-error")).to_contain_text("is before the first day")
    assert_accessible(page)
    screenshot(page, "portal-staff-group-content")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(reverse("customers:portal_roles"))
    assert_accessible(page)
    screenshot(page, "portal-staff-roles-390")
