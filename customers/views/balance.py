"""The balance pages: a customer's ledger, credits, corrections and gift card redemptions, and the
company's gift cards (issued with a code shown once)."""

import uuid

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, ListView

from crm.errors import DomainError
from crm.money import format_money
from crm.views.mixins import (
    CompanyQuerysetMixin,
    LenientPaginationMixin,
    RoleContextMixin,
    RoleRequiredMixin,
)
from customers import balance
from customers.forms import BalanceCreditForm, GiftCardIssueForm, GiftCardRedeemForm
from customers.models import BalanceEntry, Customer, GiftCard

__all__ = [
    "CustomerBalanceView",
    "BalanceCreditView",
    "BalanceCorrectionView",
    "GiftCardRedeemView",
    "GiftCardListView",
    "GiftCardIssueView",
]

LEDGER_PAGE_SIZE = 50


class CustomerBalanceView(RoleContextMixin, LenientPaginationMixin, ListView):
    """Every entry of one customer's ledger, newest first, with the forms that add one."""

    template_name = "customers/balance.html"
    url_models = {"pk": Customer}
    paginate_by = LEDGER_PAGE_SIZE
    context_object_name = "entries"
    # Forms a refused POST hands back, bound, to be shown with what was typed and their errors.
    kept_forms: dict = {}

    def dispatch(self, request, *args, **kwargs):
        self.customer = get_object_or_404(
            Customer.objects.filter(company=request.company).select_related("company"),
            pk=kwargs["pk"],
        )
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return (
            BalanceEntry.objects.filter(company=self.request.company, customer=self.customer)
            .select_related("created_by", "gift_card")
            .order_by("-created_at", "-pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["customer"] = self.customer
        context["credit_form"] = BalanceCreditForm(prefix="credit")
        context["correction_form"] = BalanceCreditForm(prefix="correction", correction=True)
        context["redeem_form"] = GiftCardRedeemForm(prefix="redeem")
        context.update(self.kept_forms)
        return context


class _BalanceFormView(CompanyQuerysetMixin, FormView):
    """A POST that adds one entry to a customer's ledger through ``customers.balance``; errors
    are shown on the ledger page with what was typed."""

    model = Customer
    http_method_names = ["post"]
    prefix = ""
    # The ledger page's name for this form, and the field a refusal of the service is shown at.
    context_form_name = ""
    error_field: str | None = None

    def dispatch(self, request, *args, **kwargs):
        self.customer = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            message = self.act(form.cleaned_data)
        except DomainError as error:
            form.add_error(self.error_field, error.message)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return HttpResponseRedirect(self.get_success_url())

    def form_invalid(self, form):
        if self.request.POST.get("next", "") != "customer":
            # The ledger page again, with what was typed and each error at its field.
            ledger = CustomerBalanceView(kept_forms={self.context_form_name: form})
            ledger.setup(self.request, pk=self.customer.pk)
            ledger.customer = self.customer
            ledger.object_list = ledger.get_queryset()
            return ledger.render_to_response(ledger.get_context_data())
        # The customer page's short form: the message as a banner there.
        errors = [str(e) for e in form.non_field_errors()] + [
            f"{form.fields[name].label}: {' '.join(errs)}"
            for name, errs in form.errors.items()
            if name != "__all__"
        ]
        for error in errors:
            messages.error(self.request, error)
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self):
        back = self.request.POST.get("next", "")
        if back == "customer":
            return self.customer.get_absolute_url()
        return reverse("customers:balance", args=[self.customer.pk])

    def act(self, data) -> str:
        raise NotImplementedError


def _amount(value, currency: str) -> str:
    return format_money(value, currency)


class BalanceCreditView(RoleRequiredMixin, _BalanceFormView):
    form_class = BalanceCreditForm
    prefix = "credit"
    context_form_name = "credit_form"
    error_field = "amount"

    def act(self, data):
        balance.balance_credit(
            customer=self.customer,
            amount=data["amount"],
            reason=data["reason"],
            actor=self.request.user,
        )
        return _("%(amount)s credited to %(customer)s's balance.") % {
            "amount": _amount(data["amount"], self.request.company.currency),
            "customer": self.customer,
        }


class BalanceCorrectionView(RoleRequiredMixin, _BalanceFormView):
    form_class = BalanceCreditForm
    prefix = "correction"
    context_form_name = "correction_form"
    error_field = "amount"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "correction": True}

    def act(self, data):
        balance.balance_correct(
            customer=self.customer,
            amount=data["amount"],
            reason=data["reason"],
            actor=self.request.user,
        )
        return _("The balance of %(customer)s was corrected by %(amount)s.") % {
            "amount": _amount(data["amount"], self.request.company.currency),
            "customer": self.customer,
        }


class GiftCardRedeemView(_BalanceFormView):
    """Anyone at the desk may redeem a card a customer hands over."""

    form_class = GiftCardRedeemForm
    prefix = "redeem"
    context_form_name = "redeem_form"
    error_field = "code"

    def act(self, data):
        entry = balance.gift_card_redeem(
            customer=self.customer, code=data["code"], actor=self.request.user
        )
        return _("Gift card redeemed: %(amount)s added to the balance of %(customer)s.") % {
            "amount": _amount(entry.amount, self.request.company.currency),
            "customer": self.customer,
        }


class GiftCardListView(RoleContextMixin, LenientPaginationMixin, ListView):
    """The company's gift cards: open, redeemed and expired; a just-issued card's code once."""

    template_name = "customers/gift_card_list.html"
    paginate_by = LEDGER_PAGE_SIZE
    context_object_name = "cards"
    states = {
        "open": gettext_lazy("Open"),
        "redeemed": gettext_lazy("Redeemed"),
        "expired": gettext_lazy("Expired"),
    }

    def get_queryset(self):
        cards = GiftCard.objects.filter(company=self.request.company).select_related(
            "customer", "redeemed_by", "issued_by"
        )
        today = timezone.localdate()
        state = self.request.GET.get("state")
        if state == "redeemed":
            cards = cards.filter(redeemed_at__isnull=False)
        elif state == "expired":
            cards = cards.filter(redeemed_at__isnull=True, expires_on__lt=today)
        elif state == "open":
            cards = cards.filter(redeemed_at__isnull=True).exclude(expires_on__lt=today)
        return cards.order_by("-issued_at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        for card in context["cards"]:
            card.current_state = card.state(today)
            card.state_label = self.states[card.current_state]
        context["state"] = self.request.GET.get("state", "")
        context["states"] = self.states
        return context


class GiftCardIssueView(RoleRequiredMixin, FormView):
    """Issue a card. Its code is shown in this response only: it is stored nowhere (not in the
    session either), and the page tells browsers not to keep it."""

    form_class = GiftCardIssueForm
    template_name = "customers/gift_card_issue.html"

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "company": self.request.company,
            "user": self.request.user,
        }

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            card, code = balance.gift_card_issue(
                company=self.request.company,
                amount=data["amount"],
                expires_on=data["expires_on"],
                customer=data["customer"],
                note=data["note"],
                issue_key=data["issue_key"],
                actor=self.request.user,
            )
        except DomainError as error:
            if error.code == "issued_already":
                # Sending it once more is a new card, on purpose: the form gets a new key.
                data = self.request.POST.copy()
                data["issue_key"] = str(uuid.uuid4())
                form = self.get_form_class()(data=data, company=self.request.company)
                form.is_valid()
            form.add_error(None, error.message)
            return self.form_invalid(form)
        response = render(
            self.request,
            "customers/gift_card_issued.html",
            {"card": card, "code": code, "amount": _amount(card.amount, card.currency)},
        )
        add_never_cache_headers(response)
        response["Cache-Control"] += ", no-store"
        return response
