"""The selling path as a salesperson walks it (issue "Selling", Done when):

an opportunity with a wish list -> a quotation made from it -> change a quantity -> send and
accept -> create the sales order -> land on the new customer's page, which shows the order ->
open the print view. The database confirms one customer holding the opportunity's own address
and contact rows, and an order whose lines come from the quotation's.
"""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from addressbook.models import AddressLink, ContactLink
from crm.models import Membership, Salesperson
from customers.models import Customer
from customers.setup import customers_defaults_apply
from leads.models import OpportunityStage
from leads.setup import leads_defaults_apply
from selling.models import Quotation, SalesOrder
from tests.e2e.conftest import assert_accessible, log_in
from tests.factories import (
    DEFAULT_PASSWORD,
    AddressLinkFactory,
    CompanyFactory,
    ContactLinkFactory,
    LeadFactory,
    MembershipFactory,
    OpportunityFactory,
    ProductFactory,
    WishListItemFactory,
)


def linked_rows(model, owner, column):
    kind = ContentType.objects.get_for_model(owner)
    return set(
        model.objects.filter(owner_type=kind, owner_id=owner.pk).values_list(column, flat=True)
    )


@pytest.fixture
def prospect(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders", currency="EUR")
        membership = MembershipFactory(company=company, role=Membership.Role.SALESPERSON)
    with scope(company=company):
        leads_defaults_apply(company)
        customers_defaults_apply(company)
        seller = Salesperson.objects.create(
            company=company, name="Sam Seller", user=membership.user
        )
        lead = LeadFactory(
            company=company,
            first_name="Jonas",
            last_name="Berg",
            organization_name="Berg Schreinerei GmbH",
            email="jonas@berg.example.com",
            status="converted",
        )
        opportunity = OpportunityFactory(
            company=company,
            lead=lead,
            title="Workshop fit-out",
            salesperson=seller,
            stage=OpportunityStage.objects.filter(company=company, kind="open")
            .order_by("-order")
            .first(),
        )
        AddressLinkFactory(company=company, owner=opportunity, is_primary=True)
        ContactLinkFactory(company=company, owner=opportunity)
        bench = ProductFactory(
            company=company, name="Work bench", unit_price=Decimal("850.00"), vat_rate=19
        )
        clamp = ProductFactory(
            company=company, name="Clamp set", unit_price=Decimal("39.90"), vat_rate=19
        )
        for product, quantity in ((bench, 2), (clamp, 10)):
            WishListItemFactory(
                company=company,
                lead=None,
                opportunity=opportunity,
                product=product,
                quantity=Decimal(quantity),
            )
    return membership.user, company, opportunity


def test_from_wish_list_to_the_customers_order_and_its_print_view(page, prospect):
    user, company, opportunity = prospect
    log_in(page, user.username, DEFAULT_PASSWORD)

    # The opportunity page: its wish list becomes a quotation.
    page.goto(opportunity.get_absolute_url())
    page.locator("[data-next-step]").get_by_role("button", name="New quotation").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Quotation QTN-")
    with scope(company=company):
        quotation = Quotation.objects.get()
        assert quotation.items.count() == 2
    # 2 × 850.00 + 10 × 39.90 = 2,099.00 net; + 19 % = 2,497.81
    assert quotation.gross_total == Decimal("2497.81")

    # Change a quantity on the lines page.
    page.get_by_role("link", name="Edit lines").first.click()
    page.get_by_label("Quantity, line 2").fill("20")
    page.get_by_role("button", name="Save lines", exact=True).click()
    page.wait_for_url(f"**{quotation.get_absolute_url()}")
    with scope(company=company):
        quotation.refresh_from_db()
    # 1,700.00 + 798.00 = 2,498.00 net; + 19 % = 2,972.62
    assert (quotation.net_total, quotation.gross_total) == (Decimal("2498.00"), Decimal("2972.62"))
    expect(page.get_by_text("2,972.62").first).to_be_visible()

    # Send, accept, order.
    page.get_by_role("button", name="Mark as sent").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sent")
    page.get_by_role("button", name="Mark as accepted").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Accepted")
    assert_accessible(page)
    page.get_by_role("button", name="Create sales order").click()

    # The order made the prospect a customer; we land on the draft order, to confirm it.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sales order")
    expect(page.get_by_text("Berg Schreinerei GmbH is now a customer.")).to_be_visible()
    with scope(company=company):
        order = SalesOrder.objects.get()
        customer = Customer.objects.get()
        assert order.customer == customer and order.quotation == quotation
        assert [line.quotation_item_id for line in order.items.all()] == list(
            quotation.items.values_list("pk", flat=True)
        )
        quotation.refresh_from_db()
        assert quotation.status == Quotation.Status.ORDERED
        assert order.gross_total == Decimal("2972.62")
        # The same address and contact rows, not copies.
        assert linked_rows(AddressLink, customer, "address_id") == linked_rows(
            AddressLink, opportunity, "address_id"
        )
        assert linked_rows(ContactLink, customer, "contact_id") == linked_rows(
            ContactLink, opportunity, "contact_id"
        )
        opportunity.refresh_from_db()
        assert opportunity.stage.kind == OpportunityStage.Kind.WON
    expect(page.get_by_role("link", name="Berg Schreinerei GmbH").first).to_be_visible()
    expect(page.get_by_role("button", name="Confirm order")).to_be_visible()
    assert_accessible(page)

    # The quotation's print view, as the customer would receive it.
    page.goto(quotation.get_absolute_url())
    page.get_by_role("link", name="Print").first.click()
    expect(page.get_by_role("heading", level=1, name="Quotation")).to_be_visible()
    expect(page.get_by_text("Berg Schreinerei GmbH", exact=True).first).to_be_visible()
    expect(page.locator("table.totals")).to_contain_text("2,972.62")
    assert_accessible(page)
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
