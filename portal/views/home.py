"""The portal's home page: the group's news, the balance and what waits for the user."""

from django.utils import timezone
from django.views.generic import TemplateView

from crm.access import Action
from customers.models import BalanceEntry, GroupContent
from portal.views.base import PortalMixin, may, reach
from selling.models import Quotation, SalesOrder

__all__ = ["HomeView"]


def group_content(customer, day):
    """The content blocks of the customer's group shown on ``day``."""
    if customer.customer_group_id is None:
        return []
    blocks = GroupContent.objects.filter(
        company_id=customer.company_id, customer_group_id=customer.customer_group_id
    ).order_by("-valid_from", "-pk")
    return [block for block in blocks if block.is_shown_on(day)]


class HomeView(PortalMixin, TemplateView):
    template_name = "portal/home.html"
    section = "portal:home"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.request
        context["content_blocks"] = group_content(self.customer, timezone.localdate())
        if may(request, BalanceEntry, Action.VIEW):
            context["balance"] = self.customer.balance
        if may(request, Quotation, Action.VIEW):
            context["waiting_quotations"] = list(
                Quotation.objects.filter(reach(request, Quotation), status=Quotation.Status.SENT)
                .select_related("customer")
                .order_by("valid_until", "pk")[:5]
            )
        if may(request, SalesOrder, Action.VIEW):
            context["recent_orders"] = list(
                SalesOrder.objects.filter(reach(request, SalesOrder))
                .exclude(status=SalesOrder.Status.DRAFT)
                .select_related("customer")
                .order_by("-pk")[:5]
            )
        return context
