"""The next step on lead, opportunity and customer pages, as far as the customers app knows it:
a lead or opportunity that became a customer is continued on the customer's page; a won
opportunity that is not one yet is converted; an on-hold or inactive customer is released or
reactivated before anything is sold to it."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.access import Action, can
from crm.ui.next_step import NextStep, StepAction
from customers.models import Customer, CustomerLink
from customers.selectors import customer_link_for
from leads.models import Lead, Opportunity, OpportunityStage


def _became_customer(request: HttpRequest, link: CustomerLink) -> NextStep:
    customer = link.customer
    explanation = _("It became the customer %(name)s: the deal goes on there.") % {
        "name": customer.name
    }
    if not can(request.user, request.company, customer, Action.VIEW):
        return NextStep(explanation, tone="accepted")
    return NextStep(
        explanation,
        primary=StepAction(_("Open the customer"), customer.get_absolute_url()),
        tone="accepted",
    )


def lead_next_step(request: HttpRequest, lead: Lead) -> NextStep | None:
    link = customer_link_for(lead)
    return _became_customer(request, link) if link is not None else None


def opportunity_next_step(request: HttpRequest, opportunity: Opportunity) -> NextStep | None:
    if opportunity.stage.kind != OpportunityStage.Kind.WON:
        return None
    link = customer_link_for(opportunity)
    if link is not None:
        return _became_customer(request, link)
    explanation = _(
        "Won, but not a customer yet. Convert it to keep the deal's people and history."
    )
    if not can(request.user, request.company, opportunity, Action.CONVERT):
        return NextStep(
            explanation,
            note=_(
                "Your access level does not let you take this step: its salesperson or a manager "
                "can."
            ),
            tone="accepted",
        )
    return NextStep(
        explanation,
        primary=StepAction(
            _("Convert to customer"),
            reverse("customers:convert_opportunity", args=[opportunity.pk]),
        ),
        tone="accepted",
    )


def customer_next_step(request: HttpRequest, customer: Customer) -> NextStep | None:
    """Only an on-hold or inactive customer: nothing is sold to it until it is active again."""
    if customer.status == Customer.Status.ACTIVE:
        return None
    may_edit = can(request.user, request.company, customer, Action.EDIT)
    if customer.status == Customer.Status.ON_HOLD:
        explanation = _("On hold: release the hold to quote and order again.")
        action = StepAction(
            _("Release hold"), reverse("customers:customer_release_hold", args=[customer.pk]), True
        )
    else:
        explanation = _("Inactive: reactivate the customer to quote and order again.")
        action = StepAction(
            _("Reactivate"), reverse("customers:customer_reactivate", args=[customer.pk]), True
        )
    if not may_edit:
        return NextStep(
            explanation,
            note=_(
                "Your access level does not let you change it: its salesperson or a manager can."
            ),
            tone="rejected",
        )
    return NextStep(explanation, primary=action, tone="rejected")
