"""The customer lookup in the browser: type part of a name, pick a match with the keyboard (new
quotation) or the mouse (the quotation list's filter), each page checked with axe.

Screenshots go to $SHOTS_DIR (default /tmp/shots-lookup), outside the repository.
"""

import os
from pathlib import Path

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership
from customers.setup import customers_defaults_apply
from selling import services
from selling.models import Quotation
from tests.e2e.conftest import assert_accessible, log_in
from tests.factories import DEFAULT_PASSWORD, CompanyFactory, CustomerFactory, MembershipFactory

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-lookup"))


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def world(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders", currency="EUR")
        user = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
        # Another company's customer of the same name is never offered.
        other = CompanyFactory(name="Globex Supplies")
        CustomerFactory(company=other, name="Krüger Bäckerei Globex")
    with scope(company=company):
        customers_defaults_apply(company)
        for number in range(40):
            CustomerFactory(company=company, name=f"Customer {number:02d}")
        bakery = CustomerFactory(
            company=company, name="Krüger Bäckerei GmbH", email="lena@krueger.example.com"
        )
        metal = CustomerFactory(
            company=company, name="Krüger Metallbau", email="info@krueger-metall.example.com"
        )
        CustomerFactory(company=company, name="Krüger Altbestand", inactive=True)
    return user, company, bakery, metal


def widget_shot(page, name):
    """The field with its open list, which drops down over the page below the field."""
    boxes = [
        page.locator(".field:has(.lookup)").bounding_box(),
        customer_list(page).bounding_box(),
    ]
    left, top = min(b["x"] for b in boxes) - 8, min(b["y"] for b in boxes) - 8
    right = max(b["x"] + b["width"] for b in boxes) + 8
    bottom = max(b["y"] + b["height"] for b in boxes) + 8
    clip = {"x": left, "y": top, "width": right - left, "height": bottom - top}
    page.screenshot(path=str(SHOTS / f"{name}.png"), clip=clip)


def customer_box(page):
    return page.get_by_role("textbox", name="Customer")


def customer_list(page):
    return page.get_by_role("listbox", name="Customer: pick from the list")


def test_pick_a_customer_with_the_keyboard_and_create_the_quotation(page, world):
    user, company, bakery, metal = world
    log_in(page, user.username, DEFAULT_PASSWORD)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto("/selling/quotations/new/")
    # Before typing, the select holds the empty option only: no list of every customer.
    expect(page.locator("select#id_customer option")).to_have_count(1)

    customer_box(page).press_sequentially("krüg", delay=40)
    # Two active matches, announced politely; the inactive one and Globex's are not offered.
    expect(page.locator("#id_customer_status")).to_have_text("2 matches")
    expect(customer_list(page).get_by_role("option")).to_have_text(
        [
            "Choose a customer",
            "Krüger Bäckerei GmbH · lena@krueger.example.com",
            "Krüger Metallbau · info@krueger-metall.example.com",
        ]
    )
    assert_accessible(page)
    widget_shot(page, "lookup-results-open")
    shot(page, "lookup-quotation-new-open")

    # Arrow down into the matches, down once more, up again, Enter to pick.
    customer_box(page).press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    expect(page.locator("select#id_customer")).to_have_value(str(bakery.pk))
    expect(page.locator(".lookup-open")).to_have_count(0)  # the list closed on the pick
    assert_accessible(page)

    page.get_by_role("button", name="Create draft quotation").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Quotation")
    expect(page.get_by_text("Krüger Bäckerei GmbH").first).to_be_visible()
    with scope(company=company):
        quotation = Quotation.objects.get()
        assert quotation.customer == bakery
    assert page.url.endswith(quotation.get_absolute_url())
    shot(page, "lookup-quotation-created")


def test_the_open_list_fits_a_phone_screen(page, world):
    user, company, bakery, metal = world
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto("/selling/quotations/new/")
    customer_box(page).press_sequentially("krueger", delay=20)
    expect(page.locator("#id_customer_status")).to_have_text("2 matches")
    expect(customer_list(page)).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the open list scrolls the page sideways by {overflow}px"
    assert_accessible(page)
    shot(page, "lookup-quotation-new-390")
    # Escape closes the list and goes back to the box; the choice is still to be made.
    customer_list(page).focus()
    page.keyboard.press("Escape")
    expect(customer_box(page)).to_be_focused()
    expect(page.locator(".lookup-open")).to_have_count(0)


def test_filter_the_quotation_list_by_a_customer_picked_with_the_mouse(page, world):
    user, company, bakery, metal = world
    with scope(company=company):
        mine = services.quotation_create(customer=bakery, actor=None)
        theirs = services.quotation_create(customer=metal, actor=None)
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto("/selling/quotations/")
    expect(page.get_by_role("link", name=theirs.number)).to_be_visible()
    assert_accessible(page)

    customer_box(page).press_sequentially("bäckerei", delay=40)
    expect(page.locator("#id_customer_status")).to_have_text("1 match")
    # (No axe here: the open list covers half of the inputs below it, as any drop-down does,
    # which axe's target-size rule counts against them.)
    shot(page, "lookup-quotation-filter-open")
    customer_list(page).get_by_role("option", name="Krüger Bäckerei GmbH").click()

    # Picking applies the filter through the htmx table swap; the choice stays visible.
    expect(page.get_by_role("link", name=theirs.number)).to_have_count(0)
    expect(page.get_by_role("link", name=mine.number)).to_be_visible()
    assert f"customer={bakery.pk}" in page.url
    page.reload()
    expect(page.locator("select#id_customer option:checked")).to_have_text(
        "Krüger Bäckerei GmbH · lena@krueger.example.com"
    )
    expect(page.get_by_role("link", name=theirs.number)).to_have_count(0)
    assert_accessible(page)
    shot(page, "lookup-quotation-filter-applied")


def test_one_click_on_save_saves_after_a_pick_with_the_keyboard(page, world):
    """Leaving the list closes it; that must not move Save between the mouse's press and its
    release, or the click is lost (it was: a "1 match" line appeared above Save)."""
    user, company, bakery, metal = world
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto(f"/customers/{metal.pk}/edit/")
    parent_box = page.get_by_role("textbox", name="Parent customer")
    parent_box.press_sequentially("bäckerei", delay=40)
    expect(page.locator("#id_parent_status")).to_have_text("1 match")
    parent_box.press("ArrowDown")
    expect(page.locator("select#id_parent")).to_have_value(str(bakery.pk))
    expect(page.locator(".lookup-open")).to_have_count(1)
    save = page.get_by_role("button", name="Save")

    save.click()  # one click, the list still open

    expect(page.get_by_role("heading", level=1)).to_contain_text("Krüger Metallbau")
    with scope(company=company):
        metal.refresh_from_db()
        assert metal.parent == bakery


def test_nothing_to_pick_shows_over_the_page_and_moves_nothing(page, world):
    user, company, bakery, metal = world
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto(f"/customers/{metal.pk}/edit/")
    save = page.get_by_role("button", name="Save")
    before = save.bounding_box()
    parent_box = page.get_by_role("textbox", name="Parent customer")
    parent_box.press_sequentially("nobody here", delay=20)
    status = page.locator("#id_parent_status")
    expect(status).to_have_text("Nothing matches “nobody here”.")
    expect(status).to_be_visible()
    assert status.bounding_box()["height"] > 10  # shown, not only announced
    shot(page, "lookup-nothing-matches")
    assert save.bounding_box() == before
    # Leaving the field hides the message (screen readers heard it) and still moves nothing.
    page.locator("#id_name").focus()
    expect(status).to_have_text("Nothing matches “nobody here”.")
    assert status.bounding_box()["height"] <= 1
    assert save.bounding_box() == before
