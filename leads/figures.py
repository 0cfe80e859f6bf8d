"""The stage-stay check of ``manage.py verify_figures`` (crm.figures): every stage history row's
stored ``left_at`` against the time of the opportunity's next row, which is what the dashboard's
time in stage subtracts from."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.event_text import event_message, joined, render
from crm.figures import Difference
from crm.models import Company
from crm.timeline import activity_log_event
from leads.models import Opportunity, OpportunityStageChange
from leads.services import next_stage_change_at, stage_stays_close

CHUNK = 2000


def _when(moment) -> str:
    return formats.date_format(moment, "DATETIME_FORMAT") if moment else _("still there")


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
        rows = (
            model.objects.filter(company=company)
            .values_list("pk", "lead_created_at", "lead__created_at")
            .order_by("pk")
        )
        wrong: dict[int, tuple] = {}
        for pk, stored, expected in rows.iterator(chunk_size=CHUNK):
            if stored != expected:
                wrong[pk] = (stored, expected)
            advance()
        records = model.objects.filter(company=company, pk__in=list(wrong)).order_by("pk")
        return [
            Difference(
                record=record,
                problems=[render(_lead_created_problem(*wrong[record.pk]))],
                repair=lambda pk=record.pk: repair(company.pk, pk),
            )
            for record in records
        ]

    return find
