"""The next step on quotation, order, opportunity and customer pages, as far as selling knows it.

A quotation moves draft -> sent -> accepted -> ordered, an order draft -> confirmed -> fulfilled:
the one primary action is the next move the user may make. On an opportunity or a customer,
selling answers when a deal is under way: an open quotation or a draft order is the thing to
finish; on a customer, next an open opportunity to quote; otherwise a new quotation. Buttons only where the user's level (crm.access) lets the
click through; where it does not, a note says who can.
"""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from crm.access import Action, can
from crm.ui.next_step import NextStep, StepAction
from customers.models import Customer
from customers.selectors import customer_links
from leads.models import Opportunity, OpportunityStage
from selling.models import Quotation, SalesOrder
from selling.panels import opportunity_customer, record_documents
from selling.selectors import PanelOrder, PanelQuotation

NOTICE = "selling/partials/_next_step_notice.html"


def _no_access_note() -> str:
    return _("Your access level does not let you take this step: its salesperson or a manager can.")


def _held(customer: Customer | None) -> Customer | None:
    return customer if customer is not None and not customer.can_receive_documents else None


def _open(document: Quotation | SalesOrder | PanelQuotation | PanelOrder) -> StepAction:
    if isinstance(document, Quotation | PanelQuotation):
        label = _("Open quotation %(number)s") % {"number": document.number}
    else:
        label = _("Open sales order %(number)s") % {"number": document.number}
    return StepAction(label, document.get_absolute_url())


def quotation_next_step(
    quotation: Quotation,
    *,
    may_edit: bool,
    may_convert: bool,
    held: Customer | None,
    has_lines: bool,
    order: SalesOrder | None,
) -> NextStep:
    status = Quotation.Status
    primary = None
    allowed = False
    if quotation.status == status.DRAFT and not has_lines:
        # Sending would be refused (quotation_send wants a line): the step is adding them.
        explanation = _("A draft without lines cannot be sent yet. Add the products, then send it.")
        allowed = may_edit and quotation.is_editable
        primary = _add_lines("selling:quotation_items", quotation)
    elif quotation.status == status.DRAFT:
        explanation = _(
            "A draft: only you see it. When the lines are right, send it and mark it sent here."
        )
        allowed = may_edit and quotation.can_move_to(status.SENT)
        primary = StepAction(
            _("Mark as sent"), reverse("selling:quotation_send", args=[quotation.pk]), post=True
        )
    elif quotation.status == status.SENT:
        explanation = _("Waiting for the customer's answer. The offer is valid until %(date)s.") % {
            "date": _date(quotation.valid_until)
        }
        allowed = may_convert and quotation.can_move_to(status.ACCEPTED)
        primary = StepAction(
            _("Mark as accepted"),
            reverse("selling:quotation_accept", args=[quotation.pk]),
            post=True,
        )
    elif quotation.status == status.ACCEPTED:
        explanation = _(
            "The customer accepted. Create the sales order to book the sale: the lines move into "
            "the order, and a prospect becomes a customer."
        )
        allowed = may_convert
        primary = StepAction(
            _("Create sales order"),
            reverse("selling:quotation_order", args=[quotation.pk]),
            post=True,
        )
    elif quotation.status == status.ORDERED:
        if order is not None:
            explanation = _("Ordered: sales order %(number)s was made from it.") % {
                "number": order.number
            }
            return NextStep(explanation, primary=_open(order), tone=quotation.status)
        return NextStep(_("Ordered."), tone=quotation.status)
    elif quotation.status == status.REJECTED:
        explanation = _(
            "Rejected. A rejected quotation is final: make a new quotation for a new offer."
        )
    else:
        explanation = _(
            "Expired: it was valid until %(date)s. Revise it with a new date to offer it again."
        ) % {"date": _date(quotation.valid_until)}
    if primary is None:
        return NextStep(
            explanation,
            tone=quotation.status,
            extra_template="selling/partials/_quotation_step.html",
        )
    note = ""
    if held is not None:
        allowed = False
    elif not allowed:
        note = _no_access_note()
    return NextStep(
        explanation,
        primary=primary if allowed else None,
        note=note,
        tone=quotation.status,
        notice_template=NOTICE if held is not None else "",
        extra_template="selling/partials/_quotation_step.html",
        extra_context={"held_customer": held},
    )


def order_next_step(
    order: SalesOrder, *, may_edit: bool, held: Customer | None, has_lines: bool
) -> NextStep:
    status = SalesOrder.Status
    extra = "selling/partials/_order_step.html"
    if order.status == status.DRAFT:
        if has_lines:
            explanation = _(
                "A draft. Confirm it once the customer has agreed: a confirmed order counts as a "
                "sale."
            )
            primary = StepAction(
                _("Confirm order"), reverse("selling:order_confirm", args=[order.pk]), post=True
            )
        else:
            # Confirming would be refused (order_confirm wants a line): the step is adding them.
            explanation = _(
                "A draft without lines cannot be confirmed yet. Add the products, then confirm it."
            )
            primary = _add_lines("selling:order_items", order)
        if held is not None:
            return NextStep(
                explanation,
                tone=order.status,
                notice_template=NOTICE,
                extra_template=extra,
                extra_context={"held_customer": held},
            )
    elif order.status == status.CONFIRMED:
        explanation = _("Confirmed: it counts as a sale. Mark it fulfilled once it is delivered.")
        primary = StepAction(
            _("Mark as fulfilled"), reverse("selling:order_fulfil", args=[order.pk]), post=True
        )
    elif order.status == status.FULFILLED:
        return NextStep(_("Fulfilled. Nothing left to do."), tone=order.status)
    else:
        return NextStep(_("Cancelled. It no longer counts as a sale."), tone=order.status)
    if not may_edit:
        return NextStep(explanation, note=_no_access_note(), tone=order.status)
    return NextStep(explanation, primary=primary, tone=order.status, extra_template=extra)


def _add_lines(url_name: str, document: Quotation | SalesOrder) -> StepAction:
    return StepAction(_("Add lines"), reverse(url_name, args=[document.pk]))


def _date(value) -> str:
    return date_format(value, "DATE_FORMAT")


# --- on other apps' pages -------------------------------------------------------------------------


def _deal_under_way(request: HttpRequest, record: Customer | Opportunity) -> NextStep | None:
    """The draft order or the open quotation to finish first, the newest of each, among the
    documents the user sees (read with the page's documents panel)."""
    overview = record_documents(request, record)
    order = overview.newest_draft_order
    if order is not None:
        return NextStep(
            _("Sales order %(number)s is a draft: open it and confirm it to book the sale.")
            % {"number": order.number},
            primary=_open(order),
            tone="sent",
        )
    quotation = overview.newest_open_quotation
    if quotation is not None:
        return NextStep(
            _("Quotation %(number)s (%(status)s) is still open: take it further there.")
            % {"number": quotation.number, "status": quotation.get_status_display()},
            primary=_open(quotation),
            tone="sent",
        )
    return None


def opportunity_next_step(request: HttpRequest, opportunity: Opportunity) -> NextStep | None:
    """An open opportunity: finish the deal under way, or quote the wish list. Won and lost
    opportunities are for the apps below to describe."""
    if opportunity.stage.kind != OpportunityStage.Kind.OPEN:
        return None
    company = request.company
    under_way = _deal_under_way(request, opportunity)
    if under_way is not None:
        return under_way
    explanation = _(
        "Turn the wish list into a quotation for the prospect. If they have already agreed, "
        "create the order directly: it makes them a customer."
    )
    if not can(request.user, company, opportunity, Action.CONVERT):
        return NextStep(explanation, note=_no_access_note())
    held = _held(opportunity_customer(opportunity))
    if held is not None:
        return NextStep(explanation, notice_template=NOTICE, extra_context={"held_customer": held})
    return NextStep(
        explanation,
        primary=StepAction(
            _("New quotation"),
            reverse("selling:quotation_create_for_opportunity", args=[opportunity.pk]),
            post=True,
        ),
        secondary=(
            StepAction(
                _("Create order"),
                reverse("selling:opportunity_order", args=[opportunity.pk]),
                post=True,
            ),
        ),
    )


def _open_opportunity(request: HttpRequest, customer: Customer) -> NextStep | None:
    """The customer's newest open opportunity that the user sees, to quote: the links the
    customer page lists its opportunities from (read once, kept on the customer)."""
    user, company = request.user, request.company
    opportunity = next(
        (
            link.opportunity
            for link in customer_links(customer)
            if link.opportunity_id
            and link.opportunity.stage.kind == OpportunityStage.Kind.OPEN
            and can(user, company, link.opportunity, Action.VIEW)
        ),
        None,
    )
    if opportunity is None:
        return None
    title = {"title": opportunity.title}
    explanation = (
        _("The opportunity “%(title)s” is open: quote it, and its wish list becomes the lines.")
        % title
    )
    open_it = StepAction(_("Open the opportunity"), opportunity.get_absolute_url())
    if not can(user, company, opportunity, Action.CONVERT):
        return NextStep(explanation, secondary=(open_it,), note=_no_access_note())
    return NextStep(
        explanation,
        primary=StepAction(
            _("Quote “%(title)s”") % title,
            reverse("selling:quotation_create_for_opportunity", args=[opportunity.pk]),
            post=True,
        ),
        secondary=(open_it,),
    )


def customer_next_step(request: HttpRequest, customer: Customer) -> NextStep | None:
    """A customer that can be sold to: finish the deal under way, quote its open opportunity,
    or make a new quotation. An on-hold or inactive customer is for the customers app to
    describe."""
    if _held(customer) is not None:
        return None
    under_way = _deal_under_way(request, customer) or _open_opportunity(request, customer)
    if under_way is not None:
        return under_way
    # Whoever sees a customer may quote to it (as on the quotations panel).
    return NextStep(
        _("No deal under way. Make a quotation, or take an order the customer has placed."),
        primary=StepAction(
            _("New quotation"),
            reverse("selling:quotation_create_for_customer", args=[customer.pk]),
            post=True,
        ),
        secondary=(
            StepAction(
                _("New order"), reverse("selling:order_create") + f"?customer={customer.pk}"
            ),
        ),
    )
