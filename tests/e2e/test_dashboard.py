"""The dashboard in a browser, on the demo company: funnel numbers, charts, the period select."""

import re

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from crm.sample.demo import ensure_demo_companies, seed_company
from crm.ui.dashboard import period_for
from leads.dashboard import leads_created, opportunities_from_leads, pipeline_by_stage
from tests.e2e.conftest import assert_accessible, log_in, screenshot

# Reads dates (demo data, periods, due dates): CI runs it under several test clocks too.
pytestmark = pytest.mark.clock


@pytest.fixture
def demo_company(transactional_db):
    company = ensure_demo_companies()[0]
    seed_company(company)
    return company


def _expected(company, key):
    period = period_for(key)
    with scope(company=company):
        return (
            period,
            leads_created(company, period),
            opportunities_from_leads(company, period),
            pipeline_by_stage(company=company),
        )


def test_dashboard_charts_and_period(page, demo_company):
    period, leads, opportunities, stages = _expected(demo_company, "30d")
    assert leads and opportunities, "the demo should fill the default period's funnel"
    log_in(page, "demo", "demo-pass-2026")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Good to see you, Dana")

    funnel = page.get_by_role("region", name="Sales funnel")
    chart = funnel.get_by_role("img", name="Sales funnel (Last 30 days)")
    expect(chart).to_be_visible()
    expect(funnel.locator("dd").first).to_have_text(str(leads))
    # The numbers behind the chart, one click away.
    funnel.get_by_text("Show the numbers").click()
    table = funnel.get_by_role("table", name="Sales funnel (Last 30 days)")
    expect(table.get_by_role("row", name=re.compile(r"^Leads"))).to_contain_text(str(leads))
    expect(table.get_by_role("row", name=re.compile(r"^Opportunities"))).to_contain_text(
        str(opportunities)
    )

    # Every chart is an image with a name and a description.
    images = page.locator("svg[role=img]")
    expect(images.first).to_be_visible()
    assert images.count() >= 4
    for name in (
        "Leads by source and outcome (Last 30 days)",
        "Open pipeline by stage",
        "Open pipeline by salesperson",
    ):
        expect(page.get_by_role("img", name=name)).to_be_visible()
    for index in range(images.count()):
        assert images.nth(index).locator("desc").text_content().strip()

    # A stage's bar opens its opportunities.
    busiest = max(stages, key=lambda row: row.count)
    pipeline = page.get_by_role("region", name="Pipeline by stage")
    pipeline.get_by_role("link", name=f"{busiest.label}:").click()
    expect(page.get_by_role("heading", level=1, name="Opportunities")).to_be_visible()
    assert f"stage={busiest.key}" in page.url
    expect(page.locator("tbody tr")).to_have_count(busiest.count)
    page.go_back()

    # axe on the page with every table of numbers open, too.
    page.evaluate("document.querySelectorAll('details.chart-data').forEach(d => d.open = true)")
    assert_accessible(page)
    screenshot(page, "dashboard")

    # The period select reloads the page for the chosen period (a little JS; a button without).
    period_all, leads_all, opportunities_all, _ = _expected(demo_company, "all")
    page.get_by_label("Period").select_option(label="All time")
    page.wait_for_url(re.compile(r"period=all"))
    expect(page.get_by_label("Period")).to_have_value("all")
    expect(page.get_by_role("button", name="Show")).to_have_class(re.compile("visually-hidden"))
    funnel = page.get_by_role("region", name="Sales funnel")
    expect(funnel.get_by_role("img", name="Sales funnel (All time)")).to_be_visible()
    expect(funnel.locator("dd").first).to_have_text(str(leads_all))
    assert leads_all >= leads
    expect(page.get_by_text(period_all.dates_text)).to_be_visible()


def test_dashboard_on_a_phone(page, demo_company):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "demo", "demo-pass-2026")
    page.goto("/?period=12m")
    expect(page.get_by_role("img", name="Open pipeline by stage")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    # The charts fill the card: no fixed-width drawing squeezed into the phone.
    width = page.get_by_role("img", name="Open pipeline by stage").bounding_box()["width"]
    assert 280 <= width <= 360
    assert_accessible(page)
    screenshot(page, "dashboard-phone")
