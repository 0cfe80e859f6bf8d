"""The "Next step" on lead and opportunity pages: converting the lead is the one primary action
(no second "Convert to customer" competing with it); a converted lead leads to its opportunity."""

import pytest
from django.urls import reverse

from crm.models import Membership
from leads.models import Lead, Opportunity
from leads.setup import leads_defaults_apply
from tests.conftest import login_as
from tests.factories import (
    LeadFactory,
    LostReasonFactory,
    MembershipFactory,
    OpportunityFactory,
    SalespersonFactory,
)
from tests.next_step import assert_one_primary, primary_buttons, step_of
from tests.selling.conftest import stage_of


@pytest.fixture
def stages(company):
    leads_defaults_apply(company)


@pytest.mark.parametrize("status", ["new", "contacted", "qualified"])
def test_an_open_lead_is_converted_to_an_opportunity_next(company, member_client, stages, status):
    lead = LeadFactory(company=company, status=status)
    step, html = step_of(member_client, lead.get_absolute_url())
    assert step.primary.label == "Convert to opportunity"
    assert step.primary.url == reverse("leads:lead_convert", args=[lead.pk])
    assert step.primary.post
    assert_one_primary(html, "Convert to opportunity")
    # Converting straight to a customer stays possible, as a plain button in its panel.
    assert "Convert to customer" in html


def test_converting_leads_to_the_opportunity_whose_next_step_is_a_quotation(
    company, member_client, stages
):
    lead = LeadFactory(company=company, status="qualified")
    response = member_client.post(reverse("leads:lead_convert", args=[lead.pk]), follow=True)
    opportunity = Opportunity.objects.get(lead=lead)
    assert response.redirect_chain[-1][0] == opportunity.get_absolute_url()
    assert_one_primary(response.content.decode(), "New quotation")
    step, html = step_of(member_client, lead.get_absolute_url())
    assert step.primary.url == opportunity.get_absolute_url()
    assert_one_primary(html, "Open the opportunity")


def test_a_lost_lead_has_no_primary_action(company, member_client, stages):
    lead = LeadFactory(
        company=company, status=Lead.Status.LOST, lost_reason=LostReasonFactory(company=company)
    )
    step, html = step_of(member_client, lead.get_absolute_url())
    assert step.primary is None
    assert primary_buttons(html) == []


def test_a_colleagues_lead_shows_who_can_convert_it(company, client, stages):
    dana = SalespersonFactory(company=company, name="Dana")
    lead = LeadFactory(company=company, status="qualified", salesperson=dana)
    sam = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
    login_as(client, sam, company)
    step, html = step_of(client, lead.get_absolute_url())
    assert step.primary is None
    assert "its salesperson or a manager can" in html
    assert primary_buttons(html) == []
    assert reverse("leads:lead_convert", args=[lead.pk]) not in html


@pytest.mark.parametrize(("kind", "text"), [("lost", "move it back"), ("won", "Won")])
def test_a_closed_opportunity_without_a_customer_says_so(
    company, member_client, stages, kind, text
):
    opportunity = OpportunityFactory(company=company, stage=stage_of(company, kind))
    step, html = step_of(member_client, opportunity.get_absolute_url())
    assert text in step.explanation
    # Moving between stages is there, but not as a primary button.
    assert "Move" not in primary_buttons(html)
