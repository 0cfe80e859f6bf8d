"""Customers, the groups and types they belong to, and the leads and opportunities behind them."""

import functools
import re
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from crm.audit import audit_history
from crm.kept_figures import ListCountRow
from crm.models import CompanyOwned, Product, SalesPartner, Salesperson, language_field
from crm.models.access import Action, Level
from crm.phones import PhoneField
from crm.versioning import Versioned
from leads.models import KeepsLeadCreatedAt, Lead, Opportunity

PERCENT_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]
# Payment terms of a party without a customer group: 30 days net, the common trade default.
DEFAULT_PAYMENT_TERMS_DAYS = 30
MAX_PAYMENT_TERMS_DAYS = 365


def payment_terms_label(days: int) -> str:
    """“30 days net”, or “due on receipt” for 0 days, as documents print payment terms."""
    if not days:
        return gettext("due on receipt")
    return ngettext("%(days)d day net", "%(days)d days net", days) % {"days": days}


def phone_digits(phone: str) -> str:
    """The digits of a phone number, so “+49 (30) 123-45” and “+493012345” compare equal."""
    return re.sub(r"\D", "", phone or "")


class CustomerGroup(Versioned, CompanyOwned):
    """A company-defined group (retail, wholesale, VIP): drives discounts and what members see."""

    name = models.CharField(_("name"), max_length=100)
    discount_percent = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=PERCENT_VALIDATORS,
        help_text=_("Applied to every line of this group's quotations and orders."),
    )
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"),
        default=DEFAULT_PAYMENT_TERMS_DAYS,
        validators=[MaxValueValidator(MAX_PAYMENT_TERMS_DAYS)],
        help_text=_("Days this group's customers have to pay an order; 0 means due on receipt."),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    portal_login = models.BooleanField(
        _("portal login allowed"),
        default=True,
        help_text=_("Users of this group's customers may sign in to the customer portal."),
    )

    objects = ScopedManager(company="company")

    history = audit_history()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("customer group")
        verbose_name_plural = _("customer groups")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"],
                name="customergroup_name_per_company",
                violation_error_message=_("Another customer group already has this name."),
            ),
            models.CheckConstraint(
                condition=models.Q(discount_percent__gte=0, discount_percent__lte=100),
                name="customergroup_discount_range",
                violation_error_message=_("The discount must be between 0 and 100 %."),
            ),
            models.CheckConstraint(
                condition=models.Q(
                    payment_terms_days__gte=0, payment_terms_days__lte=MAX_PAYMENT_TERMS_DAYS
                ),
                name="customergroup_payment_terms_range",
                violation_error_message=_("Payment terms must be between 0 and 365 days."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:group_update", args=[self.pk])


class CustomerType(Versioned, CompanyOwned):
    """Private person or business (the company may add its own, e.g. “Public sector”).

    A business type sees prices without VAT; a private one sees them with VAT.
    """

    name = models.CharField(_("name"), max_length=100)
    is_business = models.BooleanField(
        _("business"),
        default=False,
        help_text=_("Business customers see net prices; private customers see prices with VAT."),
    )
    discount_percent = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=PERCENT_VALIDATORS,
    )

    objects = ScopedManager(company="company")

    history = audit_history()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("customer type")
        verbose_name_plural = _("customer types")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"],
                name="customertype_name_per_company",
                violation_error_message=_("Another customer type already has this name."),
            ),
            models.CheckConstraint(
                condition=models.Q(discount_percent__gte=0, discount_percent__lte=100),
                name="customertype_discount_range",
                violation_error_message=_("The discount must be between 0 and 100 %."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:type_update", args=[self.pk])


class Customer(Versioned, CompanyOwned):
    """An active business relationship: a private person or a business."""

    timeline_enabled = True
    # The list's search box looks in these (crm.ui.search; a trigram index on PostgreSQL).
    search_fields = ("name", "email", "phone")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        # Still worked, but no new quotations or orders until the hold is released.
        ON_HOLD = "on_hold", _("On hold")
        # No longer worked; kept with its history.
        INACTIVE = "inactive", _("Inactive")

    # Where each status may move to, and nowhere else (customers.services). An inactive
    # customer comes back as active; it is put on hold, if need be, from there.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.ACTIVE: frozenset({Status.ON_HOLD, Status.INACTIVE}),
        Status.ON_HOLD: frozenset({Status.ACTIVE, Status.INACTIVE}),
        Status.INACTIVE: frozenset({Status.ACTIVE}),
    }

    name = models.CharField(_("name"), max_length=200)
    customer_type = models.ForeignKey(
        CustomerType,
        on_delete=models.PROTECT,
        related_name="customers",
        verbose_name=_("customer type"),
    )
    customer_group = models.ForeignKey(
        CustomerGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("customer group"),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = PhoneField(_("phone"), blank=True)
    # Kept in step with ``phone`` on save, so the duplicate check compares digits only.
    phone_digits = models.CharField(max_length=40, blank=True, editable=False)
    internal_information = models.TextField(
        _("internal information"),
        blank=True,
        help_text=_("Only your team sees this; it is never printed on documents."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    hold_reason = models.CharField(
        _("hold reason"),
        max_length=300,
        blank=True,
        help_text=_("Why no new quotations or orders: shown wherever one would be made."),
    )
    # Who put the customer on hold, and when; set and cleared with the hold by the services.
    held_at = models.DateTimeField(_("on hold since"), null=True, blank=True, editable=False)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("put on hold by"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent customer"),
    )
    salesperson = models.ForeignKey(
        Salesperson,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("salesperson"),
    )
    sales_partner = models.ForeignKey(
        SalesPartner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("sales partner"),
    )
    # Where the customer came from: set once, by the conversion that created it.
    lead = models.OneToOneField(
        Lead,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="origin_of_customer",
        verbose_name=_("from lead"),
    )
    opportunity = models.OneToOneField(
        Opportunity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="origin_of_customer",
        verbose_name=_("from opportunity"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Derived figures, kept in the transaction of every write that changes them and checked by
    # ``manage.py verify_figures``: the sum of the balance ledger, and the net total of the booked
    # (confirmed or fulfilled) orders.
    balance = models.DecimalField(
        _("balance"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        db_default=Decimal("0"),
        editable=False,
    )
    lifetime_sales_value = models.DecimalField(
        _("lifetime sales value"),
        max_digits=16,
        decimal_places=2,
        default=Decimal("0"),
        db_default=Decimal("0"),
        editable=False,
    )

    objects = ScopedManager(company="company")

    history = audit_history(excluded=("phone_digits", "balance", "lifetime_sales_value"))
    # Every status move (hold, release, inactive, active) logs its own timeline event with the
    # hold's reason, so the change history leaves the move out (crm.audit): it shows once.
    history_told_by_events = {"status": ("hold_reason", "held_at", "held_by")}

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")),
                name="customer_not_own_parent",
                violation_error_message=_("A customer cannot be its own parent."),
            ),
            models.CheckConstraint(
                condition=models.Q(balance__gte=0),
                name="customer_balance_not_negative",
                violation_error_message=_("A customer's balance cannot go below zero."),
            ),
            models.CheckConstraint(
                condition=~models.Q(name=""),
                name="customer_has_a_name",
                violation_error_message=_("Give the customer a name."),
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["active", "on_hold", "inactive"]),
                name="customer_status_known",
                violation_error_message=_("Choose one of the statuses offered."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status="on_hold") | ~models.Q(hold_reason=""),
                name="customer_on_hold_has_reason",
                violation_error_message=_("Say why the customer is on hold."),
            ),
            models.CheckConstraint(
                condition=models.Q(status="on_hold")
                | models.Q(hold_reason="", held_at__isnull=True, held_by__isnull=True),
                name="customer_hold_only_when_on_hold",
                violation_error_message=_("Only a customer on hold has a hold reason."),
            ),
        ]
        # Company first; the list sorts by name by default, so each filter's index goes on by
        # (name, id), and a page of 50 is read straight off it.
        indexes = [
            models.Index(fields=["company", "name", "id"], name="customer_company_name_idx"),
            models.Index(fields=["company", "email"], name="customer_company_email_idx"),
            models.Index(fields=["company", "phone_digits"], name="customer_company_phone_idx"),
            models.Index(
                fields=["company", "salesperson", "name", "id"], name="customer_company_seller_idx"
            ),
            models.Index(
                fields=["company", "customer_group", "name", "id"],
                name="customer_company_group_idx",
            ),
            models.Index(
                fields=["company", "customer_type", "name", "id"], name="customer_company_type_idx"
            ),
            models.Index(
                fields=["company", "sales_partner", "name", "id"],
                name="customer_company_partner_idx",
            ),
            models.Index(
                fields=["company", "status", "name", "id"], name="customer_company_status_idx"
            ),
            models.Index(
                fields=["company", "created_at", "id"], name="customer_company_created_idx"
            ),
            models.Index(
                fields=["company", "lifetime_sales_value", "id"], name="customer_company_lsv_idx"
            ),
            # The hierarchy: each step of a subtree walk (customers.hierarchy) and the customer
            # page's children, a page at a time in name order.
            models.Index(
                fields=["company", "parent", "name", "id"], name="customer_company_parent_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:customer_detail", args=[self.pk])

    # Kept by their own services with relative updates under locks (the ledger, the orders);
    # a save of the customer never writes them back from a copy that may be out of date.
    DERIVED_FIELDS = frozenset({"balance", "lifetime_sales_value"})

    def save(self, *args, **kwargs):
        self.phone_digits = phone_digits(self.phone)
        update_fields = kwargs.get("update_fields")
        if update_fields is None and not self._state.adding and self.pk is not None:
            update_fields = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in self.DERIVED_FIELDS
            ]
        if update_fields is not None:
            update_fields = {*update_fields} - self.DERIVED_FIELDS
            if "phone" in update_fields:
                update_fields.add("phone_digits")
            kwargs["update_fields"] = update_fields
        super().save(*args, **kwargs)

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, frozenset())

    @property
    def is_on_hold(self) -> bool:
        return self.status == self.Status.ON_HOLD

    @property
    def is_inactive(self) -> bool:
        return self.status == self.Status.INACTIVE

    @property
    def can_receive_documents(self) -> bool:
        """May get a new quotation or order (and have one sent, accepted or confirmed): only an
        active customer; ``customers.services.customer_check_can_order`` says why not."""
        return self.status == self.Status.ACTIVE


class CustomerCountFigure(ListCountRow):
    """How many of a company's customers one salesperson (or nobody) holds in one status: what
    the customer list's count adds up when it is filtered by no more than these
    (``crm.ui.pagination``), without reading up to 10,001 customers at a million leads.

    Kept by database triggers on ``customers_customer`` (``customers.kept.CUSTOMER_COUNTS``,
    built by ``crm.kept_figures``), so every write path keeps it; a key's count is the sum of its
    slots. ``manage.py verify_figures --only customer_count_figures`` recounts them. Left out of
    company backups.
    """

    class Meta(ListCountRow.Meta):
        verbose_name = _("customer count figure")
        verbose_name_plural = _("customer count figures")
        constraints = [
            # One row per key and slot, "no salesperson" included: the triggers' upsert.
            models.UniqueConstraint(
                "company",
                Coalesce("salesperson", 0),
                "status",
                "slot",
                name="customer_count_figure_key",
            ),
        ]


class CustomerLink(KeepsLeadCreatedAt, CompanyOwned):
    """A lead or an opportunity that belongs to a customer.

    Conversion writes one (lead and opportunity together when the opportunity came from a lead);
    so does linking a lead to an existing customer after the duplicate check, and opening an
    opportunity for a customer. A lead or opportunity belongs to at most one customer: the
    one-to-one fields are what makes converting twice impossible, whatever the timing.
    """

    class Kind(models.TextChoices):
        CREATED = "created", _("Became the customer")
        LINKED = "linked", _("Linked to an existing customer")
        OPENED = "opened", _("Opened for the customer")

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="links", verbose_name=_("customer")
    )
    lead = models.OneToOneField(
        Lead,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customer_link",
        verbose_name=_("lead"),
    )
    opportunity = models.OneToOneField(
        Opportunity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customer_link",
        verbose_name=_("opportunity"),
    )
    kind = models.CharField(_("how"), max_length=10, choices=Kind.choices)
    # An opportunity a customer user opened on the portal (a quotation request) is theirs: its
    # quotations go to them, and the portal's User level shows them.
    requested_by = models.ForeignKey(
        "customers.CustomerUser",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("customer link")
        verbose_name_plural = _("customer links")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lead__isnull=False) | models.Q(opportunity__isnull=False),
                name="customerlink_has_a_record",
                violation_error_message=_("Link a lead or an opportunity."),
            ),
        ]
        indexes = [
            models.Index(fields=["company", "customer"], name="customerlink_customer_idx"),
            models.Index(
                fields=["company", "lead_created_at"],
                condition=models.Q(lead_created_at__isnull=False),
                name="customerlink_lead_created_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity or self.lead} → {self.customer}"


# --- the balance: a ledger per customer, and the gift cards that top it up ----------------------


def _balance_money(verbose_name) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, default=Decimal("0"))


class GiftCard(CompanyOwned):
    """A card the company issues: its amount goes onto the balance of the customer who redeems it.

    Only a SHA-256 digest of the code is stored (and its last four characters, to recognise it):
    a code carries 80 random bits, so a copy of the database gives nobody a usable code. The code
    itself is shown once, when the card is issued.
    """

    code_digest = models.CharField(max_length=64, editable=False)
    code_hint = models.CharField(_("code ends in"), max_length=4, editable=False)
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    currency = models.CharField(_("currency"), max_length=3, editable=False)
    expires_on = models.DateField(
        _("expires on"), null=True, blank=True, help_text=_("Leave empty for a card that lasts.")
    )
    # Issued for one customer: only that customer's balance can take it.
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="gift_cards",
        verbose_name=_("for customer"),
        help_text=_("Optional: only this customer can redeem it."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    # The issue form's one-time key: sending the form twice (a reload, a double click) issues
    # one card, not two.
    issue_key = models.UUIDField(null=True, blank=True, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    redeemed_at = models.DateTimeField(_("redeemed"), null=True, blank=True, editable=False)
    redeemed_by = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="redeemed_gift_cards",
        editable=False,
        verbose_name=_("redeemed by"),
    )

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("gift card")
        verbose_name_plural = _("gift cards")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "code_digest"], name="giftcard_code_per_company"
            ),
            models.UniqueConstraint(
                fields=["company", "issue_key"], name="giftcard_issued_once_per_form"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0),
                name="giftcard_amount_positive",
                violation_error_message=_("A gift card's amount must be more than zero."),
            ),
            models.CheckConstraint(
                condition=models.Q(redeemed_at__isnull=True, redeemed_by__isnull=True)
                | models.Q(redeemed_at__isnull=False, redeemed_by__isnull=False),
                name="giftcard_redeemed_by_someone",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "-issued_at", "-id"], name="giftcard_issued_idx")
        ]

    def __str__(self) -> str:
        return _("Gift card …%(hint)s") % {"hint": self.code_hint}

    def get_absolute_url(self) -> str:
        return reverse("customers:gift_card_list")

    def state(self, today) -> str:
        if self.redeemed_at is not None:
            return "redeemed"
        if self.expires_on is not None and self.expires_on < today:
            return "expired"
        return "open"


class BalanceEntry(CompanyOwned):
    """One movement of a customer's balance. Entries are never changed or deleted: a mistake is
    put right by a correction, so the ledger is the whole story and the stored balance
    (``Customer.balance``) is always the sum of its entries."""

    class Kind(models.TextChoices):
        CREDIT = "credit", _("Credit from the company")
        GIFT_CARD = "gift_card", _("Gift card")
        PAYMENT = "payment", _("Order payment")
        REFUND = "refund", _("Refund of a cancelled order")
        CORRECTION = "correction", _("Correction")

    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="balance_entries",
        verbose_name=_("customer"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    # Signed: what the entry adds to the balance (a payment is negative).
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    balance_after = models.DecimalField(_("balance after"), max_digits=14, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    # The document behind a payment or refund (an order, from a higher app): its label, and its
    # type and id so that one order is refunded at most once (constraint below).
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    source_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    gift_card = models.OneToOneField(
        GiftCard,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="balance_entry",
        verbose_name=_("gift card"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("balance entry")
        verbose_name_plural = _("balance entries")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(amount=0), name="balanceentry_amount_not_zero"
            ),
            models.CheckConstraint(
                condition=models.Q(balance_after__gte=0), name="balanceentry_never_below_zero"
            ),
            models.CheckConstraint(
                # Credits, gift cards and refunds add; payments take; corrections go either way.
                condition=models.Q(kind="correction")
                | models.Q(kind="payment", amount__lt=0)
                | models.Q(kind__in=["credit", "gift_card", "refund"], amount__gt=0),
                name="balanceentry_sign_matches_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="gift_card", gift_card__isnull=False)
                | (~models.Q(kind="gift_card") & models.Q(gift_card__isnull=True)),
                name="balanceentry_gift_card_kind",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=["payment", "refund"])
                | models.Q(source_type__isnull=False, source_id__isnull=False),
                name="balanceentry_payment_has_source",
            ),
            models.UniqueConstraint(
                fields=["company", "source_type", "source_id"],
                condition=models.Q(kind="refund"),
                name="balanceentry_one_refund_per_source",
                violation_error_message=_("This order's balance was refunded already."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["company", "customer", "-created_at", "-id"], name="balanceentry_ledger_idx"
            ),
            models.Index(
                fields=["company", "source_type", "source_id"], name="balanceentry_source_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"

    def get_absolute_url(self) -> str:
        return reverse("customers:balance", args=[self.customer_id])

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Balance entries are never changed: post a correction instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Balance entries are never deleted: post a correction instead.")


class GroupPrice(CompanyOwned):
    """One line of a customer group's price list: the net unit price the group pays for a product.

    ``selling.pricing`` uses it instead of the catalog price for the group's documents. Edited on
    the group's settings page, whose version guards the whole list (the rows carry none).
    """

    customer_group = models.ForeignKey(
        CustomerGroup,
        on_delete=models.CASCADE,
        related_name="prices",
        verbose_name=_("customer group"),
    )
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )
    unit_price = models.DecimalField(
        _("net unit price"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["customer_group", "product", "pk"]
        verbose_name = _("group price")
        verbose_name_plural = _("group prices")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "customer_group", "product"],
                name="groupprice_once_per_group_product",
                violation_error_message=_("This group's price list already has this product."),
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0),
                name="groupprice_price_not_negative",
                violation_error_message=_("The price cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_group} · {self.product}"

    def get_absolute_url(self) -> str:
        return self.customer_group.get_absolute_url()


class ProductLimit(CompanyOwned):
    """A product sold only to some customer types and/or customer groups (a wholesale bundle
    for business customers, an item only for the VIP group).

    A product without limits is for everyone. One row names one type or one group. A product
    limited to types is sold only to those types; limited to groups, only to members of those
    groups; limited to both, only to a party that passes both (``customers.selectors``).
    Deleting a type or group that limits products is refused: it would quietly open them to all.
    """

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )
    customer_type = models.ForeignKey(
        CustomerType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="product_limits",
        verbose_name=_("customer type"),
    )
    customer_group = models.ForeignKey(
        CustomerGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="product_limits",
        verbose_name=_("customer group"),
    )

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["product", "pk"]
        verbose_name = _("product limit")
        verbose_name_plural = _("product limits")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(customer_type__isnull=False, customer_group__isnull=True)
                | models.Q(customer_type__isnull=True, customer_group__isnull=False),
                name="productlimit_type_or_group",
                violation_error_message=_("Limit the product to a customer type or a group."),
            ),
            models.UniqueConstraint(
                fields=["company", "product", "customer_type"],
                condition=models.Q(customer_type__isnull=False),
                name="productlimit_once_per_type",
                violation_error_message=_("The product is already limited to this type."),
            ),
            models.UniqueConstraint(
                fields=["company", "product", "customer_group"],
                condition=models.Q(customer_group__isnull=False),
                name="productlimit_once_per_group",
                violation_error_message=_("The product is already limited to this group."),
            ),
        ]
        indexes = [models.Index(fields=["company", "product"], name="productlimit_product_idx")]

    def __str__(self) -> str:
        return f"{self.product} → {self.customer_type or self.customer_group}"

    def get_absolute_url(self) -> str:
        return (self.customer_type or self.customer_group).get_absolute_url()


class GroupContent(CompanyOwned):
    """A block of text that the portal's home page shows to the users of one customer group
    (an announcement, the group's terms), between its optional first and last day."""

    customer_group = models.ForeignKey(
        CustomerGroup,
        on_delete=models.CASCADE,
        related_name="content_blocks",
        verbose_name=_("customer group"),
    )
    title = models.CharField(_("title"), max_length=150)
    body = models.TextField(_("text"), help_text=_("Plain text; blank lines start a paragraph."))
    valid_from = models.DateField(_("shown from"), null=True, blank=True)
    valid_until = models.DateField(_("shown until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["-valid_from", "-pk"]
        verbose_name = _("group content")
        verbose_name_plural = _("group content")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="groupcontent_dates_in_order",
                violation_error_message=_("The last day cannot be before the first day."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return self.customer_group.get_absolute_url()

    def is_shown_on(self, day) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )


class CustomerRole(CompanyOwned):
    """What a customer user may do on the portal: a level per record type and action
    (``CustomerRolePermission``).

    A role without a customer is the company's (Administrator, Buyer, Guest, and any the
    company adds) and any customer's users may hold it; a role with a customer belongs to that
    customer alone, so two customers can each have a "Buyer" with different rights (Oro's
    customer-specific roles). ``key`` marks the three predefined roles.
    """

    class Key(models.TextChoices):
        ADMINISTRATOR = "administrator", _("Administrator")
        BUYER = "buyer", _("Buyer")
        GUEST = "guest", _("Guest")

    # The predefined roles' descriptions as first stored (in English, by the migration that
    # made them): shown in the reader's language until the company rewrites them.
    PREDEFINED_DESCRIPTIONS = {
        "administrator": gettext_noop("Manages the customer's users and roles; sees everything."),
        "buyer": gettext_noop("Accepts quotations, pays orders and redeems gift cards."),
        "guest": gettext_noop("Sees quotations, orders and the balance; changes nothing."),
    }

    name = models.CharField(_("name"), max_length=100)
    key = models.CharField(_("predefined as"), max_length=20, choices=Key.choices, blank=True)
    customer = models.ForeignKey(
        "Customer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="portal_roles",
        verbose_name=_("customer"),
        help_text=_("Empty: a role of the company that any customer's users may hold."),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)

    objects = ScopedManager(company="company")

    @property
    def shown_name(self) -> str:
        """A predefined role's name in the reader's language while it is the name it was made
        with (in any of the app's languages); a name the company chose is shown as written."""
        if self.key and self.name in _predefined_names(self.key):
            return str(self.Key(self.key).label)
        return self.name

    @property
    def shown_description(self) -> str:
        default = self.PREDEFINED_DESCRIPTIONS.get(self.key)
        if default is not None and self.description == default:
            return gettext(default)
        return self.description

    class Meta:
        ordering = ["customer_id", "name", "pk"]
        verbose_name = _("customer user role")
        verbose_name_plural = _("customer user roles")
        constraints = [
            # Names differ by more than their case: "Buyer" and "buyer" would confuse everyone.
            models.UniqueConstraint(
                "company",
                Lower("name"),
                condition=models.Q(customer__isnull=True),
                name="customerrole_name_per_company",
                violation_error_message=_("Another company role already has this name."),
            ),
            models.UniqueConstraint(
                "company",
                "customer",
                Lower("name"),
                condition=models.Q(customer__isnull=False),
                name="customerrole_name_per_customer",
                violation_error_message=_("This customer already has a role with this name."),
            ),
            models.UniqueConstraint(
                fields=["company", "key"],
                condition=models.Q(customer__isnull=True) & ~models.Q(key=""),
                name="customerrole_key_per_company",
            ),
        ]

    def __str__(self) -> str:
        return self.shown_name


@functools.cache
def _predefined_names(key: str) -> frozenset[str]:
    """The names a predefined role is made with: its label in each of the app's languages (the
    migration stored English; ``customer_roles_ensure`` stores the active language's)."""
    label = CustomerRole.Key(key).label
    names = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names.add(str(label))
    return frozenset(names)


class CustomerRolePermission(CompanyOwned):
    """One role's level for one action on one portal record type (``crm.access``): Corporate
    (the customer and its children), Department (the customer), User (the user's own) or None."""

    role = models.ForeignKey(
        CustomerRole,
        on_delete=models.CASCADE,
        related_name="permissions",
        verbose_name=_("role"),
    )
    record_type = models.CharField(_("record type"), max_length=60)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["role", "record_type", "action"]
        verbose_name = _("customer role permission")
        verbose_name_plural = _("customer role permissions")
        constraints = [
            models.UniqueConstraint(
                fields=["role", "record_type", "action"],
                name="customerrolepermission_once",
                violation_error_message=_("The role already has a level for this action."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.record_type} {self.action} = {self.level}"


class CustomerUser(CompanyOwned):
    """A person who signs in to the portal for one customer. Not a staff user: the login, the
    password and the session are the portal's own (``portal.auth``), and no membership ever
    points here. The contact it came from, if any, is the same person in the address book.

    It answers the access engine's questions for itself (``crm.access``): the level its roles
    give (``portal_level``) and which customers a level reaches (``customer_ids``).
    """

    is_customer_user = True
    # Never a staff user, whatever a template, a mixin or a service asks.
    is_staff = False
    is_superuser = False
    is_authenticated = False

    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="portal_users",
        verbose_name=_("customer"),
    )
    contact = models.OneToOneField(
        "addressbook.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customer_user",
        verbose_name=_("contact"),
    )
    email = models.EmailField(_("e-mail"))
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    password = models.CharField(_("password"), max_length=128, blank=True, editable=False)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive users cannot sign in.")
    )
    roles = models.ManyToManyField(
        CustomerRole, through="CustomerUserRole", related_name="users", verbose_name=_("roles")
    )
    language = language_field(_("The portal's and the e-mails' language. Empty: the company's."))
    invited_at = models.DateTimeField(_("invited"), null=True, blank=True)
    joined_at = models.DateTimeField(_("joined"), null=True, blank=True)
    last_login = models.DateTimeField(_("last sign-in"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        verbose_name = _("customer user")
        verbose_name_plural = _("customer users")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "email"],
                name="customeruser_email_per_company",
                violation_error_message=_("Another customer user already has this e-mail."),
            ),
        ]
        indexes = [models.Index(fields=["company", "customer"], name="customeruser_customer_idx")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_absolute_url(self) -> str:
        return reverse("customers:portal_user", args=[self.pk])

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @property
    def has_password(self) -> bool:
        return bool(self.password) and not self.password.startswith("!")

    def set_roles(self, roles) -> None:
        """Hold exactly ``roles`` (the link rows carry the company, like every tenant row)."""
        self.roles.set(roles, through_defaults={"company_id": self.company_id})
        self.__dict__.pop("_portal_levels", None)

    @property
    def state(self) -> str:
        """Where the user stands, as the staff's pages say it: invited (no password chosen
        yet), active or deactivated."""
        if not self.is_active:
            return "deactivated"
        return "active" if self.has_password else "invited"

    @property
    def state_label(self) -> str:
        return {
            "deactivated": _("Deactivated"),
            "active": _("Active"),
            "invited": _("Invited"),
        }[self.state]

    def check_password(self, raw_password: str) -> bool:
        from django.contrib.auth.hashers import check_password

        return check_password(raw_password, self.password)

    # The access engine's questions (crm.access.engine), answered from one query each.

    def portal_level(self, record_type: str, action: str) -> str:
        """The widest level any of the user's roles gives for ``action`` on ``record_type``."""
        levels = self.__dict__.get("_portal_levels")
        if levels is None:
            levels = {}
            rows = CustomerRolePermission.objects.filter(
                company_id=self.company_id, role__users=self
            ).values_list("record_type", "action", "level")
            for record, act, level in rows:
                current = levels.get((record, act), Level.NONE)
                levels[(record, act)] = Level.widest(current, level)
            self.__dict__["_portal_levels"] = levels
        return levels.get((record_type, action), Level.NONE)

    def customer_ids(self, level: str):
        """The customers ``level`` reaches: the user's customer and its children (Corporate),
        the customer alone (Department and User)."""
        from customers.hierarchy import subtree_ids

        if level == Level.COMPANY:
            return subtree_ids(self.company_id, self.customer_id)
        return [self.customer_id]


class CustomerUserRole(CompanyOwned):
    """That a customer user holds a role: a tenant row like any other, so row-level security
    and the company's backup cover it."""

    user = models.ForeignKey(
        CustomerUser, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    role = models.ForeignKey(
        CustomerRole, on_delete=models.PROTECT, related_name="+", verbose_name=_("role")
    )

    objects = ScopedManager(company="company")

    class Meta:
        verbose_name = _("role held")
        verbose_name_plural = _("roles held")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="customeruserrole_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.role_id}"
