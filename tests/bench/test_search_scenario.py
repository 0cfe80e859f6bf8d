"""The benchmark's global search page: listed among the pages, its URL searches for the
company's name fragment, and the page answers with the markers the load checks, and without
them when nothing matches (so a broken search counts as failures, not as speed)."""

from bench import data
from bench.__main__ import main
from bench.config import make_config
from bench.scenarios import pages_for
from tests.conftest import login_as
from tests.factories import LeadFactory, SalespersonFactory


def test_the_search_page_is_listed_without_a_database(capsys):
    main(["--pages"])
    listed = capsys.readouterr().out
    assert "global_search" in listed
    assert "Global search (top bar)" in listed


def _facts(company, user, fragment: str) -> data.CompanyFacts:
    return data.CompanyFacts(
        label="small",
        slug=company.slug,
        company_id=company.pk,
        username=user.username,
        salesperson_id=0,
        other_salesperson_id=0,
        detail_lead_id=0,
        detail_lead_name="",
        quotation_id=0,
        quotation_number="",
        search_fragment=fragment,
    )


def _search_page(facts):
    return next(p for p in pages_for(facts, make_config(quick=True)) if p.name == "global_search")


def test_the_search_page_shows_the_leads_the_fragment_finds(client, company, salesperson_user):
    mine = SalespersonFactory(company=company, user=salesperson_user)
    for first in ("Ana", "Bruno", "Clara"):
        LeadFactory(company=company, first_name=first, last_name="Martinez", salesperson=mine)
    # Its organization named, not made up: a made-up one ("Martin and Sons") can hold "arti".
    LeadFactory(
        company=company,
        first_name="Dora",
        last_name="Schulz",
        organization_name="Schulz Handel",
        salesperson=mine,
    )
    fragment = data._search_fragment(company, mine)
    assert fragment in ("arti", "chul")

    page = _search_page(_facts(company, salesperson_user, "arti"))
    assert page.path == "/search/?q=arti"
    login_as(client, salesperson_user, company)
    body = client.get(page.path).content.decode()
    assert all(marker in body for marker in page.markers), page.markers
    assert body.count('<span class="search-result-title">') == 3

    nothing = _search_page(_facts(company, salesperson_user, "zzzz"))
    body = client.get(nothing.path).content.decode()
    assert not all(marker in body for marker in nothing.markers)
