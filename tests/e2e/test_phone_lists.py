"""Every list on a 390 px phone: rows come first (the filters wait behind a "Filters" toggle),
each row is a card with nothing cut and nothing scrolling sideways, the toggle opens and its
filters work, and axe finds nothing. The wish list and stage history on a phone too."""

import re
from decimal import Decimal

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership
from customers.setup import customers_defaults_apply
from leads.models import OpportunityStage
from leads.services import opportunity_set_stage
from leads.setup import leads_defaults_apply
from selling import services as selling
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.factories import (
    DEFAULT_PASSWORD,
    AddressFactory,
    CompanyFactory,
    ContactFactory,
    CustomerFactory,
    IndividualPartnerFactory,
    LeadFactory,
    MembershipFactory,
    OpportunityFactory,
    ProductFactory,
    SalespersonFactory,
    WishListItemFactory,
)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def world(transactional_db):
    """Two rows on every list: the search term of each list finds the first and not the second."""
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders", currency="EUR")
        user = MembershipFactory(company=company, role=Membership.Role.OWNER).user
        # A long name, the worst case for the top bar's row on a phone (it must not wrap).
        user.first_name, user.last_name = "Maximiliane", "Schwarzenberg-Oberhollenzer"
        user.save(update_fields=["first_name", "last_name"])
    with scope(company=company):
        leads_defaults_apply(company)
        customers_defaults_apply(company)
        priya = SalespersonFactory(company=company, name="Priya Raman", email="priya@example.com")
        SalespersonFactory(company=company, name="Sam Seller", email="sam@example.com")
        LeadFactory(
            company=company,
            first_name="Ada",
            last_name="Lovelace",
            organization_name="Analytical Engines Ltd",
            email="ada.lovelace@analytical-engines.example.com",
            salesperson=priya,
        )
        LeadFactory(
            company=company, first_name="Grace", last_name="Hopper", organization_name="Cobol Co"
        )
        stages = OpportunityStage.objects.filter(company=company).order_by("order")
        laptops = OpportunityFactory(
            company=company,
            title="Laptop refresh",
            stage=stages.first(),
            salesperson=priya,
            expected_amount=Decimal("12400.00"),
        )
        OpportunityFactory(company=company, title="Office chairs", stage=stages.first())
        oven = ProductFactory(company=company, sku="OV-200", name="Deck oven with a long name")
        ProductFactory(company=company, sku="TR-10", name="Baking tray")
        WishListItemFactory(
            company=company,
            lead=None,
            opportunity=laptops,
            product=oven,
            quantity=Decimal("2"),
            note="Delivered before the new school year, please",
        )
        opportunity_set_stage(opportunity=laptops, stage=list(stages)[1], actor=user)
        ada = CustomerFactory(company=company, name="Lovelace Analytics", salesperson=priya)
        grace = CustomerFactory(company=company, name="Hopper Compilers")
        quotations = [selling.quotation_create(customer=c, actor=user) for c in (ada, grace)]
        orders = [selling.order_create(customer=c, actor=user) for c in (ada, grace)]
        AddressFactory(company=company, street="221b Baker Street", city="London", country="GB")
        AddressFactory(company=company, street="Unter den Linden 1", city="Berlin")
        ContactFactory(company=company, first_name="Ada", last_name="Byron", job_title="Buyer")
        ContactFactory(company=company, first_name="Grace", last_name="Murray")
        IndividualPartnerFactory(company=company, first_name="Paula", last_name="Partner")
        IndividualPartnerFactory(company=company, first_name="Otto", last_name="Other")
    lists = {
        "leads": ("/leads/", "Lovelace", "Ada Lovelace", "Grace Hopper"),
        "opportunities": ("/leads/opportunities/", "Laptop", "Laptop refresh", "Office chairs"),
        "customers": ("/customers/", "Lovelace", "Lovelace Analytics", "Hopper Compilers"),
        "quotations": (
            "/selling/quotations/",
            "Lovelace",
            quotations[0].number,
            quotations[1].number,
        ),
        "orders": ("/selling/orders/", "Lovelace", orders[0].number, orders[1].number),
        "addresses": ("/addressbook/", "Baker", "221b Baker Street", "Unter den Linden 1"),
        "contacts": ("/addressbook/contacts/", "Byron", "Ada Byron", "Grace Murray"),
        "partners": ("/partners/", "Paula", "Paula Partner", "Otto Other"),
        "products": ("/catalog/", "oven", "OV-200", "TR-10"),
        "salespeople": ("/team/", "Priya", "Priya Raman", "Sam Seller"),
    }
    return user, company, laptops, lists


def horizontal_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize(
    "name",
    [
        "leads",
        "opportunities",
        "customers",
        "quotations",
        "orders",
        "addresses",
        "contacts",
        "partners",
        "products",
        "salespeople",
    ],
)
def test_a_list_on_a_phone(page, world, name):
    user, _company, _laptops, lists = world
    url, term, kept, dropped = lists[name]
    page.set_viewport_size(PHONE)
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto(url)

    # Rows first: the first card is on the first screen, the filters are folded away.
    first_row = page.locator("table.table-cards tbody tr").first
    expect(first_row).to_be_visible()
    box = first_row.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], f"{name}: first row ends at {box}"
    search = page.locator("details[data-filters]").get_by_label("Search")
    expect(search).to_be_hidden()
    # A card: nothing cut on the right, and the page does not scroll sideways.
    assert horizontal_overflow(page) <= 1
    rights = first_row.locator("td").evaluate_all(
        "cells => cells.filter(c => c.offsetParent).map(c => c.getBoundingClientRect().right)"
    )
    assert rights and max(rights) <= PHONE["width"], f"{name}: a cell ends at {max(rights)}"
    expect(page.get_by_role("link", name=kept, exact=True)).to_be_visible()
    boxes = first_row.locator("td.bulk-check input[type=checkbox]")
    if boxes.count():  # a list with bulk actions: the card's box can be ticked
        boxes.check()
        expect(boxes).to_be_checked()
        boxes.uncheck()
    assert_accessible(page)
    screenshot(page, f"phone-list-{name}")

    # The toggle opens the filters, and they filter.
    toggle = page.locator("summary", has_text="Filters")
    toggle.click()
    expect(search).to_be_visible()
    search.fill(term)
    search.press("Enter")
    expect(page.get_by_role("link", name=dropped, exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name=kept, exact=True)).to_be_visible()
    expect(toggle).to_contain_text("1")  # one filter in use, also once folded again
    assert horizontal_overflow(page) <= 1
    assert_accessible(page)
    screenshot(page, f"phone-list-{name}-filtered")


def test_filters_open_by_themselves_on_a_wide_screen(page, world):
    user, _company, _laptops, lists = world
    page.set_viewport_size({"width": 1366, "height": 800})
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto("/leads/?q=Lovelace")
    expect(page.locator("details[data-filters]").get_by_label("Search")).to_have_value("Lovelace")
    expect(page.locator("details[data-filters]").get_by_label("Search")).to_be_visible()
    expect(page.locator("summary", has_text="Filters")).to_contain_text("1")
    # The table is a named region a keyboard can reach (it scrolls where it is too wide).
    region = page.get_by_role("region", name="Leads", exact=True)
    region.focus()
    expect(region).to_be_focused()
    assert_accessible(page)
    screenshot(page, "wide-list-leads")


def test_the_filters_toggle_works_without_javascript(browser, live_server, world):
    user, _company, _laptops, lists = world
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport=PHONE
    )
    page = context.new_page()
    try:
        log_in(page, user.username, DEFAULT_PASSWORD)
        page.goto("/customers/")
        search = page.locator("details[data-filters]").get_by_label("Search")
        expect(search).to_be_hidden()
        page.locator("summary", has_text="Filters").click()
        search.fill("Hopper")
        page.get_by_role("button", name="Apply", exact=True).click()
        expect(page.get_by_role("link", name="Hopper Compilers")).to_be_visible()
        expect(page.get_by_role("link", name="Lovelace Analytics")).to_have_count(0)
        assert "q=Hopper" in page.url
        expect(page.locator("summary", has_text="Filters")).to_contain_text("1")
    finally:
        context.close()


def test_wish_list_and_stage_history_on_a_phone(page, world):
    user, _company, laptops, _lists = world
    page.set_viewport_size(PHONE)
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto(laptops.get_absolute_url())
    assert horizontal_overflow(page) <= 1
    remove = page.get_by_role("button", name=re.compile("^Remove"))
    remove.scroll_into_view_if_needed()
    box = remove.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    expect(remove).to_be_in_viewport(ratio=1)
    history = page.get_by_role("region", name="Stage history", exact=True)
    expect(history).to_contain_text("from")
    for table in page.locator(".table-wrap").all():
        assert table.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
    assert_accessible(page)
    screenshot(page, "phone-opportunity-wish-list")

    remove.click()
    expect(page.get_by_text("No products on the wish list yet.")).to_be_visible()
