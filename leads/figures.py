"""The stage-stay check of ``manage.py verify_figures`` (crm.figures): every stage history row's
stored ``left_at`` against the time of the opportunity's next row, which is what the dashboard's
time in stage subtracts from."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import (
    BigIntegerField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Round, TruncDate
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from crm.event_text import event_message, joined, render
from crm.figures import Difference, stored_differences
from crm.kept_figures import by_salesperson, figure_check
from crm.models import Company
from crm.timeline import activity_log_event
from leads.kept import LEAD_DAYS, PIPELINE, STAGE_STAYS
from leads.models import (
    Lead,
    LeadDayFigure,
    LeadSource,
    Opportunity,
    OpportunityStage,
    OpportunityStageChange,
    StageStayFigure,
)
from leads.services import next_stage_change_at, stage_stays_close

CHUNK = 2000


def _when(moment) -> str:
    return (
        formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")
        if moment
        else _("still there")
    )


def _problem(row: OpportunityStageChange, expected) -> str:
    return _("left “%(stage)s”: %(stored)s stored, %(computed)s in the history") % {
        "stage": row.to_stage.name,
        "stored": _when(row.left_at),
        "computed": _when(expected),
    }


def _event_when(moment):
    """A moment in a timeline entry: the same digits in every language (the company's time)."""
    if not moment:
        return event_message(gettext_noop("still there"))
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _problem_event(row: OpportunityStageChange, expected) -> dict:
    """``_problem`` for the timeline, read in the reader's language."""
    return event_message(
        gettext_noop("left “%(stage)s”: %(stored)s stored, %(computed)s in the history"),
        stage=row.to_stage.name,
        stored=_event_when(row.left_at),
        computed=_event_when(expected),
    )


def _disagreeing(opportunity_id: int, company_id: int) -> list[OpportunityStageChange]:
    rows = (
        OpportunityStageChange.objects.filter(company=company_id, opportunity_id=opportunity_id)
        .annotate(expected=next_stage_change_at())
        .select_related("to_stage")
        .order_by("changed_at", "pk")
    )
    return [row for row in rows if row.left_at != row.expected]


def _problems(opportunity_id: int, company_id: int) -> list[str]:
    return [_problem(row, row.expected) for row in _disagreeing(opportunity_id, company_id)]


def _repair(opportunity: Opportunity) -> list[str]:
    with transaction.atomic():
        Opportunity.objects.select_for_update(of=("self",)).get(
            company=opportunity.company_id, pk=opportunity.pk
        )
        rows = _disagreeing(opportunity.pk, opportunity.company_id)
        if not rows:
            return []
        problems = [_problem(row, row.expected) for row in rows]
        stage_stays_close(company_id=opportunity.company_id, opportunity_ids=[opportunity.pk])
        activity_log_event(
            owner=opportunity,
            kind="other",
            message=event_message(
                gettext_noop(
                    "The stored end of a stage stay disagreed with the stage history and was "
                    "recomputed: %(problems)s."
                ),
                problems=joined([_problem_event(row, row.expected) for row in rows], "; "),
            ),
            data={"event": "figure_repaired", "problems": problems},
        )
    return problems


def stage_stays_count(company: Company) -> int:
    return OpportunityStageChange.objects.filter(company=company).count()


def stage_stays_find(company: Company, advance: Callable[[], None]) -> list[Difference]:
    rows = (
        OpportunityStageChange.objects.filter(company=company)
        .annotate(expected=next_stage_change_at())
        .values_list("opportunity_id", "left_at", "expected")
        .order_by("opportunity_id", "changed_at", "pk")
    )
    wrong: list[int] = []
    for opportunity_id, left_at, expected in rows.iterator(chunk_size=CHUNK):
        if left_at != expected and (not wrong or wrong[-1] != opportunity_id):
            wrong.append(opportunity_id)
        advance()
    opportunities = Opportunity.objects.filter(company=company, pk__in=wrong).order_by("pk")
    return [
        Difference(
            record=opportunity,
            problems=_problems(opportunity.pk, company.pk),
            repair=lambda o=opportunity: _repair(o),
        )
        for opportunity in opportunities
    ]


# --- the lead's created date kept on opportunities and customer links --------------------------
# The funnel counts the period's opportunities and customers off ``lead_created_at``, a copy of
# the created date of the lead each row came from (``KeepsLeadCreatedAt``). One check per model
# that keeps it: each app registers its own (customers its links), through these two builders.


def _lead_created_problem(stored, expected) -> dict:
    """A disagreeing copy, as a crm.event_text message (the timeline's and the report's)."""
    return event_message(
        gettext_noop("lead created: %(stored)s stored, %(computed)s on the lead"),
        stored=_lead_date_text(stored),
        computed=_lead_date_text(expected),
    )


def _lead_date_text(moment):
    if not moment:
        return event_message(gettext_noop("no lead"))
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def lead_created_at_count(model) -> Callable[[Company], int]:
    def count(company: Company) -> int:
        return model.objects.filter(company=company).count()

    return count


def lead_created_at_find(
    model, *, timeline_owner: Callable
) -> Callable[[Company, Callable[[], None]], list[Difference]]:
    """``find`` for verify_figures: every row of ``model`` whose stored ``lead_created_at`` is not
    its lead's created date (none without a lead); the repair copies the lead's date under the
    row's lock and logs it on ``timeline_owner(row)``'s timeline."""

    def repair(company_id: int, pk: int) -> list[str]:
        with transaction.atomic():
            row = (
                model.objects.select_for_update(of=("self",))
                .filter(company=company_id, pk=pk)
                .values_list("lead_created_at", "lead__created_at")
                .first()
            )
            if row is None or row[0] == row[1]:
                return []
            stored, expected = row
            model.objects.filter(company=company_id, pk=pk).update(lead_created_at=expected)
            problem = _lead_created_problem(stored, expected)
            record = model.objects.get(company=company_id, pk=pk)
            activity_log_event(
                owner=timeline_owner(record),
                kind="other",
                message=event_message(
                    gettext_noop(
                        "The stored created date of the lead disagreed with the lead and was "
                        "copied again: %(problems)s."
                    ),
                    problems=problem,
                ),
                data={"event": "figure_repaired", "problems": [render(problem)]},
            )
        return [render(problem)]

    def find(company: Company, advance: Callable[[], None]) -> list[Difference]:
        rows = model.objects.filter(company=company).values_list(
            "pk", "lead_created_at", "lead__created_at"
        )
        return stored_differences(
            company,
            rows,
            advance,
            problem=_lead_created_problem,
            repair=lambda pk: repair(company.pk, pk),
            chunk=CHUNK,
        )

    return find


# --- the figures the database keeps (leads.kept): recounted from their rows -------------------
# Triggers keep them with every write (``crm.kept_figures``), so a difference means the triggers
# were off (a restore without them, a hand edit of the figures). A repair recounts the company's
# figures under a lock on them (``KeptFigures.rebuild``).

# The opportunities' own figures, as the triggers add them up: integer arithmetic, exact on
# every database (amounts are never negative, so adding 50 before the integer division rounds
# half up).
_CENTS = Cast(Round(F("expected_amount") * 100), output_field=BigIntegerField())
_PERCENT_CENTS = ExpressionWrapper(_CENTS * F("probability"), output_field=BigIntegerField())
_WEIGHTED_CENTS = ExpressionWrapper(
    (_CENTS * F("probability") + Value(50)) / Value(100), output_field=BigIntegerField()
)


def pipeline_counted(company: Company | int) -> dict[tuple, tuple]:
    """(stage id, salesperson id) -> (count, cents, cents × probability, weighted cents), as
    the company's opportunities say."""
    rows = (
        Opportunity.objects.filter(company=company)
        .order_by()
        .values_list("stage_id", "salesperson_id")
        .annotate(
            count=Count("*"),
            cents=Sum(_CENTS),
            percent=Sum(_PERCENT_CENTS),
            weighted=Sum(_WEIGHTED_CENTS),
        )
    )
    return {(stage, person): tuple(s or 0 for s in sums) for stage, person, *sums in rows}


def lead_days_counted(company: Company | int) -> dict[tuple, tuple]:
    """(UTC day, source id, status) -> (leads,), as the company's leads say."""
    rows = (
        Lead.objects.filter(company=company)
        .order_by()
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values_list("day", "source_id", "status")
        .annotate(count=Count("*"))
    )
    return {(day, source, status): (count,) for day, source, status, count in rows}


def _money(cents: int) -> str:
    return formats.number_format(Decimal(cents) / 100, 2, use_l10n=True, force_grouping=True)


def _pipeline_text(sums: tuple) -> str:
    count, cents, _percent, weighted = sums
    return ngettext(
        "%(count)s opportunity, %(amount)s, weighted %(weighted)s",
        "%(count)s opportunities, %(amount)s, weighted %(weighted)s",
        count,
    ) % {"count": count, "amount": _money(cents), "weighted": _money(weighted)}


# One difference per stage whose figures disagree with its opportunities.
pipeline_figures_count, pipeline_figures_find = figure_check(
    PIPELINE,
    counted=pipeline_counted,
    group=lambda key: key[0],
    record=lambda company, stage_id: OpportunityStage.objects.get(company=company, pk=stage_id),
    describe=by_salesperson(
        gettext_lazy("%(salesperson)s: %(stored)s stored, %(counted)s in the opportunities"),
        _pipeline_text,
    ),
)


def _lead_day_problems(company: Company):
    sources = dict(LeadSource.objects.filter(company=company).values_list("pk", "name"))
    statuses = dict(Lead.Status.choices)

    def text(key: tuple, stored: tuple, counted: tuple) -> str:
        _day, source, status = key
        return _("%(source)s, %(status)s: %(stored)s stored, %(counted)s leads") % {
            "source": sources.get(source, source) if source else _("No source"),
            "status": statuses.get(status, status),
            "stored": stored[0],
            "counted": counted[0],
        }

    return text


# One difference per UTC day whose figures disagree with its leads.
lead_day_figures_count, lead_day_figures_find = figure_check(
    LEAD_DAYS,
    counted=lead_days_counted,
    group=lambda key: key[0],
    record=lambda company, day: LeadDayFigure(company=company, day=day),
    describe=_lead_day_problems,
)


def stage_stays_counted(company: Company | int) -> dict[tuple, tuple]:
    """(UTC day the stay ended, stage id) -> (finished stays, microseconds spent in all), as
    the company's stage history says."""
    rows = (
        OpportunityStageChange.objects.filter(company=company, left_at__isnull=False)
        .order_by()
        .annotate(day=TruncDate("left_at", tzinfo=UTC))
        .values_list("day", "to_stage_id")
        .annotate(
            count=Count("*"),
            spent=Sum(
                ExpressionWrapper(F("left_at") - F("changed_at"), output_field=DurationField())
            ),
        )
    )
    return {
        (day, stage): (count, (spent or timedelta(0)) // timedelta(microseconds=1))
        for day, stage, count, spent in rows
    }


def _stays_text(sums: tuple) -> str:
    count, microseconds = sums
    days = formats.number_format(Decimal(microseconds) / 86_400_000_000, 3, use_l10n=True)
    return ngettext(
        "%(count)s stay, %(days)s days in all", "%(count)s stays, %(days)s days in all", count
    ) % {"count": count, "days": days}


def _stage_stay_problems(company: Company):
    names = dict(OpportunityStage.objects.filter(company=company).values_list("pk", "name"))

    def text(key: tuple, stored: tuple, counted: tuple) -> str:
        stage = key[1]
        return _("%(stage)s: %(stored)s stored, %(counted)s in the stage history") % {
            "stage": names.get(stage, stage),
            "stored": _stays_text(stored),
            "counted": _stays_text(counted),
        }

    return text


# One difference per UTC day whose stay figures disagree with the stage history.
stage_stay_figures_count, stage_stay_figures_find = figure_check(
    STAGE_STAYS,
    counted=stage_stays_counted,
    group=lambda key: key[0],
    record=lambda company, day: StageStayFigure(company=company, day=day),
    describe=_stage_stay_problems,
)
