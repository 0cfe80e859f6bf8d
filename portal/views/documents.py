"""The customer's quotations and orders on the portal: lists, detail pages, accepting or
rejecting a sent quotation and paying an order from the balance.

Every row comes through ``reach()`` for the action at hand: a quotation outside the user's
"accept or reject" reach is not found for accepting, exactly as another customer's is not found
at all. Drafts never leave the company: the portal shows a document once it was sent (a
quotation) or confirmed (an order).
"""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, ListView

from crm.access import Action, Level, can, level_for
from crm.errors import DomainError
from crm.money import format_money
from crm.ui.pagination import CappedPaginator
from portal.views.base import PortalMixin, may, reach
from selling import selectors, services
from selling.forms import ApplyBalanceForm, ReasonForm
from selling.models import Quotation, SalesOrder

__all__ = [
    "OrderDetailView",
    "OrderListView",
    "OrderPayView",
    "QuotationAcceptView",
    "QuotationDetailView",
    "QuotationListView",
    "QuotationRejectView",
    "SectionMixin",
]

PAGE_SIZE = 25


class SectionMixin:
    """A section whose record type the user may not view at all is not there for them (the
    navigation leaves it out too). Put before ``PortalMixin``: it needs the signed-in user."""

    section_model = None

    def get(self, request, *args, **kwargs):
        if not may(request, self.section_model, Action.VIEW):
            raise Http404
        return super().get(request, *args, **kwargs)


def portal_quotations(request, action: str = Action.VIEW):
    """The quotations ``action`` reaches for the customer user, drafts left out."""
    return Quotation.objects.filter(reach(request, Quotation, action)).exclude(
        status=Quotation.Status.DRAFT
    )


def portal_orders(request, action: str = Action.VIEW):
    """The orders ``action`` reaches for the customer user, drafts left out."""
    return SalesOrder.objects.filter(reach(request, SalesOrder, action)).exclude(
        status=SalesOrder.Status.DRAFT
    )


def shows_customer(request, model) -> bool:
    """At Corporate level the list mixes the customer's and its children's documents, so each
    row names its customer."""
    return level_for(request.customer_user, request.company, model, Action.VIEW) == Level.COMPANY


# --- quotations ----------------------------------------------------------------------------------


class QuotationListView(SectionMixin, PortalMixin, ListView):
    """Newest first; by default the ones waiting for the customer's answer."""

    template_name = "portal/quotation_list.html"
    section_model = Quotation
    section = "portal:quotation_list"
    paginate_by = PAGE_SIZE
    paginator_class = CappedPaginator
    context_object_name = "quotations"
    FILTERS = {
        "waiting": gettext_lazy("Waiting for your answer"),
        "all": gettext_lazy("All"),
    }

    def status_filter(self) -> str:
        wanted = self.request.GET.get("status", "waiting")
        return wanted if wanted in self.FILTERS else "waiting"

    def get_queryset(self):
        quotations = portal_quotations(self.request).select_related("customer")
        if self.status_filter() == "waiting":
            quotations = quotations.filter(status=Quotation.Status.SENT)
        return quotations.order_by("-quotation_date", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            status_filter=self.status_filter(),
            filters=self.FILTERS,
            show_customer=shows_customer(self.request, Quotation),
        )
        return context


class QuotationDetailView(SectionMixin, PortalMixin, DetailView):
    model = Quotation
    template_name = "portal/quotation_detail.html"
    section_model = Quotation
    section = "portal:quotation_list"
    context_object_name = "quotation"

    def get_queryset(self):
        return portal_quotations(self.request).select_related("customer")

    def get_object(self, queryset=None):
        quotation = super().get_object(queryset)
        if quotation.is_due_to_expire():
            # Past its valid-until date: expire it now, so no Accept button offers a dead offer.
            services.quotation_expire_if_due(quotation=quotation, actor=self.portal_user)
            quotation = super().get_object(queryset)
        return quotation

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        quotation = self.object
        answerable = quotation.status == Quotation.Status.SENT and can(
            self.portal_user, self.request.company, quotation, Action.CONVERT
        )
        context.update(
            shown=selectors.document_lines(quotation),
            can_answer=answerable,
            reject_form=ReasonForm(auto_id="reject_%s"),
            order=portal_orders(self.request).filter(quotation=quotation).first(),
        )
        return context


class QuotationActionView(PortalMixin, View):
    """A POST on a quotation the user may accept or reject; anything else is not found."""

    http_method_names = ["post"]
    url_models = {"pk": Quotation}  # for the isolation walk (tests/test_isolation.py)

    def post(self, request, pk):
        quotation = get_object_or_404(portal_quotations(request, Action.CONVERT), pk=pk)
        detail_url = reverse("portal:quotation_detail", args=[quotation.pk])
        try:
            return HttpResponseRedirect(self.act(quotation) or detail_url)
        except DomainError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(detail_url)

    def act(self, quotation: Quotation) -> str | None:
        raise NotImplementedError


class QuotationAcceptView(QuotationActionView):
    """The customer orders: the quotation is accepted and its order made and confirmed."""

    def act(self, quotation):
        order, made = services.quotation_accept_by_customer(
            quotation=quotation, customer_user=self.portal_user
        )
        if made:
            messages.success(
                self.request,
                _("Thank you: you accepted %(quotation)s and order %(order)s is confirmed.")
                % {"quotation": quotation, "order": order},
            )
        else:
            messages.info(
                self.request,
                _("%(quotation)s was already accepted: it is order %(order)s.")
                % {"quotation": quotation, "order": order},
            )
        if can(self.portal_user, self.request.company, order, Action.VIEW):
            return reverse("portal:order_detail", args=[order.pk])
        return None


class QuotationRejectView(QuotationActionView):
    def act(self, quotation):
        form = ReasonForm(self.request.POST)
        if not form.is_valid():
            raise DomainError(
                " ".join(error for errors in form.errors.values() for error in errors)
            )
        services.quotation_reject(
            quotation=quotation, actor=self.portal_user, reason=form.cleaned_data["reason"]
        )
        messages.success(
            self.request,
            _("You rejected %(quotation)s. Thank you for letting us know.")
            % {"quotation": quotation},
        )
        return None


# --- orders --------------------------------------------------------------------------------------


class OrderListView(SectionMixin, PortalMixin, ListView):
    template_name = "portal/order_list.html"
    section_model = SalesOrder
    section = "portal:order_list"
    paginate_by = PAGE_SIZE
    paginator_class = CappedPaginator
    context_object_name = "orders"

    def get_queryset(self):
        return (
            portal_orders(self.request)
            .select_related("customer", "quotation")
            .order_by("-order_date", "-pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["show_customer"] = shows_customer(self.request, SalesOrder)
        return context


class OrderDetailView(SectionMixin, PortalMixin, DetailView):
    """The order, what the balance paid and what is still due, and paying from the balance."""

    model = SalesOrder
    template_name = "portal/order_detail.html"
    section_model = SalesOrder
    section = "portal:order_list"
    context_object_name = "order"
    pay_form = None

    def get_queryset(self):
        return portal_orders(self.request).select_related("customer", "quotation")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = self.object
        may_pay = order.can_take_balance and can(
            self.portal_user, self.request.company, order, Action.EDIT
        )
        quotation = order.quotation
        if (
            quotation is not None
            and not portal_quotations(self.request).filter(pk=quotation.pk).exists()
        ):
            quotation = None  # made from a quotation this user does not see
        context.update(
            shown=selectors.document_lines(order),
            may_pay=may_pay,
            pay_form=self.pay_form
            or ApplyBalanceForm(auto_id="pay_%s", initial={"version": order.version}),
            quotation=quotation,
        )
        return context


class OrderPayView(OrderDetailView):
    """POST only: pay the order from its customer's balance. A refusal is shown on the order's
    page as the form's error, and nothing is taken."""

    http_method_names = ["post"]

    def get_queryset(self):
        return portal_orders(self.request, Action.EDIT).select_related("customer", "quotation")

    def post(self, request, pk):
        self.object = self.get_object()
        order = self.object
        form = ApplyBalanceForm(request.POST, auto_id="pay_%s")
        if form.is_valid():
            amount = form.cleaned_data["amount"]
            try:
                taken = services.order_apply_balance(
                    order=order,
                    actor=self.portal_user,
                    amount=amount,
                    seen_version=form.cleaned_data["version"],
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                message = _("%(amount)s paid from the balance.") % {
                    "amount": format_money(taken, order.currency)
                }
                if amount is not None and taken < amount:
                    message += " " + _(
                        "You asked for %(asked)s: that is all the balance held or the order had due."
                    ) % {"asked": format_money(amount, order.currency)}
                messages.success(request, message)
                return HttpResponseRedirect(reverse("portal:order_detail", args=[order.pk]))
        # Shown again with the error and the order as it is now (nothing was taken).
        self.object = SalesOrder.objects.select_related("customer", "quotation").get(
            company=order.company_id, pk=order.pk
        )
        form.data = form.data.copy()
        form.data["version"] = self.object.version
        self.pay_form = form
        return self.render_to_response(self.get_context_data(object=self.object))
