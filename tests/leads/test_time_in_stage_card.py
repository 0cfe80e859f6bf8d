"""The dashboard's time-in-stage card: average days per open stage, from the stage history."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from leads.models import OpportunityStage, OpportunityStageChange
from leads.services import lead_convert_to_opportunity, opportunity_set_stage
from leads.setup import leads_defaults_apply
from tests.factories import LeadFactory


def test_the_card_shows_days_spent_in_each_open_stage(member_client, member, company):
    leads_defaults_apply(company)
    proposal = OpportunityStage.objects.get(name="Proposal")
    for days in (4, 6):
        opportunity = lead_convert_to_opportunity(lead=LeadFactory(company=company), actor=member)
        OpportunityStageChange.objects.filter(opportunity=opportunity).update(
            changed_at=timezone.now() - timedelta(days=days)
        )
        opportunity_set_stage(opportunity=opportunity, stage=proposal, actor=member)

    body = member_client.get(reverse("crm:dashboard")).content.decode()
    assert "Time in stage" in body
    assert "Average days in stage (Last 30 days)" in body
    assert "5.0 d" in body  # Prospecting: (4 + 6) / 2
    assert "2 moves on" in body


def test_the_card_says_so_when_nothing_moved(member_client, company):
    leads_defaults_apply(company)
    body = member_client.get(reverse("crm:dashboard")).content.decode()
    assert "No opportunity left a stage in this period yet." in body
