"""The benchmark's detail pages: their records built as the scenario says, every detail page
answers with the markers the load checks, and each detail floor fetches the rows its pages
show."""

import re

import pytest

from bench import data
from bench import detail as detail_harness
from bench import settings as bench_settings
from bench.config import make_config
from bench.scenarios import DETAIL_PAGES, FLOORS, pages_for
from crm.setup import company_defaults_apply
from crm.timeline import TIMELINE_PAGE_SIZE
from customers.setup import customers_defaults_apply
from leads.setup import leads_defaults_apply
from selling.models import SalesOrder
from tests.conftest import login_as
from tests.factories import SalespersonFactory


@pytest.fixture
def bench_urls(settings):
    settings.ROOT_URLCONF = "bench.urls"
    settings.TEMPLATES = bench_settings.TEMPLATES


def _ids(pattern: str, body: str) -> list[int]:
    return [int(found) for found in re.findall(pattern, body)]


def test_the_detail_records_their_pages_and_floors(bench_urls, client, company, salesperson_user):
    company_defaults_apply(company)
    leads_defaults_apply(company)
    customers_defaults_apply(company)
    SalespersonFactory(company=company, user=salesperson_user)

    stored = {
        **data._detail_records(company, salesperson_user),
        **data.more_detail_records(company, salesperson_user),
    }

    assert set(data.MORE_DETAIL_KEYS) <= set(stored)
    order = SalesOrder.objects.get(pk=stored["order_id"])
    assert order.customer_id == stored["detail_customer_id"]
    assert order.items.count() == 10
    facts = data.CompanyFacts(
        label="small",
        slug=company.slug,
        company_id=company.pk,
        username=salesperson_user.username,
        salesperson_id=0,
        other_salesperson_id=0,
        **stored,
    )
    pages = {page.name: page for page in pages_for(facts, make_config(quick=True))}
    login_as(client, salesperson_user, company)
    bodies = {}
    for name in (*DETAIL_PAGES, *FLOORS[1:]):
        response = client.get(pages[name].path)
        assert response.status_code == 200, name
        bodies[name] = response
        body = response.content.decode()
        assert all(marker in body for marker in pages[name].markers), (name, pages[name].markers)

    # The detail floor fetches the rows the lead's page shows: the same addresses, contacts
    # and first timeline page (and whether older entries follow), no more, no fewer.
    floor = bodies["detail_floor"].context
    lead_page = bodies["lead_detail"].content.decode()
    assert [row["id"] for row in floor["addresses"]] == _ids(
        r'href="/addressbook/addresses/(\d+)/"', lead_page
    )
    assert [row["id"] for row in floor["contacts"]] == _ids(
        r'href="/addressbook/contacts/(\d+)/"', lead_page
    )
    assert len(floor["addresses"]) == len(floor["contacts"]) == 10
    assert len(floor["entries"]) == TIMELINE_PAGE_SIZE and floor["older"]
    assert [entry["id"] for entry in floor["entries"]] == _ids(
        r'action="/timeline/(\d+)/delete/"', lead_page
    )
    assert "Show older" in lead_page

    # The document floor: the quotation's lines and its timeline entries.
    document = bodies["document_floor"].context
    quotation_page = bodies["quotation_detail"].content.decode()
    assert [line["id"] for line in document["lines"]] == _ids(r'id="line-(\d+)"', quotation_page)
    assert len(document["lines"]) == 10
    assert len(document["entries"]) == quotation_page.count('<li class="timeline-entry ')
    assert not document["older"]


def test_the_in_process_harness_divides_each_page_by_the_scenarios_floor():
    facts = data.CompanyFacts(
        label="small",
        slug="bench-small",
        company_id=0,
        username="",
        salesperson_id=0,
        other_salesperson_id=0,
        detail_lead_id=1,
        detail_lead_name="",
        quotation_id=2,
        quotation_number="",
        search_fragment="…",
    )
    scenario = {page.name: page.floor for page in pages_for(facts, make_config(quick=True))}
    for page in detail_harness.PAGES:
        assert detail_harness.FLOORS.get(page, "floor") == scenario[page], page
