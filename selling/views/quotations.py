"""Quotation pages: the list, the 360-degree page, creating, editing the header, status moves.

Every write goes through ``selling.services``; a refusal (``DomainError``) becomes a message or a
form error and changes nothing. Who may do what is ``crm.access``'s answer for the quotation
(its salesperson owns it): editing, sending and revising are edits; accepting, rejecting and
ordering convert it. A quotation outside the user's level is a 404 and shows no button.
"""

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView

from crm.access import Action, viewable_rows
from crm.access.views import AccessContextMixin, AccessQuerysetMixin
from crm.errors import DomainError
from crm.ui.export import Column, ColumnKind, Export
from crm.ui.page_forms import page_form
from crm.views.mixins import CompanyListView, CompanyQuerysetMixin, MyRecordsMixin
from crm.views.records import ObjectActionView, ServiceUpdateView
from customers.models import Customer
from leads.models import Opportunity
from selling import cards, mailing, next_steps, selectors, services
from selling.document_page import document_for_page
from selling.filters import QuotationFilter
from selling.forms import QuotationCreateForm, QuotationHeaderForm, ReasonForm, ReviseForm
from selling.lines import lines_card_html
from selling.models import Quotation
from selling.tables import quotation_table


def int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class DocumentActionView(AccessQuerysetMixin, ObjectActionView):
    """A POST that moves a document through a service; ``form_class`` reads optional input
    (a reason, a date). The service's refusal is shown as a message and nothing changes.
    Moving a document is editing it unless ``access_action`` says otherwise."""

    access_action = Action.EDIT
    form_class = None
    success_message = ""

    def act(self, obj) -> str:
        params = {}
        if self.form_class is not None:
            form = self.form_class(self.request.POST)
            if not form.is_valid():
                errors = [error for field_errors in form.errors.values() for error in field_errors]
                raise DomainError(" ".join(errors))
            params = form.cleaned_data
        document = self.run(obj, **params)
        if self.success_message:
            messages.success(self.request, self.success_message % {"object": document})
        return document.get_absolute_url()

    def run(self, obj, **params):
        raise NotImplementedError


def held_customer(customer: Customer | None) -> Customer | None:
    """The customer, if it is on hold or inactive (no new documents: the page says why)."""
    if customer is not None and not customer.can_receive_documents:
        return customer
    return None


class CustomerPrefillMixin:
    """``?customer=<id>`` preselects a customer; the form's choices are the active company's
    only, so another company's id simply preselects nothing. A customer on hold or inactive
    is not preselected: the page shows why instead."""

    def prefilled_customer(self) -> Customer | None:
        customer_id = int_or_none(self.request.GET.get("customer"))
        if not customer_id:
            return None
        customers = Customer.objects.filter(company=self.request.company, pk=customer_id)
        return viewable_rows(customers, self.request.user, self.request.company).first()

    def get_initial(self):
        initial = super().get_initial()
        customer_id = int_or_none(self.request.GET.get("customer"))
        if customer_id:
            initial["customer"] = customer_id
        return initial

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "company": self.request.company,
            "user": self.request.user,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        customer = getattr(form, "refused_customer", None)
        if customer is None and self.request.method == "GET":
            customer = held_customer(self.prefilled_customer())
        context["held_customer"] = customer
        return context


# --- list and detail -----------------------------------------------------------------------------


class QuotationListView(MyRecordsMixin, AccessQuerysetMixin, CompanyListView):
    model = Quotation
    filterset_class = QuotationFilter
    template_name = "selling/quotation_list.html"
    export = Export(
        "quotations",
        [
            Column(gettext_lazy("Number"), "number"),
            Column(gettext_lazy("Date"), "quotation_date"),
            Column(gettext_lazy("Valid until"), "valid_until"),
            Column(gettext_lazy("Status"), "status"),
            Column(gettext_lazy("Customer or opportunity"), "party_name", kind=ColumnKind.TEXT),
            Column(gettext_lazy("Customer ID"), "customer_id"),
            Column(gettext_lazy("Opportunity ID"), "opportunity_id"),
            Column(gettext_lazy("Salesperson"), "salesperson__name"),
            Column(gettext_lazy("Currency"), "currency"),
            Column(gettext_lazy("Net total"), "net_total"),
            Column(gettext_lazy("VAT"), "vat_total"),
            Column(gettext_lazy("Gross total"), "gross_total"),
        ],
    )
    partial_template_name = "selling/partials/_quotation_table.html"
    table = quotation_table
    sort_fields = {
        "number": "number",
        "date": "quotation_date",
        "customer": "party_name",
        "total": "gross_total",
        "status": "status",
    }
    default_sort = "-date"

    def decorate_rows(self, queryset):
        return selectors.quotations_for_list(queryset)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["today"] = timezone.localdate()
        return context


class QuotationDetailView(
    AccessContextMixin, AccessQuerysetMixin, CompanyQuerysetMixin, DetailView
):
    model = Quotation
    template_name = "selling/quotation_detail.html"
    context_object_name = "quotation"

    def _read_opportunity(self, quotation: Quotation) -> Quotation:
        # Apart, and only when there is one: PostgreSQL spent 15-25 ms *planning* the one
        # query that joined eleven tables (0.4 ms to run it); apart, each plans in about 2 ms.
        # The sales partner and portal user likewise (selectors.optional_parties).
        # Each lookup is built only where the quotation has the relation (most have none).
        company = self.request.company
        lookups = selectors.optional_parties(quotation, company)
        if quotation.opportunity_id is not None:
            opportunities = Opportunity.objects.filter(company=company)
            lookups.append(
                Prefetch(
                    "opportunity",
                    opportunities.select_related("stage", "customer_link__customer"),
                )
            )
        selectors.prefetch_present(quotation, *lookups)
        return quotation

    def get_object(self, queryset=None):
        # With its customer, salesperson, creator and sales order, in SQL written once per
        # process (selling.document_page): a 404 where the queryset would have none.
        quotation = document_for_page(Quotation, pk=self.kwargs["pk"], request=self.request)
        if quotation.is_due_to_expire():
            # Past its valid-until date: expire it now, so the page never shows a stale status.
            services.quotation_expire_if_due(quotation=quotation, actor=self.request.user)
            quotation = document_for_page(Quotation, pk=self.kwargs["pk"], request=self.request)
        return self._read_opportunity(quotation)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        quotation = self.object
        status = Quotation.Status
        customer = selectors.quotation_customer(quotation)
        # On hold or inactive: the services refuse sending, accepting and ordering; say why.
        held = held_customer(customer)
        # Buttons only where the user's level (crm.access) lets the click through.
        may_edit, may_convert = context["can_edit"], context["can_convert"]
        can_change = may_edit and quotation.is_editable
        shown = selectors.document_page_lines(quotation)
        items_url = reverse("selling:quotation_items", args=[quotation.pk]) if can_change else ""
        can_reject = may_convert and quotation.can_move_to(status.REJECTED)
        can_revise = may_edit and quotation.can_move_to(status.DRAFT)
        context.update(
            document=quotation,
            shown=shown,
            lines_html=lines_card_html(quotation, shown, items_url=items_url),
            customer=customer,
            held_customer=held,
            open_statuses=(status.DRAFT, status.SENT, status.ACCEPTED),
            order=getattr(quotation, "sales_order", None),
            can_change=can_change,
            can_send=may_edit and quotation.can_move_to(status.SENT) and held is None,
            can_email=may_edit
            and mailing.can_email(quotation, has_lines=bool(shown.lines))
            and held is None,
            can_accept=may_convert and quotation.can_move_to(status.ACCEPTED) and held is None,
            can_reject=can_reject,
            can_revise=can_revise,
            can_order=may_convert and quotation.status == status.ACCEPTED and held is None,
            # The forms only where their buttons show (most views show neither).
            reject_form=page_form(ReasonForm(auto_id="reject_%s")) if can_reject else None,
            revise_form=page_form(
                ReviseForm(
                    auto_id="revise_%s", initial={"valid_until": ReviseForm.default_valid_until()}
                )
            )
            if can_revise
            else None,
        )
        # The cards around the lines, written in Python as the lines are (selling.cards).
        context.update(
            header_html=cards.quotation_header_html(
                quotation,
                customer=customer,
                can_change=can_change,
                can_email=context["can_email"],
            ),
            details_html=cards.quotation_details_html(
                quotation, customer=customer, order=context["order"]
            ),
            notes_html=cards.notes_card_html(quotation),
        )
        context["next_step"] = next_steps.quotation_next_step(
            quotation,
            may_edit=may_edit,
            may_convert=may_convert,
            held=held,
            has_lines=bool(context["shown"].lines),
            order=context["order"],
        )
        return context


# --- creating ------------------------------------------------------------------------------------


class QuotationCreateView(CustomerPrefillMixin, FormView):
    """A new draft quotation for a customer picked from the company's active customers."""

    form_class = QuotationCreateForm
    template_name = "selling/document_create.html"
    extra_context = {
        "title": gettext_lazy("New quotation"),
        "intro": gettext_lazy(
            "A draft quotation for an existing customer, priced with the customer's discount. "
            "For a prospect, open the opportunity and choose “New quotation” there: its wish "
            "list becomes the lines."
        ),
        "submit_label": gettext_lazy("Create draft quotation"),
    }

    def get_initial(self):
        initial = super().get_initial()
        initial["valid_until"] = ReviseForm.default_valid_until()
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = reverse("selling:quotation_list")
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            quotation = services.quotation_create(
                customer=data["customer"],
                valid_until=data["valid_until"],
                notes=data["notes"],
                actor=self.request.user,
            )
        except DomainError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(self.request, _created_message(quotation))
        return HttpResponseRedirect(quotation.get_absolute_url())


def _created_message(quotation: Quotation) -> str:
    if quotation.net_total:
        return _("Draft quotation %(object)s was created from the wish list.") % {
            "object": quotation
        }
    return _("Draft quotation %(object)s was created: add its lines next.") % {"object": quotation}


class QuotationForOpportunityView(AccessQuerysetMixin, ObjectActionView):
    """POST from the opportunity page: a draft quotation whose lines are the wish list
    (quoting converts the opportunity, so it takes the opportunity's convert level)."""

    model = Opportunity
    access_action = Action.CONVERT

    def act(self, obj) -> str:
        quotation = services.quotation_create(opportunity=obj, actor=self.request.user)
        messages.success(self.request, _created_message(quotation))
        return quotation.get_absolute_url()


class QuotationForCustomerView(AccessQuerysetMixin, ObjectActionView):
    """POST from the customer page: an empty draft quotation for the customer (whoever sees
    the customer may quote to it, as the new quotation form lets them)."""

    model = Customer
    access_action = Action.VIEW

    def act(self, obj) -> str:
        quotation = services.quotation_create(customer=obj, actor=self.request.user)
        messages.success(self.request, _created_message(quotation))
        return quotation.get_absolute_url()


# --- editing and status moves --------------------------------------------------------------------


class QuotationUpdateView(AccessQuerysetMixin, ServiceUpdateView):
    """Dates, salesperson, partner and notes of a draft."""

    model = Quotation
    access_action = Action.EDIT
    form_class = QuotationHeaderForm
    success_message = gettext_lazy("Quotation %(object)s was saved.")

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if not self.object.is_editable:
            messages.error(request, _("Only a draft quotation can be changed: revise it first."))
            return HttpResponseRedirect(self.object.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Edit quotation %(number)s") % {"number": self.object.number}
        return context

    def form_valid(self, form):
        self.service_fields = form.service_fields
        return super().form_valid(form)

    def save_service(self, instance):
        return services.quotation_update(
            quotation=instance, actor=self.request.user, fields=self.service_fields
        )


class QuotationSendView(DocumentActionView):
    model = Quotation
    success_message = gettext_lazy("Quotation %(object)s is marked as sent.")

    def run(self, obj):
        return services.quotation_send(quotation=obj, actor=self.request.user)


class QuotationAcceptView(DocumentActionView):
    model = Quotation
    access_action = Action.CONVERT
    success_message = gettext_lazy(
        "Quotation %(object)s was accepted. Create the sales order when you are ready."
    )

    def run(self, obj):
        return services.quotation_accept(quotation=obj, actor=self.request.user)


class QuotationRejectView(DocumentActionView):
    model = Quotation
    access_action = Action.CONVERT
    form_class = ReasonForm
    success_message = gettext_lazy("Quotation %(object)s was marked as rejected.")

    def run(self, obj, reason=""):
        return services.quotation_reject(quotation=obj, actor=self.request.user, reason=reason)


class QuotationReviseView(DocumentActionView):
    model = Quotation
    form_class = ReviseForm
    success_message = gettext_lazy("Quotation %(object)s is a draft again: change it and send it.")

    def run(self, obj, valid_until=None):
        return services.quotation_revise(
            quotation=obj, actor=self.request.user, valid_until=valid_until
        )
