"""Quotations and sales orders in the admin: find, read, and move them on through the services.

- **Number, status and totals are read-only.** A status moves only through the actions below,
  which call ``selling.services`` exactly like the pages do (transitions table, row lock, timeline
  event); totals change only when lines are saved and priced by ``selling.pricing``.
- **Lines are read-only here.** They are priced and totalled by ``services.document_lines_save``;
  the document's change page links to the items page where a draft's lines are edited.
- **Documents are not added here**: the pages and the conversions number and price them.
- **Nothing numbered is ever deleted.** Numbers are gapless per company and year
  (``crm.numbering``): deleting ``QTN-2026-00007`` would leave a hole an auditor has to explain.
  Reject or cancel a document instead; it keeps its number and its history.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.access import Action
from crm.access.engine import access_filter
from crm.admin_base import CompanyScopedAdmin, CompanyScopedInlineMixin
from crm.errors import DomainError
from crm.money import format_plain
from selling import mailing, pricing, services
from selling.models import (
    DocumentEmailTemplate,
    OutboundEmail,
    Quotation,
    QuotationItem,
    SalesOrder,
    SalesOrderItem,
)

LINE_FIELDS = [
    "position",
    "product",
    "description",
    "quantity",
    "unit_price",
    "discount_percent",
    "vat_rate",
    "net_amount",
    "vat_amount",
    "gross_amount",
]
TOTAL_FIELDS = ["net_total", "vat_total", "gross_total"]
# What the pricing fixed when the document was made; never typed in.
TERMS_FIELDS = [
    "currency",
    "prices_include_vat",
    "discount_percent",
    "discount_rule",
    "price_group",
    "price_rule",
    "payment_terms_days",
]
RECORD_FIELDS = ["created_by", "created_at", "updated_at"]
# The change page's lower half, the same for quotations and orders.
PRICING_FIELDSETS = [
    (gettext_lazy("Pricing"), {"fields": TERMS_FIELDS}),
    (gettext_lazy("Totals"), {"fields": [*TOTAL_FIELDS, "vat_breakdown", "lines_link"]}),
    (None, {"fields": ["notes"]}),
    (gettext_lazy("Record"), {"fields": RECORD_FIELDS, "classes": ["collapse"]}),
]


class ReadOnlyLineInline(CompanyScopedInlineMixin, admin.TabularInline):
    """A document's lines as priced: no add, change or delete (see the module docstring)."""

    fields = LINE_FIELDS
    readonly_fields = LINE_FIELDS
    extra = 0
    can_delete = False
    show_change_link = False
    view_on_site = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class QuotationItemInline(ReadOnlyLineInline):
    model = QuotationItem


class SalesOrderItemInline(ReadOnlyLineInline):
    model = SalesOrderItem
    fk_name = "order"


def _run(
    modeladmin,
    request,
    queryset,
    service: Callable,
    *,
    done_message: str,
) -> None:
    """Call ``service`` for each selected document in its own transaction (the services are
    atomic): a refusal is reported with the document's number and the rest carry on."""
    done = 0
    for document in queryset.order_by("pk"):
        try:
            service(document, actor=request.user)
        except DomainError as error:
            modeladmin.message_user(request, f"{document}: {error.message}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message % {"count": done}, messages.SUCCESS)


class DocumentAdmin(CompanyScopedAdmin):
    """What the quotation and order admins share: read-only figures, header changes through the
    service, no add, no delete, and a per-row report of what the services refused."""

    items_url_name: str
    list_per_page = 50
    search_fields = ["number", "customer__name", "opportunity__title"]
    search_help_text = gettext_lazy("Number, customer name or opportunity title.")
    list_select_related = ["customer", "opportunity", "salesperson"]
    # Read-only today (see get_readonly_fields); should one become editable, it is found by
    # typing rather than a select of every customer or opportunity.
    autocomplete_fields = ["customer", "opportunity"]
    # Always read-only, whatever the status.
    base_readonly_fields = [
        "number",
        "status",
        *TERMS_FIELDS,
        *TOTAL_FIELDS,
        "vat_breakdown",
        "lines_link",
        *RECORD_FIELDS,
    ]

    def get_queryset(self, request):
        # Everything the change page shows as a link is loaded with the row (no query per field).
        return (
            super()
            .get_queryset(request)
            .select_related(
                "customer",
                "opportunity",
                "salesperson",
                "sales_partner",
                "created_by",
                "price_group",
            )
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Gapless numbers: see the module docstring.
        return False

    def editable_fields(self, obj) -> list[str]:
        """The header fields the update service accepts for ``obj`` in its status."""
        raise NotImplementedError

    def get_readonly_fields(self, request, obj=None):
        editable = set(self.editable_fields(obj)) if obj is not None else set()
        names = [name for name in flatten_fieldsets(self.fieldsets) if name not in editable]
        return list(dict.fromkeys([*self.base_readonly_fields, *names]))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and not self.editable_fields(obj):
            # Nothing to save on a document past draft: offer no Save button that does nothing.
            context.update(show_save=False, show_save_and_continue=False)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @staticmethod
    def _nowrap(text):
        return format_html('<span class="nowrap">{}</span>', text)

    @admin.display(description=gettext_lazy("number"), ordering="number")
    def number_display(self, obj):
        return self._nowrap(obj.number)

    @admin.display(description=gettext_lazy("party"), ordering="customer__name")
    def party(self, obj):
        if obj.customer_id is None and obj.opportunity_id is not None:
            return _("%(title)s (opportunity)") % {"title": obj.opportunity}
        return obj.party

    @admin.display(description=gettext_lazy("total (gross)"), ordering="gross_total")
    def total(self, obj):
        amount = number_format(obj.gross_total, decimal_pos=2, force_grouping=True)
        return self._nowrap(f"{amount} {obj.currency}")

    @admin.display(description=gettext_lazy("VAT by rate"))
    def vat_breakdown(self, obj):
        totals = pricing.document_totals(obj.items.all())
        if not totals.vat_breakdown:
            return "-"
        return format_html_join(
            "",
            "<div>{}</div>",
            (
                (
                    _("%(rate)s %%: %(vat)s VAT on %(net)s net")
                    % {
                        "rate": format_plain(row.rate),
                        "vat": number_format(row.vat, 2),
                        "net": number_format(row.net, 2),
                    },
                )
                for row in totals.vat_breakdown
            ),
        )

    @admin.display(description=gettext_lazy("lines"))
    def lines_link(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        try:
            url = reverse(self.items_url_name, args=[obj.pk])
        except NoReverseMatch:  # the items page is optional: the detail page lists the lines
            url = obj.get_absolute_url()
        if obj.is_editable:
            label = _("Edit the lines of %(document)s") % {"document": obj}
        else:
            label = _("Open %(document)s") % {"document": obj}
        return format_html('<a href="{}">{}</a>', url, label)

    def update(self, obj, *, actor, fields: dict):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        """Header changes go through the update service (lock, status check, validation)."""
        fields = {
            name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data
        }
        if not fields:
            return
        self.mark_editor(request, obj)
        try:
            self.update(obj, actor=request.user, fields=fields)
        except DomainError as error:
            # Changed meanwhile (sent, confirmed...): nothing was written; say why.
            request._selling_refused = True
            self.message_user(request, f"{obj}: {error.message}", messages.ERROR)

    def response_change(self, request, obj):
        if getattr(request, "_selling_refused", False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)


@admin.register(Quotation)
class QuotationAdmin(DocumentAdmin):
    """Quotations; status moves by the actions (send, accept, reject, expire, order)."""

    items_url_name = "selling:quotation_items"
    list_display = [
        "number_display",
        "party",
        "status",
        "quotation_date",
        "valid_until",
        "total",
        "salesperson",
    ]
    list_display_links = ["number_display"]
    list_filter = [
        "status",
        "quotation_date",
        "valid_until",
        ("salesperson", admin.RelatedOnlyFieldListFilter),
        "prices_include_vat",
    ]
    date_hierarchy = "quotation_date"
    fieldsets = [
        (None, {"fields": ["number", "status", "customer", "opportunity"]}),
        (
            gettext_lazy("Dates and people"),
            {"fields": ["quotation_date", "valid_until", "salesperson", "sales_partner"]},
        ),
        *PRICING_FIELDSETS,
    ]
    inlines = [QuotationItemInline]

    def editable_fields(self, obj) -> list[str]:
        if obj.is_editable:
            return ["quotation_date", "valid_until", "salesperson", "sales_partner", "notes"]
        return []

    def update(self, obj, *, actor, fields):
        services.quotation_update(quotation=obj, actor=actor, fields=fields)

    @admin.action(description=gettext_lazy("Send the selected quotations"), permissions=["change"])
    def send(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda quotation, **kw: services.quotation_send(quotation=quotation, **kw),
            done_message=_("%(count)d quotation(s) sent."),
        )

    @admin.action(
        description=gettext_lazy("Mark the selected quotations accepted"), permissions=["change"]
    )
    def accept(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda quotation, **kw: services.quotation_accept(quotation=quotation, **kw),
            done_message=_("%(count)d quotation(s) accepted."),
        )

    @admin.action(
        description=gettext_lazy("Mark the selected quotations rejected"), permissions=["change"]
    )
    def reject(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda quotation, **kw: services.quotation_reject(quotation=quotation, **kw),
            done_message=_("%(count)d quotation(s) rejected."),
        )

    @admin.action(
        description=gettext_lazy("Expire the selected quotations past their date"),
        permissions=["change"],
    )
    def expire_due(self, request, queryset):
        expired, still_open = 0, []
        for quotation in queryset.order_by("pk"):
            before = quotation.status
            try:
                quotation = services.quotation_expire_if_due(
                    quotation=quotation, actor=request.user
                )
            except DomainError as error:
                self.message_user(request, f"{quotation}: {error.message}", messages.ERROR)
                continue
            if quotation.status != before:
                expired += 1
            else:
                still_open.append(str(quotation))
        if expired:
            self.message_user(
                request, _("%(count)d quotation(s) expired.") % {"count": expired}, messages.SUCCESS
            )
        if still_open:
            self.message_user(
                request,
                _("Not due to expire (still valid, or already closed): %(numbers)s.")
                % {"numbers": ", ".join(still_open)},
                messages.WARNING,
            )

    @admin.action(
        description=gettext_lazy("Create the sales order of the selected quotations"),
        permissions=["change"],
    )
    def create_order(self, request, queryset):
        made = 0
        for quotation in queryset.order_by("pk"):
            try:
                order = services.order_from_quotation(quotation=quotation, actor=request.user)
            except DomainError as error:
                message = f"{quotation}: {error.message}"
                if error.code == "duplicate":
                    # The admin cannot ask which customer is meant; the quotation's page can.
                    message += " " + _("Create this order from the quotation's page.")
                self.message_user(request, message, messages.ERROR)
            else:
                made += 1
                self.message_user(
                    request,
                    _("%(quotation)s: order %(order)s.") % {"quotation": quotation, "order": order},
                    messages.SUCCESS,
                )
        if made > 1:
            self.message_user(
                request, _("%(count)d order(s) ready.") % {"count": made}, messages.SUCCESS
            )

    actions = ["send", "accept", "reject", "expire_due", "create_order"]


@admin.register(SalesOrder)
class SalesOrderAdmin(DocumentAdmin):
    """Sales orders; status moves by the actions (confirm, fulfil, cancel)."""

    items_url_name = "selling:order_items"
    search_fields = [*DocumentAdmin.search_fields, "quotation__number"]
    autocomplete_fields = [*DocumentAdmin.autocomplete_fields, "quotation"]
    list_display = [
        "number_display",
        "party",
        "status",
        "order_date",
        "total",
        "salesperson",
    ]
    list_display_links = ["number_display"]
    list_filter = [
        "status",
        "order_date",
        "delivery_date",
        ("salesperson", admin.RelatedOnlyFieldListFilter),
        "prices_include_vat",
    ]
    date_hierarchy = "order_date"
    fieldsets = [
        (None, {"fields": ["number", "status", "customer", "opportunity", "quotation"]}),
        (
            gettext_lazy("Dates and people"),
            {"fields": ["order_date", "delivery_date", "salesperson", "sales_partner"]},
        ),
        *PRICING_FIELDSETS,
        (
            gettext_lazy("Payment"),
            {"fields": ["balance_applied", "balance_refunded", "amount_due"]},
        ),
    ]
    inlines = [SalesOrderItemInline]
    # Paid from the customer's balance on the order's page, never typed in here.
    base_readonly_fields = [
        *DocumentAdmin.base_readonly_fields,
        "balance_applied",
        "balance_refunded",
        "amount_due",
    ]

    @admin.display(description=gettext_lazy("amount due"))
    def amount_due(self, obj):
        return obj.amount_due

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("quotation")

    def editable_fields(self, obj) -> list[str]:
        if obj.is_editable:
            return ["order_date", "delivery_date", "salesperson", "sales_partner", "notes"]
        if obj.status == SalesOrder.Status.CONFIRMED:
            return ["delivery_date", "notes"]
        return []

    def update(self, obj, *, actor, fields):
        services.order_update(order=obj, actor=actor, fields=fields)

    @admin.action(description=gettext_lazy("Confirm the selected orders"), permissions=["change"])
    def confirm(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda order, **kw: services.order_confirm(order=order, **kw),
            done_message=_("%(count)d order(s) confirmed."),
        )

    @admin.action(
        description=gettext_lazy("Mark the selected orders fulfilled"), permissions=["change"]
    )
    def fulfil(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda order, **kw: services.order_fulfil(order=order, **kw),
            done_message=_("%(count)d order(s) fulfilled."),
        )

    @admin.action(description=gettext_lazy("Cancel the selected orders"), permissions=["change"])
    def cancel(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda order, **kw: services.order_cancel(order=order, **kw),
            done_message=_("%(count)d order(s) cancelled."),
        )

    actions = ["confirm", "fulfil", "cancel"]


# --- e-mailing documents -------------------------------------------------------------------------


class DocumentEmailTemplateAdminForm(forms.ModelForm):
    class Meta:
        model = DocumentEmailTemplate
        fields = ["kind", "subject", "body"]

    def clean(self):
        cleaned = super().clean()
        unknown = mailing.unknown_placeholders(
            cleaned.get("subject", "") + "\n" + cleaned.get("body", "")
        )
        if unknown:
            raise forms.ValidationError(
                _("Unknown placeholder %(names)s. Use only: %(allowed)s.")
                % {
                    "names": ", ".join(f"{{{name}}}" for name in unknown),
                    "allowed": ", ".join(f"{{{name}}}" for name in mailing.PLACEHOLDERS),
                }
            )
        return cleaned


@admin.register(DocumentEmailTemplate)
class DocumentEmailTemplateAdmin(CompanyScopedAdmin):
    """The subject and message the send page starts from (also on Settings → E-mails)."""

    form = DocumentEmailTemplateAdminForm
    list_display = ["kind", "subject", "updated_at"]


@admin.register(OutboundEmail)
class OutboundEmailAdmin(CompanyScopedAdmin):
    """Every attempt to e-mail a document, as the send page stored it: read, never changed.
    Only the e-mails of documents the user may view are listed."""

    list_display = ["created_at", "document_number", "to", "subject", "status", "sent_by"]
    list_filter = ["status"]
    search_fields = ["to", "subject", "quotation__number", "order__number"]
    list_select_related = ["quotation", "order", "sent_by"]
    readonly_fields = [
        "quotation",
        "order",
        "to",
        "cc",
        "subject",
        "body",
        "attachment_name",
        "sent_by",
        "status",
        "error",
        "created_at",
        "attempted_at",
    ]

    def get_queryset(self, request):
        company, user = request.company, request.user
        quotations = Quotation.objects.filter(
            access_filter(user, company, Quotation, Action.VIEW), company=company
        )
        orders = SalesOrder.objects.filter(
            access_filter(user, company, SalesOrder, Action.VIEW), company=company
        )
        return (
            super().get_queryset(request).filter(Q(quotation__in=quotations) | Q(order__in=orders))
        )

    @admin.display(description=gettext_lazy("document"))
    def document_number(self, obj):
        return obj.document.number

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
