"""The leads app's part of the dashboard: two funnel steps and three chart cards.

Registered from ``LeadsConfig.ready()`` through ``crm.ui.dashboard``'s registries, so crm never
imports leads. Every read here is one aggregate query (GROUP BY) over the period's rows or over
the pipeline figures the database keeps per (stage, salesperson), never over every opportunity;
the salespeople and sources they group by are the company's short lists.

Pipeline cards show the opportunities open *today*: a pipeline is a snapshot, so the period does
not apply to them (their subtitle says so). The funnel and the lead sources follow the period.

Time in stage follows the period too: the average days opportunities spent in each open stage,
over the stays that ended in the period (``leads.selectors.average_days_in_stage``: the stays the
database keeps per UTC day and stage, ``StageStayFigure``, plus the stage list).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from crm.models import Company
from crm.ui.charts import (
    Datum,
    Series,
    StackedDatum,
    bar_chart,
    format_money,
    format_number,
    money_formatter,
    stacked_bar_chart,
)
from crm.ui.dashboard import Period, register_funnel_step, register_widget, shared_read
from leads.models import Lead, LeadDayFigure, Opportunity, OpportunityStage, PipelineFigure

CENT = Decimal("0.01")
TOP_SALESPEOPLE = 10
TOP_SOURCES = 8
CHART_WIDGET = "crm/partials/_chart_widget.html"


# --- reads ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PipelineRow:
    """Open opportunities grouped by something (a stage, a salesperson)."""

    key: int | None  # the stage's or salesperson's id; None for "unassigned" and "others"
    label: str
    count: int
    amount: Decimal
    weighted: Decimal  # Σ amount × probability / 100, rounded half up to cents


def _weighted(amount_times_percent: Decimal | None) -> Decimal:
    return (Decimal(amount_times_percent or 0) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def _money(value: Decimal | None) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class _OpenGroup:
    """The open opportunities of one (stage, salesperson)."""

    stage_id: int
    salesperson_id: int | None
    salesperson_name: str | None
    count: int
    amount: Decimal
    amount_times_percent: Decimal


def _open_pipeline(company: Company) -> tuple[list[dict[str, Any]], list[_OpenGroup]]:
    """The open stages in pipeline order, and the sums of their opportunities per (stage,
    salesperson): the pipeline figures the database keeps with every write to an opportunity
    (``leads.PipelineFigure``, a few dozen rows however many opportunities there are), shared by
    the by-stage and by-salesperson cards of one dashboard (``shared_read``). Both cards add
    these groups up, exactly (Decimal: the figures are whole cents)."""

    def read() -> tuple[list[dict[str, Any]], list[_OpenGroup]]:
        stages = list(
            OpportunityStage.objects.filter(company=company, kind=OpportunityStage.Kind.OPEN)
            .order_by("order", "pk")
            .values("pk", "name")
        )
        groups = [
            _OpenGroup(
                stage_id=row["stage_id"],
                salesperson_id=row["salesperson_id"],
                salesperson_name=row["salesperson__name"],
                count=row["opportunity_count"],
                amount=Decimal(row["amount_cents"]) / 100,
                amount_times_percent=Decimal(row["amount_percent_cents"]) / 100,
            )
            for row in PipelineFigure.objects.filter(
                company=company, stage_id__in=[stage["pk"] for stage in stages]
            )
            .order_by()
            .values("stage_id", "salesperson_id", "salesperson__name")
            # A key's figures are the sum of its slots (leads.pipeline_sql.SLOTS).
            .annotate(
                opportunity_count=Sum("opportunity_count"),
                amount_cents=Sum("amount_cents"),
                amount_percent_cents=Sum("amount_percent_cents"),
            )
            .filter(opportunity_count__gt=0)
        ]
        return stages, groups

    return shared_read(("leads.open_pipeline", company.pk), read)


def pipeline_by_stage(*, company: Company) -> list[PipelineRow]:
    """Every open stage in pipeline order, with its open opportunities' totals (zeros too)."""
    stages, groups = _open_pipeline(company)
    rows = []
    for stage in stages:
        mine = [group for group in groups if group.stage_id == stage["pk"]]
        rows.append(
            PipelineRow(
                key=stage["pk"],
                label=stage["name"],
                count=sum(group.count for group in mine),
                amount=_money(sum((group.amount for group in mine), Decimal(0))),
                weighted=_weighted(sum((group.amount_times_percent for group in mine), Decimal(0))),
            )
        )
    return rows


def pipeline_by_salesperson(*, company: Company, top: int = TOP_SALESPEOPLE) -> list[PipelineRow]:
    """Open opportunities per salesperson, largest amount first; after ``top`` rows the rest
    are summed into one "others" row. Opportunities without a salesperson are "Unassigned"."""
    groups = _open_pipeline(company)[1]
    people: dict[int | None, dict[str, Any]] = {}
    for group in groups:
        person = people.setdefault(
            group.salesperson_id,
            {
                "salesperson_id": group.salesperson_id,
                "salesperson__name": group.salesperson_name,
                "opportunity_count": 0,
                "amount": Decimal(0),
                "amount_times_percent": Decimal(0),
            },
        )
        person["opportunity_count"] += group.count
        person["amount"] += group.amount
        person["amount_times_percent"] += group.amount_times_percent
    # Largest amount first; ties by name (no salesperson last, as PostgreSQL sorts NULL), then id.
    groups = sorted(
        people.values(),
        key=lambda person: (
            -person["amount"],
            person["salesperson__name"] is None,
            person["salesperson__name"] or "",
            person["salesperson_id"] or 0,
        ),
    )
    rows = [
        PipelineRow(
            key=group["salesperson_id"],
            label=group["salesperson__name"] or _("Unassigned"),
            count=group["opportunity_count"],
            amount=_money(group["amount"]),
            weighted=_weighted(group["amount_times_percent"]),
        )
        for group in groups
    ]
    if len(rows) <= top + 1:  # an "others" row for a single person would hide their name
        return rows
    rest = rows[top:]
    others = PipelineRow(
        key=None,
        label=ngettext("%(count)s other", "%(count)s others", len(rest)) % {"count": len(rest)},
        count=sum(row.count for row in rest),
        amount=sum((row.amount for row in rest), Decimal(0)),
        weighted=sum((row.weighted for row in rest), Decimal(0)),
    )
    return [*rows[:top], others]


@dataclass(frozen=True)
class SourceOutcome:
    key: int | None  # the source's id; None for "no source" and "others"
    label: str
    converted: int
    open: int
    lost: int

    @property
    def total(self) -> int:
        return self.converted + self.open + self.lost


def _utc_days(period: Period) -> tuple[tuple[date | None, date] | None, list[tuple]]:
    """The period as the whole UTC days it covers (first, last; first None for "all time"; None
    if it covers no whole UTC day) and the instants around them ([start, end) pairs): empty in
    UTC, up to a day at each end where the company's days start at another hour."""
    end = period.end_before.astimezone(UTC)
    end_midnight = datetime.combine(end.date(), time.min, tzinfo=UTC)
    last = end.date() - timedelta(days=1)
    edges = [(end_midnight, end)] if end > end_midnight else []
    if period.start_at is None:
        return (None, last), edges
    start = period.start_at.astimezone(UTC)
    start_midnight = datetime.combine(start.date(), time.min, tzinfo=UTC)
    first = start.date() if start == start_midnight else start.date() + timedelta(days=1)
    if first > last:
        return None, [(start, end)]
    if start > start_midnight:
        edges.insert(0, (start, datetime.combine(first, time.min, tzinfo=UTC)))
    return (first, last), edges


def _created_by_source_and_status(company: Company, period: Period) -> list[dict[str, Any]]:
    """The period's new leads counted per (source, status), shared by the lead sources card and
    the funnel's first step (their sum) on one dashboard. The whole UTC days come from the
    figures the database keeps per day (``LeadDayFigure``: a few rows a day however many leads
    there are); the hours around them, where the company's days do not start at midnight UTC,
    from the leads themselves."""

    def read() -> list[dict[str, Any]]:
        days, edges = _utc_days(period)
        reads = []
        if days is not None:
            first, last = days
            figures = LeadDayFigure.objects.filter(company=company, day__lte=last)
            if first is not None:
                figures = figures.filter(day__gte=first)
            reads.append((figures, Sum("lead_count")))
        if edges:
            hours = Q()
            for start, end in edges:
                hours |= Q(created_at__gte=start, created_at__lt=end)
            reads.append((Lead.objects.filter(hours, company=company), Count("pk")))
        counts: dict[tuple, dict[str, Any]] = {}
        for rows, count in reads:
            groups = rows.order_by().values("source_id", "source__name", "status")
            for row in groups.annotate(leads=count):
                key = (row["source_id"], row["status"])
                if key in counts:
                    counts[key]["leads"] += row["leads"]
                else:
                    counts[key] = row
        return [row for row in counts.values() if row["leads"]]

    key = ("leads.created_by_source", company.pk, period.start, period.end)
    return shared_read(key, read)


def lead_outcomes_by_source(
    *, company: Company, period: Period, top: int = TOP_SOURCES
) -> list[SourceOutcome]:
    """Leads created in the period per source: how many converted, are still open, were lost."""
    groups = _created_by_source_and_status(company, period)
    by_source: dict[int | None, dict[str, Any]] = {}
    for group in groups:
        row = by_source.setdefault(
            group["source_id"],
            {
                "label": group["source__name"] or _("No source"),
                "converted": 0,
                "open": 0,
                "lost": 0,
            },
        )
        outcome = {Lead.Status.CONVERTED: "converted", Lead.Status.LOST: "lost"}.get(
            group["status"], "open"
        )
        row[outcome] += group["leads"]
    rows = sorted(
        (SourceOutcome(key=key, **values) for key, values in by_source.items()),
        key=lambda row: (-row.total, row.label),
    )
    if len(rows) <= top + 1:
        return rows
    rest = rows[top:]
    others = SourceOutcome(
        key=None,
        label=ngettext("%(count)s other source", "%(count)s other sources", len(rest))
        % {"count": len(rest)},
        converted=sum(row.converted for row in rest),
        open=sum(row.open for row in rest),
        lost=sum(row.lost for row in rest),
    )
    return [*rows[:top], others]


# --- funnel steps ---------------------------------------------------------------------------


def leads_created(company: Company, period: Period) -> int:
    return sum(group["leads"] for group in _created_by_source_and_status(company, period))


def opportunities_from_leads(company: Company, period: Period) -> int:
    """Opportunities opened from the leads created in the period (whenever they were opened):
    counted off the lead's created date stored on the opportunity (its own index), not by
    joining every opportunity to its lead."""
    return Opportunity.objects.filter(company=company, **period.filter("lead_created_at")).count()


# Every figure here counts the whole company's records, so each link asks its list for
# everyone's (``owner=all``) in so many words: a list remembers "Mine" once it was chosen
# (crm.views.mixins.MyRecordsMixin), and would otherwise show fewer rows than the figure.
EVERYONE = {"owner": "all"}


def _lead_list_url(period: Period, **filters: Any) -> str:
    params = {**filters, "created_to": period.end.isoformat()}
    if period.start is not None:
        params["created_from"] = period.start.isoformat()
    return f"{reverse('leads:lead_list')}?{urlencode({**params, **EVERYONE})}"


def leads_created_url(period: Period) -> str:
    return _lead_list_url(period)


def opportunities_from_leads_url(period: Period) -> str:
    """The opportunities the step counts: those of the leads created in the period."""
    params = {"lead_created_to": period.end.isoformat()}
    if period.start is not None:
        params["lead_created_from"] = period.start.isoformat()
    return _opportunities_url(**params)


# --- widgets --------------------------------------------------------------------------------


def _opportunities_url(**filters: Any) -> str:
    return f"{reverse('leads:opportunity_list')}?{urlencode({**filters, **EVERYONE})}"


def _open_opportunities_url(**filters: Any) -> str:
    """The opportunities a pipeline card sums: the open ones (today)."""
    return _opportunities_url(outcome=OpportunityStage.Kind.OPEN, **filters)


def _pipeline_chart(
    *, id: str, title: str, rows: Sequence[PipelineRow], currency: str, label_header: str, url
):
    return bar_chart(
        id=id,
        title=title,
        data=[
            Datum(
                label=row.label,
                value=row.amount,
                secondary=row.weighted,
                url=url(row),
                note=ngettext("%(count)s opportunity", "%(count)s opportunities", row.count)
                % {"count": format_number(row.count)},
                count=row.count,
            )
            for row in rows
        ],
        value_label=_("Expected amount"),
        secondary_label=_("Weighted"),
        label_header=label_header,
        count_label=_("Opportunities"),
        format_value=money_formatter(currency, places=0),
        format_exact=money_formatter(currency),
        empty_text=_("No open opportunities yet. Convert a qualified lead to start the pipeline."),
    )


def _pipeline_figures(rows: Sequence[PipelineRow], currency: str) -> list[dict[str, str]]:
    return [
        {
            "label": _("Open pipeline"),
            "value": format_money(sum((r.amount for r in rows), Decimal(0)), currency, 0),
        },
        {
            "label": _("Weighted"),
            "value": format_money(sum((r.weighted for r in rows), Decimal(0)), currency, 0),
        },
        {"label": _("Opportunities"), "value": format_number(sum(r.count for r in rows))},
    ]


PIPELINE_SUBTITLE = gettext_lazy(
    "Opportunities open today, whatever the period. Weighted: amount × probability."
)


def pipeline_by_stage_widget(company: Company, user, period: Period) -> dict[str, Any]:
    rows = pipeline_by_stage(company=company)
    return {
        "chart": _pipeline_chart(
            id="chart-pipeline-stage",
            title=_("Open pipeline by stage"),
            rows=rows,
            currency=company.currency,
            label_header=_("Stage"),
            url=lambda row: _open_opportunities_url(stage=row.key),
        ),
        "subtitle": PIPELINE_SUBTITLE,
        "figures": _pipeline_figures(rows, company.currency),
        "actions": [{"url": _open_opportunities_url(), "label": _("All open opportunities")}],
        "link_hint": _("list these opportunities"),
    }


def pipeline_by_salesperson_widget(company: Company, user, period: Period) -> dict[str, Any]:
    rows = pipeline_by_salesperson(company=company)
    return {
        "chart": _pipeline_chart(
            id="chart-pipeline-salesperson",
            title=_("Open pipeline by salesperson"),
            rows=rows,
            currency=company.currency,
            label_header=_("Salesperson"),
            url=lambda row: _open_opportunities_url(salesperson=row.key) if row.key else "",
        ),
        "subtitle": PIPELINE_SUBTITLE,
        "link_hint": _("list their opportunities"),
    }


def lead_sources_widget(company: Company, user, period: Period) -> dict[str, Any]:
    rows = lead_outcomes_by_source(company=company, period=period)
    series = [
        Series("converted", _("converted"), style=0),
        Series("open", _("open"), style=1),
        Series("lost", _("lost"), style=2),
    ]
    chart = stacked_bar_chart(
        id="chart-lead-sources",
        title=_("Leads by source and outcome (%(period)s)") % {"period": period.label},
        series=series,
        data=[
            StackedDatum(
                label=row.label,
                values=[row.converted, row.open, row.lost],
                url=_lead_list_url(period, source=row.key) if row.key else "",
            )
            for row in rows
        ],
        label_header=_("Source"),
        total_label=_("Leads"),
        empty_text=_("No leads were created in this period. Choose a longer period above."),
    )
    return {
        "chart": chart,
        "subtitle": _("Leads created in the period: which sources bring leads that convert."),
        "link_hint": _("list these leads"),
    }


def _days(value: Decimal) -> str:
    return _("%(days)s d") % {"days": format_number(value, places=1)}


def time_in_stage_widget(company: Company, user, period: Period) -> dict[str, Any]:
    from leads.selectors import average_days_in_stage

    rows = [
        row
        for row in average_days_in_stage(company, since=period.start)
        if row.stage.kind == OpportunityStage.Kind.OPEN
    ]
    chart = bar_chart(
        id="chart-time-in-stage",
        title=_("Average days in stage (%(period)s)") % {"period": period.label},
        data=[
            Datum(
                label=row.stage.name,
                value=row.average_days,
                url=_opportunities_url(stage=row.stage.pk),
                note=ngettext("%(count)s move on", "%(count)s moves on", row.stays)
                % {"count": format_number(row.stays)},
                count=row.stays,
            )
            for row in rows
            if row.average_days is not None
        ],
        value_label=_("Average days"),
        label_header=_("Stage"),
        count_label=_("Moves on"),
        format_value=_days,
        empty_text=_("No opportunity left a stage in this period yet."),
    )
    return {
        "chart": chart,
        "subtitle": _("How long opportunities stay in each open stage before they move on."),
        "link_hint": _("list the opportunities in this stage"),
    }


def register() -> None:
    register_funnel_step(
        "leads",
        order=10,
        label=gettext_lazy("Leads"),
        count_fn=leads_created,
        url_fn=leads_created_url,
    )
    register_funnel_step(
        "opportunities",
        order=20,
        label=gettext_lazy("Opportunities"),
        count_fn=opportunities_from_leads,
        url_fn=opportunities_from_leads_url,
    )
    register_widget(
        "pipeline_by_stage",
        order=30,
        title=gettext_lazy("Pipeline by stage"),
        template=CHART_WIDGET,
        context_fn=pipeline_by_stage_widget,
    )
    register_widget(
        "time_in_stage",
        order=45,
        title=gettext_lazy("Time in stage"),
        template=CHART_WIDGET,
        context_fn=time_in_stage_widget,
    )
    register_widget(
        "pipeline_by_salesperson",
        order=40,
        title=gettext_lazy("Pipeline by salesperson"),
        template=CHART_WIDGET,
        context_fn=pipeline_by_salesperson_widget,
    )
    register_widget(
        "lead_sources",
        order=20,
        title=gettext_lazy("Lead sources"),
        template=CHART_WIDGET,
        context_fn=lead_sources_widget,
    )
