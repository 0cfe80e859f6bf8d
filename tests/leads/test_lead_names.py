"""The names an opportunity is found by through its lead, stored on it (leads.lead_names): written
with the opportunity, refreshed by every save of its lead, filled by the migration and the
generator, checked and repaired by verify_figures."""

import importlib
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from django_scopes import scope

from crm.models import Company, SystemEvent
from crm.ui.global_search import search_everything
from leads import lead_names
from leads import services as lead_services
from leads.filters import OpportunityFilter
from leads.models import Lead, Opportunity
from tests.factories import LeadFactory, OpportunityFactory, OpportunityStageFactory

pytestmark = pytest.mark.django_db


def names_of(opportunity) -> str:
    return Opportunity.objects.values_list("lead_names", flat=True).get(pk=opportunity.pk)


def expected_of(opportunity) -> str:
    return (
        Opportunity.objects.filter(pk=opportunity.pk)
        .annotate(expected=lead_names.stored_expression())
        .values_list("expected", flat=True)
        .get()
    )


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


def test_renaming_the_lead_renames_its_opportunity(converted, member):
    lead, opportunity = converted
    lead.last_name = "Ostermeyer"
    lead_services.lead_save(lead=lead, actor=member)
    assert "Ostermeyer" in names_of(opportunity)
    assert "Quastenberg" not in names_of(opportunity)


def test_a_lead_save_of_other_fields_leaves_the_names_alone(converted):
    lead, opportunity = converted
    Opportunity.objects.filter(pk=opportunity.pk).update(lead_names="kept")
    lead.notes = "Called back"
    lead.save(update_fields=["notes"])
    assert names_of(opportunity) == "kept"


def test_an_instance_read_before_a_rename_keeps_the_new_names(converted, member):
    lead, opportunity = converted
    stale = Opportunity.objects.get(pk=opportunity.pk)
    lead.email = "new@nordwind.example"
    lead_services.lead_save(lead=lead, actor=member)
    stale.title = "Fleet renewal"
    lead_services.opportunity_save(opportunity=stale, actor=member)
    assert "new@nordwind.example" in names_of(opportunity)
    assert Opportunity.objects.get(pk=opportunity.pk).title == "Fleet renewal"


def test_another_lead_brings_its_names(converted, company):
    lead, opportunity = converted
    other = LeadFactory(company=company, first_name="Ilse", last_name="Brandauer")
    opportunity.lead = other
    opportunity.save()
    assert "Brandauer" in names_of(opportunity)
    assert names_of(opportunity) == expected_of(opportunity)


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


def test_the_migration_fills_in_existing_opportunities(converted):
    lead, opportunity = converted
    Opportunity.objects.update(lead_names="")
    migration = importlib.import_module("leads.migrations.0017_opportunity_lead_names")
    migration.fill_lead_names(django_apps, None)
    assert names_of(opportunity) == expected_of(opportunity) != ""


def test_generated_opportunities_store_their_leads_names(db):
    call_command(
        "generate_data",
        "--company",
        "gen",
        *("--leads", "40", "--customers", "5", "--opportunities", "15"),
        *("--quotations", "0", "--orders", "0", "--batch-size", "16"),
        stdout=StringIO(),
        stderr=StringIO(),
    )
    company = Company.objects.get(slug="gen")
    with scope(company=company):
        assert lead_names.lead_names_find(company, lambda: None) == []
        opportunities = Opportunity.objects.filter(company=company).select_related("lead")
        assert opportunities.count() == 15
        for opportunity in opportunities:
            assert opportunity.lead.last_name in opportunity.lead_names


def test_verify_figures_finds_and_repairs_a_stale_copy(converted, company):
    lead, opportunity = converted

    def run(*args):
        out = StringIO()
        call_command(
            "verify_figures",
            "--company",
            company.slug,
            "--only",
            "opportunity_lead_names",
            *args,
            stdout=out,
            stderr=StringIO(),
        )
        return out.getvalue()

    assert "Every stored figure agrees" in run()
    Opportunity.objects.filter(pk=opportunity.pk).update(lead_names="Old Name")
    with pytest.raises(CommandError, match="1 row"):
        run()
    out = run("--fix")
    assert '"Old Name" stored' in out
    assert "Fixed: 1 row." in out
    assert names_of(opportunity) == expected_of(opportunity)
    repaired = SystemEvent.objects.filter(data__event="figure_repaired")
    assert opportunity.pk in set(repaired.values_list("owner_id", flat=True))
    assert "Every stored figure agrees" in run()
