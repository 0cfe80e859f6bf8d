"""The pipeline board in a browser: drag a card, mark one lost in the dialog, move one with the
card's own form (with and without JavaScript), show a column's next cards."""

from decimal import Decimal

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership
from leads.models import Opportunity, OpportunityStageChange
from leads.selectors import BOARD_COLUMN_SIZE
from leads.services import opportunity_save
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.factories import (
    DEFAULT_PASSWORD,
    CompanyFactory,
    LostReasonFactory,
    MembershipFactory,
    OpportunityFactory,
    OpportunityStageFactory,
    SalespersonFactory,
)


@pytest.fixture
def pipeline(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
        user = MembershipFactory(company=company, role=Membership.Role.OWNER).user
    with scope(company=company):
        stages = {
            name: OpportunityStageFactory(
                company=company, name=name, order=order, probability=probability, kind=kind
            )
            for name, order, probability, kind in [
                ("Prospecting", 10, 10, "open"),
                ("Proposal", 20, 50, "open"),
                ("Won", 30, 100, "won"),
                ("Lost", 40, 0, "lost"),
            ]
        }
        LostReasonFactory(company=company, name="Too expensive")
        seller = SalespersonFactory(company=company, name="Grace Okafor", user=user)
        opportunities = {
            title: opportunity_save(
                opportunity=Opportunity(
                    company=company,
                    title=title,
                    stage=stages["Prospecting"],
                    probability=10,
                    expected_amount=Decimal(amount),
                    salesperson=seller,
                ),
                actor=user,
            )
            for title, amount in [
                ("Laptop refresh", "12400.00"),
                ("Office chairs", "3150.50"),
                ("Printer fleet", "8800.00"),
            ]
        }
    return company, user, stages, opportunities


def column(page, stage):
    return page.locator(f'.board-column[data-stage="{stage.pk}"]')


def card(page, opportunity):
    return page.locator(f"#opportunity-{opportunity.pk}")


def stage_of(company, opportunity):
    with scope(company=company):
        return Opportunity.objects.get(pk=opportunity.pk).stage.name


def test_drag_a_card_and_mark_one_lost(page, pipeline):
    company, user, stages, opportunities = pipeline
    laptops, chairs = opportunities["Laptop refresh"], opportunities["Office chairs"]
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Pipeline board").click()
    expect(page.get_by_role("heading", level=1, name="Pipeline")).to_be_visible()
    expect(column(page, stages["Prospecting"]).locator(".board-count")).to_contain_text("3")
    assert_accessible(page)
    screenshot(page, "board")

    # Drag "Laptop refresh" to Proposal with the mouse.
    card(page, laptops).drag_to(column(page, stages["Proposal"]))
    expect(page.get_by_text("Laptop refresh moved to Proposal.")).to_be_visible()
    expect(column(page, stages["Proposal"]).locator(f"#opportunity-{laptops.pk}")).to_be_visible()
    expect(column(page, stages["Proposal"])).to_contain_text("6,200.00 EUR")  # weighted
    assert stage_of(company, laptops) == "Proposal"
    page.reload()
    expect(column(page, stages["Proposal"]).locator(f"#opportunity-{laptops.pk}")).to_be_visible()
    expect(column(page, stages["Prospecting"]).locator(".board-count")).to_contain_text("2")

    # Dropping on Lost asks why; cancelling leaves the card where it was.
    card(page, chairs).drag_to(column(page, stages["Lost"]))
    dialog = page.get_by_role("dialog", name="Why was it lost?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("“Office chairs” moves to Lost.")
    assert_accessible(page)
    screenshot(page, "board-lost-dialog")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert stage_of(company, chairs) == "Prospecting"

    card(page, chairs).drag_to(column(page, stages["Lost"]))
    dialog.get_by_label("Lost reason").select_option(label="Too expensive")
    dialog.get_by_role("button", name="Mark as lost").click()
    expect(page.get_by_text("Office chairs moved to Lost.")).to_be_visible()
    expect(column(page, stages["Lost"]).locator(f"#opportunity-{chairs.pk}")).to_be_visible()
    with scope(company=company):
        chairs.refresh_from_db()
        assert chairs.lost_reason.name == "Too expensive"
        moves = OpportunityStageChange.objects.filter(from_stage__isnull=False).count()
    assert moves == 2

    # The opportunity's page shows the history.
    page.get_by_role("link", name="Laptop refresh").click()
    history = page.get_by_role("region", name="Stage history")
    expect(history).to_contain_text("from Prospecting")
    expect(history).to_contain_text("so far")
    assert_accessible(page)
    screenshot(page, "opportunity-stage-history")


def test_move_a_card_with_its_form_keyboard_and_javascript(page, pipeline):
    company, user, stages, opportunities = pipeline
    printers = opportunities["Printer fleet"]
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto("/leads/opportunities/board/")
    move = card(page, printers).locator("summary")
    move.focus()
    page.keyboard.press("Enter")
    form = card(page, printers).locator("form")
    form.get_by_label("Stage").select_option(label="Won")
    expect(form.get_by_label("Lost reason")).to_be_hidden()  # only for a lost stage
    form.get_by_role("button", name="Move").press("Enter")
    expect(page.get_by_text("Printer fleet moved to Won.")).to_be_visible()
    won_card_link = column(page, stages["Won"]).get_by_role("link", name="Printer fleet")
    expect(won_card_link).to_be_focused()
    assert stage_of(company, printers) == "Won"


def test_move_a_card_without_javascript(browser, live_server, pipeline):
    company, user, stages, opportunities = pipeline
    printers = opportunities["Printer fleet"]
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, user.username, DEFAULT_PASSWORD)
        page.goto("/leads/opportunities/board/?owner=mine")
        card(page, printers).get_by_text("Move").first.click()  # opens the <details>
        form = card(page, printers).locator("form")
        form.get_by_label("Stage").select_option(label="Lost")
        form.get_by_role("button", name="Move").click()
        # No reason: nothing moves, and the board says why.
        expect(page.get_by_text("Say why the opportunity was lost.")).to_be_visible()
        assert "/leads/opportunities/board/?owner=mine" in page.url
        assert stage_of(company, printers) == "Prospecting"

        card(page, printers).get_by_text("Move").first.click()
        form = card(page, printers).locator("form")
        form.get_by_label("Stage").select_option(label="Lost")
        form.get_by_label("Lost reason").select_option(label="Too expensive")
        form.get_by_role("button", name="Move").click()
        expect(page.get_by_text("Printer fleet moved to Lost.")).to_be_visible()
        expect(column(page, stages["Lost"]).locator(f"#opportunity-{printers.pk}")).to_be_visible()
        assert stage_of(company, printers) == "Lost"
    finally:
        context.close()


def test_board_on_a_phone(page, pipeline):
    company, user, stages, opportunities = pipeline
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto("/leads/opportunities/board/")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    board = page.get_by_role("region", name="Pipeline stages")
    assert board.evaluate("el => el.scrollWidth > el.clientWidth")  # the columns scroll instead
    assert_accessible(page)
    screenshot(page, "board-phone")


def test_a_salesperson_starts_on_their_own_then_picks_everyone(page, pipeline):
    company, _owner, stages, opportunities = pipeline
    with scopes_disabled():
        seller = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
    with scope(company=company):
        sam = SalespersonFactory(company=company, name="Sam Seller", user=seller)
        own = opportunity_save(
            opportunity=Opportunity(
                company=company,
                title="Sam's own deal",
                stage=stages["Proposal"],
                probability=50,
                expected_amount=Decimal("900.00"),
                salesperson=sam,
            ),
            actor=seller,
        )
    log_in(page, seller.username, DEFAULT_PASSWORD)
    page.goto("/leads/opportunities/board/")
    toggle = page.get_by_role("list", name="Whose opportunities")
    expect(toggle.get_by_role("link", name="Mine")).to_have_attribute("aria-current", "true")
    expect(card(page, own)).to_be_visible()
    expect(card(page, opportunities["Laptop refresh"])).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "board-mine")

    toggle.get_by_role("link", name="Everyone's").click()
    expect(card(page, opportunities["Laptop refresh"])).to_be_visible()
    assert "owner=all" in page.url

    # The salesperson filter submits itself; "Everyone" then means everyone, not the default.
    page.get_by_label("Salesperson").select_option(label="Grace Okafor")
    expect(card(page, own)).to_have_count(0)
    expect(card(page, opportunities["Laptop refresh"])).to_be_visible()
    page.get_by_label("Salesperson").select_option(label="Everyone")
    expect(card(page, own)).to_be_visible()
    expect(card(page, opportunities["Laptop refresh"])).to_be_visible()


def test_six_stages_fit_a_laptop_screen_with_lost_in_view(page, pipeline):
    company, user, stages, opportunities = pipeline
    with scope(company=company):
        for name, order in (("Qualification", 15), ("Negotiation", 25)):
            OpportunityStageFactory(company=company, name=name, order=order, kind="open")
    page.set_viewport_size({"width": 1366, "height": 800})
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto("/leads/opportunities/board/")
    board = page.get_by_role("region", name="Pipeline stages")
    assert board.evaluate("el => el.scrollWidth <= el.clientWidth + 1")  # nothing to scroll to
    lost = column(page, stages["Lost"]).bounding_box()
    assert lost["x"] >= 0 and lost["x"] + lost["width"] <= 1366
    expect(column(page, stages["Lost"]).get_by_role("heading")).to_be_in_viewport()
    assert_accessible(page)
    screenshot(page, "board-1366")


def test_show_more_appends_the_next_cards_and_they_move_too(page, pipeline):
    company, user, stages, opportunities = pipeline
    with scope(company=company):
        seller = opportunities["Laptop refresh"].salesperson
        older = OpportunityFactory.create_batch(
            BOARD_COLUMN_SIZE + 2, company=company, stage=stages["Proposal"], salesperson=seller
        )
    oldest = min(older, key=lambda opportunity: (opportunity.created_at, opportunity.pk))
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto("/leads/opportunities/board/")
    proposal = column(page, stages["Proposal"])
    expect(proposal.locator(".board-card")).to_have_count(BOARD_COLUMN_SIZE)
    expect(card(page, oldest)).to_have_count(0)  # it waits behind "and 2 more"

    board_url = page.url
    proposal.get_by_role("link", name="and 2 more in Proposal").click()
    expect(proposal.locator(".board-card")).to_have_count(BOARD_COLUMN_SIZE + 2)
    expect(proposal.get_by_role("link", name="and 2 more in Proposal")).to_have_count(0)
    assert page.url == board_url  # appended in place, not a new page
    assert_accessible(page)

    # A card that came with "more" moves like the others, and the board is redrawn.
    card(page, oldest).locator("summary").click()
    form = card(page, oldest).locator("form")
    form.get_by_label("Stage").select_option(label="Won")
    form.get_by_role("button", name="Move").click()
    expect(column(page, stages["Won"]).locator(f"#opportunity-{oldest.pk}")).to_be_visible()
    assert stage_of(company, oldest) == "Won"


def test_show_more_without_javascript_lists_the_stage(browser, live_server, pipeline):
    company, user, stages, opportunities = pipeline
    with scope(company=company):
        OpportunityFactory.create_batch(
            BOARD_COLUMN_SIZE + 1, company=company, stage=stages["Proposal"]
        )
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, user.username, DEFAULT_PASSWORD)
        page.goto("/leads/opportunities/board/?owner=all")
        column(page, stages["Proposal"]).get_by_role("link", name="and 1 more in Proposal").click()
        assert f"/leads/opportunities/?stage={stages['Proposal'].pk}" in page.url
        expect(page.get_by_role("heading", level=1)).to_contain_text("Opportunities")
    finally:
        context.close()
