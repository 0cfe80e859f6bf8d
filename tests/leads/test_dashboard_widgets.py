"""The leads app's dashboard reads and cards (leads.dashboard)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from crm.ui.dashboard import period_for
from leads.dashboard import (
    lead_outcomes_by_source,
    lead_sources_widget,
    leads_created,
    leads_created_url,
    opportunities_from_leads,
    opportunities_from_leads_url,
    pipeline_by_salesperson,
    pipeline_by_salesperson_widget,
    pipeline_by_stage,
    pipeline_by_stage_widget,
)
from leads.models import Lead
from tests.factories import (
    CompanyFactory,
    LeadFactory,
    LeadSourceFactory,
    LostReasonFactory,
    OpportunityFactory,
    OpportunityStageFactory,
    SalespersonFactory,
)

pytestmark = pytest.mark.usefixtures("on_a_fixed_day")


def _age(lead, days):
    Lead.objects.filter(pk=lead.pk).update(created_at=timezone.now() - timedelta(days=days))


# --- pipeline by stage ----------------------------------------------------------------------


def test_pipeline_by_stage_sums_open_stages_in_order(company):
    proposal = OpportunityStageFactory(company=company, name="Proposal", order=30)
    prospecting = OpportunityStageFactory(company=company, name="Prospecting", order=10)
    empty = OpportunityStageFactory(company=company, name="Negotiation", order=40)
    won = OpportunityStageFactory(company=company, name="Won", order=50, kind="won")
    lost = OpportunityStageFactory(company=company, name="Lost", order=60, kind="lost")
    OpportunityFactory(
        company=company, stage=proposal, expected_amount=Decimal("1000.00"), probability=50
    )
    OpportunityFactory(
        company=company, stage=proposal, expected_amount=Decimal("333.33"), probability=25
    )
    OpportunityFactory(
        company=company, stage=prospecting, expected_amount=Decimal("10.00"), probability=10
    )
    OpportunityFactory(company=company, stage=won, expected_amount=Decimal("9999.00"))
    OpportunityFactory(company=company, stage=lost, expected_amount=Decimal("8888.00"))

    rows = pipeline_by_stage(company=company)

    assert [(row.key, row.label, row.count) for row in rows] == [
        (prospecting.pk, "Prospecting", 1),
        (proposal.pk, "Proposal", 2),
        (empty.pk, "Negotiation", 0),  # an empty stage still shows: the pipeline's shape
    ]
    assert rows[1].amount == Decimal("1333.33")
    # 500 + 83.3325, rounded once for the row: 583.33
    assert rows[1].weighted == Decimal("583.33")
    assert rows[0].weighted == Decimal("1.00")
    assert (rows[2].amount, rows[2].weighted) == (Decimal("0.00"), Decimal("0.00"))
    assert all(isinstance(row.amount, Decimal) for row in rows)


def test_weighted_amounts_round_half_up(company):
    stage = OpportunityStageFactory(company=company)
    # 0.05 × 10% = 0.005 -> 0.01 (half up), not 0.00 (half even)
    OpportunityFactory(
        company=company, stage=stage, expected_amount=Decimal("0.05"), probability=10
    )
    assert pipeline_by_stage(company=company)[0].weighted == Decimal("0.01")


def test_pipeline_bars_link_to_the_stages_opportunities(member_client, company):
    proposal = OpportunityStageFactory(company=company, name="Proposal")
    other = OpportunityStageFactory(company=company, name="Prospecting")
    OpportunityFactory(company=company, stage=proposal, title="Big deal")
    OpportunityFactory(company=company, stage=other, title="Small deal")
    context = pipeline_by_stage_widget(company, None, period_for("30d"))
    row = next(row for row in context["chart"].rows if row.label == "Proposal")
    assert row.url == (
        f"{reverse('leads:opportunity_list')}?outcome=open&stage={proposal.pk}&owner=all"
    )
    page = member_client.get(row.url).content.decode()
    assert "Big deal" in page and "Small deal" not in page


def test_pipeline_card_figures(company):
    company.currency = "USD"
    stage = OpportunityStageFactory(company=company)
    for amount in ("1000.00", "2500.50"):
        OpportunityFactory(
            company=company, stage=stage, expected_amount=Decimal(amount), probability=40
        )
    context = pipeline_by_stage_widget(company, None, period_for("30d"))
    assert context["figures"] == [
        {"label": "Open pipeline", "value": "3,501 USD"},
        {"label": "Weighted", "value": "1,400 USD"},
        {"label": "Opportunities", "value": "2"},
    ]
    row = context["chart"].rows[0]
    assert row.exact_text == "3,500.50 USD"
    assert row.secondary_exact_text == "1,400.20 USD"
    assert row.note == "2 opportunities"


# --- pipeline by salesperson ----------------------------------------------------------------


def test_pipeline_by_salesperson_top_ten_and_others(company):
    stage = OpportunityStageFactory(company=company)
    won = OpportunityStageFactory(company=company, kind="won")
    sellers = [SalespersonFactory(company=company, name=f"Seller {n:02d}") for n in range(13)]
    for n, seller in enumerate(sellers):
        OpportunityFactory(
            company=company,
            stage=stage,
            salesperson=seller,
            expected_amount=Decimal(100 * (n + 1)),
            probability=50,
        )
    OpportunityFactory(
        company=company, stage=stage, expected_amount=Decimal("50.00"), probability=50
    )
    OpportunityFactory(company=company, stage=won, salesperson=sellers[0], expected_amount=10**6)

    rows = pipeline_by_salesperson(company=company)

    assert [row.label for row in rows[:3]] == ["Seller 12", "Seller 11", "Seller 10"]
    assert len(rows) == 11
    others = rows[-1]
    # Sellers 00-02 (100, 200, 300) and the unassigned opportunity (50).
    assert others.label == "4 others"
    assert others.key is None
    assert (others.count, others.amount, others.weighted) == (
        4,
        Decimal("650.00"),
        Decimal("325.00"),
    )
    assert sum(row.count for row in rows) == 14  # the won opportunity is not open


def test_eleven_salespeople_need_no_others_row(company):
    stage = OpportunityStageFactory(company=company)
    for n in range(11):
        OpportunityFactory(
            company=company,
            stage=stage,
            salesperson=SalespersonFactory(company=company),
            expected_amount=Decimal(n + 1),
        )
    rows = pipeline_by_salesperson(company=company)
    assert len(rows) == 11
    assert all(row.key is not None for row in rows)


def test_unassigned_opportunities_have_no_link(company):
    stage = OpportunityStageFactory(company=company)
    seller = SalespersonFactory(company=company, name="Priya")
    OpportunityFactory(company=company, stage=stage, expected_amount=Decimal("10.00"))
    OpportunityFactory(
        company=company, stage=stage, salesperson=seller, expected_amount=Decimal("20.00")
    )
    chart = pipeline_by_salesperson_widget(company, None, period_for("30d"))["chart"]
    assert [(row.label, row.url) for row in chart.rows] == [
        (
            "Priya",
            f"{reverse('leads:opportunity_list')}?outcome=open&salesperson={seller.pk}&owner=all",
        ),
        ("Unassigned", ""),
    ]


# --- lead sources ---------------------------------------------------------------------------


def test_lead_outcomes_by_source_in_the_period(company):
    fair = LeadSourceFactory(company=company, name="Trade fair")
    web = LeadSourceFactory(company=company, name="Website")
    for status in ("converted", "converted", "new", "qualified"):
        LeadFactory(company=company, source=web, status=status)
    reason = LostReasonFactory(company=company)
    LeadFactory(company=company, source=fair, status="lost", lost_reason=reason)
    LeadFactory(company=company, source=None, status="contacted")
    _age(LeadFactory(company=company, source=fair, status="new"), days=60)

    rows = lead_outcomes_by_source(company=company, period=period_for("30d"))

    assert [(row.label, row.converted, row.open, row.lost) for row in rows] == [
        ("Website", 2, 2, 0),
        ("No source", 0, 1, 0),
        ("Trade fair", 0, 0, 1),
    ]
    all_time = lead_outcomes_by_source(company=company, period=period_for("all"))
    assert next(row for row in all_time if row.key == fair.pk).total == 2


def test_many_sources_end_in_an_others_row(company):
    for n in range(11):
        source = LeadSourceFactory(company=company, name=f"Source {n:02d}")
        LeadFactory.create_batch(n + 1, company=company, source=source)
    rows = lead_outcomes_by_source(company=company, period=period_for("all"))
    assert len(rows) == 9
    assert rows[0].label == "Source 10"
    assert (rows[-1].label, rows[-1].total, rows[-1].key) == ("3 other sources", 6, None)


def test_lead_sources_card_links_to_the_sources_leads(company):
    web = LeadSourceFactory(company=company, name="Website")
    LeadFactory(company=company, source=web)
    period = period_for("month")
    chart = lead_sources_widget(company, None, period)["chart"]
    assert chart.title == "Leads by source and outcome (This month)"
    url = chart.rows[0].url
    assert url.startswith(reverse("leads:lead_list") + f"?source={web.pk}&")
    assert f"created_from={period.start.isoformat()}" in url


# --- funnel steps ---------------------------------------------------------------------------


def test_funnel_counts_the_cohort_of_leads_created_in_the_period(company):
    recent = LeadFactory(company=company, status="converted")
    OpportunityFactory(company=company, lead=recent)
    LeadFactory(company=company)
    old = LeadFactory(company=company, status="converted")
    _age(old, 400)
    # Opened today, but from an old lead: part of the old lead's cohort.
    OpportunityFactory(company=company, lead=old)
    OpportunityFactory(company=company)  # no lead: not in the lead funnel
    for key, leads, opportunities in (("30d", 2, 1), ("12m", 2, 1), ("all", 3, 2)):
        period = period_for(key)
        assert leads_created(company, period) == leads
        assert opportunities_from_leads(company, period) == opportunities


def test_funnel_counts_stay_in_the_company(company, other_company):
    LeadFactory(company=company)
    with scopes_disabled():
        foreign = LeadFactory(company=other_company, status="converted")
        OpportunityFactory(company=other_company, lead=foreign)
        stranger = CompanyFactory()
        LeadFactory(company=stranger)
    period = period_for("all")
    assert leads_created(company, period) == 1
    assert opportunities_from_leads(company, period) == 0


def test_funnel_urls_list_the_periods_leads_and_their_opportunities(member_client, company):
    period = period_for("30d")
    converted = LeadFactory(company=company, last_name="Converted", status="converted")
    OpportunityFactory(company=company, lead=converted, title="From this month's lead")
    old = LeadFactory(company=company, status="converted")
    _age(old, 400)
    OpportunityFactory(company=company, lead=old, title="From an old lead")
    OpportunityFactory(company=company, title="From no lead")
    LeadFactory(company=company, last_name="Waiting")
    assert leads_created_url(period) == (
        f"/leads/?created_to={period.end.isoformat()}&created_from={period.start.isoformat()}"
        "&owner=all"
    )
    response = member_client.get(opportunities_from_leads_url(period))
    titles = [opportunity.title for opportunity in response.context["object_list"]]
    assert titles == ["From this month's lead"]
    assert response.context["paginator"].count == opportunities_from_leads(company, period)
    assert "created_from" not in leads_created_url(period_for("all"))
