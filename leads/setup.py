"""The pipeline, lost reasons and lead sources a new company starts with (editable in Settings)."""

from crm.models import Company
from leads.models import LeadSource, LostReason, OpportunityStage

DEFAULT_STAGES = [
    # name, order, default probability, kind
    ("Prospecting", 10, 10, OpportunityStage.Kind.OPEN),
    ("Qualification", 20, 25, OpportunityStage.Kind.OPEN),
    ("Proposal", 30, 50, OpportunityStage.Kind.OPEN),
    ("Negotiation", 40, 75, OpportunityStage.Kind.OPEN),
    ("Won", 50, 100, OpportunityStage.Kind.WON),
    ("Lost", 60, 0, OpportunityStage.Kind.LOST),
]
DEFAULT_SOURCES = ["Website", "Trade fair", "Referral", "Cold call", "Partner", "Newsletter"]
DEFAULT_LOST_REASONS = ["Too expensive", "Chose a competitor", "No budget", "No response"]


def leads_defaults_apply(company: Company) -> None:
    """Add the default lists to a company that has none of that kind yet."""
    if not OpportunityStage.objects.filter(company=company).exists():
        OpportunityStage.objects.bulk_create(
            OpportunityStage(
                company=company, name=name, order=order, probability=probability, kind=kind
            )
            for name, order, probability, kind in DEFAULT_STAGES
        )
    if not LeadSource.objects.filter(company=company).exists():
        LeadSource.objects.bulk_create(
            LeadSource(company=company, name=name) for name in DEFAULT_SOURCES
        )
    if not LostReason.objects.filter(company=company).exists():
        LostReason.objects.bulk_create(
            LostReason(company=company, name=name) for name in DEFAULT_LOST_REASONS
        )
