"""Sales order pages: the list, the 360-degree page, the ways an order is made (from a quotation,
from an opportunity, for a customer), editing the header and the status moves.

Making an order from a quotation or an opportunity may make its customer in the same step. When
an existing customer has the same e-mail or phone, the service refuses with code "duplicate"; the
page then lists the matching customers and the user picks one or confirms a new customer.

Who may do what is ``crm.access``'s answer for the order (its salesperson owns it): every change
and status move, cancelling included (the order stays, it only stops counting), is an edit; making
an order converts the quotation or opportunity it comes from.
"""

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView

from crm.access import Action, viewable_rows
from crm.access.views import AccessContextMixin, AccessQuerysetMixin
from crm.errors import DomainError
from crm.money import format_money
from crm.ui.export import Column, Export
from crm.ui.page_forms import page_form
from crm.views.mixins import CompanyListView, CompanyQuerysetMixin, MyRecordsMixin
from crm.views.records import ObjectActionView, ServiceUpdateView
from customers import services as customers_services
from customers.models import Customer
from customers.selectors import viewable_duplicates
from leads.models import Opportunity
from selling import cards, mailing, next_steps, pricing, selectors, services
from selling.document_page import document_for_page
from selling.filters import OrderFilter
from selling.forms import ApplyBalanceForm, OrderCreateForm, OrderHeaderForm, ReasonForm
from selling.lines import lines_card_html
from selling.models import Quotation, SalesOrder
from selling.tables import order_table
from selling.views.quotations import (
    CustomerPrefillMixin,
    DocumentActionView,
    held_customer,
    int_or_none,
)

# --- list and detail -----------------------------------------------------------------------------


class OrderListView(MyRecordsMixin, AccessQuerysetMixin, CompanyListView):
    model = SalesOrder
    filterset_class = OrderFilter
    template_name = "selling/order_list.html"
    export = Export(
        "sales-orders",
        [
            Column(gettext_lazy("Number"), "number"),
            Column(gettext_lazy("Date"), "order_date"),
            Column(gettext_lazy("Delivery date"), "delivery_date"),
            Column(gettext_lazy("Status"), "status"),
            Column(gettext_lazy("Customer"), "customer__name"),
            Column(gettext_lazy("Customer ID"), "customer_id"),
            Column(gettext_lazy("Quotation"), "quotation__number"),
            Column(gettext_lazy("Salesperson"), "salesperson__name"),
            Column(gettext_lazy("Currency"), "currency"),
            Column(gettext_lazy("Net total"), "net_total"),
            Column(gettext_lazy("VAT"), "vat_total"),
            Column(gettext_lazy("Gross total"), "gross_total"),
            Column(gettext_lazy("Balance applied"), "balance_applied"),
        ],
    )
    partial_template_name = "selling/partials/_order_table.html"
    table = order_table
    sort_fields = {
        "number": "number",
        "date": "order_date",
        "customer": "customer__name",
        "total": "gross_total",
        "status": "status",
    }
    default_sort = "-date"

    def decorate_rows(self, queryset):
        return selectors.orders_for_list(queryset)


class OrderDetailView(AccessContextMixin, AccessQuerysetMixin, CompanyQuerysetMixin, DetailView):
    model = SalesOrder
    template_name = "selling/order_detail.html"
    context_object_name = "order"

    def get_object(self, queryset=None):
        # With its customer and the customer's type, salesperson and creator, in SQL written
        # once per process (selling.document_page): a 404 where the queryset would have none.
        order = document_for_page(SalesOrder, pk=self.kwargs["pk"], request=self.request)
        # Apart (a query each, none where the order has none): PostgreSQL spent 15-25 ms
        # *planning* the one query that joined all nine tables (0.3 ms to run it). The sales
        # partner and portal user likewise (selectors.optional_parties).
        # Each lookup is built only where the order has the relation.
        company = self.request.company
        lookups = selectors.optional_parties(order, company)
        if order.opportunity_id is not None:
            lookups.append(Prefetch("opportunity", Opportunity.objects.filter(company=company)))
        if order.quotation_id is not None:
            lookups.append(Prefetch("quotation", Quotation.objects.filter(company=company)))
        selectors.prefetch_present(order, *lookups)
        return order

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = self.object
        status = SalesOrder.Status
        held = held_customer(order.customer)
        # Buttons only where the user's level (crm.access) lets the click through.
        may_edit = context["can_edit"]
        can_edit_lines = may_edit and order.is_editable
        shown = selectors.document_page_lines(order)
        items_url = reverse("selling:order_items", args=[order.pk]) if can_edit_lines else ""
        can_cancel = may_edit and order.can_move_to(status.CANCELLED)
        can_pay = may_edit and order.can_take_balance and order.customer.balance > 0
        context.update(
            document=order,
            shown=shown,
            lines_html=lines_card_html(order, shown, items_url=items_url),
            held_customer=held,
            can_edit=may_edit and order.status not in (status.FULFILLED, status.CANCELLED),
            can_edit_lines=can_edit_lines,
            can_confirm=may_edit and order.can_move_to(status.CONFIRMED) and held is None,
            can_fulfil=may_edit and order.can_move_to(status.FULFILLED),
            can_cancel=can_cancel,
            can_email=may_edit and mailing.can_email(order, has_lines=bool(shown.lines)),
            can_pay_from_balance=can_pay,
            # The forms only where their buttons show.
            cancel_form=page_form(ReasonForm(auto_id="cancel_%s")) if can_cancel else None,
            balance_form=page_form(
                ApplyBalanceForm(auto_id="balance_%s", initial={"version": order.version})
            )
            if can_pay
            else None,
        )
        # The cards around the lines, written in Python as the lines are (selling.cards).
        context.update(
            header_html=cards.order_header_html(
                order,
                can_edit=context["can_edit"],
                can_edit_lines=can_edit_lines,
                can_email=context["can_email"],
            ),
            details_html=cards.order_details_html(order),
            notes_html=cards.notes_card_html(order),
        )
        context["next_step"] = next_steps.order_next_step(
            order, may_edit=may_edit, held=held, has_lines=bool(context["shown"].lines)
        )
        return context


# --- making an order -----------------------------------------------------------------------------


class OrderCreateView(CustomerPrefillMixin, FormView):
    """A new draft order for a customer picked from the company's active customers."""

    form_class = OrderCreateForm
    template_name = "selling/document_create.html"
    extra_context = {
        "title": gettext_lazy("New sales order"),
        "intro": gettext_lazy(
            "A draft order for an existing customer, priced with the customer's discount. "
            "To order what was quoted, open the accepted quotation and choose “Create sales "
            "order” instead."
        ),
        "submit_label": gettext_lazy("Create draft order"),
    }

    def get_initial(self):
        initial = super().get_initial()
        initial["order_date"] = timezone.localdate()
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = reverse("selling:order_list")
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            order = services.order_create(
                customer=data["customer"],
                order_date=data["order_date"],
                delivery_date=data["delivery_date"],
                notes=data["notes"],
                actor=self.request.user,
            )
        except DomainError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Draft order %(object)s was created: add its lines next.") % {"object": order},
        )
        return HttpResponseRedirect(order.get_absolute_url())


class _OrderConversionView(AccessQuerysetMixin, ObjectActionView):
    """POST makes the order (or finds the one already made). ``customer=<id>`` links the
    customer picked on the duplicate page, ``confirm_new=1`` creates a new one anyway. It
    converts the quotation or opportunity: outside the user's convert level it is a 404."""

    access_action = Action.CONVERT
    template_name = "selling/order_customer_choice.html"

    def convert(self, *, customer: Customer | None, allow_duplicates: bool) -> SalesOrder:
        raise NotImplementedError

    def opportunity(self) -> Opportunity | None:
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        customer = None
        if "customer" in request.POST:
            # Only a customer the user may view (the decision page lists no other).
            customer = viewable_rows(
                Customer.objects.filter(
                    company=request.company, pk=int_or_none(request.POST.get("customer"))
                ),
                request.user,
                request.company,
            ).first()
            if customer is None:
                messages.error(request, _("Choose one of the customers listed."))
                return HttpResponseRedirect(self.object.get_absolute_url())
        opportunity = self.opportunity()
        was_customer = getattr(self.object, "customer_id", None) is not None or (
            opportunity is not None and pricing.opportunity_customer(opportunity) is not None
        )
        try:
            order = self.convert(
                customer=customer, allow_duplicates=request.POST.get("confirm_new") == "1"
            )
        except DomainError as error:
            if error.code == "duplicate":
                return self.choose_customer(error.message)
            messages.error(request, error.message)
            return HttpResponseRedirect(self.object.get_absolute_url())
        # The order is a draft: the user lands on it, where "Confirm" books the sale.
        if customer is None and not was_customer:
            # The order made the customer (seed 000): say so, with a way to it.
            message = _(
                "%(customer)s is now a customer. Sales order %(order)s is a draft: confirm it "
                "to book the sale."
            )
        else:
            message = _(
                "Sales order %(order)s for %(customer)s is a draft: confirm it to book the sale."
            )
        messages.success(request, message % {"order": order, "customer": order.customer})
        return HttpResponseRedirect(order.get_absolute_url())

    def choose_customer(self, message: str):
        """The decision page: the customers that match, and creating a new one anyway."""
        opportunity = self.opportunity()
        proposal = customers_services.proposed_customer(opportunity=opportunity)
        duplicates = viewable_duplicates(
            customers_services.customer_duplicates(
                company=self.request.company,
                name=proposal.name,
                email=proposal.email,
                phone=proposal.phone,
            ),
            self.request.user,
            self.request.company,
        )
        context = {
            "source": self.object,
            "opportunity": opportunity,
            "proposal": proposal,
            "duplicates": duplicates,
            "message": message,
            "action_url": self.request.path,
        }
        return render(self.request, self.template_name, context)


class OrderFromQuotationView(_OrderConversionView):
    """“Create sales order” on an accepted quotation."""

    model = Quotation

    def get_queryset(self):
        return super().get_queryset().select_related("opportunity__lead")

    def opportunity(self):
        return self.object.opportunity

    def convert(self, **kwargs):
        return services.order_from_quotation(
            quotation=self.object, actor=self.request.user, **kwargs
        )


class OrderFromOpportunityView(_OrderConversionView):
    """“Create order” on an opportunity: its wish list becomes the order's lines."""

    model = Opportunity

    def get_queryset(self):
        return super().get_queryset().select_related("lead")

    def opportunity(self):
        return self.object

    def convert(self, **kwargs):
        return services.order_from_opportunity(
            opportunity=self.object, actor=self.request.user, **kwargs
        )


# --- editing and status moves --------------------------------------------------------------------


class OrderUpdateView(AccessQuerysetMixin, ServiceUpdateView):
    """All of a draft's header; of a confirmed order only the delivery date and the notes."""

    model = SalesOrder
    access_action = Action.EDIT
    form_class = OrderHeaderForm
    success_message = gettext_lazy("Sales order %(object)s was saved.")

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if self.object.status in (SalesOrder.Status.FULFILLED, SalesOrder.Status.CANCELLED):
            messages.error(request, _("A fulfilled or cancelled order cannot be changed."))
            return HttpResponseRedirect(self.object.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Edit sales order %(number)s") % {"number": self.object.number}
        return context

    def form_valid(self, form):
        self.service_fields = form.service_fields
        return super().form_valid(form)

    def save_service(self, instance):
        return services.order_update(
            order=instance, actor=self.request.user, fields=self.service_fields
        )


class OrderConfirmView(DocumentActionView):
    model = SalesOrder
    success_message = gettext_lazy("Sales order %(object)s is confirmed.")

    def run(self, obj):
        return services.order_confirm(order=obj, actor=self.request.user)


class OrderFulfilView(DocumentActionView):
    model = SalesOrder
    success_message = gettext_lazy("Sales order %(object)s is fulfilled.")

    def run(self, obj):
        return services.order_fulfil(order=obj, actor=self.request.user)


class OrderCancelView(DocumentActionView):
    model = SalesOrder
    form_class = ReasonForm
    success_message = gettext_lazy("Sales order %(object)s was cancelled.")

    def run(self, obj, reason=""):
        return services.order_cancel(order=obj, actor=self.request.user, reason=reason)


class OrderApplyBalanceView(DocumentActionView):
    model = SalesOrder
    form_class = ApplyBalanceForm

    def run(self, obj, amount=None, version=None):
        taken = services.order_apply_balance(
            order=obj, actor=self.request.user, amount=amount, seen_version=version
        )
        message = _("%(amount)s paid from the balance of %(customer)s.") % {
            "amount": format_money(taken, obj.currency),
            "customer": obj.customer,
        }
        if amount is not None and taken < amount:
            message += " " + _(
                "You asked for %(asked)s: that is all the balance held or the order had due."
            ) % {"asked": format_money(amount, obj.currency)}
        messages.success(self.request, message)
        return obj
