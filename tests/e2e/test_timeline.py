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


def test_a_lead_with_50_entries_shows_20_then_show_older_brings_20_more(page, owner):
    from datetime import timedelta

    from tests.factories import LeadFactory, NoteFactory

    user, company = owner
    with scope(company=company):
        lead = LeadFactory(company=company)
        now = timezone.now()
        for number in range(1, 51):
            NoteFactory(
                company=company,
                owner=lead,
                author=user,
                body=f"Entry {number}.",
                occurred_at=now - timedelta(minutes=number),
            )
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto(lead.get_absolute_url())
    timeline = page.locator("section.timeline")
    entries = timeline.locator(".timeline-entry")
    expect(entries).to_have_count(20)
    expect(timeline.locator(".timeline-body").first).to_have_text("Entry 1.")
    assert_accessible(page)

    # By keyboard: focus "Show older", press Enter; the reader goes on at entry 21.
    older = timeline.get_by_role("link", name="Show older")
    older.focus()
    page.keyboard.press("Enter")
    expect(entries).to_have_count(40)
    expect(page.locator(":focus")).to_contain_text("Entry 21.")
    expect(timeline.locator(".timeline-body").nth(39)).to_have_text("Entry 40.")
    assert page.url.endswith(lead.get_absolute_url())  # htmx: no reload
    assert_accessible(page)

    page.set_viewport_size({"width": 390, "height": 844})
    timeline.get_by_role("link", name="Show older").click()
    expect(entries).to_have_count(50)
    expect(timeline.get_by_role("link", name="Show older")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "timeline-paged")


def test_show_older_works_without_javascript(browser, live_server, owner):
    from datetime import timedelta

    from tests.factories import LeadFactory, NoteFactory

    user, company = owner
    with scope(company=company):
        lead = LeadFactory(company=company)
        now = timezone.now()
        for number in range(1, 26):
            NoteFactory(
                company=company,
                owner=lead,
                body=f"Entry {number}.",
                occurred_at=now - timedelta(minutes=number),
            )
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, user.username, DEFAULT_PASSWORD)
        page.goto(lead.get_absolute_url())
        entries = page.locator("section.timeline .timeline-entry")
        expect(entries).to_have_count(20)
        page.get_by_role("link", name="Show older").click()
        expect(entries).to_have_count(25)
        assert "timeline_page=2" in page.url
        expect(page.get_by_role("link", name="Show older")).to_have_count(0)
    finally:
        context.close()
