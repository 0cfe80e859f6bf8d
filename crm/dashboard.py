"""crm's own cards on the dashboard: the sales funnel, recent activity, my open tasks and the
record counts, registered from ``CrmConfig.ready()`` through ``crm.ui.dashboard``'s registries as
every app registers its own."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from crm.models import Company
from crm.selectors import dashboard_summary, recent_activity
from crm.timeline import open_tasks_for
from crm.ui.charts import funnel_chart
from crm.ui.dashboard import Period, funnel_stages, register_widget


def funnel_widget(company: Company, user, period: Period) -> dict[str, Any] | None:
    stages = funnel_stages(company=company, period=period)
    if len(stages) < 2:
        return None  # one step is a number, not a funnel
    chart = funnel_chart(
        id="chart-funnel",
        title=str(_("Sales funnel (%(period)s)") % {"period": period.label}),
        stages=stages,
        empty_text=str(_("No leads were created in this period. Choose a longer period above.")),
    )
    first, last = chart.steps[0], chart.steps[-1]
    return {
        "chart": chart,
        "subtitle": _("Leads created in the period, and how far they got."),
        "figures": [
            {"label": first.label, "value": first.count_text},
            {
                "label": _("%(first)s → %(last)s") % {"first": first.label, "last": last.label},
                "value": chart.overall_rate_text,
            },
        ],
        "link_hint": _("show them"),
    }


def recent_activity_widget(company: Company, user, period: Period) -> dict[str, Any]:
    return {"entries": recent_activity(company=company, user=user)}


def my_tasks_widget(company: Company, user, period: Period) -> dict[str, Any]:
    tasks = list(open_tasks_for(user=user, company=company).prefetch_related("owner")[:6])
    return {"tasks": tasks}


def record_counts_widget(company: Company, user, period: Period) -> dict[str, Any]:
    return {"rows": dashboard_summary(company=company)}


def register_core_widgets() -> None:
    """crm's own cards; called from ``CrmConfig.ready()``."""
    register_widget(
        "funnel",
        order=10,
        title=_("Sales funnel"),
        template="crm/partials/_chart_widget.html",
        context_fn=funnel_widget,
    )
    register_widget(
        "recent_activity",
        order=70,
        title=_("Recent activity"),
        template="crm/partials/_widget_recent_activity.html",
        context_fn=recent_activity_widget,
    )
    register_widget(
        "my_tasks",
        order=80,
        title=_("My open tasks"),
        template="crm/partials/_widget_my_tasks.html",
        context_fn=my_tasks_widget,
    )
    register_widget(
        "records",
        order=90,
        title=_("Records"),
        template="crm/partials/_widget_records.html",
        context_fn=record_counts_widget,
        wide=True,
    )
