"""What every portal page shares: a signed-in customer user, the access engine's answers for
them, and the portal's navigation."""

from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.access import Action, Level, access_filter, level_for
from customers.models import BalanceEntry, CustomerUser
from selling.models import Quotation, SalesOrder

__all__ = ["PortalMixin", "may", "reach", "sees_others"]

# The portal's sections: (url name, label, model whose view level opens it).
SECTIONS = [
    ("portal:home", pgettext_lazy("the portal's start page", "Home"), None),
    ("portal:quotation_list", _("Quotations"), Quotation),
    ("portal:order_list", _("Orders"), SalesOrder),
    ("portal:balance", _("Balance"), BalanceEntry),
    ("portal:catalog", _("Catalog"), Quotation),
    ("portal:users", _("Users"), CustomerUser),
]


def reach(request, model, action: str = Action.VIEW):
    """The filter of ``model``'s rows that ``action`` reaches for the request's customer user."""
    return access_filter(request.customer_user, request.company, model, action)


def may(request, model, action: str) -> bool:
    """Whether the customer user may ``action`` any row of ``model`` at all."""
    return level_for(request.customer_user, request.company, model, action) != "none"


def sees_others(request, model, action: str = Action.VIEW) -> bool:
    """Whether ``action`` on ``model`` reaches past the user's own rows (Department or
    Corporate): what a page that manages the customer's rows, not just one's own, needs."""
    level = level_for(request.customer_user, request.company, model, action)
    return level in (Level.COMPANY, Level.TEAM)


class PortalMixin:
    """For portal views: a signed-in customer user or the portal's login page, and the context
    every portal template reads (``portal_user``, ``customer``, ``company``, ``portal_nav``)."""

    # The section of the navigation this page belongs to.
    section = "portal:home"

    def dispatch(self, request, *args, **kwargs):
        if request.customer_user is None:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        self.portal_user = request.customer_user
        self.customer = request.customer_user.customer
        return super().dispatch(request, *args, **kwargs)

    def portal_nav(self):
        nav = []
        for name, label, model in SECTIONS:
            if name == "portal:catalog":
                if not may(self.request, Quotation, Action.EDIT):
                    continue
            elif name == "portal:users":
                if not sees_others(self.request, CustomerUser):
                    continue
            elif model is not None and not may(self.request, model, Action.VIEW):
                continue
            nav.append({"url": reverse(name), "label": label, "current": name == self.section})
        return nav

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            portal_user=self.portal_user,
            customer=self.customer,
            company=self.request.company,
            portal_nav=self.portal_nav(),
        )
        return context
