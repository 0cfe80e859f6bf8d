"""The dashboard: a period, widgets that apps register, and the sales funnel.

The dashboard lives in crm, the lowest app, yet shows leads, opportunities and (later)
customers. So, like ``crm.ui.panels``, it only knows registries that the higher apps fill in their
``AppConfig.ready()``:

- ``register_widget(key, order=, title=, template=, context_fn=)``: a card on the dashboard.
  ``context_fn(company, user, period)`` returns the template's context, or None to leave the card
  out (nothing to show, or not for this user). Widgets that only draw a chart use the template
  ``crm/partials/_chart_widget.html`` with a ``chart`` from ``crm.ui.charts``.
- ``register_funnel_step(key, order=, label=, count_fn=, url_fn=)``: a step of the funnel widget,
  which crm owns (``crm.dashboard``, with crm's other cards). ``count_fn(company, period)``
  counts the step's records *that started as leads created in the period* (a cohort), so every
  step is a share of the one before; ``url_fn(period)`` returns the list page behind the number
  ("" for none). leads adds "Leads" and "Opportunities", customers adds "Customers".

Each widget and funnel step should cost a fixed number of queries, whatever the number of rows
(aggregates with GROUP BY, not loops): tests/crm/test_dashboard.py holds the whole page to it.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from crm.models import Company
from crm.ui.charts import FunnelStage

# --- the period -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The days the dashboard looks at, both ends included, in the site's time zone.

    ``start`` is None for "all time". Filter with ``period.filter("created_at")``: a range on the
    column (start of the first day up to the start of the day after ``end``), which keeps the
    column's index usable, where ``created_at__date`` would not.
    """

    start: date | None
    end: date
    label: str
    key: str = ""

    @property
    def start_at(self) -> datetime | None:
        if self.start is None:
            return None
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_before(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def filter(self, field: str) -> dict[str, datetime]:
        """Lookups for ``QuerySet.filter(**period.filter("created_at"))``."""
        lookups = {f"{field}__lt": self.end_before}
        if self.start_at is not None:
            lookups[f"{field}__gte"] = self.start_at
        return lookups

    def __contains__(self, moment: datetime) -> bool:
        return (self.start_at is None or moment >= self.start_at) and moment < self.end_before

    @property
    def dates_text(self) -> str:
        """ "1 Oct 2025 – 22 Nov 2025", or "Up to 22 Nov 2025" for all time."""
        end = date_format(self.end, "DATE_FORMAT")
        if self.start is None:
            return str(_("Up to %(end)s") % {"end": end})
        if self.start == self.end:
            return end
        return f"{date_format(self.start, 'DATE_FORMAT')} – {end}"


def _months_back(day: date, months: int) -> date:
    """The same day ``months`` months earlier (the month's last day if it is shorter)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _this_month(today: date) -> date:
    return today.replace(day=1)


def _last_30_days(today: date) -> date:
    return today - timedelta(days=29)


def _this_quarter(today: date) -> date:
    return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)


def _this_year(today: date) -> date:
    return date(today.year, 1, 1)


def _last_12_months(today: date) -> date:
    return _months_back(today, 12) + timedelta(days=1)


# key -> (label, first day for a given today; None: all time)
PERIODS: dict[str, tuple[Promise, Callable[[date], date] | None]] = {
    "month": (_("This month"), _this_month),
    "30d": (_("Last 30 days"), _last_30_days),
    "quarter": (_("This quarter"), _this_quarter),
    "year": (_("This year"), _this_year),
    "12m": (_("Last 12 months"), _last_12_months),
    "all": (_("All time"), None),
}
DEFAULT_PERIOD = "30d"


def period_for(key: str | None, *, today: date | None = None) -> Period:
    """The period for a ``?period=`` value; anything unknown is the default (last 30 days)."""
    if key not in PERIODS:
        key = DEFAULT_PERIOD
    today = today or timezone.localdate()
    label, first_day = PERIODS[key]
    return Period(
        start=first_day(today) if first_day else None, end=today, label=str(label), key=key
    )


def period_choices() -> list[tuple[str, str]]:
    return [(key, str(label)) for key, (label, _first_day) in PERIODS.items()]


# --- widgets --------------------------------------------------------------------------------

WidgetContext = Callable[[Company, Any, Period], dict[str, Any] | None]


@dataclass(frozen=True)
class Widget:
    key: str
    order: int
    title: str | Promise
    template: str
    context_fn: WidgetContext
    wide: bool = False  # spans both columns on wide screens


@dataclass(frozen=True)
class RenderedWidget:
    widget: Widget
    html: SafeString

    @property
    def key(self) -> str:
        return self.widget.key

    @property
    def wide(self) -> bool:
        return self.widget.wide


_widgets: dict[str, Widget] = {}


def register_widget(
    key: str,
    *,
    order: int,
    title: str | Promise,
    template: str,
    context_fn: WidgetContext,
    wide: bool = False,
) -> None:
    """Add (or, under the same key, replace) a dashboard card; lower ``order`` comes first."""
    _widgets[key] = Widget(
        key=key, order=order, title=title, template=template, context_fn=context_fn, wide=wide
    )


def registered_widgets() -> list[Widget]:
    return sorted(_widgets.values(), key=lambda widget: (widget.order, widget.key))


# What the widgets of one dashboard share: a read two cards need is made once per render.
_shared: ContextVar[dict[Any, Any] | None] = ContextVar("dashboard_shared", default=None)


def shared_read(key: Any, read: Callable[[], Any]) -> Any:
    """``read()``, made once while the dashboard renders (the same ``key`` returns the first
    result to every widget); outside a render, ``read()`` every time."""
    memo = _shared.get()
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]


def render_widgets(*, company: Company, user, period: Period) -> list[RenderedWidget]:
    """Every widget that has something to show, rendered, in order.

    Rendered without the request, so the context processors do not run (and query) once per
    widget; a widget's template gets its own context plus ``widget``, ``company``, ``user`` and
    ``period``.
    """
    rendered = []
    token = _shared.set({})
    try:
        for widget in registered_widgets():
            context = widget.context_fn(company, user, period)
            if context is None:
                continue
            html = render_to_string(
                widget.template,
                {**context, "widget": widget, "company": company, "user": user, "period": period},
            )
            rendered.append(RenderedWidget(widget=widget, html=html))
    finally:
        _shared.reset(token)
    return rendered


# --- the funnel -----------------------------------------------------------------------------

FunnelCount = Callable[[Company, Period], int]
FunnelUrl = Callable[[Period], str]


@dataclass(frozen=True)
class FunnelStepDefinition:
    key: str
    order: int
    label: str | Promise
    count_fn: FunnelCount
    url_fn: FunnelUrl | None = None


_funnel_steps: dict[str, FunnelStepDefinition] = {}


def register_funnel_step(
    key: str,
    *,
    order: int,
    label: str | Promise,
    count_fn: FunnelCount,
    url_fn: FunnelUrl | None = None,
) -> None:
    """Add (or replace) a funnel step; see the module's docstring for what ``count_fn`` counts."""
    _funnel_steps[key] = FunnelStepDefinition(
        key=key, order=order, label=label, count_fn=count_fn, url_fn=url_fn
    )


def registered_funnel_steps() -> list[FunnelStepDefinition]:
    return sorted(_funnel_steps.values(), key=lambda step: (step.order, step.key))


def funnel_stages(*, company: Company, period: Period) -> list[FunnelStage]:
    return [
        FunnelStage(
            label=str(step.label),
            count=step.count_fn(company, period),
            url=step.url_fn(period) if step.url_fn else "",
        )
        for step in registered_funnel_steps()
    ]
