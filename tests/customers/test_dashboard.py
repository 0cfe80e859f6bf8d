"""The dashboard funnel's customers step counts leads of the period that became customers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.ui.dashboard import funnel_stages, period_for
from customers.services import lead_convert_to_customer, opportunity_convert_to_customer
from customers.setup import customers_defaults_apply
from leads.models import Lead
from leads.services import lead_convert_to_opportunity
from leads.setup import leads_defaults_apply
from tests.conftest import at_noon
from tests.factories import LeadFactory


@pytest.fixture(autouse=True)
def _at_noon():
    """The period ("the last 30 days") is read at noon under time_machine: a run that crosses
    midnight cannot move it between setup and assertion."""
    with at_noon():
        yield


def test_funnel_counts_leads_that_became_customers(company, member):
    leads_defaults_apply(company)
    customers_defaults_apply(company)
    recent = LeadFactory.create_batch(4, company=company)
    old = LeadFactory(company=company)
    Lead.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))
    opportunity = lead_convert_to_opportunity(lead=recent[0], actor=member)
    opportunity_convert_to_customer(opportunity=opportunity, actor=member)
    lead_convert_to_customer(lead=recent[1], actor=member)
    lead_convert_to_opportunity(lead=recent[2], actor=member)
    lead_convert_to_customer(lead=old, actor=member)  # outside the period

    stages = {
        str(stage.label): stage.count
        for stage in funnel_stages(company=company, period=period_for("30d"))
    }
    assert stages == {"Leads": 4, "Opportunities": 2, "Customers": 2}
    everything = funnel_stages(company=company, period=period_for("all"))
    assert [stage.count for stage in everything] == [5, 2, 3]
