"""The lead board in a browser: from the lead list to the board, a lead moved with its card's
"Move to" form from the keyboard, a lost lead with its reason; at 1366 and at 390 px."""

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership
from leads.models import Lead
from tests.e2e.conftest import ARTIFACTS, assert_accessible, log_in, screenshot
from tests.factories import (
    DEFAULT_PASSWORD,
    CompanyFactory,
    LeadFactory,
    LostReasonFactory,
    MembershipFactory,
    SalespersonFactory,
)


@pytest.fixture
def leads(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
        user = MembershipFactory(company=company, role=Membership.Role.OWNER).user
    with scope(company=company):
        LostReasonFactory(company=company, name="No budget")
        grace = SalespersonFactory(company=company, name="Grace Okafor", user=user)
        rows = {
            name: LeadFactory(
                company=company,
                first_name=first,
                last_name=last,
                organization_name=organization,
                salesperson=grace,
                status=status,
            )
            for name, first, last, organization, status in [
                ("ada", "Ada", "Lovelace", "Analytical Engines", "new"),
                ("alan", "Alan", "Turing", "Bletchley Park", "new"),
                ("grace", "Grace", "Hopper", "Cobol Co", "contacted"),
            ]
        }
    return company, user, rows


def column(page, status):
    return page.locator(f'.board-column[data-status="{status}"]')


def card(page, lead):
    return page.locator(f"#lead-{lead.pk}")


def status_of(company, lead):
    with scope(company=company):
        return Lead.objects.get(pk=lead.pk).status


def test_move_a_lead_from_the_keyboard_on_a_laptop_screen(page, leads):
    company, user, rows = leads
    ada, alan = rows["ada"], rows["alan"]
    page.set_viewport_size({"width": 1366, "height": 800})
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto("/leads/")
    page.get_by_role("link", name="Board view").click()
    expect(page.get_by_role("heading", level=1, name="Lead board")).to_be_visible()
    expect(column(page, "new").locator(".board-count")).to_contain_text("2")
    # All five statuses side by side, "Lost" included: nothing to scroll to.
    board = page.get_by_role("region", name="Lead statuses")
    assert board.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
    expect(column(page, "lost").get_by_role("heading")).to_be_in_viewport()
    assert_accessible(page)
    screenshot(page, "lead-board-1366")

    # Keyboard only: open "Move to", pick Contacted, press the button.
    card(page, ada).locator("summary").focus()
    page.keyboard.press("Enter")
    form = card(page, ada).locator("form")
    form.get_by_label("Status").select_option(label="Contacted")
    expect(form.get_by_label("Lost reason")).to_be_hidden()  # only for "Lost"
    form.get_by_role("button", name="Move").press("Enter")
    expect(page.get_by_text(f"{ada} moved to Contacted.")).to_be_visible()
    expect(column(page, "contacted").locator(f"#lead-{ada.pk}")).to_be_visible()
    expect(column(page, "new").locator(".board-count")).to_contain_text("1")
    assert status_of(company, ada) == "contacted"

    # Lost needs a reason: without one nothing moves and the board says why.
    card(page, alan).locator("summary").click()
    form = card(page, alan).locator("form")
    form.get_by_label("Status").select_option(label="Lost")
    form.get_by_role("button", name="Move").click()
    expect(page.get_by_text("Say why the lead was lost.")).to_be_visible()
    assert status_of(company, alan) == "new"
    card(page, alan).locator("summary").click()
    form = card(page, alan).locator("form")
    form.get_by_label("Status").select_option(label="Lost")
    form.get_by_label("Lost reason").select_option(label="No budget")
    form.get_by_role("button", name="Move").click()
    expect(column(page, "lost").locator(f"#lead-{alan.pk}")).to_be_visible()
    assert status_of(company, alan) == "lost"
    assert_accessible(page)

    # The card's link leads to the lead, whose timeline tells of the change.
    column(page, "contacted").get_by_role("link", name="Ada Lovelace").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ada Lovelace")
    expect(page.get_by_text("Status changed from New to Contacted.")).to_be_visible()


def test_the_lead_board_on_a_phone(page, leads):
    company, user, rows = leads
    grace = rows["grace"]
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto("/leads/board/")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    board = page.get_by_role("region", name="Lead statuses")
    assert board.evaluate("el => el.scrollWidth > el.clientWidth")  # the columns scroll instead
    board.focus()
    expect(board).to_be_focused()
    assert_accessible(page)
    screenshot(page, "lead-board-phone")

    card(page, grace).locator("summary").click()
    form = card(page, grace).locator("form")
    form.get_by_label("Status").select_option(label="Qualified")
    form.get_by_role("button", name="Move").click()
    expect(page.get_by_text(f"{grace} moved to Qualified.")).to_be_visible()
    assert status_of(company, grace) == "qualified"
    # Back on the board (at #lead-N-link), the moved card is in view, its link focused.
    moved = column(page, "qualified").get_by_role("link", name="Grace Hopper")
    expect(moved).to_be_focused()
    expect(moved).to_be_in_viewport(ratio=1)
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "lead-board-phone-moved-viewport.png"))
    screenshot(page, "lead-board-phone-moved")
