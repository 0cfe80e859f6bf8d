"""The “Customer” panel on lead and opportunity pages: the customer it became, or the way there."""

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from crm.access import Action, can
from customers.models import CustomerLink
from leads.models import Lead, Opportunity, OpportunityStage


def render_customer_panel(request: HttpRequest, obj: object) -> SafeString | None:
    company = getattr(request, "company", None)
    if company is None or not isinstance(obj, Lead | Opportunity) or obj.company_id != company.pk:
        return None
    field = "lead" if isinstance(obj, Lead) else "opportunity"
    link = (
        CustomerLink.objects.filter(company=company, **{field: obj})
        .select_related("customer")
        .first()
    )
    convert_url = ""
    if link is None and can(request.user, company, obj, Action.CONVERT):
        if isinstance(obj, Lead):
            # A lead with an opportunity becomes a customer through that opportunity.
            if obj.status != Lead.Status.LOST:
                convert_url = reverse("customers:convert_lead", args=[obj.pk])
        elif obj.stage.kind != OpportunityStage.Kind.LOST:
            convert_url = reverse("customers:convert_opportunity", args=[obj.pk])
    context = {"record": obj, "link": link, "convert_url": convert_url}
    return render_to_string("customers/partials/_customer_panel.html", context, request=request)
