"""A lead's page as a salesperson works it: a note shows on the timeline and nowhere says "No
notes yet"; a status change is one entry; a new task is assigned to the one adding it."""

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership, Task
from tests.conftest import at_noon
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.factories import DEFAULT_PASSWORD, CompanyFactory, LeadFactory, MembershipFactory

pytestmark = pytest.mark.clock


@pytest.fixture(autouse=True)
def _at_noon():
    with at_noon():
        yield


@pytest.fixture
def lead_and_seller(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
        user = MembershipFactory(
            company=company,
            role=Membership.Role.OWNER,
            user__first_name="Dana",
            user__last_name="Demo",
        ).user
        MembershipFactory(company=company, user__first_name="Sam", user__last_name="Seller")
        lead = LeadFactory(
            company=company,
            first_name="Oliver",
            last_name="Hughes",
            notes="Met at the trade fair.",
        )
    return user, company, lead


def test_note_status_and_task_on_a_lead_page(page, lead_and_seller):
    user, company, lead = lead_and_seller
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto(f"/leads/{lead.pk}/")
    expect(page.get_by_role("heading", name="Description")).to_be_visible()
    expect(page.get_by_text("Met at the trade fair.")).to_be_visible()
    expect(page.get_by_role("heading", name="Notes", exact=True)).to_have_count(0)

    timeline = page.locator("section.timeline")
    timeline.get_by_label("Text").fill("Called back, interested in bundles.")
    timeline.get_by_role("button", name="Add", exact=True).click()
    expect(
        timeline.locator(".timeline-body", has_text="Called back, interested in bundles.")
    ).to_be_visible()
    expect(page.get_by_text("No notes yet")).to_have_count(0)

    page.get_by_label("New status").select_option(label="Contacted")
    page.get_by_role("button", name="Change status").click()
    expect(page.get_by_text("Status saved.")).to_be_visible()
    timeline = page.locator("section.timeline")
    expect(timeline.locator(".timeline-entry", has_text="Contacted")).to_have_count(1)

    timeline.get_by_label("Task", exact=True).check()
    assignee = timeline.get_by_label("Assigned to")
    expect(assignee.locator("option:checked")).to_have_text("Dana Demo")
    timeline.get_by_label("Title").fill("Send the price list")
    timeline.get_by_role("button", name="Add", exact=True).click()
    expect(timeline.locator(".timeline-title", has_text="Send the price list")).to_contain_text(
        "for Dana Demo"
    )
    # The next task's form again offers Dana, and another choice is taken.
    timeline.get_by_label("Task", exact=True).check()
    expect(timeline.get_by_label("Assigned to").locator("option:checked")).to_have_text("Dana Demo")
    timeline.get_by_label("Title").fill("Book the demo")
    timeline.get_by_label("Assigned to").select_option(label="Sam Seller")
    timeline.get_by_role("button", name="Add", exact=True).click()
    expect(timeline.locator(".timeline-title", has_text="Book the demo")).to_contain_text(
        "for Sam Seller"
    )
    screenshot(page, "lead-record-page")
    assert_accessible(page)
    with scope(company=company):
        assert {task.title: task.assigned_to.first_name for task in Task.objects.all()} == {
            "Send the price list": "Dana",
            "Book the demo": "Sam",
        }
