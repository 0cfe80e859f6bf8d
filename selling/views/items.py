"""Editing a draft quotation's or order's lines: one set of views for both document kinds.

The page is a formset of rows; saving hands every row to ``selling.services.document_lines_save``
at once (all or nothing). With htmx, "Add line" fetches one empty row from ``LineRowView`` and the
amounts and totals refresh from ``LinesPreviewView`` as the user types (nothing is saved); without
JavaScript the formset carries one empty row, a remove box per row and "Save and add another
line".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic.detail import SingleObjectMixin

from crm.access import Action
from crm.access.views import AccessQuerysetMixin
from crm.errors import DomainError
from crm.views.mixins import CompanyQuerysetMixin
from selling import pricing, services
from selling.forms_items import MAX_LINES, PREFIX, BaseLineFormSet, lines_formset, new_line_form
from selling.models import Quotation, SalesOrder

NOT_EDITABLE_STATUS = 409


@dataclass
class PricedRow:
    """What ``pricing.document_totals`` and the amount column need of a row being edited."""

    unit_price: Decimal
    vat_rate: Decimal
    net_amount: Decimal
    vat_amount: Decimal
    gross_amount: Decimal


def url_prefix(document) -> str:
    return "quotation" if isinstance(document, Quotation) else "order"


def not_editable_message(document) -> str:
    message = _("%(document)s is %(status)s: only a draft's lines can change.") % {
        "document": document,
        "status": document.get_status_display().lower(),
    }
    if isinstance(document, Quotation) and document.can_move_to(Quotation.Status.DRAFT):
        message += " " + _("Revise it to change them.")
    return message


def price_rows(formset: BaseLineFormSet) -> pricing.Totals:
    """Price every row as it would be saved (nothing is written) and give the totals.

    Each form gets ``shown_amount`` (net or gross, as the party sees prices), or None for a row
    that is empty, removed or not valid yet.
    """
    include_vat = formset.document.prices_include_vat
    priced = []
    for form in formset.forms:
        form.shown_amount = None
        if form.is_bound:
            if formset.is_removed(form) or not form.is_valid():
                continue
            values = form.cleaned_data
        else:
            values = dict(form.initial)
            values["product"] = formset.catalog.by_pk.get(values.get("product"))
        row = formset.row_input(form, values)
        if row is None:
            continue
        amounts = pricing.line_amounts(
            quantity=row.quantity,
            unit_price=row.unit_price,
            discount_percent=row.discount_percent,
            vat_rate=row.vat_rate,
        )
        line = PricedRow(row.unit_price, row.vat_rate, amounts.net, amounts.vat, amounts.gross)
        form.shown_amount = pricing.shown_line_amount(line, include_vat=include_vat)
        priced.append(line)
    return pricing.document_totals(priced)


class DocumentLinesMixin(AccessQuerysetMixin, CompanyQuerysetMixin, SingleObjectMixin):
    """Loads the document (another company's id, or one outside the user's edit level, is a
    404) and its lines."""

    model = None  # Quotation or SalesOrder, set by the URL's subclass
    access_action = Action.EDIT

    def get_queryset(self):
        return super().get_queryset().select_related("customer", "opportunity")

    def current_lines(self) -> list:
        return list(self.object.items.filter(company=self.request.company).order_by("position"))

    def formset(self, data=None) -> BaseLineFormSet:
        return lines_formset(
            document=self.object,
            lines=self.current_lines(),
            company=self.request.company,
            data=data,
        )

    def urls(self) -> dict[str, str]:
        prefix = url_prefix(self.object)
        args = [self.object.pk]
        return {
            "items": reverse(f"selling:{prefix}_items", args=args),
            "row": reverse(f"selling:{prefix}_items_row", args=args),
            "preview": reverse(f"selling:{prefix}_items_preview", args=args),
            "print": reverse(f"selling:{prefix}_print", args=args),
            "detail": self.object.get_absolute_url(),
        }


class DocumentItemsView(DocumentLinesMixin, View):
    template_name = "selling/items_form.html"

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if not self.object.is_editable:
            return self.refuse(message=not_editable_message(self.object), status=200)
        return self.render(self.formset())

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        if not self.object.is_editable:
            return self.refuse(message=not_editable_message(self.object))
        formset = self.formset(data=request.POST)
        if not formset.is_valid():
            return self.render(formset)
        try:
            services.document_lines_save(
                document=self.object,
                lines=formset.line_inputs(),
                actor=request.user,
                seen_version=self.seen_version(),
            )
        except DomainError as error:
            return self.render(formset, save_error=error.message)
        messages.success(
            request, _("The lines of %(document)s were saved.") % {"document": self.object}
        )
        if "add_another" in request.POST:
            # Straight to the empty row after the saved ones.
            kept = sum(1 for row in formset.line_inputs() if not row.delete)
            return HttpResponseRedirect(f"{self.urls()['items']}#line-{PREFIX}-{kept}")
        return HttpResponseRedirect(self.object.get_absolute_url())

    def seen_version(self) -> int | None:
        """The document's version when this person opened its lines (crm.versioning)."""
        try:
            return int(self.request.POST.get("document_version", ""))
        except ValueError:
            return None

    def render(self, formset: BaseLineFormSet, *, save_error: str = "") -> HttpResponse:
        totals = price_rows(formset)
        seen = self.seen_version() if self.request.method == "POST" else None
        context = {
            # A refused save keeps the version first seen, so it stays refused until reloaded.
            "document_version": self.object.version if seen is None else seen,
            "document": self.object,
            "formset": formset,
            "totals": totals,
            "save_error": save_error,
            "urls": self.urls(),
            "has_row_errors": formset.is_bound and any(form.errors for form in formset.forms),
        }
        return render(self.request, self.template_name, context)

    def refuse(self, *, message: str, status: int = NOT_EDITABLE_STATUS) -> HttpResponse:
        context = {"document": self.object, "refusal": message, "urls": self.urls()}
        return render(self.request, self.template_name, context, status=status)


class LineRowView(DocumentLinesMixin, View):
    """One empty row for "Add line": the index comes from the form's TOTAL_FORMS, which the
    response bumps (out of band) so the next row gets the next index."""

    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if not request.htmx:
            # A row is no page: whoever opens the address itself gets the lines page.
            return HttpResponseRedirect(self.urls()["items"])
        if not self.object.is_editable:
            return HttpResponse(not_editable_message(self.object), status=NOT_EDITABLE_STATUS)
        try:
            index = int(request.GET.get(f"{PREFIX}-TOTAL_FORMS", ""))
        except ValueError:
            return HttpResponseBadRequest(_("Which row? The form's row count is missing."))
        if not 0 <= index < MAX_LINES:
            return HttpResponseBadRequest(
                _("A document can have at most %(count)s lines.") % {"count": MAX_LINES}
            )
        form = new_line_form(document=self.object, company=request.company, index=index)
        form.fields["product"].widget.attrs["autofocus"] = True
        context = {
            "form": form,
            "document": self.object,
            "total_forms": index + 1,
        }
        return render(request, "selling/partials/_items_row_added.html", context)


class LinesPreviewView(DocumentLinesMixin, View):
    """The amounts and totals of the rows as typed so far; nothing is saved."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        if not self.object.is_editable:
            return HttpResponse(not_editable_message(self.object), status=NOT_EDITABLE_STATUS)
        formset = self.formset(data=request.POST)
        if not formset.management_form.is_valid():
            return HttpResponseBadRequest(_("The lines form is incomplete: reload the page."))
        totals = price_rows(formset)
        context = {"document": self.object, "formset": formset, "totals": totals, "oob": True}
        return render(request, "selling/partials/_items_preview.html", context)


class QuotationItemsView(DocumentItemsView):
    model = Quotation


class OrderItemsView(DocumentItemsView):
    model = SalesOrder


class QuotationLineRowView(LineRowView):
    model = Quotation


class OrderLineRowView(LineRowView):
    model = SalesOrder


class QuotationLinesPreviewView(LinesPreviewView):
    model = Quotation


class OrderLinesPreviewView(LinesPreviewView):
    model = SalesOrder
