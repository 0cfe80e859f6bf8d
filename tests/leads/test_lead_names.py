"""The names an opportunity is found by through its lead, stored on it (leads.lead_names): written
with the opportunity, refreshed by every save of its lead, filled by the migration and the
generator, checked and repaired by verify_figures."""

import pytest

from crm.ui.global_search import search_everything
from leads import services as lead_services
from leads.filters import OpportunityFilter
from leads.models import Lead, Opportunity
from tests.factories import LeadFactory, OpportunityFactory, OpportunityStageFactory
from tests.stored_names import expected_of, names_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def converted(company, member):
    OpportunityStageFactory(company=company, name="Prospecting", order=1)
    lead = LeadFactory(
        company=company,
        first_name="Hedwig",
        last_name="Quastenberg",
        organization_name="Nordwind Freight",
        email="hq@nordwind.example",
        phone="+493077712345",
    )
    opportunity = lead_services.lead_convert_to_opportunity(lead=lead, actor=member)
    return Lead.objects.get(pk=lead.pk), Opportunity.objects.get(pk=opportunity.pk)


def test_the_converted_opportunity_stores_its_leads_names(converted):
    lead, opportunity = converted
    assert names_of(opportunity) == (
        "Hedwig Quastenberg Nordwind Freight hq@nordwind.example +493077712345"
    )
    assert names_of(opportunity) == expected_of(opportunity)


def test_an_opportunity_without_a_lead_stores_no_names(company):
    opportunity = OpportunityFactory(company=company, title="Walk-in")
    assert names_of(opportunity) == ""
    assert expected_of(opportunity) == ""


def test_the_searches_find_the_opportunity_by_its_leads_names(converted, company, member):
    lead, opportunity = converted
    for term in ("quastenb", "NORDWIND", "hq@nordwind", "77712345"):
        found = OpportunityFilter(
            {"q": term}, queryset=Opportunity.objects.filter(company=company)
        ).qs
        assert list(found) == [opportunity], term
        groups = search_everything(term, company=company, user=member, per_group=10)
        titles = {group.kind.key: [row["title"] for row in group.rows] for group in groups}
        assert titles.get("leads.opportunity") == [opportunity.title], term
    # Two words, one in the title and one in the lead's names.
    title_word = opportunity.title.split()[0]
    found = OpportunityFilter(
        {"q": f"{title_word} quastenberg"}, queryset=Opportunity.objects.filter(company=company)
    ).qs
    assert list(found) == [opportunity]
