"""Quotations and sales orders, their lines, and the statuses they move through.

Amounts are stored, never recomputed on read: ``selling.pricing`` computes each line and the
totals, ``selling.services`` stores them, and ``manage.py verify_figures`` finds any document whose
stored totals disagree with its lines.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from crm.audit import audit_history
from crm.kept_figures import KeptFigureRow
from crm.models import CompanyOwned, Product, SalesPartner, Salesperson
from crm.stored_names import KeepsStoredNames
from crm.versioning import Versioned
from customers.models import (
    DEFAULT_PAYMENT_TERMS_DAYS,
    MAX_PAYMENT_TERMS_DAYS,
    Customer,
    CustomerGroup,
    CustomerUser,
    payment_terms_label,
)
from leads.models import Opportunity, OpportunityStage, WishListItem
from selling import party_names, terms_notes

PERCENT_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


def _money(verbose_name: str) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, default=Decimal("0"))


# Kept by the lines' totals and the balance ledger, whose own history says what changed; left
# out of the documents' history (crm.audit).
DERIVED_DOCUMENT_FIELDS = ("net_total", "vat_total", "gross_total")


class SellingDocument(KeepsStoredNames, Versioned, CompanyOwned):
    """What a quotation and a sales order share: number, party, ownership, pricing terms, totals."""

    timeline_enabled = True
    # The number and the stored names of whoever it is for (selling.party_names).
    search_fields = ("number", "party_names")

    number = models.CharField(_("number"), max_length=20, editable=False)
    salesperson = models.ForeignKey(
        Salesperson,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("salesperson"),
    )
    sales_partner = models.ForeignKey(
        SalesPartner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sales partner"),
    )
    currency = models.CharField(_("currency"), max_length=3, editable=False)
    # Pricing terms fixed when the document is made (see selling.pricing.terms_for).
    prices_include_vat = models.BooleanField(
        _("prices shown with VAT"),
        default=False,
        help_text=_("Private customers see prices with VAT, business customers without."),
    )
    discount_percent = models.DecimalField(
        _("party discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=PERCENT_VALIDATORS,
    )
    # The sentences are as long as the names in them (a group's name is up to 100 characters,
    # and Indonesian says it at length): text, not a bounded column.
    discount_rule = models.TextField(_("discount rule"), blank=True)
    # The customer group whose price list gives the unit prices of new lines (none: the catalog),
    # and the sentence that says so on the document.
    price_group = models.ForeignKey(
        CustomerGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("price list of group"),
    )
    price_rule = models.TextField(_("price rule"), blank=True)
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"),
        default=DEFAULT_PAYMENT_TERMS_DAYS,
        validators=[MaxValueValidator(MAX_PAYMENT_TERMS_DAYS)],
        help_text=_("0 means due on receipt."),
    )
    net_total = _money(_("net total"))
    vat_total = _money(_("VAT"))
    gross_total = _money(_("gross total"))
    notes = models.TextField(_("notes"), blank=True, help_text=_("Printed on the document."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Derived from the customer and opportunity, kept by selling.party_names; only searched.
    party_names = models.TextField(_("names searched"), blank=True, default="", editable=False)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.number or str(_("(unnumbered)"))

    @property
    def party(self):
        """Who the document is for: the customer, or the opportunity before it has one."""
        return self.customer or self.opportunity

    @property
    def shown_total(self) -> Decimal:
        return self.gross_total if self.prices_include_vat else self.net_total

    @property
    def discount_note(self) -> str:
        """Where the party discount comes from, in the reader's language ("" without one)."""
        return terms_notes.discount_note(self)

    @property
    def price_note(self) -> str:
        """Where the unit prices come from (the catalog or a price list), in the reader's
        language."""
        return terms_notes.price_note(self)

    @property
    def payment_terms_label(self) -> str:
        """“30 days net” or “due on receipt”, as printed."""
        return payment_terms_label(self.payment_terms_days)


def _payment_terms_constraint(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(
            payment_terms_days__gte=0, payment_terms_days__lte=MAX_PAYMENT_TERMS_DAYS
        ),
        name=f"{prefix}_payment_terms_range",
        violation_error_message=_("Payment terms must be between 0 and 365 days."),
    )


class Quotation(SellingDocument):
    """An offer to an opportunity and/or a customer, valid until a date."""

    stored_names = party_names.QUOTATION_NAMES

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", _("Expired")
        ORDERED = "ordered", _("Ordered")

    # Where each status may move to, and nowhere else. "ordered" is reached only by making the
    # order; "expired" by the expiry job (or on view) once valid-until has passed. A rejected or
    # ordered quotation is final. An expired one may be revised (back to draft, new validity).
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.DRAFT: frozenset({Status.SENT, Status.EXPIRED}),
        Status.SENT: frozenset({Status.ACCEPTED, Status.REJECTED, Status.EXPIRED, Status.DRAFT}),
        Status.ACCEPTED: frozenset({Status.ORDERED, Status.EXPIRED}),
        Status.REJECTED: frozenset(),
        Status.EXPIRED: frozenset({Status.DRAFT}),
        Status.ORDERED: frozenset(),
    }
    # Statuses the expiry job moves to "expired" once valid-until has passed.
    EXPIRABLE = frozenset({Status.DRAFT, Status.SENT, Status.ACCEPTED})
    # Offers still on the table (a customer's "open quotations").
    OPEN = frozenset({Status.DRAFT, Status.SENT, Status.ACCEPTED})

    NUMBER_PREFIX = "QTN"

    opportunity = models.ForeignKey(
        Opportunity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quotations",
        verbose_name=_("opportunity"),
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quotations",
        verbose_name=_("customer"),
    )
    customer_user = models.ForeignKey(
        CustomerUser,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer user"),
        help_text=_("The person at the customer this is for; it is theirs on the portal."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    quotation_date = models.DateField(_("date"), default=timezone.localdate)
    valid_until = models.DateField(_("valid until"))

    objects = ScopedManager(company="company")

    history = audit_history(excluded=(*DERIVED_DOCUMENT_FIELDS, "party_names"))
    # Every status move logs its own timeline event (``selling.services._move``), so the change
    # history leaves the move out (crm.audit): it shows once.
    history_told_by_events = {"status": ()}

    class Meta:
        ordering = ["-quotation_date", "-pk"]
        verbose_name = _("quotation")
        verbose_name_plural = _("quotations")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "number"], name="quotation_number_per_company"
            ),
            models.CheckConstraint(
                condition=models.Q(opportunity__isnull=False) | models.Q(customer__isnull=False),
                name="quotation_has_a_party",
                violation_error_message=_("A quotation is for an opportunity or a customer."),
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("quotation_date")),
                name="quotation_valid_after_date",
                violation_error_message=_("“Valid until” cannot be before the quotation date."),
            ),
            _payment_terms_constraint("quotation"),
        ]
        indexes = [
            models.Index(
                fields=["company", "status", "valid_until"], name="qtn_company_status_idx"
            ),
            models.Index(fields=["company", "-quotation_date", "-id"], name="qtn_company_date_idx"),
            # Each filter of the list, then its default order (newest first).
            models.Index(
                fields=["company", "status", "-quotation_date", "-id"],
                name="qtn_company_status_date_idx",
            ),
            models.Index(
                fields=["company", "customer", "-quotation_date", "-id"],
                name="qtn_company_customer_idx",
            ),
            models.Index(fields=["company", "opportunity"], name="qtn_company_opp_idx"),
            models.Index(
                fields=["company", "salesperson", "-quotation_date", "-id"],
                name="qtn_company_seller_idx",
            ),
            models.Index(
                fields=["company", "sales_partner", "-quotation_date", "-id"],
                name="qtn_company_partner_idx",
            ),
            models.Index(fields=["company", "gross_total", "id"], name="qtn_company_total_idx"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("selling:quotation_detail", args=[self.pk])

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    def is_due_to_expire(self, today=None) -> bool:
        """Past its valid-until date and still open: the one place expiry is decided."""
        today = today or timezone.localdate()
        return self.status in self.EXPIRABLE and self.valid_until < today


class SalesOrder(SellingDocument):
    """A customer's order: the moment a lead has become a customer (seed 000)."""

    stored_names = party_names.ORDER_NAMES

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CONFIRMED = "confirmed", _("Confirmed")
        FULFILLED = "fulfilled", _("Fulfilled")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.DRAFT: frozenset({Status.CONFIRMED, Status.CANCELLED}),
        Status.CONFIRMED: frozenset({Status.FULFILLED, Status.CANCELLED}),
        Status.FULFILLED: frozenset(),
        Status.CANCELLED: frozenset(),
    }
    # Orders that count as sales (partner commission, lifetime sales value).
    BOOKED = frozenset({Status.CONFIRMED, Status.FULFILLED})

    NUMBER_PREFIX = "SO"

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="sales_orders", verbose_name=_("customer")
    )
    customer_user = models.ForeignKey(
        CustomerUser,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer user"),
        help_text=_("The person at the customer this is for; it is theirs on the portal."),
    )
    opportunity = models.ForeignKey(
        Opportunity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sales_orders",
        verbose_name=_("opportunity"),
    )
    # One order per quotation: the constraint that makes a double "create order" harmless.
    quotation = models.OneToOneField(
        Quotation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sales_order",
        verbose_name=_("quotation"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    order_date = models.DateField(_("order date"), default=timezone.localdate)
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    # Paid from the customer's balance (``order_apply_balance``), and given back on cancelling.
    balance_applied = models.DecimalField(
        _("balance applied"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        db_default=Decimal("0"),
        editable=False,
    )
    balance_refunded = models.DecimalField(
        _("balance refunded"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        db_default=Decimal("0"),
        editable=False,
    )
    # The opportunity's stage before this order marked it won, so cancelling can put it back.
    opportunity_stage_before = models.ForeignKey(
        OpportunityStage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("opportunity stage before the order"),
    )

    objects = ScopedManager(company="company")

    history = audit_history(
        excluded=(*DERIVED_DOCUMENT_FIELDS, "balance_applied", "balance_refunded", "party_names")
    )
    # As the quotation's: each status move is its service's event, shown once.
    history_told_by_events = {"status": ()}

    class Meta:
        ordering = ["-order_date", "-pk"]
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "number"], name="salesorder_number_per_company"
            ),
            models.CheckConstraint(
                condition=models.Q(delivery_date__isnull=True)
                | models.Q(delivery_date__gte=models.F("order_date")),
                name="salesorder_delivery_after_order",
                violation_error_message=_("The delivery date cannot be before the order date."),
            ),
            models.CheckConstraint(
                condition=models.Q(balance_applied__gte=0, balance_applied__lte=F("gross_total")),
                name="salesorder_balance_within_total",
            ),
            models.CheckConstraint(
                condition=models.Q(balance_refunded=0)
                | models.Q(balance_refunded=F("balance_applied"), status="cancelled"),
                name="salesorder_refund_whole_on_cancel",
            ),
            _payment_terms_constraint("salesorder"),
        ]
        indexes = [
            models.Index(
                fields=["company", "status", "-order_date", "-id"], name="so_company_status_idx"
            ),
            models.Index(fields=["company", "-order_date", "-id"], name="so_company_date_idx"),
            models.Index(
                fields=["company", "customer", "-order_date", "-id"], name="so_company_customer_idx"
            ),
            models.Index(fields=["company", "opportunity"], name="so_company_opp_idx"),
            models.Index(
                fields=["company", "salesperson", "-order_date", "-id"],
                name="so_company_seller_idx",
            ),
            models.Index(fields=["company", "gross_total", "id"], name="so_company_total_idx"),
            models.Index(
                fields=["company", "sales_partner", "status"], name="so_company_partner_idx"
            ),
        ]

    def get_absolute_url(self) -> str:
        return reverse("selling:order_detail", args=[self.pk])

    @property
    def payment_due_date(self) -> datetime.date | None:
        """The day payment is due: the order date plus the payment terms."""
        if self.order_date is None:
            return None
        return self.order_date + datetime.timedelta(days=self.payment_terms_days or 0)

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_booked(self) -> bool:
        """Counts as a sale: in the customer's lifetime sales value and the partner's commission."""
        return self.status in self.BOOKED

    @property
    def amount_due(self) -> Decimal:
        """What the customer still has to pay: the gross total less what the balance paid."""
        if self.status == self.Status.CANCELLED:
            return Decimal("0.00")
        return self.gross_total - self.balance_applied

    @property
    def can_take_balance(self) -> bool:
        return self.is_booked and self.amount_due > 0


class DocumentLine(CompanyOwned):
    """A line of a quotation or order: the product, and the amounts ``selling.pricing`` computed."""

    position = models.PositiveSmallIntegerField(_("position"), default=0)
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    unit_price = models.DecimalField(
        _("net unit price"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    discount_percent = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=PERCENT_VALIDATORS,
    )
    vat_rate = models.DecimalField(
        _("VAT rate (%)"), max_digits=5, decimal_places=2, validators=PERCENT_VALIDATORS
    )
    net_amount = _money(_("net amount"))
    vat_amount = _money(_("VAT amount"))
    gross_amount = _money(_("gross amount"))

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description or self.product}"


def _line_constraints(prefix: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(
            condition=models.Q(quantity__gt=0),
            name=f"{prefix}_quantity_positive",
            violation_error_message=_("The quantity must be more than zero."),
        ),
        models.CheckConstraint(
            condition=models.Q(unit_price__gte=0),
            name=f"{prefix}_price_not_negative",
            violation_error_message=_("The price cannot be negative."),
        ),
        models.CheckConstraint(
            condition=models.Q(discount_percent__gte=0, discount_percent__lte=100),
            name=f"{prefix}_discount_range",
            violation_error_message=_("The discount must be between 0 and 100 %."),
        ),
        models.CheckConstraint(
            condition=models.Q(vat_rate__gte=0, vat_rate__lte=100),
            name=f"{prefix}_vat_range",
            violation_error_message=_("The VAT rate must be between 0 and 100 %."),
        ),
    ]


class QuotationItem(DocumentLine):
    quotation = models.ForeignKey(
        Quotation, on_delete=models.CASCADE, related_name="items", verbose_name=_("quotation")
    )
    # The wish-list entry this line was made from, if any.
    wish_list_item = models.ForeignKey(
        WishListItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="quotation_items",
        editable=False,
        verbose_name=_("wish-list item"),
    )

    objects = ScopedManager(company="company")

    history = audit_history(versioned=False)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("quotation item")
        verbose_name_plural = _("quotation items")
        constraints = _line_constraints("quotationitem")
        indexes = [models.Index(fields=["quotation", "position"], name="qtnitem_position_idx")]

    def get_absolute_url(self) -> str:
        return self.quotation.get_absolute_url()


class SalesOrderItem(DocumentLine):
    order = models.ForeignKey(
        SalesOrder, on_delete=models.CASCADE, related_name="items", verbose_name=_("sales order")
    )
    # Where the line came from: the quotation line (kept: an ordered quotation cannot change),
    # or the opportunity's wish-list entry.
    quotation_item = models.ForeignKey(
        QuotationItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="order_items",
        editable=False,
        verbose_name=_("quotation item"),
    )
    wish_list_item = models.ForeignKey(
        WishListItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="order_items",
        editable=False,
        verbose_name=_("wish-list item"),
    )

    objects = ScopedManager(company="company")

    history = audit_history(versioned=False)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("sales order item")
        verbose_name_plural = _("sales order items")
        constraints = _line_constraints("salesorderitem")
        indexes = [models.Index(fields=["order", "position"], name="soitem_position_idx")]

    def get_absolute_url(self) -> str:
        return self.order.get_absolute_url()


# --- e-mailing documents -------------------------------------------------------------------------


class DocumentKind(models.TextChoices):
    """Which document an e-mail template or an outbound e-mail is for."""

    QUOTATION = "quotation", _("Quotation")
    ORDER = "order", _("Sales order")


class DocumentEmailTemplate(CompanyOwned):
    """A company's subject and message for e-mailing one kind of document; without a row the
    defaults in ``selling.mailing`` apply. Placeholders such as ``{number}`` are filled in by
    ``selling.mailing.fill_placeholders`` (a whitelist: nothing else is read)."""

    kind = models.CharField(_("document"), max_length=20, choices=DocumentKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["kind"]
        verbose_name = _("document e-mail template")
        verbose_name_plural = _("document e-mail templates")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "kind"], name="documentemailtemplate_one_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_kind_display())


class OutboundEmail(CompanyOwned):
    """One attempt to e-mail a quotation or an order, kept whatever happened: what was sent,
    to whom, by whom, and the error when it failed (so a failure is shown and can be retried,
    never lost)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    quotation = models.ForeignKey(
        Quotation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="emails",
        verbose_name=_("quotation"),
    )
    order = models.ForeignKey(
        SalesOrder,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="emails",
        verbose_name=_("sales order"),
    )
    to = models.CharField(_("to"), max_length=254)
    cc = models.CharField(_("cc"), max_length=1000, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    attachment_name = models.CharField(_("attachment"), max_length=120, blank=True)
    # The send form's one-time key: a double click or a resubmitted page finds this row
    # instead of sending the document twice.
    submission = models.UUIDField(_("submission"), null=True, blank=True, editable=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    attempted_at = models.DateTimeField(_("attempted"), null=True, blank=True)

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outbound e-mail")
        verbose_name_plural = _("outbound e-mails")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quotation__isnull=False, order__isnull=True)
                | models.Q(quotation__isnull=True, order__isnull=False),
                name="outboundemail_one_document",
                violation_error_message=_("An e-mail is about one quotation or one order."),
            ),
            models.UniqueConstraint(
                fields=["company", "submission"], name="outboundemail_submission_once"
            ),
        ]
        indexes = [
            models.Index(fields=["company", "quotation", "-created_at"], name="email_qtn_idx"),
            models.Index(fields=["company", "order", "-created_at"], name="email_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"

    @property
    def document(self):
        return self.quotation if self.quotation_id else self.order

    def get_absolute_url(self) -> str:
        return self.document.get_absolute_url()


class BookedDayFigure(KeptFigureRow):
    """The booked sales orders (confirmed or fulfilled) of one order date and salesperson: how
    many and their net total in cents, which the dashboard's booked sales cards add up without
    reading the orders.

    Kept by database triggers on ``selling_salesorder`` (``selling.kept.BOOKED_DAYS``, built by
    ``crm.kept_figures``), so every write path keeps it in the same transaction; a key's
    figures are the sum of its slots. ``manage.py verify_figures --only booked_figures``
    recounts them. Left out of company backups (an import's orders rebuild it).
    """

    order_date = models.DateField(_("order date"))
    salesperson = models.ForeignKey(
        Salesperson,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("salesperson"),
    )
    order_count = models.BigIntegerField(_("orders"), default=0)
    net_cents = models.BigIntegerField(_("net total (cents)"), default=0)

    class Meta:
        ordering = ["order_date", "salesperson", "slot"]
        verbose_name = _("booked sales figure")
        verbose_name_plural = _("booked sales figures")
        constraints = [
            models.UniqueConstraint(
                "company",
                "order_date",
                Coalesce("salesperson", 0),
                "slot",
                name="booked_day_figure_key",
            ),
        ]

    def __str__(self) -> str:
        return self.order_date.isoformat()
