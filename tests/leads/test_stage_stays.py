"""Each stage stay's stored end (``left_at``): written by the move that ends it, filled for old
rows by the migration, checked and repaired by verify_figures, and what time in stage reads."""

import importlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection

from crm.models import SystemEvent
from leads.models import Opportunity, OpportunityStageChange
from leads.selectors import average_days_in_stage
from leads.services import opportunity_save, opportunity_set_stage
from tests.factories import OpportunityStageFactory

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def pipeline(company):
    return {
        "prospecting": OpportunityStageFactory(
            company=company, name="Prospecting", order=10, probability=10
        ),
        "proposal": OpportunityStageFactory(
            company=company, name="Proposal", order=20, probability=50
        ),
        "won": OpportunityStageFactory(
            company=company, name="Won", order=30, probability=100, kind="won"
        ),
    }


def _walked(company, pipeline, member, title="Monitors", days=(3, 5)):
    """Opened at START, to Proposal ``days[0]`` later, to Won ``days[1]`` after that."""
    with time_machine.travel(START, tick=False) as clock:
        opportunity = opportunity_save(
            opportunity=Opportunity(
                company=company,
                title=title,
                stage=pipeline["prospecting"],
                probability=10,
                expected_amount=Decimal("100.00"),
            ),
            actor=member,
        )
        clock.shift(timedelta(days=days[0]))
        opportunity_set_stage(opportunity=opportunity, stage=pipeline["proposal"], actor=member)
        clock.shift(timedelta(days=days[1]))
        opportunity_set_stage(opportunity=opportunity, stage=pipeline["won"], actor=member)
    return opportunity


def _rows(opportunity):
    return list(
        OpportunityStageChange.objects.filter(opportunity=opportunity).order_by("changed_at", "pk")
    )


def test_each_move_ends_the_stay_it_leaves_at_the_moment_of_the_move(company, pipeline, member):
    opportunity = _walked(company, pipeline, member)
    opened, proposed, won = _rows(opportunity)
    assert opened.left_at == proposed.changed_at == START + timedelta(days=3)
    assert proposed.left_at == won.changed_at == START + timedelta(days=8)
    assert won.left_at is None  # still there


def test_time_in_stage_is_the_stored_stays(company, pipeline, member):
    _walked(company, pipeline, member, title="A", days=(2, 4))
    _walked(company, pipeline, member, title="B", days=(4, 8))
    averages = {row.stage.name: row for row in average_days_in_stage(company)}
    assert (averages["Prospecting"].average_days, averages["Prospecting"].stays) == (
        Decimal("3.0"),
        2,
    )
    assert (averages["Proposal"].average_days, averages["Proposal"].stays) == (Decimal("6.0"), 2)
    assert (averages["Won"].average_days, averages["Won"].stays) == (None, 0)
    # Stays that ended before the period are left out: B left Prospecting on day 4, A on day 2.
    later = {
        row.stage.name: row.stays
        for row in average_days_in_stage(company, since=START + timedelta(days=3))
    }
    assert later == {"Prospecting": 1, "Proposal": 2, "Won": 0}


def test_the_migration_fills_the_ends_of_existing_stays(company, pipeline, member):
    opportunity = _walked(company, pipeline, member)
    expected = [row.left_at for row in _rows(opportunity)]
    OpportunityStageChange.objects.update(left_at=None)
    migration = importlib.import_module("leads.migrations.0010_stage_change_left_at")
    with connection.cursor() as cursor:
        cursor.execute(migration.FILL_LEFT_AT)
    assert [row.left_at for row in _rows(opportunity)] == expected


def run(*args) -> str:
    out = StringIO()
    call_command("verify_figures", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_verify_figures_finds_and_repairs_a_wrong_stay_end(company, pipeline, member):
    opportunity = _walked(company, pipeline, member)
    _walked(company, pipeline, member, title="Untouched")
    assert "Every stored figure agrees" in run("--company", company.slug, "--only", "stage_stays")
    opened = _rows(opportunity)[0]
    OpportunityStageChange.objects.filter(pk=opened.pk).update(left_at=None)

    with pytest.raises(CommandError, match="1 row"):
        run("--company", company.slug, "--only", "stage_stays")
    out = run("--company", company.slug, "--only", "stage_stays", "--fix")

    assert "Monitors" in out
    assert "left “Prospecting”: still there stored" in out
    assert "Fixed: 1 row." in out
    assert _rows(opportunity)[0].left_at == START + timedelta(days=3)
    event = SystemEvent.objects.get(data__event="figure_repaired")
    assert event.owner_id == opportunity.pk
    assert "Every stored figure agrees" in run("--company", company.slug, "--only", "stage_stays")
