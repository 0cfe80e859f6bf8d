"""The dashboard page: its cards, the period chooser, counts per period, queries, isolation."""

from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from crm.ui.dashboard import period_for
from customers.services import lead_convert_to_customer, opportunity_convert_to_customer
from leads.dashboard import pipeline_by_salesperson, pipeline_by_stage
from leads.models import Lead
from leads.services import lead_convert_to_opportunity
from tests.conftest import at_noon
from tests.factories import (
    CallFactory,
    CustomerTypeFactory,
    IndividualPartnerFactory,
    LeadFactory,
    LeadSourceFactory,
    NoteFactory,
    OpportunityFactory,
    OpportunityStageFactory,
    ProductFactory,
    SalespersonFactory,
    SystemEventFactory,
    TaskFactory,
)


@pytest.fixture(autouse=True)
def _at_noon():
    """Periods ("this month", "the last 30 days") are read at noon under time_machine: a run
    that crosses midnight, or a month's end, cannot move them between setup and assertion."""
    with at_noon():
        yield


class _Tables(HTMLParser):
    """The page's tables by caption: each a list of rows, each row its cells' text."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption = None
        self._in_caption = False
        self._row = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        if tag == "caption":
            self._in_caption, self._caption = True, ""
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
            self.tables[self._caption] = []
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join(self._cell.split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._caption is not None:
                self.tables[self._caption].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._in_caption:
            self._caption += data.strip()
        elif self._cell is not None:
            self._cell += data


def chart_tables(html: str) -> dict[str, dict[str, list[str]]]:
    """``{caption: {row label: [the row's other cells]}}`` for every chart's number table."""
    parser = _Tables()
    parser.feed(html)
    return {
        caption: {row[0]: row[1:] for row in rows[1:]} for caption, rows in parser.tables.items()
    }


def dashboard(client, period=None):
    url = reverse("crm:dashboard") + (f"?period={period}" if period else "")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def funnel_counts(html: str, period_label: str) -> dict[str, str]:
    table = chart_tables(html)[f"Sales funnel ({period_label})"]
    return {label: cells[0] for label, cells in table.items()}


def _add_entries(company, member, count):
    for n in range(count):
        partner = IndividualPartnerFactory(company=company)
        NoteFactory(company=company, owner=partner, author=member, body=f"Note number {n}")
        CallFactory(company=company, owner=company, author=member)
        TaskFactory(company=company, owner=partner, author=member, title=f"Task {n}")


def _created(model, obj, moment):
    model.objects.filter(pk=obj.pk).update(created_at=moment)


# --- the cards ------------------------------------------------------------------------------


def test_dashboard_counts_records_and_shows_recent_activity_and_my_tasks(
    member_client, company, member
):
    ProductFactory.create_batch(3, company=company)
    partner = IndividualPartnerFactory(company=company, first_name="Hannah", last_name="Berg")
    NoteFactory(company=company, owner=partner, author=member, body="Asked for references")
    TaskFactory(company=company, owner=partner, author=member, title="Send the price list")
    SystemEventFactory(company=company, owner=partner, body="Partner created.")
    _, body = dashboard(member_client)
    assert "Asked for references" in body
    assert "Hannah Berg" in body
    assert "Partner created." in body
    assert "Send the price list" in body
    assert '<span class="record-count">3</span> <span class="record-label">Products</span>' in body


def test_every_card_shows_on_an_empty_company(member_client, company):
    _, body = dashboard(member_client)
    for title in (
        "Sales funnel",
        "Lead sources",
        "Pipeline by stage",
        "Pipeline by salesperson",
        "Recent activity",
        "My open tasks",
        "Records",
    ):
        assert f">{title}</h2>" in body
    # Empty states, not broken charts.
    assert "No leads were created in this period." in body
    assert "No open opportunities yet." in body
    assert 'role="img"' not in body


def test_the_period_select_shows_the_chosen_period(member_client, company):
    LeadFactory(company=company)
    _, body = dashboard(member_client, "quarter")
    assert '<option value="quarter" selected>This quarter</option>' in body
    assert "Sales funnel (This quarter)" in body
    assert period_for("quarter").dates_text in body
    # Without JavaScript the select is submitted by its button.
    assert 'name="period" data-autosubmit' in body
    assert "data-autosubmit-fallback" in body


def test_an_unknown_period_shows_the_last_30_days(member_client, company):
    _, body = dashboard(member_client, "<script>")
    assert '<option value="30d" selected>Last 30 days</option>' in body
    assert "<script>" not in body.split("<body", 1)[1].replace("<script src=", "")


# --- counts per period ----------------------------------------------------------------------


@pytest.mark.parametrize("key", ["month", "30d", "quarter", "year", "12m", "all"])
def test_the_funnel_counts_leads_created_in_the_period(member_client, company, key):
    period = period_for(key)
    now = timezone.now()
    first_moment = period.start_at or now - timedelta(days=4000)
    inside_first = LeadFactory(company=company)
    _created(type(inside_first), inside_first, first_moment)
    inside_today = LeadFactory(company=company)
    OpportunityFactory(company=company, lead=inside_first)
    # Just before the period: not counted, nor the opportunity opened from it.
    before = LeadFactory(company=company)
    _created(type(before), before, first_moment - timedelta(seconds=1))
    OpportunityFactory(company=company, lead=before)
    # An opportunity without a lead is not part of the lead funnel.
    OpportunityFactory(company=company)

    _, body = dashboard(member_client, key)

    expected_leads = 3 if key == "all" else 2
    expected_opportunities = 2 if key == "all" else 1
    assert funnel_counts(body, period.label) == {
        "Leads": str(expected_leads),
        "Opportunities": str(expected_opportunities),
        "Customers": "0",  # the customers app's step; none of these leads became one
    }
    assert inside_today.created_at in period


def test_the_funnel_links_to_the_leads_of_the_period(member_client, company):
    LeadFactory(company=company, last_name="Inside")
    old = LeadFactory(company=company, last_name="Outside")
    _created(type(old), old, timezone.now() - timedelta(days=45))
    period = period_for("30d")
    _, body = dashboard(member_client, "30d")
    link = (
        f"/leads/?created_to={period.end.isoformat()}&amp;created_from={period.start.isoformat()}"
        "&amp;owner=all"
    )
    assert f'<a href="{link}">Leads</a>' in body
    leads_page = member_client.get(link.replace("&amp;", "&")).content.decode()
    assert "Inside" in leads_page and "Outside" not in leads_page


def test_pipeline_shows_money_in_the_company_currency(member_client, company):
    stage = OpportunityStageFactory(company=company, name="Proposal", probability=50)
    OpportunityFactory(
        company=company, stage=stage, expected_amount=Decimal("1234.50"), probability=50
    )
    _, body = dashboard(member_client)
    table = chart_tables(body)["Open pipeline by stage"]
    assert table["Proposal"] == ["1,234.50 EUR", "617.25 EUR", "1"]
    assert "1,235 EUR" in body  # the chart rounds to whole units


# --- queries --------------------------------------------------------------------------------


def test_dashboard_queries_do_not_grow_with_activity(member_client, company, member):
    _add_entries(company, member, 3)
    # One request first: content types are cached per process, so whether the first measured
    # request pays for their lookups would depend on which tests ran before in this worker.
    dashboard(member_client)
    few, _ = dashboard(member_client)
    _add_entries(company, member, 12)
    many, _ = dashboard(member_client)
    assert many == few


def _pipeline_lists(company):
    stages = [
        OpportunityStageFactory(company=company, name=f"Step {n}", order=n, probability=n * 20)
        for n in range(1, 4)
    ] + [OpportunityStageFactory(company=company, name="Won", kind="won", probability=100)]
    sellers = [*SalespersonFactory.create_batch(3, company=company), None]
    sources = [LeadSourceFactory(company=company), None]
    return stages, sellers, sources


def _add_pipeline(company, lists, count):
    stages, sellers, sources = lists
    for n in range(count):
        lead = LeadFactory(
            company=company,
            source=sources[n % 2],
            salesperson=sellers[n % 4],
            status="new" if n % 3 == 0 else "converted",
        )
        OpportunityFactory(
            company=company,
            lead=lead,
            stage=stages[n % 4],
            salesperson=sellers[n % 4],
            expected_amount=Decimal(1000 + n),
            probability=stages[n % 4].probability,
        )


def test_dashboard_queries_do_not_grow_with_opportunities(member_client, company):
    lists = _pipeline_lists(company)
    _add_pipeline(company, lists, 5)
    dashboard(member_client, "all")
    few, body = dashboard(member_client, "all")
    assert funnel_counts(body, "All time")["Opportunities"] == "5"
    _add_pipeline(company, lists, 45)
    many, body = dashboard(member_client, "all")
    assert funnel_counts(body, "All time")["Opportunities"] == "50"
    assert many == few


# --- isolation ------------------------------------------------------------------------------


def test_dashboard_never_shows_another_companys_activity(member_client, company, other_company):
    with scopes_disabled():
        NoteFactory(company=other_company, owner=other_company, body="Globex secret plan")
    _, body = dashboard(member_client)
    assert "Globex secret plan" not in body


def test_dashboard_never_counts_another_companys_sales(member_client, company, other_company):
    own_stage = OpportunityStageFactory(company=company, name="Proposal", probability=50)
    OpportunityFactory(
        company=company,
        stage=own_stage,
        lead=LeadFactory(company=company),
        expected_amount=Decimal("100.00"),
    )
    with scopes_disabled():
        seller = SalespersonFactory(company=other_company, name="Globex Seller")
        stage = OpportunityStageFactory(company=other_company, name="Globex Stage")
        source = LeadSourceFactory(company=other_company, name="Globex Fair")
        for _ in range(3):
            OpportunityFactory(
                company=other_company,
                stage=stage,
                salesperson=seller,
                lead=LeadFactory(company=other_company, source=source),
                expected_amount=Decimal("99999.00"),
            )
        # Even an opportunity wrongly pointing at our stage is not ours to count.
        OpportunityFactory(
            company=other_company, stage=own_stage, expected_amount=Decimal("5000.00")
        )
    _, body = dashboard(member_client, "all")
    for name in ("Globex Seller", "Globex Stage", "Globex Fair", "99,999"):
        assert name not in body
    assert funnel_counts(body, "All time") == {
        "Leads": "1",
        "Opportunities": "1",
        "Customers": "0",
    }
    table = chart_tables(body)["Open pipeline by stage"]
    assert table["Proposal"][0] == "100.00 EUR"


def test_recent_activity_favours_peoples_entries_over_system_events(member_client, company, member):
    """A conversion chain writes system events by the dozen: they must not push people's
    notes and calls off the card, and they fill only the places people's entries leave."""
    from crm.selectors import recent_activity

    partner = IndividualPartnerFactory(company=company)
    long_ago = timezone.now() - timedelta(days=3)
    note = NoteFactory(
        company=company, owner=partner, author=member, body="Called back about the fleet"
    )
    type(note).objects.filter(pk=note.pk).update(occurred_at=long_ago)
    call = CallFactory(company=company, owner=partner, author=member)
    type(call).objects.filter(pk=call.pk).update(occurred_at=long_ago)
    for n in range(12):
        SystemEventFactory(company=company, owner=partner, body=f"Status moved {n}.")

    entries = recent_activity(company=company, limit=8)
    assert len(entries) == 8
    assert {note.pk, call.pk} <= {entry.pk for entry in entries}
    system = [entry for entry in entries if entry.kind == "system"]
    assert len(system) == 6
    # Newest first, whichever kind.
    moments = [entry.occurred_at for entry in entries]
    assert moments == sorted(moments, reverse=True)
    _, body = dashboard(member_client)
    assert "Called back about the fleet" in body
    assert 'class="activity-system"' in body


def test_the_funnel_counts_conversions_by_the_leads_created_date_whenever_they_happened(
    member_client, company, member
):
    OpportunityStageFactory(company=company, kind="open", order=1)
    OpportunityStageFactory(company=company, kind="won", order=2)
    CustomerTypeFactory(company=company, is_business=False)
    CustomerTypeFactory(company=company, is_business=True)
    old, recent, direct = (LeadFactory(company=company) for _ in range(3))
    _created(Lead, old, timezone.now() - timedelta(days=45))  # before the last 30 days
    old.refresh_from_db()
    # Converted today, all of them: the funnel goes by when each lead came in.
    for lead in (old, recent):
        opportunity = lead_convert_to_opportunity(lead=lead, actor=member)
        opportunity_convert_to_customer(opportunity=opportunity, actor=member)
    lead_convert_to_customer(lead=direct, actor=member)

    _, body = dashboard(member_client, "30d")
    assert funnel_counts(body, period_for("30d").label) == {
        "Leads": "2",
        "Opportunities": "1",
        "Customers": "2",
    }
    _, body = dashboard(member_client, "all")
    assert funnel_counts(body, period_for("all").label) == {
        "Leads": "3",
        "Opportunities": "2",
        "Customers": "3",
    }


def test_an_opportunity_keeps_its_leads_created_date_when_its_lead_changes(company):
    first, second = LeadFactory(company=company), LeadFactory(company=company)
    _created(Lead, second, timezone.now() - timedelta(days=400))
    opportunity = OpportunityFactory(company=company, lead=first)
    first.refresh_from_db()
    assert opportunity.lead_created_at == first.created_at
    opportunity.lead = second  # a stale object: the date is read from the database
    opportunity.save()
    opportunity.refresh_from_db()
    second.refresh_from_db()
    assert opportunity.lead_created_at == second.created_at
    opportunity.lead = None
    opportunity.save()
    opportunity.refresh_from_db()
    assert opportunity.lead_created_at is None


def test_the_pipeline_cards_read_the_open_opportunities_once_and_agree(member_client, company):
    lists = _pipeline_lists(company)
    _add_pipeline(company, lists, 12)
    url = reverse("crm:dashboard")
    with CaptureQueriesContext(connection) as queries:
        response = member_client.get(url)
    assert response.status_code == 200
    sums = [
        query["sql"]
        for query in queries.captured_queries
        if "SUM(" in query["sql"]
        and ('FROM "leads_opportunity"' in query["sql"] or "leads_pipelinefigure" in query["sql"])
    ]
    # The by-stage and the by-salesperson cards share one read, of the kept figures.
    assert len(sums) == 1 and "leads_pipelinefigure" in sums[0]
    by_stage, by_seller = (
        pipeline_by_stage(company=company),
        pipeline_by_salesperson(company=company),
    )
    assert sum(row.count for row in by_stage) == sum(row.count for row in by_seller) == 9
    assert sum(row.amount for row in by_stage) == sum(row.amount for row in by_seller)
    assert sum(row.weighted for row in by_stage) == sum(row.weighted for row in by_seller)
