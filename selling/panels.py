"""Selling panels on other apps' pages (registered in ``SellingConfig.ready``):

- on a customer's and an opportunity's page, their quotations and orders with the buttons that
  make new ones;
- on a sales partner's page, the commission it earns on the orders that count as sales.
"""

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from crm.access import Action, access_filter, can
from crm.models import SalesPartner
from crm.ui.next_step import next_step_for, offered_urls
from customers.models import Customer
from customers.selectors import customer_link_for
from leads.models import Opportunity, OpportunityStage
from selling import selectors
from selling.documents_panel import documents_panel_html
from selling.models import Quotation, SalesOrder


def _is_company_record(request: HttpRequest, obj: object, kinds) -> bool:
    company = getattr(request, "company", None)
    return company is not None and isinstance(obj, kinds) and obj.company_id == company.pk


def record_documents(request: HttpRequest, obj: Customer | Opportunity):
    """The quotations and orders of a customer or an opportunity that the user sees
    (crm.access), read once per request: the page's next step and this panel both need them."""
    cache = request.__dict__.setdefault("_record_documents", {})
    key = (type(obj), obj.pk)
    if key not in cache:
        user, company = request.user, request.company
        visible = {
            "quotations": access_filter(user, company, Quotation, Action.VIEW),
            "orders": access_filter(user, company, SalesOrder, Action.VIEW),
        }
        if isinstance(obj, Customer):
            cache[key] = selectors.customer_documents(obj, **visible)
        else:
            cache[key] = selectors.opportunity_documents(obj, **visible)
    return cache[key]


def opportunity_customer(opportunity: Opportunity) -> Customer | None:
    """The customer the opportunity became or was opened for: the link the customers app reads
    once per record (its panel and the next step ask too)."""
    link = customer_link_for(opportunity)
    return link.customer if link is not None else None


def render_documents_panel(request: HttpRequest, obj: object) -> SafeString | None:
    if not _is_company_record(request, obj, Customer | Opportunity):
        return None
    # The documents the user sees (crm.access), and the buttons only where they lead somewhere:
    # whoever sees a customer may quote to it; quoting an opportunity converts it.
    user, company = request.user, request.company
    overview = record_documents(request, obj)
    if isinstance(obj, Customer):
        customer = obj
        can_create = True
    else:
        customer = opportunity_customer(obj)
        can_create = obj.stage.kind != OpportunityStage.Kind.LOST and can(
            user, company, obj, Action.CONVERT
        )
    # On hold or inactive: the reason is shown where the buttons would be (the services refuse).
    held = customer if customer is not None and not customer.can_receive_documents else None
    if isinstance(obj, Customer):
        buttons = {
            "quotation": reverse("selling:quotation_create_for_customer", args=[obj.pk]),
            "order": reverse("selling:order_create") + f"?customer={obj.pk}",
        }
    else:
        buttons = {
            "quotation": reverse("selling:quotation_create_for_opportunity", args=[obj.pk]),
            "order": reverse("selling:opportunity_order", args=[obj.pk]),
        }
    # The "Next step" box at the top may offer the same two buttons: then only there.
    offered = offered_urls(next_step_for(request, obj))
    buttons = {name: url for name, url in buttons.items() if url not in offered}
    context = {
        "record": obj,
        "is_customer": isinstance(obj, Customer),
        "overview": overview,
        "can_create": can_create and held is None and bool(buttons),
        "buttons": buttons,
        "held_customer": held,
        "notice_link": not isinstance(obj, Customer),
        "limit": selectors.PANEL_LIMIT,
        "currency": company.currency,
    }
    return documents_panel_html(context, csrf_token=get_token(request))


def render_commission_panel(request: HttpRequest, obj: object) -> SafeString | None:
    if not _is_company_record(request, obj, SalesPartner):
        return None
    context = {
        "partner": obj,
        "commission": selectors.partner_commission(obj),
        "limit": selectors.PANEL_LIMIT,
    }
    return render_to_string("selling/partials/_commission_panel.html", context, request=request)
