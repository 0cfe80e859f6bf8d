"""The customer's balance on the portal: its entries and redeeming a gift card.

Gift card codes carry 80 random bits, but a portal page is open to anyone with a login, so wrong
codes are limited too: after ``REDEEM_FAILURE_LIMIT`` refused codes within
``REDEEM_WINDOW_SECONDS`` the customer user waits (counted in the cache, per customer user), and
no code is tried at all meanwhile, so guessing cannot go on behind the refusal.
"""

from django.contrib import messages
from django.core.cache import cache
from django.db.models import Subquery
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import ListView

from crm.access import Action, Level, level_for
from crm.errors import DomainError
from crm.money import format_money
from crm.ui.pagination import CappedPaginator
from customers import balance as customers_balance
from customers.models import BalanceEntry, Customer
from portal.forms import PortalRedeemForm
from portal.views.base import PortalMixin, reach
from portal.views.documents import SectionMixin

__all__ = ["BalanceView", "RedeemView"]

REDEEM_FAILURE_LIMIT = 5
REDEEM_WINDOW_SECONDS = 3600


def _redeem_key(customer_user) -> str:
    return f"portal-redeem:{customer_user.company_id}:{customer_user.pk}"


def redeem_failures(customer_user) -> int:
    return cache.get(_redeem_key(customer_user), 0)


def _redeem_failed(customer_user) -> None:
    key = _redeem_key(customer_user)
    if not cache.add(key, 1, REDEEM_WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, REDEEM_WINDOW_SECONDS)


def may_redeem(request) -> bool:
    """A gift card goes onto the user's own customer's balance (at Corporate, onto any of their
    subtree's): the edit level must reach that customer (Department or Corporate; User reaches no
    balance entries: they are nobody's own)."""
    level = level_for(request.customer_user, request.company, BalanceEntry, Action.EDIT)
    return level in (Level.TEAM, Level.COMPANY)


class BalanceView(SectionMixin, PortalMixin, ListView):
    """The balance (at Corporate, each reached customer's) and its entries, newest first."""

    template_name = "portal/balance.html"
    section = "portal:balance"
    paginate_by = 25
    paginator_class = CappedPaginator
    context_object_name = "entries"
    section_model = BalanceEntry
    redeem_form = None

    def get_queryset(self):
        return (
            BalanceEntry.objects.filter(reach(self.request, BalanceEntry))
            .select_related("customer")
            .order_by("-created_at", "-pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.request
        level = level_for(request.customer_user, request.company, BalanceEntry, Action.VIEW)
        balances = []
        if level == Level.COMPANY:
            # The customers whose entries the user reaches: the customer and its children.
            reached = BalanceEntry.objects.filter(reach(request, BalanceEntry)).values(
                "customer_id"
            )
            balances = list(
                Customer.objects.filter(company=request.company, pk__in=Subquery(reached))
                .exclude(pk=self.customer.pk)
                .order_by("name", "pk")
                .only("pk", "name", "balance")
            )
        context.update(
            other_balances=balances,
            show_customer=level == Level.COMPANY,
            may_redeem=may_redeem(request),
            redeem_form=self.redeem_form or self.make_redeem_form(),
        )
        return context

    def make_redeem_form(self, data=None) -> PortalRedeemForm:
        return PortalRedeemForm(
            data,
            customer_user=self.portal_user,
            company=self.request.company,
            auto_id="redeem_%s",
        )


class RedeemView(BalanceView):
    """POST only: put a gift card's amount on the user's customer's balance (at Corporate, on
    the balance of the customer of their subtree they picked)."""

    http_method_names = ["post"]

    def post(self, request):
        if not may_redeem(request):
            raise Http404  # the engine gives no reach here: as if the page were not there
        form = self.make_redeem_form(request.POST)
        status = 200
        if redeem_failures(self.portal_user) >= REDEEM_FAILURE_LIMIT:
            form.is_valid()
            form.add_error(
                None,
                _(
                    "Too many wrong gift card codes. For your security, try again in an hour "
                    "or ask us to put the card on your balance."
                ),
            )
            status = 429
        elif form.is_valid():
            try:
                entry = customers_balance.gift_card_redeem(
                    customer=form.target() or self.customer,
                    code=form.cleaned_data["code"],
                    actor=self.portal_user,
                )
            except DomainError as error:
                _redeem_failed(self.portal_user)
                form.add_error("code", error.message)
            else:
                amount = format_money(entry.amount, request.company.currency)
                if entry.customer_id == self.customer.pk:
                    done = _("Gift card redeemed: %(amount)s added to your balance.")
                else:
                    done = _("Gift card redeemed: %(amount)s added to the balance of %(name)s.")
                messages.success(request, done % {"amount": amount, "name": entry.customer})
                return HttpResponseRedirect(reverse("portal:balance"))
        self.redeem_form = form
        self.object_list = self.get_queryset()
        self.customer.refresh_from_db(fields=["balance"])
        return self.render_to_response(self.get_context_data(), status=status)
