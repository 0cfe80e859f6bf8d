"""Every figure on the dashboard links to a list of exactly what it counts: the same filters, the
same period and the same scope (the whole company's, said in the URL), even for someone whose
lists remember "Mine"."""

import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Membership
from customers.services import lead_convert_to_customer, opportunity_convert_to_customer
from leads.models import Lead, Opportunity
from leads.services import lead_convert_to_opportunity, opportunity_set_stage
from tests.conftest import login_as
from tests.factories import (
    CustomerFactory,
    CustomerTypeFactory,
    LeadFactory,
    LeadSourceFactory,
    LostReasonFactory,
    MembershipFactory,
    OpportunityFactory,
    OpportunityStageFactory,
    SalespersonFactory,
)

# The column of each chart's number table that counts the rows its links list ("Moves on", in
# the time in stage card, counts stays that ended, not opportunities: its link lists the
# opportunities in the stage now, as its hint says).
COUNT_COLUMNS = {"Count", "Opportunities", "Leads", "Orders"}


pytestmark = pytest.mark.usefixtures("on_a_fixed_day")


class _LinkedFigures(HTMLParser):
    """Each chart table's rows that link somewhere: (caption, label, href, the count cell)."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str, str, str]] = []
        self._caption = self._text = None
        self._headers: list[str] = []
        self._row: list[str] | None = None
        self._href = None
        self._in_head = self._in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "caption":
            self._caption, self._headers, self._in_caption = "", [], True
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row, self._href = [], None
        elif tag in ("td", "th"):
            self._text = ""
        elif tag == "a" and self._row is not None and self._href is None:
            self._href = dict(attrs).get("href")

    def handle_endtag(self, tag):
        if tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._text is not None:
            text = " ".join(self._text.split())
            (self._headers if self._in_head else self._row).append(text)
            self._text = None
        elif tag == "caption":
            self._caption, self._in_caption = " ".join(self._caption.split()), False
        elif tag == "tr" and self._row and self._href:
            counted = [header in COUNT_COLUMNS for header in self._headers]
            if any(counted):
                count = self._row[counted.index(True)]
                self.found.append((self._caption, self._row[0], self._href, count))
            self._row = None

    def handle_data(self, data):
        if self._text is not None:
            self._text += data
        elif self._in_caption:
            self._caption += data


def linked_figures(html: str) -> list[tuple[str, str, str, int]]:
    parser = _LinkedFigures()
    parser.feed(html)
    return [
        (caption, label, href.replace("&amp;", "&"), int(count.replace(",", "")))
        for caption, label, href, count in parser.found
    ]


def _old(lead):
    Lead.objects.filter(pk=lead.pk).update(created_at=timezone.now() - timedelta(days=45))
    lead.refresh_from_db()
    return lead


@pytest.fixture
def sales(company, member):
    """A pipeline with open, won and lost deals of two salespeople, leads of this month and
    older ones, customers made from leads and one made by hand."""
    OpportunityStageFactory(company=company, kind="open", order=1, name="Prospecting")
    proposal = OpportunityStageFactory(company=company, kind="open", order=2, name="Proposal")
    won = OpportunityStageFactory(company=company, kind="won", order=3, name="Won")
    lost = OpportunityStageFactory(company=company, kind="lost", order=4, name="Lost")
    CustomerTypeFactory(company=company, is_business=False)
    CustomerTypeFactory(company=company, is_business=True)
    seller = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
    mine = SalespersonFactory(company=company, user=seller, name="Sam Seller")
    theirs = SalespersonFactory(company=company, name="Olga Other")
    source = LeadSourceFactory(company=company, name="Website")
    leads = [
        LeadFactory(company=company, salesperson=person, source=source)
        for person in (mine, theirs, theirs, mine, theirs, None)
    ]
    old = [_old(LeadFactory(company=company, salesperson=theirs, source=source)) for _ in "ab"]
    for lead in (leads[0], leads[1], leads[2], old[0]):
        opportunity = lead_convert_to_opportunity(lead=lead, actor=member)
        if lead in (leads[1], old[0]):
            opportunity_convert_to_customer(opportunity=opportunity, actor=member)
        elif lead is leads[2]:
            opportunity_set_stage(opportunity=opportunity, stage=proposal, actor=member)
    lead_convert_to_customer(lead=leads[3], actor=member)
    CustomerFactory(company=company, salesperson=theirs)  # made by hand, from no lead
    OpportunityFactory(company=company, stage=proposal, salesperson=theirs, expected_amount=10)
    deal = OpportunityFactory(company=company, stage=proposal, salesperson=mine)
    opportunity_set_stage(opportunity=deal, stage=won, actor=member)
    reason = LostReasonFactory(company=company)
    gone = OpportunityFactory(company=company, stage=proposal, salesperson=theirs)
    opportunity_set_stage(opportunity=gone, stage=lost, lost_reason=reason, actor=member)
    return seller


@pytest.mark.parametrize("period", ["30d", "all"])
def test_each_dashboard_link_lists_as_many_rows_as_its_figure(client, company, sales, period):
    login_as(client, sales, company)
    # Sam chose "Mine" on each list before: the lists remember it.
    for name in ("leads:lead_list", "leads:opportunity_list", "customers:customer_list"):
        client.get(reverse(name), {"owner": "mine", "remember": "1"})
    html = client.get(reverse("crm:dashboard"), {"period": period}).content.decode()
    figures = linked_figures(html)
    captions = {caption.split(" (")[0] for caption, *_ in figures}
    assert {"Sales funnel", "Open pipeline by stage", "Open pipeline by salesperson"} <= captions
    assert any(label == "Customers" for _c, label, _h, _n in figures)
    for caption, label, href, figure in figures:
        assert parse_qs(urlsplit(href).query).get("owner") == ["all"], href
        response = client.get(href)
        assert response.status_code == 200, href
        assert response.context["paginator"].count == figure, (caption, label, href)
        # The list says whose rows it shows: the toggle has "Everyone's" chosen.
        assert 'aria-current="true">Everyone' in response.content.decode(), href


def test_the_funnels_customers_are_the_customers_its_leads_became(client, company, sales):
    login_as(client, sales, company)
    html = client.get(reverse("crm:dashboard"), {"period": "30d"}).content.decode()
    (href,) = [h for _c, label, h, _n in linked_figures(html) if label == "Customers"]
    names = {customer.name for customer in client.get(href).context["object_list"]}
    # The hand-made customer was created in the period too, but came from no lead.
    assert len(names) == 2
    opportunities = Opportunity.objects.filter(customer_link__isnull=False)
    assert opportunities.count() == 2  # one of them from an older lead: not in the period


def _toggle_href(html: str, label: str) -> str:
    """The href of the list's Mine / Everyone's toggle link named ``label``."""
    (toggle,) = re.findall(r'<ul class="segmented owner-toggle".*?</ul>', html, re.DOTALL)
    (href,) = re.findall(rf'<a href="([^"]*)"[^>]*>{label}</a>', toggle)
    return href.replace("&amp;", "&")


def test_a_dashboard_link_shows_everyones_for_that_visit_only(client, company, sales):
    """Sam works on "Mine". A dashboard figure opens the lead list on everyone's leads; the next
    time Sam opens the list from the menu it is on "Mine" again."""
    login_as(client, sales, company)
    leads = reverse("leads:lead_list")
    mine = client.get(leads + _toggle_href(client.get(leads).content.decode(), "Mine"))
    assert mine.context["owner_choice"] == "mine"
    html = client.get(reverse("crm:dashboard"), {"period": "30d"}).content.decode()
    (href,) = {h for _c, label, h, _n in linked_figures(html) if label == "Leads"}
    assert urlsplit(href).path == leads and "owner=all" in href
    linked = client.get(href)
    assert 'aria-current="true">Everyone' in linked.content.decode()
    assert linked.context["paginator"].count > len(mine.context["object_list"])

    response = client.get(leads)
    assert response.context["owner_choice"] == "mine"
    assert 'aria-current="true">Mine' in response.content.decode()
    assert {lead.salesperson.name for lead in response.context["object_list"]} == {"Sam Seller"}


def test_the_users_own_toggle_is_still_remembered(client, company, sales):
    login_as(client, sales, company)
    leads = reverse("leads:lead_list")
    assert client.get(leads).context["owner_choice"] == "mine"  # a salesperson starts on theirs
    everyone = client.get(leads + _toggle_href(client.get(leads).content.decode(), "Everyone's"))
    assert everyone.context["owner_choice"] == "all"
    response = client.get(leads)
    assert response.context["owner_choice"] == "all"
    assert 'aria-current="true">Everyone' in response.content.decode()
    # A link saying "Mine" (a saved view, say) shows Sam's for that visit; the choice stays.
    assert client.get(leads, {"owner": "mine"}).context["owner_choice"] == "mine"
    assert client.get(leads).context["owner_choice"] == "all"
