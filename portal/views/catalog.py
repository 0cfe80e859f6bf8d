"""The catalog at the customer's prices, and the quotation request made from it.

Prices come from ``selling.pricing`` exactly as a salesperson's new quotation line gets them
(``pricing.party_price``): the list price is the catalog's; the customer's price is the group's
price list (else the catalog) with the larger of the group and type discounts; net for a
business type and with VAT for a private one. Products limited to other types or groups are not
listed (``customers.selectors.products_for``, the filter form of ``ProductLimits``).

The request is a list kept in the portal session (product id -> quantity) so it survives
searching and paging; submitting it calls ``customers.services.customer_request_quotation``,
which makes one opportunity with a wish list, once per submitted form, worth what the
quotation made from it will be (``pricing.customer_wish_list_net``).
"""

import uuid
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView, View

from crm.access import Action
from crm.errors import DomainError
from crm.money import format_plain
from crm.ui.pagination import CappedPaginator
from customers.selectors import products_for
from customers.services import RequestedLine, customer_request_quotation
from portal.forms_catalog import QuantityForm, RequestForm
from portal.views.base import PortalMixin, may
from selling import pricing
from selling.models import Quotation

__all__ = [
    "CatalogView",
    "RequestLineRemoveView",
    "RequestLineView",
    "RequestSentView",
    "RequestView",
]

SESSION_KEY = "portal_quotation_request"
SEARCH_MAX = 100


def request_lines(session) -> dict[int, Decimal]:
    """The request list in the portal session: product id -> quantity (bad entries dropped)."""
    lines = {}
    for key, value in (session.get(SESSION_KEY) or {}).items():
        try:
            lines[int(key)] = Decimal(value)
        except (TypeError, ValueError, InvalidOperation):
            continue
    return lines


def _store_lines(session, lines: dict[int, Decimal]) -> None:
    session[SESSION_KEY] = {str(pk): str(quantity) for pk, quantity in lines.items()}


class CatalogMixin(PortalMixin):
    """Catalog pages: open to users whose roles let them request quotations; for the others
    the page does not exist."""

    section = "portal:catalog"

    def dispatch(self, request, *args, **kwargs):
        if request.customer_user is not None and not may(request, Quotation, Action.EDIT):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def products(self):
        """The active products the customer may buy, as the database filters them."""
        customer = self.customer
        return products_for(pricing.buyer_for(customer=customer), company=customer.company_id)

    def terms(self) -> pricing.Terms:
        if not hasattr(self, "_terms"):
            self._terms = pricing.terms_for(customer=self.customer)
        return self._terms

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["terms"] = self.terms()
        return context


class CatalogView(CatalogMixin, ListView):
    template_name = "portal/catalog.html"
    paginate_by = 25
    paginator_class = CappedPaginator
    context_object_name = "products"

    def search(self) -> str:
        return self.request.GET.get("q", "").strip()[:SEARCH_MAX]

    def get_queryset(self):
        products = self.products()
        query = self.search()
        if query:
            products = products.filter(Q(name__icontains=query) | Q(sku__icontains=query))
        return products.order_by("name", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        terms = self.terms()
        in_request = request_lines(self.request.portal_session)
        context.update(
            q=self.search(),
            rows=[
                {
                    "product": product,
                    "price": pricing.party_price(product, terms),
                    "in_request": in_request.get(product.pk),
                    "form": QuantityForm(
                        auto_id=f"id_p{product.pk}_%s",
                        initial={"product": product.pk, "quantity": in_request.get(product.pk)},
                    ),
                }
                for product in context["products"]
            ],
            request_count=len(in_request),
            next_url=self.request.get_full_path(),
        )
        return context


def _back(request, fallback: str) -> HttpResponseRedirect:
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = fallback
    return HttpResponseRedirect(next_url)


class RequestLineView(CatalogMixin, View):
    """Put a product with a quantity on the request list (a product already on it gets the new
    quantity). A product the customer may not buy is refused like one that does not exist."""

    def post(self, request):
        form = QuantityForm(request.POST)
        back = _back(request, reverse("portal:catalog"))
        if not form.is_valid():
            errors = [error for errors in form.errors.values() for error in errors]
            messages.error(request, " ".join(errors) or _("Enter a quantity above zero."))
            return back
        product = self.products().filter(pk=form.cleaned_data["product"]).first()
        if product is None:
            raise Http404
        lines = request_lines(request.portal_session)
        lines[product.pk] = form.cleaned_data["quantity"]
        _store_lines(request.portal_session, lines)
        messages.success(
            request,
            _("%(product)s: %(quantity)s in your request.")
            % {
                "product": product.name,
                "quantity": format_plain(form.cleaned_data["quantity"]),
            },
        )
        return back


class RequestLineRemoveView(CatalogMixin, View):
    def post(self, request):
        lines = request_lines(request.portal_session)
        product = request.POST.get("product", "")
        if product.isdigit():
            lines.pop(int(product), None)
        _store_lines(request.portal_session, lines)
        return _back(request, reverse("portal:quotation_request"))


class RequestView(CatalogMixin, TemplateView):
    """The request list with a note, and the button that sends it."""

    template_name = "portal/quotation_request.html"

    def lines(self):
        """The listed products the customer may still buy, with their quantities and prices
        (a product withdrawn since it was added drops out)."""
        wanted = request_lines(self.request.portal_session)
        products = self.products().filter(pk__in=list(wanted)).order_by("name", "pk")
        terms = self.terms()
        return [
            {
                "product": product,
                "quantity": wanted[product.pk],
                "price": pricing.party_price(product, terms),
                "form": QuantityForm(
                    auto_id=f"id_p{product.pk}_%s",
                    initial={"product": product.pk, "quantity": wanted[product.pk]},
                ),
            }
            for product in products
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", RequestForm(initial={"request_key": uuid.uuid4().hex}))
        context["lines"] = self.lines()
        context["next_url"] = self.request.path
        return context

    def post(self, request):
        form = RequestForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        lines = [
            RequestedLine(product=line["product"], quantity=line["quantity"])
            for line in self.lines()
        ]
        try:
            customer_request_quotation(
                customer=self.customer,
                customer_user=self.portal_user,
                lines=lines,
                note=form.cleaned_data["note"],
                request_key=form.cleaned_data["request_key"],
                net_amount_of=pricing.customer_wish_list_net,
            )
        except DomainError as error:
            form.add_error(None, error.message)
            return self.render_to_response(self.get_context_data(form=form))
        request.portal_session.pop(SESSION_KEY, None)
        return redirect("portal:quotation_request_sent")


class RequestSentView(CatalogMixin, TemplateView):
    template_name = "portal/quotation_request_sent.html"
