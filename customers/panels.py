"""The “Customer” panel on lead and opportunity pages: the customer it became, or the way there;
and the “Portal access” line on a contact's page."""

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from addressbook.models import Contact
from crm.access import Action, can
from customers.models import CustomerUser
from customers.portal_users import contact_customers
from customers.selectors import customer_link_for
from leads.models import Lead, Opportunity, OpportunityStage


def render_customer_panel(request: HttpRequest, obj: object) -> SafeString | None:
    company = getattr(request, "company", None)
    if company is None or not isinstance(obj, Lead | Opportunity) or obj.company_id != company.pk:
        return None
    link = customer_link_for(obj)
    convert_url = ""
    may_convert = link is None and can(request.user, company, obj, Action.CONVERT)
    if may_convert:
        if isinstance(obj, Lead):
            # A lead with an opportunity becomes a customer through that opportunity.
            if obj.status != Lead.Status.LOST:
                convert_url = reverse("customers:convert_lead", args=[obj.pk])
        elif obj.stage.kind != OpportunityStage.Kind.LOST:
            convert_url = reverse("customers:convert_opportunity", args=[obj.pk])
    context = {
        "record": obj,
        "link": link,
        # The customer's name is part of the record; its page only for those who may see it.
        "customer_visible": link is not None
        and can(request.user, company, link.customer, Action.VIEW),
        "may_convert": may_convert,
        # Reopening a lost record is an edit: a user who may convert but not edit is told who can.
        "may_reopen": may_convert and can(request.user, company, obj, Action.EDIT),
        "convert_url": convert_url,
    }
    return render_to_string("customers/partials/_customer_panel.html", context, request=request)


def render_portal_access_panel(request: HttpRequest, obj: object) -> SafeString | None:
    """On a contact's page: the customer they sign in to the portal for, or a link to invite
    them for each of their customers whose users the staff user may manage. Nothing for a
    contact of no customer."""
    company = getattr(request, "company", None)
    if company is None or not isinstance(obj, Contact) or obj.company_id != company.pk:
        return None
    portal_user = (
        CustomerUser.objects.filter(company=company, contact=obj).select_related("customer").first()
    )
    if portal_user is None:
        invitations = [
            (customer, reverse("customers:portal_user_invite", args=[customer.pk]))
            for customer in contact_customers(obj)
            if can(request.user, company, customer, Action.EDIT)
        ]
        if not invitations:
            return None
        context = {"contact": obj, "invitations": invitations}
    else:
        customer = portal_user.customer
        context = {
            "contact": obj,
            "portal_user": portal_user,
            "can_view": can(request.user, company, customer, Action.VIEW),
            "can_manage": can(request.user, company, customer, Action.EDIT),
        }
    return render_to_string(
        "customers/partials/_portal_access_panel.html", context, request=request
    )
