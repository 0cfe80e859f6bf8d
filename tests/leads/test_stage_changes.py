"""Stage changes: the service, the history it keeps, time in stage."""

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from crm.errors import DomainError
from crm.models import SystemEvent
from leads.models import Opportunity, OpportunityStage, OpportunityStageChange
from leads.selectors import average_days_in_stage, opportunity_stage_history
from leads.services import (
    lead_convert_to_opportunity,
    opportunity_save,
    opportunity_set_stage,
    stage_stays_close,
)
from tests.factories import (
    LeadFactory,
    LostReasonFactory,
    OpportunityFactory,
    OpportunityStageChangeFactory,
    OpportunityStageFactory,
)

# The moment the tests that reason in days run at, whatever today is.
MOMENT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def pipeline(company):
    """Prospecting (10 %) -> Proposal (50 %) -> Won (100 %), and Lost (0 %)."""
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
        "lost": OpportunityStageFactory(
            company=company, name="Lost", order=40, probability=0, kind="lost"
        ),
    }


@pytest.fixture
def opportunity(company, pipeline, member):
    return opportunity_save(
        opportunity=Opportunity(
            company=company,
            title="27 monitors",
            stage=pipeline["prospecting"],
            probability=10,
            expected_amount=Decimal("5400.00"),
        ),
        actor=member,
    )


def history(opportunity):
    return list(
        OpportunityStageChange.objects.filter(opportunity=opportunity).order_by("changed_at", "pk")
    )


def stage_events(opportunity):
    return SystemEvent.objects.filter(
        owner_type=ContentType.objects.get_for_model(opportunity),
        owner_id=opportunity.pk,
        event_kind="stage_change",
    )


# --- opening an opportunity -------------------------------------------------------------------


def test_opening_an_opportunity_records_its_first_stage(opportunity, pipeline, member):
    (row,) = history(opportunity)
    assert row.from_stage is None
    assert row.to_stage == pipeline["prospecting"]
    assert row.changed_by == member
    assert row.probability == 10
    assert row.company == opportunity.company
    assert not stage_events(opportunity).exists()


def test_converting_a_lead_records_the_first_stage(company, pipeline, member):
    opportunity = lead_convert_to_opportunity(lead=LeadFactory(company=company), actor=member)
    (row,) = history(opportunity)
    assert (row.from_stage, row.to_stage, row.changed_by) == (None, pipeline["prospecting"], member)
    # Converting again returns the same opportunity and writes no second row.
    lead_convert_to_opportunity(lead=opportunity.lead, actor=member)
    assert len(history(opportunity)) == 1


def test_opening_in_a_lost_stage_needs_a_reason(company, pipeline):
    with pytest.raises(DomainError, match="lost reason"):
        opportunity_save(
            opportunity=Opportunity(company=company, title="X", stage=pipeline["lost"]),
            actor=None,
        )
    assert not Opportunity.objects.exists()
    assert not OpportunityStageChange.objects.exists()


def test_opening_with_another_companys_stage_is_refused(company, other_company):
    with scopes_disabled():
        foreign_stage = OpportunityStageFactory(company=other_company)
    with pytest.raises(DomainError, match="does not belong to your company"):
        opportunity_save(
            opportunity=Opportunity(company=company, title="X", stage=foreign_stage), actor=None
        )
    assert not Opportunity.objects.exists()


# --- moving ------------------------------------------------------------------------------------


def test_a_move_writes_history_and_the_timeline(opportunity, pipeline, member):
    moved = opportunity_set_stage(opportunity=opportunity, stage=pipeline["proposal"], actor=member)

    assert moved.stage == pipeline["proposal"]
    assert moved.probability == 50  # the stage's default
    opportunity.refresh_from_db()
    assert (opportunity.stage, opportunity.probability) == (pipeline["proposal"], 50)
    opened, move = history(opportunity)
    assert move.from_stage == pipeline["prospecting"]
    assert move.to_stage == pipeline["proposal"]
    assert move.changed_by == member
    assert move.probability == 50
    assert move.lost_reason is None
    assert move.changed_at >= opened.changed_at
    (event,) = stage_events(opportunity)
    assert event.body == "Stage changed from Prospecting to Proposal (probability 50 %)."
    assert event.author == member
    assert event.data["from"] == pipeline["prospecting"].pk
    assert event.data["to"] == pipeline["proposal"].pk


def test_a_given_probability_overrides_the_stage_default(opportunity, pipeline, member):
    opportunity_set_stage(
        opportunity=opportunity, stage=pipeline["proposal"], probability=35, actor=member
    )
    opportunity.refresh_from_db()
    assert opportunity.probability == 35
    assert history(opportunity)[-1].probability == 35


@pytest.mark.parametrize("probability", [-1, 101])
def test_a_probability_outside_0_to_100_is_refused(opportunity, pipeline, member, probability):
    with pytest.raises(DomainError, match="between 0 and 100"):
        opportunity_set_stage(
            opportunity=opportunity,
            stage=pipeline["proposal"],
            probability=probability,
            actor=member,
        )
    assert len(history(opportunity)) == 1


def test_moving_to_a_lost_stage_needs_a_reason(opportunity, pipeline, member):
    with pytest.raises(DomainError, match="Say why the opportunity was lost"):
        opportunity_set_stage(opportunity=opportunity, stage=pipeline["lost"], actor=member)
    opportunity.refresh_from_db()
    assert opportunity.stage == pipeline["prospecting"]
    assert len(history(opportunity)) == 1
    assert not stage_events(opportunity).exists()


def test_lost_keeps_the_reason_and_leaving_lost_clears_it(opportunity, pipeline, member, company):
    reason = LostReasonFactory(company=company, name="Too expensive")
    opportunity_set_stage(
        opportunity=opportunity, stage=pipeline["lost"], lost_reason=reason, actor=member
    )
    opportunity.refresh_from_db()
    assert (opportunity.stage, opportunity.lost_reason, opportunity.probability) == (
        pipeline["lost"],
        reason,
        0,
    )
    assert history(opportunity)[-1].lost_reason == reason
    assert stage_events(opportunity).get().body.endswith("Reason: Too expensive.")

    opportunity_set_stage(opportunity=opportunity, stage=pipeline["proposal"], actor=member)
    opportunity.refresh_from_db()
    assert opportunity.lost_reason is None
    assert history(opportunity)[-1].lost_reason is None


def test_a_lost_reason_is_not_kept_on_an_open_stage(opportunity, pipeline, member, company):
    reason = LostReasonFactory(company=company)
    opportunity_set_stage(
        opportunity=opportunity, stage=pipeline["proposal"], lost_reason=reason, actor=member
    )
    opportunity.refresh_from_db()
    assert opportunity.lost_reason is None


def test_moving_to_won_needs_nothing_more(opportunity, pipeline, member):
    opportunity_set_stage(opportunity=opportunity, stage=pipeline["won"], actor=member)
    opportunity.refresh_from_db()
    assert (opportunity.stage.kind, opportunity.probability) == ("won", 100)


def test_moving_to_the_stage_it_is_in_changes_nothing(opportunity, pipeline, member):
    opportunity.probability = 42
    opportunity.save()
    same = opportunity_set_stage(
        opportunity=opportunity, stage=pipeline["prospecting"], actor=member
    )
    assert same.probability == 42
    assert len(history(opportunity)) == 1
    assert not stage_events(opportunity).exists()


def test_another_companys_stage_is_refused(opportunity, other_company, member):
    with scopes_disabled():
        foreign_stage = OpportunityStageFactory(company=other_company, probability=90)
    with pytest.raises(DomainError, match="does not belong to your company"):
        opportunity_set_stage(opportunity=opportunity, stage=foreign_stage, actor=member)
    opportunity.refresh_from_db()
    assert opportunity.stage != foreign_stage
    assert len(history(opportunity)) == 1


def test_another_companys_lost_reason_is_refused(opportunity, pipeline, other_company, member):
    with scopes_disabled():
        foreign_reason = LostReasonFactory(company=other_company)
    with pytest.raises(DomainError, match="does not belong to your company"):
        opportunity_set_stage(
            opportunity=opportunity,
            stage=pipeline["lost"],
            lost_reason=foreign_reason,
            actor=member,
        )
    assert len(history(opportunity)) == 1


def test_a_stale_copy_is_moved_from_the_stage_it_is_really_in(opportunity, pipeline, member):
    stale = Opportunity.objects.get(pk=opportunity.pk)
    opportunity_set_stage(opportunity=opportunity, stage=pipeline["proposal"], actor=member)
    opportunity_set_stage(opportunity=stale, stage=pipeline["won"], actor=member)
    assert history(opportunity)[-1].from_stage == pipeline["proposal"]


# --- saving the other fields -------------------------------------------------------------------


def test_saving_fields_cannot_change_the_stage(opportunity, pipeline, member):
    opportunity.stage = pipeline["won"]
    with pytest.raises(DomainError, match="Move"):
        opportunity_save(opportunity=opportunity, actor=member)
    opportunity.refresh_from_db()
    assert opportunity.stage == pipeline["prospecting"]
    assert len(history(opportunity)) == 1


def test_saving_fields_keeps_the_history_as_it_is(opportunity, member):
    opportunity.title = "30 monitors"
    opportunity.probability = 15
    opportunity_save(opportunity=opportunity, actor=member)
    opportunity.refresh_from_db()
    assert (opportunity.title, opportunity.probability) == ("30 monitors", 15)
    assert len(history(opportunity)) == 1


def test_a_lost_opportunitys_reason_can_be_corrected_but_not_removed(
    opportunity, pipeline, member, company
):
    first, second = LostReasonFactory(company=company), LostReasonFactory(company=company)
    opportunity = opportunity_set_stage(
        opportunity=opportunity, stage=pipeline["lost"], lost_reason=first, actor=member
    )
    opportunity.lost_reason = second
    opportunity_save(opportunity=opportunity, actor=member)
    opportunity.refresh_from_db()
    assert opportunity.lost_reason == second
    opportunity.lost_reason = None
    with pytest.raises(DomainError, match="lost reason"):
        opportunity_save(opportunity=opportunity, actor=member)


# --- time in stage -----------------------------------------------------------------------------


def _walk(opportunity, steps, start):
    """History rows at fixed times: ``steps`` is [(stage, days after the previous row)]."""
    OpportunityStageChange.objects.filter(opportunity=opportunity).delete()
    at, previous, rows = start, None, []
    for stage, days in steps:
        at = at + timedelta(days=days)
        rows.append(
            OpportunityStageChangeFactory(
                company=opportunity.company,
                opportunity=opportunity,
                from_stage=previous,
                to_stage=stage,
                changed_at=at,
            )
        )
        previous = stage
    # Rows written around the services, as the demo's back-dated history is: their stays'
    # ends from their times.
    stage_stays_close(company_id=opportunity.company_id, opportunity_ids=[opportunity.pk])
    for row in rows:
        row.refresh_from_db()
    return rows


@time_machine.travel(MOMENT, tick=False)
def test_stage_history_has_the_days_spent_in_each_stage(opportunity, pipeline):
    start = timezone.now() - timedelta(days=30)
    _walk(
        opportunity,
        [(pipeline["prospecting"], 0), (pipeline["proposal"], 4), (pipeline["won"], 12.5)],
        start,
    )
    now = start + timedelta(days=20)
    stays = opportunity_stage_history(opportunity, now=now)
    assert [stay.stage.name for stay in stays] == ["Prospecting", "Proposal", "Won"]
    assert [stay.days for stay in stays] == [Decimal("4.0"), Decimal("12.5"), Decimal("3.5")]
    assert [stay.is_current for stay in stays] == [False, False, True]
    assert stays[1].change.from_stage == pipeline["prospecting"]


def test_stage_history_reads_the_rows_select_related_reads(opportunity, pipeline, member):
    """The history's hand-written read (crm.sql_reads) against the queryset it stands for: the
    same rows, values and related rows, in one query."""
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    _walk(opportunity, [(pipeline["prospecting"], 0), (pipeline["proposal"], 4)], start)
    OpportunityStageChange.objects.filter(opportunity=opportunity).update(changed_by=member)
    expected = list(
        OpportunityStageChange.objects.filter(opportunity=opportunity)
        .select_related("from_stage", "to_stage", "changed_by", "lost_reason")
        .order_by("changed_at", "pk")
    )
    with CaptureQueriesContext(connection) as queries:
        changes = [stay.change for stay in opportunity_stage_history(opportunity, now=start)]
        related = [
            (c.from_stage, c.to_stage, c.changed_by.get_full_name(), c.lost_reason) for c in changes
        ]
    assert len(queries) == 1
    assert related == [
        (c.from_stage, c.to_stage, c.changed_by.get_full_name(), c.lost_reason) for c in expected
    ]
    fields = OpportunityStageChange._meta.concrete_fields
    assert [[getattr(c, f.attname) for f in fields] for c in changes] == [
        [getattr(c, f.attname) for f in fields] for c in expected
    ]


def test_stage_history_of_an_opportunity_without_rows_is_empty(company):
    assert opportunity_stage_history(OpportunityFactory(company=company)) == []


@time_machine.travel(MOMENT, tick=False)
def test_average_days_in_stage_counts_finished_stays(company, pipeline):
    start = timezone.now() - timedelta(days=100)
    first = OpportunityFactory(company=company, stage=pipeline["won"])
    second = OpportunityFactory(company=company, stage=pipeline["proposal"])
    _walk(
        first,
        [(pipeline["prospecting"], 0), (pipeline["proposal"], 2), (pipeline["won"], 10)],
        start,
    )
    _walk(second, [(pipeline["prospecting"], 50), (pipeline["proposal"], 5)], start)

    averages = {row.stage.name: row for row in average_days_in_stage(company)}
    assert list(averages) == ["Prospecting", "Proposal", "Won", "Lost"]
    assert (averages["Prospecting"].average_days, averages["Prospecting"].stays) == (
        Decimal("3.5"),
        2,
    )
    # The second opportunity is still in Proposal: only the first one's 10 days count.
    assert (averages["Proposal"].average_days, averages["Proposal"].stays) == (Decimal("10.0"), 1)
    assert (averages["Won"].average_days, averages["Won"].stays) == (None, 0)

    # Since day 30: only the second opportunity's Prospecting stay (ended on day 55) counts.
    averages_since = {
        row.stage.name: row
        for row in average_days_in_stage(company, since=start + timedelta(days=30))
    }
    assert (averages_since["Prospecting"].average_days, averages_since["Prospecting"].stays) == (
        Decimal("5.0"),
        1,
    )
    assert averages_since["Proposal"].stays == 0
    assert average_days_in_stage(company, since=timezone.localdate())[0].stays == 0


@time_machine.travel(MOMENT, tick=False)
def test_average_days_in_stage_is_per_company(company, other_company, pipeline):
    start = timezone.now() - timedelta(days=10)
    _walk(
        OpportunityFactory(company=company, stage=pipeline["proposal"]),
        [(pipeline["prospecting"], 0), (pipeline["proposal"], 2)],
        start,
    )
    with scope(company=other_company):
        assert all(row.stays == 0 for row in average_days_in_stage(other_company))
        assert average_days_in_stage(other_company) == []  # B has no stages at all


# --- concurrency ------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_people_moving_at_once_write_one_history_row():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: set DATABASE_URL to run this test")
    from tests.factories import CompanyFactory, UserFactory

    company = CompanyFactory()
    user = UserFactory()
    with scope(company=company):
        start = OpportunityStageFactory(company=company, probability=10)
        target = OpportunityStageFactory(company=company, probability=60)
        opportunity = opportunity_save(
            opportunity=Opportunity(company=company, title="Race", stage=start), actor=user
        )
    barrier = threading.Barrier(8)
    errors = []

    def move():
        try:
            with scope(company=company):
                barrier.wait()
                opportunity_set_stage(opportunity=opportunity, stage=target, actor=user)
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=move) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with scope(company=company):
        rows = list(OpportunityStageChange.objects.filter(opportunity=opportunity))
        assert [(row.from_stage_id, row.to_stage_id) for row in rows] == [
            (None, start.pk),
            (start.pk, target.pk),
        ]
        assert stage_events(opportunity).count() == 1


# --- admin -------------------------------------------------------------------------------------


@pytest.fixture
def company_admin_client(admin_client, company):
    from crm.tenancy import SESSION_KEY

    session = admin_client.session
    session[SESSION_KEY] = company.pk
    session.save()
    return admin_client


def test_admin_opens_an_opportunity_through_the_service(company_admin_client, pipeline):
    response = company_admin_client.post(
        reverse("admin:leads_opportunity_add"),
        {
            "title": "From the admin",
            "stage": pipeline["proposal"].pk,
            "probability": 50,
            "expected_amount": "100.00",
            **_empty_inlines(),
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    opportunity = Opportunity.objects.get()
    (row,) = history(opportunity)
    assert (row.from_stage, row.to_stage, row.changed_by.is_superuser) == (
        None,
        pipeline["proposal"],
        True,
    )


def test_admin_refuses_to_open_a_lost_opportunity_without_a_reason(company_admin_client, pipeline):
    response = company_admin_client.post(
        reverse("admin:leads_opportunity_add"),
        {
            "title": "Lost already",
            "stage": pipeline["lost"].pk,
            "probability": 0,
            "expected_amount": "0",
            **_empty_inlines(),
        },
    )
    assert response.status_code == 200
    assert "lost_reason" in response.context["adminform"].form.errors
    assert not Opportunity.objects.exists()


def test_admin_shows_the_history_and_keeps_the_stage_read_only(
    company_admin_client, opportunity, pipeline, member
):
    opportunity_set_stage(opportunity=opportunity, stage=pipeline["proposal"], actor=member)
    url = reverse("admin:leads_opportunity_change", args=[opportunity.pk])
    response = company_admin_client.get(url)
    assert response.status_code == 200
    assert "stage" not in response.context["adminform"].form.fields
    (history_inline,) = [
        inline
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == "stage_changes"
    ]
    assert [form.instance.to_stage for form in history_inline.formset.forms] == [
        pipeline["proposal"],
        pipeline["prospecting"],
    ]
    assert not history_inline.has_add_permission


def _empty_inlines():
    """Management forms of the opportunity admin's inlines (wish list, stage history, links)."""
    data = {}
    for prefix in (
        "wish_list",
        "stage_changes",
        "addressbook-addresslink-owner_type-owner_id",
        "addressbook-contactlink-owner_type-owner_id",
    ):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    return data


# --- demo data and the migration's backfill ----------------------------------------------------


def test_demo_gives_every_stage_opportunities_with_their_history(company):
    from crm.sample.demo import seed_company

    seed_company(company)
    for stage in OpportunityStage.objects.all():
        assert Opportunity.objects.filter(stage=stage).count() >= 3, stage
    for opportunity in Opportunity.objects.all():
        stays = opportunity_stage_history(opportunity)
        assert stays[0].change.from_stage is None
        assert stays[-1].stage == opportunity.stage
        assert all(stay.duration >= timedelta(0) for stay in stays)
    assert OpportunityStageChange.objects.filter(from_stage__isnull=False).exists()
    assert all(row.average_days is not None for row in average_days_in_stage(company)[:2])


def test_migration_gives_existing_opportunities_their_current_stage(company, pipeline):
    import importlib

    from django.apps import apps

    backfill = importlib.import_module(
        "leads.migrations.0002_opportunitystagechange"
    ).backfill_history
    reason = LostReasonFactory(company=company)
    open_one = OpportunityFactory(company=company, stage=pipeline["proposal"], probability=40)
    lost_one = OpportunityFactory(company=company, stage=pipeline["lost"], lost_reason=reason)
    backfill(apps, None)
    rows = {row.opportunity_id: row for row in OpportunityStageChange.objects.all()}
    assert set(rows) == {open_one.pk, lost_one.pk}
    assert (rows[open_one.pk].to_stage, rows[open_one.pk].probability) == (pipeline["proposal"], 40)
    assert rows[open_one.pk].from_stage is None
    assert rows[open_one.pk].changed_at == open_one.created_at
    assert rows[lost_one.pk].lost_reason == reason
