"""The next step on lead and opportunity pages, from the record's own state. The apps above
answer first where they know more (selling: a quotation under way; customers: it became a
customer); what is left is decided here."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.access import Action, can
from crm.ui.next_step import NextStep, StepAction
from leads.models import Lead, Opportunity, OpportunityStage


def _no_access_note() -> str:
    return _("Your access level does not let you take this step: its salesperson or a manager can.")


def lead_opportunity(lead: Lead) -> Opportunity | None:
    """The lead's opportunity, or None: read once per lead object and kept on it (the lead page
    loads it with the lead, so neither the page nor its next step asks again)."""
    try:
        return lead.opportunity
    except Opportunity.DoesNotExist:
        return None


def lead_next_step(request: HttpRequest, lead: Lead) -> NextStep:
    status = Lead.Status
    if lead.status == status.LOST:
        return NextStep(_("Lost. To work it again, set its status back to new."), tone="rejected")
    opportunity = lead_opportunity(lead)
    if opportunity is not None:
        return NextStep(
            _("Converted: the deal goes on in the opportunity %(title)s.") % {"title": opportunity},
            primary=StepAction(_("Open the opportunity"), opportunity.get_absolute_url()),
            tone="accepted",
        )
    explanations = {
        status.NEW: _(
            "A new lead. Once they show real interest, convert it to an opportunity to work on "
            "the deal: its people and wish list come along."
        ),
        status.CONTACTED: _(
            "Contacted. Once they show real interest, convert it to an opportunity to work on the "
            "deal."
        ),
        status.QUALIFIED: _("Qualified: convert it to an opportunity to work on the deal."),
    }
    explanation = explanations.get(lead.status, _("Converted."))
    if lead.status == status.CONVERTED:
        return NextStep(explanation, tone="accepted")
    if not can(request.user, request.company, lead, Action.CONVERT):
        return NextStep(explanation, note=_no_access_note())
    return NextStep(
        explanation,
        primary=StepAction(
            _("Convert to opportunity"), reverse("leads:lead_convert", args=[lead.pk]), post=True
        ),
        tone="sent" if lead.status == status.QUALIFIED else "",
    )


def opportunity_next_step(request: HttpRequest, opportunity: Opportunity) -> NextStep:
    kind = opportunity.stage.kind
    if kind == OpportunityStage.Kind.LOST:
        return NextStep(
            _("Lost. To work on it again, move it back to an open stage."), tone="rejected"
        )
    if kind == OpportunityStage.Kind.WON:
        return NextStep(_("Won."), tone="accepted")
    return NextStep(_("Open: move it through the stages as the deal progresses."))
