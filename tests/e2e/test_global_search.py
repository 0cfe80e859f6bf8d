"""The top bar's search box in the browser: "/" focuses it, typing shows the grouped results in a
panel, the keyboard or the mouse opens a record, Escape closes the panel, Enter without a pick
opens the search page; in English on a laptop and in Bahasa Indonesia on a phone, checked with axe.

Screenshots go to $SHOTS_DIR (default /tmp/shots-search), outside the repository.
"""

import os
import re
from pathlib import Path

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership
from customers.setup import customers_defaults_apply
from leads.setup import leads_defaults_apply
from selling import services
from tests.e2e.conftest import assert_accessible, log_in
from tests.factories import (
    DEFAULT_PASSWORD,
    CompanyFactory,
    ContactFactory,
    CustomerFactory,
    LeadFactory,
    MembershipFactory,
    OpportunityFactory,
)

HOLDINGS = re.compile(r"^Quasar Holdings")  # the customer, not its order
SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-search"))


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def build_world(language: str):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders", language=language)
        user = MembershipFactory(company=company, role=Membership.Role.MANAGER).user
        other = CompanyFactory(name="Globex Supplies")
        CustomerFactory(company=other, name="Quasar Globex Intruder")
    with scope(company=company):
        leads_defaults_apply(company)
        customers_defaults_apply(company)
        lead = LeadFactory(
            company=company,
            first_name="Zephyrine",
            last_name="Marlowe",
            organization_name="Quasar Tools",
            email="zephyrine@quasar.example.com",
        )
        OpportunityFactory(company=company, lead=lead, title="Quasar fleet renewal")
        customer = CustomerFactory(
            company=company, name="Quasar Holdings", email="office@quasar.example.com"
        )
        ContactFactory(company=company, first_name="Ilse", last_name="Quasarova")
        services.order_create(customer=customer, actor=None)
        for number in range(7):
            CustomerFactory(company=company, name=f"Quasar Branch {number}")
    return user, company, lead, customer


@pytest.fixture
def world(transactional_db):
    return build_world("en")


@pytest.fixture
def world_id(transactional_db):
    return build_world("id")


def search_box(page):
    return page.locator("#global-search-input")


def panel(page):
    return page.locator("#global-search-panel")


def group_names(page) -> list[str]:
    """The panel's group headings without their counts ("Leads 1" -> "Leads")."""
    texts = panel(page).locator(".search-group-heading").all_text_contents()
    return [" ".join(text.split()).rsplit(" ", 1)[0] for text in texts]


def assert_no_sideways_scroll(page):
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth,"
        " document.querySelector('.topbar').scrollWidth,"
        " document.querySelector('.topbar').clientWidth]"
    )
    page_width, viewport, bar_scroll, bar_client = widths
    assert page_width <= viewport, f"the page scrolls sideways: {widths}"
    assert bar_scroll <= bar_client, f"the top bar scrolls sideways: {widths}"


def test_slash_type_and_open_a_record_with_the_keyboard_or_a_click(page, world):
    user, company, lead, customer = world
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto("/leads/")

    # "/" in a field is typed there; elsewhere it goes to the search box.
    list_search = page.locator("#id_q")
    list_search.fill("")
    list_search.press("/")
    expect(list_search).to_have_value("/")
    expect(search_box(page)).not_to_be_focused()
    page.locator("h1").click()
    page.keyboard.press("/")
    expect(search_box(page)).to_be_focused()

    page.keyboard.type("quasar", delay=30)
    expect(panel(page)).to_be_visible()
    expect(panel(page).locator(".search-group-heading")).to_have_count(5)
    assert group_names(page) == [
        "Leads",
        "Opportunities",
        "Customers",
        "Contacts",
        "Sales orders",
    ]
    assert "Intruder" not in panel(page).inner_text()
    # Five customers shown of eight, and the way to all of them in the list.
    see_all = panel(page).get_by_role("link", name="See all 8 in the list of customers")
    expect(see_all).to_be_visible()
    assert_accessible(page)
    shot(page, "search-panel-1366")

    # Arrow down into the results; Enter opens the first, the lead.
    page.keyboard.press("ArrowDown")
    expect(panel(page).get_by_role("link", name="Zephyrine Marlowe (Quasar Tools)")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{lead.get_absolute_url()}")

    # A click opens a customer; Escape closed the panel before.
    search_box(page).fill("")
    search_box(page).press_sequentially("holdings", delay=30)
    expect(panel(page).get_by_role("link", name=HOLDINGS)).to_be_visible()
    search_box(page).press("Escape")
    expect(panel(page)).to_be_hidden()
    expect(search_box(page)).to_be_focused()
    search_box(page).press_sequentially("s", delay=30)  # "holdingss": nothing
    expect(panel(page)).to_contain_text("Nothing found for “holdingss”.")
    search_box(page).press("Backspace")
    link = panel(page).get_by_role("link", name=HOLDINGS)
    expect(link).to_be_visible()
    link.click()
    page.wait_for_url(f"**{customer.get_absolute_url()}")


def test_a_phone_in_bahasa_indonesia_and_the_page_without_the_panel(page, world_id):
    user, company, lead, customer = world_id
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto("/")
    assert_no_sideways_scroll(page)
    shot(page, "search-topbar-390-id")

    page.keyboard.press("/")
    expect(search_box(page)).to_be_focused()
    expect(search_box(page)).to_have_attribute("placeholder", "Cari… (tekan /)")
    page.keyboard.type("q", delay=30)
    page.keyboard.type("uasar", delay=30)
    expect(panel(page)).to_be_visible()
    assert group_names(page) == [
        "Prospek",
        "Peluang",
        "Pelanggan",
        "Kontak",
        "Pesanan penjualan",
    ]
    expect(
        panel(page).get_by_role("link", name="Lihat semua 8 di daftar pelanggan")
    ).to_be_visible()
    assert_no_sideways_scroll(page)
    assert_accessible(page)
    shot(page, "search-panel-390-id")

    # Enter without picking a result opens the search page, which needs no JavaScript.
    search_box(page).press("Enter")
    page.wait_for_url("**/search/?q=quasar")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cari")
    expect(page.get_by_role("heading", level=2, name="Pelanggan 8")).to_be_visible()
    expect(page.get_by_role("link", name=HOLDINGS)).to_be_visible()
    assert "Intruder" not in page.content()
    assert_no_sideways_scroll(page)
    assert_accessible(page)
    shot(page, "search-page-390-id")
    page.set_viewport_size({"width": 1366, "height": 900})
    assert_accessible(page)
    shot(page, "search-page-1366-id")
    page.get_by_role("link", name=HOLDINGS).click()
    page.wait_for_url(f"**{customer.get_absolute_url()}")
