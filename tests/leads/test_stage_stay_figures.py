"""The finished stage stays the database keeps per (UTC day they ended, stage) (leads.kept
STAGE_STAYS): every write path keeps them equal to the stage history, the dashboard's time in
stage reads them and shows what the history itself says, and verify_figures repairs a wrong one."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F
from django.utils import timezone

from crm.ui.charts import format_number
from crm.ui.dashboard import Period
from leads.dashboard import _days as days_text
from leads.dashboard import time_in_stage_widget
from leads.figures import stage_stays_counted
from leads.kept import STAGE_STAYS
from leads.models import Opportunity, OpportunityStage, OpportunityStageChange, StageStayFigure
from leads.selectors import _days, average_days_in_stage
from leads.services import (
    opportunity_delete,
    opportunity_save,
    opportunity_set_stage,
    stage_stays_close,
)
from tests.factories import OpportunityStageFactory

START = datetime(2026, 10, 28, 9, 17, 23, 456789, tzinfo=UTC)


@pytest.fixture
def pipeline(company):
    return [
        OpportunityStageFactory(company=company, name="Prospecting", order=10, probability=10),
        OpportunityStageFactory(company=company, name="Proposal", order=20, probability=50),
        OpportunityStageFactory(company=company, name="Talks", order=30, probability=70),
        OpportunityStageFactory(company=company, name="Won", order=40, probability=100, kind="won"),
    ]


def agree(company) -> bool:
    return STAGE_STAYS.stored(company) == stage_stays_counted(company)


def _walk(company, member, pipeline, *, start, gaps, title="Monitors"):
    """Opened at ``start``, then one stage on after each of ``gaps`` (timedeltas)."""
    with time_machine.travel(start, tick=False) as clock:
        opportunity = opportunity_save(
            opportunity=Opportunity(
                company=company,
                title=title,
                stage=pipeline[0],
                probability=10,
                expected_amount=Decimal("100.00"),
            ),
            actor=member,
        )
        for stage, gap in zip(pipeline[1:], gaps, strict=False):
            clock.shift(gap)
            opportunity_set_stage(opportunity=opportunity, stage=stage, actor=member)
    return opportunity


def _history(company, member, pipeline, count=12):
    """Stays of odd lengths (seconds and microseconds) ending on every hour of several days."""
    for n in range(count):
        _walk(
            company,
            member,
            pipeline,
            start=START + timedelta(hours=7 * n, microseconds=n * 37),
            gaps=[
                timedelta(days=n % 4, hours=3 * n + 1, seconds=n * 11, microseconds=n * 1001),
                timedelta(hours=5 + n, minutes=n, microseconds=999_999 - n),
                timedelta(days=1 + n % 3, seconds=7),
            ][: 1 + n % 3],
            title=f"Opportunity {n}",
        )


def _as_today(company, since):
    """Time in stage as the dashboard computed it before the figures: the average of every
    finished stay's length, over the history rows that ended at or after ``since``."""
    stays = OpportunityStageChange.objects.filter(company=company, left_at__isnull=False)
    if since is not None:
        if isinstance(since, date) and not isinstance(since, datetime):
            since = timezone.make_aware(datetime.combine(since, datetime.min.time()))
        stays = stays.filter(left_at__gte=since)
    rows = {
        row["to_stage_id"]: row
        for row in stays.annotate(
            duration=ExpressionWrapper(F("left_at") - F("changed_at"), output_field=DurationField())
        )
        .order_by()
        .values("to_stage_id")
        .annotate(average=Avg("duration"), stays=Count("*"))
    }
    return [
        (stage_id, _days(row["average"]) if row else None, row["stays"] if row else 0)
        for stage_id in company_stage_ids(company)
        for row in [rows.get(stage_id)]
    ]


def company_stage_ids(company):
    return list(
        OpportunityStage.objects.filter(company=company)
        .order_by("order", "pk")
        .values_list("pk", flat=True)
    )


def _now_shown(company, since):
    return [
        (row.stage.pk, row.average_days, row.stays)
        for row in average_days_in_stage(company, since=since)
    ]


def test_the_triggers_are_installed(db):
    assert STAGE_STAYS.installed(connection)


def test_every_write_path_keeps_the_stay_figures(company, member, pipeline):
    first = _walk(company, member, pipeline, start=START, gaps=[timedelta(days=2, microseconds=5)])
    assert STAGE_STAYS.stored(company) == {
        (date(2026, 10, 30), pipeline[0].pk): (1, (2 * 86400) * 10**6 + 5)
    }
    _history(company, member, pipeline)
    assert agree(company)
    # A hand-written history (the demo's back-dated one), closed by the service.
    OpportunityStageChange.objects.filter(company=company, opportunity=first).update(
        left_at=None, changed_at=F("changed_at") - timedelta(hours=30)
    )
    assert agree(company)
    assert stage_stays_close(company_id=company.pk, opportunity_ids=[first.pk])
    assert agree(company)
    OpportunityStageChange.objects.bulk_create(
        OpportunityStageChange(
            company=company,
            opportunity=first,
            from_stage=pipeline[1],
            to_stage=pipeline[2],
            changed_at=START - timedelta(days=9),
            left_at=START - timedelta(days=8, seconds=1),
            probability=70,
        )
        for _ in range(2)
    )
    assert agree(company)
    opportunity_delete(opportunity=first, actor=member)
    assert agree(company)
    Opportunity.objects.filter(company=company).delete()
    assert agree(company)
    assert STAGE_STAYS.stored(company) == {}


@pytest.mark.parametrize("zone", ["UTC", "Asia/Jakarta", "America/St_Johns"])
def test_time_in_stage_shows_what_the_history_says(company, member, pipeline, zone):
    """Whole UTC days from the figures, the hours before the first of them from the history:
    the same averages and counts as the history alone, to the tenth of a day shown."""
    _history(company, member, pipeline, count=16)
    with timezone.override(ZoneInfo(zone)):
        for since in [
            None,
            date(2026, 10, 29),
            date(2026, 10, 30),
            date(2026, 11, 1),
            date(2026, 11, 3),
            date(2026, 12, 1),
            START + timedelta(days=1, hours=13),
        ]:
            assert _now_shown(company, since) == _as_today(company, since), since


@pytest.mark.parametrize("zone", ["UTC", "Asia/Jakarta", "America/St_Johns"])
def test_the_card_is_the_same_under_the_test_clock(company, member, pipeline, zone):
    _history(company, member, pipeline, count=10)
    with (
        time_machine.travel(START + timedelta(days=6, hours=5), tick=False),
        timezone.override(ZoneInfo(zone)),
    ):
        today = timezone.localdate()
        for start in [None, today - timedelta(days=3), today - timedelta(days=29)]:
            period = Period(start=start, end=today, label="test")
            bars = [
                (bar.label, bar.value_text, bar.count_text)
                for bar in time_in_stage_widget(company, member, period)["chart"].rows
            ]
            expected = [
                (name, days_text(average), format_number(stays))
                for (stage_id, average, stays), name in zip(
                    _as_today(company, start),
                    ["Prospecting", "Proposal", "Talks", "Won"],
                    strict=True,
                )
                if average is not None and name != "Won"
            ]
            assert bars == expected


def test_verify_figures_repairs_the_stay_figures(company, member, pipeline):
    _walk(company, member, pipeline, start=START, gaps=[timedelta(days=2)])
    StageStayFigure.objects.filter(company=company).update(stay_count=3)
    with pytest.raises(CommandError, match="1 row"):
        call_command(
            "verify_figures",
            "--company",
            company.slug,
            "--only",
            "stage_stay_figures",
            stdout=StringIO(),
        )
    call_command(
        "verify_figures",
        "--company",
        company.slug,
        "--only",
        "stage_stay_figures",
        "--fix",
        stdout=StringIO(),
    )
    assert agree(company)
