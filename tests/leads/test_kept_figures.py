"""The figures the database keeps (leads.kept): the pipeline per (stage, salesperson) and the new
leads per (UTC day, source, status). Every write path keeps them equal to their rows, the board
and dashboard read them and show what the rows say, and verify_figures repairs a wrong one."""

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from django_scopes import scope

from crm.kept_figures import CursorExecutor, reinstall_missing
from crm.ui.dashboard import Period
from customers.services import opportunity_convert_to_customer
from leads.dashboard import (
    lead_outcomes_by_source,
    leads_created,
    pipeline_by_salesperson,
    pipeline_by_stage,
)
from leads.figures import lead_days_counted, pipeline_counted
from leads.kept import LEAD_DAYS, PIPELINE
from leads.models import Lead, LeadDayFigure, Opportunity, OpportunityStage, PipelineFigure
from leads.selectors import pipeline_board, pipeline_column_more
from leads.services import (
    lead_convert_to_opportunity,
    lead_set_status,
    opportunity_assign_salesperson,
    opportunity_delete,
    opportunity_set_stage,
)
from selling.kept import BOOKED_DAYS
from tests.factories import (
    CustomerTypeFactory,
    LeadFactory,
    LeadSourceFactory,
    OpportunityFactory,
    OpportunityStageFactory,
    SalespersonFactory,
)


def agree(company) -> bool:
    return PIPELINE.stored(company) == pipeline_counted(company) and LEAD_DAYS.stored(
        company
    ) == lead_days_counted(company)


@pytest.fixture
def stages(company):
    return {
        "new": OpportunityStageFactory(company=company, name="New", order=1, probability=10),
        "proposal": OpportunityStageFactory(
            company=company, name="Proposal", order=2, probability=55
        ),
        "won": OpportunityStageFactory(
            company=company, name="Won", order=3, probability=100, kind="won"
        ),
    }


@pytest.fixture
def people(company):
    return [SalespersonFactory(company=company, name=name) for name in ("Ana", "Budi")]


def test_the_triggers_are_installed(db):
    # After every migration: on SQLite a later migration of a source table (selling 0012 adds a
    # column to the orders) rebuilds it and drops its triggers; migrate puts them back.
    assert PIPELINE.installed(connection) and LEAD_DAYS.installed(connection)
    assert BOOKED_DAYS.installed(connection)


def test_migrate_puts_lost_triggers_back_and_recounts(company, stages, people):
    if connection.vendor == "postgresql":
        # The test's transaction holds deferred reference checks, and PostgreSQL alters no
        # table with trigger events pending; migrate runs with none.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    OpportunityFactory(
        company=company, stage=stages["new"], salesperson=people[0], expected_amount=Decimal("50")
    )
    PIPELINE.uninstall(CursorExecutor(connection))  # what a table rebuild does on SQLite
    OpportunityFactory(company=company, stage=stages["new"], expected_amount=Decimal("7"))
    assert not PIPELINE.installed(connection)
    assert not agree(company)  # the second opportunity went uncounted

    reinstall_missing(using="default", plan=[])

    assert PIPELINE.installed(connection)
    assert agree(company)
    OpportunityFactory(company=company, stage=stages["proposal"], expected_amount=Decimal("3"))
    assert agree(company)


def test_every_write_path_keeps_the_figures(company, member, stages, people):
    ana, budi = people
    # save(): the forms, the admin and the API save through the model.
    first = OpportunityFactory(
        company=company, stage=stages["new"], salesperson=ana, expected_amount=Decimal("100.05")
    )
    OpportunityFactory(company=company, stage=stages["new"], expected_amount=Decimal("19.99"))
    assert agree(company)
    assert PIPELINE.stored(company)[(stages["new"].pk, ana.pk)] == (1, 10005, 100050, 1001)
    # bulk_create: imports and generate_data.
    Opportunity.objects.bulk_create(
        Opportunity(
            company=company,
            title=f"Bulk {n}",
            stage=stages["proposal"],
            salesperson=budi,
            probability=33,
            expected_amount=Decimal("10.01") * n,
        )
        for n in range(1, 6)
    )
    assert agree(company)
    # The services: stage moves, assignment, conversion, winning, deleting.
    opportunity_set_stage(opportunity=first, stage=stages["proposal"], actor=member)
    opportunity_assign_salesperson(opportunity=first, salesperson=budi, actor=member)
    assert agree(company)
    lead = LeadFactory(company=company, salesperson=ana)
    converted = lead_convert_to_opportunity(lead=lead, actor=member, stage=stages["new"])
    assert agree(company)
    CustomerTypeFactory(company=company, is_business=False)
    CustomerTypeFactory(company=company, is_business=True)
    opportunity_convert_to_customer(opportunity=converted, actor=member)
    assert agree(company)
    opportunity_delete(opportunity=first, actor=member)
    assert agree(company)
    # QuerySet.update(): the bulk actions; and a change that touches no figure writes none.
    Opportunity.objects.filter(company=company, salesperson=budi).update(
        salesperson=ana, probability=70
    )
    Opportunity.objects.filter(company=company).update(title="Renamed")
    assert agree(company)
    Opportunity.objects.filter(company=company).exclude(pk=converted.pk).delete()
    assert agree(company)
    assert list(PIPELINE.stored(company).values()) == [(1, 0, 0, 0)]


def test_figures_stay_in_their_company(company, other_company, stages):
    OpportunityFactory(company=company, stage=stages["new"], expected_amount=Decimal("5"))
    with scope(company=other_company):
        OpportunityFactory(company=other_company, expected_amount=Decimal("7"))
        assert PipelineFigure.objects.filter(company=other_company).get().amount_cents == 700
    assert PipelineFigure.objects.filter(company=company).get().amount_cents == 500


def test_the_board_and_dashboard_read_the_same_figures_as_the_opportunities(
    company, stages, people
):
    ana, budi = people
    amounts = [Decimal("0.05"), Decimal("10.49"), Decimal("999.99"), Decimal("1234.50")]
    for n, amount in enumerate(amounts * 3):
        OpportunityFactory(
            company=company,
            stage=[stages["new"], stages["proposal"], stages["won"]][n % 3],
            salesperson=[ana, budi, None, ana][n % 4],
            probability=[15, 55, 87][n % 3],
            expected_amount=amount,
        )
    board = pipeline_board(company=company)
    for column in board.columns:
        mine = Opportunity.objects.filter(company=company, stage=column.stage)
        assert column.count == mine.count()
        assert column.total == sum((o.expected_amount for o in mine), Decimal("0.00"))
        assert column.weighted_total == sum(
            (
                (o.expected_amount * o.probability / 100).quantize(Decimal("0.01"), "ROUND_HALF_UP")
                for o in mine
            ),
            Decimal("0.00"),
        )
    only_ana = pipeline_board(company=company, salesperson_id=ana.pk)
    assert (
        sum(c.count for c in only_ana.columns)
        == Opportunity.objects.filter(company=company, salesperson=ana).count()
    )
    more = pipeline_column_more(company=company, stage=stages["new"], offset=0)
    assert more.count == Opportunity.objects.filter(company=company, stage=stages["new"]).count()

    open_rows = pipeline_by_stage(company=company)
    assert [row.label for row in open_rows] == ["New", "Proposal"]
    for row in open_rows:
        mine = Opportunity.objects.filter(company=company, stage_id=row.key)
        assert row.count == mine.count()
        assert row.amount == sum((o.expected_amount for o in mine), Decimal("0.00"))
        weighted = sum((o.expected_amount * o.probability for o in mine), Decimal(0)) / 100
        assert row.weighted == weighted.quantize(Decimal("0.01"), "ROUND_HALF_UP")
    by_person = {row.label: row.count for row in pipeline_by_salesperson(company=company)}
    open_ones = Opportunity.objects.filter(company=company, stage__kind="open")
    expected = {
        "Ana": open_ones.filter(salesperson=ana).count(),
        "Budi": open_ones.filter(salesperson=budi).count(),
        "Unassigned": open_ones.filter(salesperson=None).count(),
    }
    assert all(expected.values())
    assert by_person == expected


def test_a_salesperson_without_open_opportunities_is_not_on_the_dashboard(
    company, member, stages, people
):
    ana, _ = people
    opportunity = OpportunityFactory(company=company, stage=stages["new"], salesperson=ana)
    opportunity_set_stage(opportunity=opportunity, stage=stages["won"], actor=member)
    assert pipeline_by_salesperson(company=company) == []
    assert [row.count for row in pipeline_by_stage(company=company)] == [0, 0]


def test_verify_figures_finds_and_repairs_a_wrong_figure(company, stages, people):
    OpportunityFactory(company=company, stage=stages["new"], salesperson=people[0])
    OpportunityFactory(company=company, stage=stages["proposal"], expected_amount=Decimal("3"))
    PipelineFigure.objects.filter(company=company, stage=stages["new"]).update(opportunity_count=5)
    PipelineFigure.objects.filter(company=company, stage=stages["proposal"]).delete()
    out = StringIO()
    with pytest.raises(CommandError, match="2 rows disagree"):
        call_command(
            "verify_figures", "--company", company.slug, "--only", "pipeline_figures", stdout=out
        )
    assert "New" in out.getvalue() and "Proposal" in out.getvalue()
    assert "1 opportunity, 3.00, weighted 0.30 in the opportunities" in out.getvalue()
    assert not agree(company)
    out = StringIO()
    call_command(
        "verify_figures",
        "--company",
        company.slug,
        "--only",
        "pipeline_figures",
        "--fix",
        stdout=out,
    )
    assert agree(company)
    out = StringIO()
    call_command(
        "verify_figures", "--company", company.slug, "--only", "pipeline_figures", stdout=out
    )
    assert "Every stored figure agrees" in out.getvalue()


# --- the new leads per UTC day ---------------------------------------------------------------


def _lead_at(company, moment, **fields):
    lead = LeadFactory(company=company, **fields)
    Lead.objects.filter(pk=lead.pk).update(created_at=moment)  # the UPDATE trigger moves it
    return lead


def test_every_write_path_keeps_the_lead_day_figures(company, member, stages):
    web, fair = LeadSourceFactory(company=company), LeadSourceFactory(company=company)
    first = _lead_at(company, datetime(2026, 3, 1, 23, 59, tzinfo=UTC), source=web)
    _lead_at(company, datetime(2026, 3, 2, 0, 0, tzinfo=UTC))
    assert LEAD_DAYS.stored(company) == {
        (date(2026, 3, 1), web.pk, "new"): (1,),
        (date(2026, 3, 2), None, "new"): (1,),
    }
    Lead.objects.bulk_create(
        Lead(company=company, last_name=f"Bulk {n}", source=fair, email=f"b{n}@example.com")
        for n in range(4)
    )
    assert agree(company)
    lead_set_status(lead=first, status="contacted", actor=member)
    Lead.objects.filter(company=company, source=fair).update(source=web, status="qualified")
    assert agree(company)
    lead_convert_to_opportunity(lead=first, actor=member)
    assert agree(company)
    Lead.objects.filter(company=company, opportunity__isnull=True).delete()
    assert agree(company)
    assert LEAD_DAYS.stored(company) == {(date(2026, 3, 1), web.pk, "converted"): (1,)}


@pytest.mark.parametrize("zone", ["UTC", "Asia/Jakarta", "America/St_Johns"])
def test_the_funnel_and_sources_count_the_leads_of_the_company_days(company, zone):
    """Whole UTC days from the figures, the hours around them from the leads: the same counts
    as the leads themselves, in a zone a whole number of hours from UTC or not."""
    web = LeadSourceFactory(company=company, name="Web")
    start = datetime(2026, 2, 27, 0, 0, tzinfo=UTC)
    for hour in range(0, 24 * 8, 5):
        moment = start + timedelta(hours=hour)
        _lead_at(company, moment, source=web if hour % 2 else None)
    with timezone.override(ZoneInfo(zone)):
        for first, last in [
            (date(2026, 3, 1), date(2026, 3, 3)),
            (date(2026, 3, 2), date(2026, 3, 2)),
            (None, date(2026, 3, 2)),
            (date(2026, 2, 1), date(2026, 3, 31)),
        ]:
            period = Period(start=first, end=last, label="test")
            leads = Lead.objects.filter(company=company, **period.filter("created_at"))
            assert leads_created(company, period) == leads.count()
            outcomes = {
                row.label: row.total
                for row in lead_outcomes_by_source(company=company, period=period)
            }
            expected = {
                "Web": leads.filter(source=web).count(),
                "No source": leads.filter(source=None).count(),
            }
            assert outcomes == {label: n for label, n in expected.items() if n}


def test_verify_figures_repairs_the_lead_day_figures(company):
    _lead_at(company, datetime(2026, 3, 1, 12, tzinfo=UTC))
    LeadDayFigure.objects.filter(company=company, day=date(2026, 3, 1)).update(lead_count=3)
    with pytest.raises(CommandError, match="1 row"):
        call_command(
            "verify_figures",
            "--company",
            company.slug,
            "--only",
            "lead_day_figures",
            stdout=StringIO(),
        )
    call_command(
        "verify_figures",
        "--company",
        company.slug,
        "--only",
        "lead_day_figures",
        "--fix",
        stdout=StringIO(),
    )
    assert agree(company)


# --- concurrency ------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sixteen_conversions_at_once_each_count_once():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL: set DATABASE_URL to run this test")
    from tests.factories import CompanyFactory, UserFactory

    company = CompanyFactory()
    user = UserFactory()
    with scope(company=company):
        stage = OpportunityStageFactory(company=company)
        person = SalespersonFactory(company=company)
        leads = [LeadFactory(company=company, salesperson=person) for _ in range(16)]
    barrier = threading.Barrier(16)
    errors = []

    def convert(lead):
        try:
            with scope(company=company):
                barrier.wait()
                lead_convert_to_opportunity(lead=lead, actor=user, stage=stage)
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=convert, args=(lead,)) for lead in leads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with scope(company=company):
        assert Opportunity.objects.filter(company=company).count() == 16
        # Each writer added to its own slot of the one key; together they count all sixteen.
        assert PIPELINE.stored(company) == {(stage.pk, person.pk): (16, 0, 0, 0)}
        assert agree(company)
        assert OpportunityStage.objects.filter(company=company).count() == 1
