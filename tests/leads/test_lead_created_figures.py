"""verify_figures' checks of the lead's created date kept on opportunities and customer links
(the funnel counts the period's opportunities and customers off it)."""

from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from crm.models import SystemEvent
from customers.models import CustomerLink
from customers.services import opportunity_convert_to_customer
from leads.models import Opportunity
from leads.services import lead_convert_to_opportunity
from tests.factories import (
    CustomerTypeFactory,
    LeadFactory,
    OpportunityFactory,
    OpportunityStageFactory,
)

CREATED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
CHECKS = ("--only", "opportunity_lead_dates", "--only", "customer_link_lead_dates")


def run(*args) -> str:
    out = StringIO()
    call_command("verify_figures", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def converted(company, member):
    """A lead created at CREATED, converted to an opportunity and then to a customer."""
    OpportunityStageFactory(company=company, name="Proposal", probability=50)
    CustomerTypeFactory(company=company, is_business=False)
    CustomerTypeFactory(company=company, is_business=True)
    with time_machine.travel(CREATED, tick=False):
        lead = LeadFactory(company=company)
    opportunity = lead_convert_to_opportunity(lead=lead, actor=member)
    customer = opportunity_convert_to_customer(opportunity=opportunity, actor=member)
    return lead, opportunity, customer


def test_the_copies_agree_after_conversion(company, converted):
    _, opportunity, customer = converted
    opportunity.refresh_from_db()
    assert opportunity.lead_created_at == CREATED
    assert (
        CustomerLink.objects.get(customer=customer, lead__isnull=False).lead_created_at == CREATED
    )
    assert "Every stored figure agrees" in run("--company", company.slug, *CHECKS)


def test_verify_figures_finds_and_repairs_a_wrong_lead_created_date(company, converted):
    _, opportunity, customer = converted
    untouched = OpportunityFactory(company=company, title="No lead")
    Opportunity.objects.filter(pk=opportunity.pk).update(lead_created_at=None)
    CustomerLink.objects.filter(customer=customer).update(lead_created_at=None)
    Opportunity.objects.filter(pk=untouched.pk).update(lead_created_at=CREATED)

    with pytest.raises(CommandError, match="3 rows"):
        run("--company", company.slug, *CHECKS)
    out = run("--company", company.slug, *CHECKS, "--fix")

    assert "lead created: no lead stored, 2026-03-02" in out
    assert "on the lead" in out
    assert "Fixed: 3 rows." in out
    opportunity.refresh_from_db()
    untouched.refresh_from_db()
    assert opportunity.lead_created_at == CREATED
    assert untouched.lead_created_at is None  # no lead: no date
    assert set(
        CustomerLink.objects.filter(customer=customer).values_list("lead_created_at", flat=True)
    ) == {CREATED}
    owners = set(
        SystemEvent.objects.filter(data__event="figure_repaired").values_list("owner_id", flat=True)
    )
    assert {opportunity.pk, untouched.pk, customer.pk} <= owners
    assert "Every stored figure agrees" in run("--company", company.slug, *CHECKS)
