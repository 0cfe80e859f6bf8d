"""The dashboard's period and its registries (crm.ui.dashboard), and crm's funnel card
(crm.dashboard), without the page."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from crm.dashboard import funnel_widget
from crm.ui import dashboard
from crm.ui.dashboard import (
    Period,
    funnel_stages,
    period_choices,
    period_for,
    register_funnel_step,
    register_widget,
    registered_funnel_steps,
    registered_widgets,
    render_widgets,
)

TODAY = date(2025, 11, 22)


@pytest.mark.parametrize(
    ("key", "start", "label"),
    [
        ("month", date(2025, 11, 1), "This month"),
        ("30d", date(2025, 10, 24), "Last 30 days"),
        ("quarter", date(2025, 10, 1), "This quarter"),
        ("year", date(2025, 1, 1), "This year"),
        ("12m", date(2024, 11, 23), "Last 12 months"),
        ("all", None, "All time"),
    ],
)
def test_periods_end_today(key, start, label):
    period = period_for(key, today=TODAY)
    assert period == Period(start=start, end=TODAY, label=label, key=key)


@pytest.mark.parametrize("key", [None, "", "week", "30D", "../../etc"])
def test_an_unknown_period_is_the_last_30_days(key):
    assert period_for(key, today=TODAY).key == "30d"


@pytest.mark.parametrize(
    ("today", "key", "start"),
    [
        (date(2024, 2, 29), "12m", date(2023, 3, 1)),  # a year back from a leap day
        (date(2025, 3, 31), "12m", date(2024, 4, 1)),
        (date(2025, 1, 1), "30d", date(2024, 12, 3)),
        (date(2025, 12, 31), "quarter", date(2025, 10, 1)),
        (date(2025, 3, 31), "quarter", date(2025, 1, 1)),
        (date(2025, 4, 1), "quarter", date(2025, 4, 1)),
        (date(2025, 1, 1), "month", date(2025, 1, 1)),
    ],
)
def test_period_edges(today, key, start):
    assert period_for(key, today=today).start == start


def test_last_30_days_is_30_days_long():
    period = period_for("30d", today=TODAY)
    assert (period.end - period.start).days + 1 == 30


def test_period_bounds_are_whole_days_in_the_site_time_zone():
    period = Period(start=date(2025, 11, 1), end=date(2025, 11, 22), label="x")
    first_moment = timezone.make_aware(datetime(2025, 11, 1))
    day_after = timezone.make_aware(datetime(2025, 11, 23))
    assert period.filter("created_at") == {
        "created_at__gte": first_moment,
        "created_at__lt": day_after,
    }
    assert first_moment in period
    assert day_after - timedelta(microseconds=1) in period
    assert first_moment - timedelta(microseconds=1) not in period
    assert day_after not in period


def test_all_time_has_no_lower_bound():
    period = period_for("all", today=TODAY)
    assert list(period.filter("created_at")) == ["created_at__lt"]
    assert timezone.make_aware(datetime(1990, 1, 1)) in period
    assert period.dates_text.startswith("Up to ")


def test_period_choices_for_the_select():
    keys = [key for key, _label in period_choices()]
    assert keys == ["month", "30d", "quarter", "year", "12m", "all"]


# --- registries -----------------------------------------------------------------------------


@pytest.fixture
def empty_registries(monkeypatch):
    """Fresh registries for the test; the apps' own registrations come back afterwards."""
    monkeypatch.setattr(dashboard, "_widgets", {})
    monkeypatch.setattr(dashboard, "_funnel_steps", {})


def test_the_apps_register_their_widgets_and_funnel_steps():
    # Other apps (customers) add theirs in between: check ours, in their order.
    keys = [widget.key for widget in registered_widgets()]
    ours = [
        "funnel",
        "lead_sources",
        "pipeline_by_stage",
        "pipeline_by_salesperson",
        "recent_activity",
        "my_tasks",
        "records",
    ]
    assert [key for key in keys if key in ours] == ours
    steps = [step.key for step in registered_funnel_steps()]
    assert [key for key in steps if key in ("leads", "opportunities")] == ["leads", "opportunities"]


def test_widgets_come_in_order_and_none_hides_one(empty_registries, db):
    seen = []

    def context_fn(value):
        def build(company, user, period):
            seen.append((company, user, period))
            return value

        return build

    register_widget(
        "second",
        order=20,
        title="Second",
        template="crm/partials/_widget.html",
        context_fn=context_fn({"subtitle": "two"}),
    )
    register_widget(
        "first",
        order=10,
        title="First",
        template="crm/partials/_widget.html",
        context_fn=context_fn({"subtitle": "one"}),
        wide=True,
    )
    register_widget(
        "hidden",
        order=15,
        title="Hidden",
        template="crm/partials/_widget.html",
        context_fn=context_fn(None),
    )
    period = period_for("all")
    rendered = render_widgets(company="ACME", user="dana", period=period)
    assert [widget.key for widget in rendered] == ["first", "second"]
    assert rendered[0].wide and not rendered[1].wide
    assert '<h2 id="widget-first-title">First</h2>' in rendered[0].html
    assert "one" in rendered[0].html
    assert seen == [("ACME", "dana", period)] * 3


def test_registering_a_key_again_replaces_it(empty_registries):
    for title in ("Old", "New"):
        register_widget("w", order=1, title=title, template="t.html", context_fn=lambda c, u, p: {})
    assert [widget.title for widget in registered_widgets()] == ["New"]


def test_funnel_steps_count_in_order_with_their_urls(empty_registries):
    period = period_for("all")
    register_funnel_step(
        "customers", order=30, label="Customers", count_fn=lambda company, period: 2
    )
    register_funnel_step(
        "leads",
        order=10,
        label="Leads",
        count_fn=lambda company, period: 10,
        url_fn=lambda period: f"/leads/?to={period.end}",
    )
    stages = funnel_stages(company=None, period=period)
    assert [(stage.label, stage.count) for stage in stages] == [("Leads", 10), ("Customers", 2)]
    assert stages[0].url == f"/leads/?to={period.end}"
    assert stages[1].url == ""


def test_the_funnel_needs_two_steps(empty_registries):
    period = period_for("all")
    assert funnel_widget(None, None, period) is None
    register_funnel_step("leads", order=10, label="Leads", count_fn=lambda c, p: 4)
    assert funnel_widget(None, None, period) is None
    register_funnel_step("opportunities", order=20, label="Deals", count_fn=lambda c, p: 1)
    context = funnel_widget(None, None, period)
    assert [step.count for step in context["chart"].steps] == [4, 1]
    assert context["figures"][1] == {"label": "Leads → Deals", "value": "25%"}
