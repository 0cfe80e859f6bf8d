import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership, Note, Task
from tests.conftest import at_noon
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.factories import DEFAULT_PASSWORD, CompanyFactory, MembershipFactory

# Reads dates (demo data, periods, due dates): CI runs it under several test clocks too.
pytestmark = pytest.mark.clock


@pytest.fixture(autouse=True)
def _at_noon():
    """Due dates and "overdue" are days: each test runs at noon of the day it starts (a
    time_machine clock, tests.conftest.at_noon)."""
    with at_noon():
        yield


@pytest.fixture
def owner(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
        user = MembershipFactory(
            company=company, role=Membership.Role.OWNER, user__first_name="Dana"
        ).user
    return user, company


def test_add_a_note_and_a_task_then_tick_the_task_off(page, owner):
    user, company = owner
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto("/settings/")
    timeline = page.locator("section.timeline")
    expect(timeline.get_by_role("heading", name="Timeline")).to_be_visible()

    timeline.get_by_label("Note").check()
    timeline.get_by_label("Text").fill("Asked for the spring catalogue.")
    timeline.get_by_role("button", name="Add", exact=True).click()
    expect(
        timeline.locator(".timeline-body", has_text="Asked for the spring catalogue.")
    ).to_be_visible()

    timeline.get_by_label("Task", exact=True).check()
    expect(timeline.get_by_label("Due date")).to_be_visible()
    expect(timeline.get_by_label("Location")).to_be_hidden()
    timeline.get_by_label("Title").fill("Send the catalogue")
    timeline.get_by_label("Assigned to").select_option(label=user.get_full_name())
    timeline.get_by_role("button", name="Add", exact=True).click()
    expect(timeline.locator(".timeline-title", has_text="Send the catalogue")).to_be_visible()

    timeline.get_by_role("button", name="Mark done: Send the catalogue").click()
    expect(
        timeline.get_by_role("button", name="Done (click to reopen): Send the catalogue")
    ).to_be_visible()

    with scope(company=company):
        assert Note.objects.get().body == "Asked for the spring catalogue."
        assert Task.objects.get().done
    assert_accessible(page)
    screenshot(page, "timeline-settings")


def test_my_tasks_page_highlights_overdue_tasks(page, owner):
    from datetime import timedelta

    from tests.factories import TaskFactory

    user, company = owner
    with scope(company=company):
        TaskFactory(
            company=company,
            title="Chase the invoice",
            assigned_to=user,
            due_date=timezone.localdate() - timedelta(days=1),
        )
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.get_by_role("link", name="My tasks", exact=True).click()
    row = page.locator("tr.task-overdue")
    expect(row).to_contain_text("Chase the invoice")
    expect(row).to_contain_text("Overdue")
    assert_accessible(page)
    row.get_by_role("button", name="Mark done: Chase the invoice").click()
    expect(page.get_by_text("Task “Chase the invoice” is done.")).to_be_visible()
    screenshot(page, "my-tasks")
