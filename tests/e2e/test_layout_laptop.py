"""A laptop's window (1280 px) in English and Bahasa Indonesia: the lead list does not scroll
sideways (nor does its table, whose last header stays in view), every pipeline card keeps its
amount and percentage inside the card with a space between them, and the top bar's search box
shows its whole placeholder."""

from decimal import Decimal

import pytest
from django_scopes import scope, scopes_disabled

from crm.models import Membership
from tests.e2e.conftest import log_in, screenshot
from tests.factories import (
    DEFAULT_PASSWORD,
    CompanyFactory,
    LeadFactory,
    MembershipFactory,
    OpportunityFactory,
    OpportunityStageFactory,
    SalespersonFactory,
)

LAPTOP = {"width": 1280, "height": 800}

# The demo's six stages: five open ones and the lost one share a 1280 px board.
STAGES = [
    ("Prospecting", 10, "open"),
    ("Qualification", 25, "open"),
    ("Proposal", 50, "open"),
    ("Negotiation", 75, "open"),
    ("Won", 100, "won"),
    ("Lost", 0, "lost"),
]


@pytest.fixture(params=["en", "id"])
def office(request, transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders", language=request.param)
        user = MembershipFactory(company=company, role=Membership.Role.OWNER).user
    with scope(company=company):
        seller = SalespersonFactory(company=company, name="Maria Manager")
        for first, last, organization, email in [
            ("Oliver", "Hughes", "", "oliver@oliverhughes.example.com"),
            ("Felix", "Wagner", "Wagner Maschinenbau AG", "felix@wagner.example.com"),
            (
                "Hanna",
                "Lindqvist",
                "Lindqvist Design AB",
                "hanna.lindqvist@lindqvistdesignstudio.example.com",
            ),
        ]:
            LeadFactory(
                company=company,
                first_name=first,
                last_name=last,
                organization_name=organization,
                email=email,
                salesperson=seller,
            )
        for name, probability, kind in STAGES:
            stage = OpportunityStageFactory(
                company=company, name=name, probability=probability, kind=kind
            )
            for amount in ("188927.00", "28150.00"):
                OpportunityFactory(
                    company=company,
                    title=f"Installation for {name}",
                    stage=stage,
                    probability=probability,
                    expected_amount=Decimal(amount),
                    salesperson=seller,
                )
    return user, request.param


def sideways(page, selector):
    """How far the element (or the page) scrolls sideways, in px."""
    return page.evaluate(
        "selector => { const box = document.querySelector(selector);"
        " return box.scrollWidth - box.clientWidth; }",
        selector,
    )


def test_a_laptop_window_shows_lists_board_and_search_uncut(page, office):
    user, language = office
    page.set_viewport_size(LAPTOP)
    log_in(page, user.username, DEFAULT_PASSWORD)

    page.goto("/leads/")
    assert sideways(page, "html") <= 0, "the lead list scrolls sideways"
    assert sideways(page, ".table-wrap") <= 0, "the lead table scrolls sideways"
    last_header = page.locator(".table-wrap thead th").last.bounding_box()
    table_box = page.locator(".table-wrap").bounding_box()
    assert last_header["x"] + last_header["width"] <= table_box["x"] + table_box["width"] + 0.5

    # The whole placeholder shows in the search box.
    room, needed = page.evaluate(
        """() => {
          const box = document.querySelector('#global-search-input');
          const style = getComputedStyle(box);
          const context = document.createElement('canvas').getContext('2d');
          context.font = style.font;
          const room = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
          return [room, context.measureText(box.placeholder).width];
        }"""
    )
    assert needed <= room, f"the search box shows {room:.0f} px of its {needed:.0f} px placeholder"
    screenshot(page, f"layout-leads-1280-{language}")

    page.goto("/leads/opportunities/board/")
    assert sideways(page, "html") <= 0, "the board page scrolls sideways"
    cards = page.evaluate(
        """() => Array.from(document.querySelectorAll('.board-card')).map(card => {
          const inside = element => {
            const outer = card.getBoundingClientRect(), inner = element.getBoundingClientRect();
            return inner.left >= outer.left - 0.5 && inner.right <= outer.right + 0.5;
          };
          const amount = card.querySelector('.board-card-amount .money');
          const percentage = card.querySelector('.board-card-probability');
          return {
            title: card.querySelector('.board-card-title').textContent,
            text: card.querySelector('.board-card-amount').textContent.replace(/\\s+/g, ' '),
            amount: inside(amount),
            percentage: inside(percentage),
          };
        })"""
    )
    assert len(cards) == 2 * len(STAGES)
    for card in cards:
        assert card["amount"], f"{card['title']}: the amount runs past the card ({card['text']})"
        assert card["percentage"], f"{card['title']}: the percentage is cut ({card['text']})"
        # "188,927.00 EUR Probability 25 %": never "EUR25 %" or "EURProbability".
        assert " EUR " in card["text"], card["text"]
    columns = page.evaluate(
        """() => Array.from(document.querySelectorAll('.board-column')).every(column => {
          const outer = column.getBoundingClientRect();
          return Array.from(column.querySelectorAll('.board-figures dd')).every(figure => {
            const inner = figure.getBoundingClientRect();
            return inner.left >= outer.left && inner.right <= outer.right;
          });
        })"""
    )
    assert columns, "a column's total or weighted total (with its currency) runs past the column"
    screenshot(page, f"layout-board-1280-{language}")
