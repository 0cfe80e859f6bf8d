"""Leads, opportunities, their wish lists and the company-defined lists they choose from."""

import secrets
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from crm.audit import audit_history
from crm.kept_figures import KeptFigureRow, ListCountRow
from crm.models import Company, CompanyOwned, Product, SalesPartner, Salesperson
from crm.phones import PhoneField
from crm.stored_names import KeepsStoredNames
from crm.ui.search import stored_search_text
from crm.versioning import Versioned
from leads import lead_names

PERCENT_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]


class LeadSource(Versioned, CompanyOwned):
    """Where leads come from (web form, trade fair, referral): the company's own list."""

    name = models.CharField(_("name"), max_length=100)

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("lead source")
        verbose_name_plural = _("lead sources")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"],
                name="leadsource_name_per_company",
                violation_error_message=_("Another lead source already has this name."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("leads:source_update", args=[self.pk])


class OpportunityStage(Versioned, CompanyOwned):
    """A step of the company's pipeline, with the probability an opportunity there closes."""

    class Kind(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    probability = models.PositiveSmallIntegerField(
        _("default probability (%)"), default=0, validators=PERCENT_VALIDATORS
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OPEN)

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("opportunity stage")
        verbose_name_plural = _("opportunity stages")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"],
                name="opportunitystage_name_per_company",
                violation_error_message=_("Another stage already has this name."),
            ),
            models.CheckConstraint(
                condition=models.Q(probability__gte=0, probability__lte=100),
                name="opportunitystage_probability_range",
                violation_error_message=_("The probability must be between 0 and 100 %."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("leads:stage_update", args=[self.pk])


class LostReason(Versioned, CompanyOwned):
    name = models.CharField(_("name"), max_length=100)

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"],
                name="lostreason_name_per_company",
                violation_error_message=_("Another lost reason already has this name."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("leads:lostreason_update", args=[self.pk])


class Lead(Versioned, CompanyOwned):
    """A person or organization that showed interest."""

    timeline_enabled = True
    # The list's search box looks in these (crm.ui.search; a trigram index on PostgreSQL), as
    # one uppercased text the database keeps in ``search_text``.
    search_fields = ("first_name", "last_name", "organization_name", "email", "phone")
    search_column = "search_text"

    class Status(models.TextChoices):
        NEW = "new", _("New")
        CONTACTED = "contacted", _("Contacted")
        QUALIFIED = "qualified", _("Qualified")
        CONVERTED = "converted", _("Converted")
        LOST = "lost", _("Lost")

    # Where each status may move to. "converted" is reached only by the conversion service.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.NEW: frozenset({Status.CONTACTED, Status.QUALIFIED, Status.LOST}),
        Status.CONTACTED: frozenset({Status.QUALIFIED, Status.LOST}),
        Status.QUALIFIED: frozenset({Status.CONTACTED, Status.LOST}),
        Status.LOST: frozenset({Status.NEW}),
        Status.CONVERTED: frozenset(),
    }

    # Every index of the table starts with the company (see Meta): no index of its own.
    company = models.ForeignKey(
        Company,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("company"),
        db_index=False,
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    organization_name = models.CharField(_("organization"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = PhoneField(_("phone"), blank=True)
    # The optional references are indexed in Meta, for their non-empty values only.
    source = models.ForeignKey(
        LeadSource,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("source"),
        db_index=False,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    lost_reason = models.ForeignKey(
        LostReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("lost reason"),
        db_index=False,
    )
    salesperson = models.ForeignKey(
        Salesperson,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("salesperson"),
        db_index=False,
    )
    sales_partner = models.ForeignKey(
        SalesPartner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("sales partner"),
        db_index=False,
    )
    # "Description", as Odoo and ERPNext name a record's free text: its notes, calls and tasks
    # are the timeline's entries, and the page shows no second "Notes" beside them.
    notes = models.TextField(
        _("description"),
        blank=True,
        help_text=_("What the lead is about. Notes, calls and tasks go on its timeline."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Versioned's, indexed in Meta for its non-empty values only (an import names no editor).
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("last changed by"),
        db_index=False,
    )

    objects = ScopedManager(company="company")

    search_text = stored_search_text(search_fields)

    history = audit_history(
        excluded=("search_text",),
        unindexed=("source", "lost_reason", "salesperson", "sales_partner"),
    )
    # Every status move logs its own timeline event (``lead_set_status``, the conversions),
    # so the change history leaves the move out (crm.audit): it shows once.
    history_told_by_events = {"status": ("lost_reason",)}

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="lost") | models.Q(lost_reason__isnull=False),
                name="lead_lost_needs_reason",
                violation_error_message=_("Say why the lead was lost."),
            ),
            models.CheckConstraint(
                condition=~models.Q(first_name="", last_name="", organization_name=""),
                name="lead_has_a_name",
                violation_error_message=_("Give the lead a name or an organization."),
            ),
        ]
        # Company first, then what a list filters or sorts on, then the list's own order
        # (created, id): a page of 50 is read straight off one index, newest or oldest first.
        indexes = [
            models.Index(fields=["company", "created_at", "id"], name="lead_company_created_idx"),
            models.Index(
                fields=["company", "salesperson", "created_at", "id"],
                name="lead_company_seller_idx",
            ),
            # "My leads in this status" (a salesperson's default list, filtered by status): the
            # page and its count read only the matching entries. Through the status index the
            # count read every status entry up to the 10,001st of the user's (53,000 at 1M).
            models.Index(
                fields=["company", "salesperson", "status", "created_at", "id"],
                name="lead_company_seller_status_idx",
            ),
            # The salesperson rides along (PostgreSQL) so that "my leads in this status", the
            # default list filtered by status, is counted from the index alone.
            models.Index(
                fields=["company", "status", "created_at", "id"],
                include=["salesperson"],
                name="lead_company_status_idx",
            ),
            # No list asks for the leads without a source or a partner (the filters choose
            # one), so those leads stay out of these two indexes: fewer entries to write.
            models.Index(
                fields=["company", "source", "created_at", "id"],
                condition=models.Q(source__isnull=False),
                name="lead_company_source_idx",
            ),
            # A partner belongs to one company, so the partner may lead its index: this one
            # serves both the list filtered by a partner (partner, company, then the list's
            # order) and the check on deleting a partner (the partner alone). Most leads name
            # no partner and write no entry.
            models.Index(
                fields=["sales_partner", "company", "created_at", "id"],
                condition=models.Q(sales_partner__isnull=False),
                name="lead_partner_company_idx",
            ),
            models.Index(
                fields=["company", "last_name", "created_at", "id"], name="lead_company_name_idx"
            ),
            models.Index(
                fields=["company", "organization_name", "created_at", "id"],
                name="lead_company_org_idx",
            ),
            # What a reference's own deletion asks (is any lead still pointing here?), across
            # companies so the indexes above do not serve it (the partner's does). Most leads
            # name no lost reason and no editor, many no source: the empty values stay out of
            # the index, so an import or a new lead writes fewer index entries.
            *(
                models.Index(
                    fields=[name],
                    condition=models.Q(**{f"{name}__isnull": False}),
                    name=f"lead_{name}_set_idx",
                )
                for name in ("source", "lost_reason", "salesperson", "updated_by")
            ),
        ]

    def __str__(self) -> str:
        person = f"{self.first_name} {self.last_name}".strip()
        if person and self.organization_name:
            return f"{person} ({self.organization_name})"
        return person or self.organization_name

    def get_absolute_url(self) -> str:
        return reverse("leads:lead_detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, frozenset())


class KeepsLeadCreatedAt(models.Model):
    """A record that may come from a lead (``lead``) and keeps a copy of the lead's created
    date, so the dashboard's funnel ("the period's leads that became opportunities, customers")
    counts off one index on this table instead of joining every row to its lead.

    ``save()`` reads the date from the database when a lead is attached or changed (a cached
    lead object may be stale); the generators write it with the row. A lead's created date is
    set once, at creation; the demo data, which backdates leads, keeps the copies too."""

    lead_created_at = models.DateTimeField(_("lead created"), null=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.lead_id is None:
            self.lead_created_at = None
        elif self.lead_created_at is None or self.lead_id != getattr(self, "_saved_lead_id", None):
            # Unscoped on purpose: one column of the very lead this row points at.
            self.lead_created_at = (
                Lead._base_manager.filter(pk=self.lead_id)
                .values_list("created_at", flat=True)
                .first()
            )
        super().save(*args, **kwargs)
        self._saved_lead_id = self.lead_id

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._saved_lead_id = instance.__dict__.get("lead_id")
        return instance


class Opportunity(KeepsStoredNames, KeepsLeadCreatedAt, Versioned, CompanyOwned):
    """A known prospect with potential; its items are a wish list, not yet a transaction."""

    timeline_enabled = True
    stored_names = lead_names.OPPORTUNITY_LEAD_NAMES
    # The title and the stored names of its lead (leads.lead_names): one trigram index answers.
    search_fields = ("title", "lead_names")

    lead = models.OneToOneField(
        Lead,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunity",
        verbose_name=_("lead"),
    )
    title = models.CharField(_("title"), max_length=200)
    stage = models.ForeignKey(
        OpportunityStage,
        on_delete=models.PROTECT,
        related_name="opportunities",
        verbose_name=_("stage"),
    )
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), default=0, validators=PERCENT_VALIDATORS
    )
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    expected_amount = models.DecimalField(
        _("expected amount"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    lost_reason = models.ForeignKey(
        LostReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("lost reason"),
    )
    salesperson = models.ForeignKey(
        Salesperson,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("salesperson"),
    )
    sales_partner = models.ForeignKey(
        SalesPartner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("sales partner"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Derived from the lead, kept by leads.lead_names; only searched.
    lead_names = models.TextField(_("names searched"), blank=True, default="", editable=False)

    objects = ScopedManager(company="company")

    # Derived: not an edit.
    history = audit_history(excluded=("lead_created_at", "lead_names"))
    # Every stage move logs its own timeline event (``opportunity_set_stage``), with the
    # probability and the lost reason it set, so the change history leaves the move out.
    history_told_by_events = {"stage": ("probability", "lost_reason")}

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(probability__gte=0, probability__lte=100),
                name="opportunity_probability_range",
                violation_error_message=_("The probability must be between 0 and 100 %."),
            ),
            models.CheckConstraint(
                condition=models.Q(expected_amount__gte=0),
                name="opportunity_amount_not_negative",
                violation_error_message=_("The expected amount cannot be negative."),
            ),
        ]
        # Company first, then each filter with the list's default order (created, id), and each
        # sort column with the primary key that breaks its ties.
        indexes = [
            models.Index(
                fields=["company", "stage", "created_at", "id"], name="opp_company_stage_idx"
            ),
            models.Index(
                fields=["company", "salesperson", "created_at", "id"], name="opp_company_seller_idx"
            ),
            models.Index(fields=["company", "created_at", "id"], name="opp_company_created_idx"),
            models.Index(
                fields=["company", "sales_partner", "created_at", "id"],
                name="opp_company_partner_idx",
            ),
            models.Index(fields=["company", "title", "id"], name="opp_company_title_idx"),
            models.Index(
                fields=["company", "expected_amount", "id"], name="opp_company_amount_idx"
            ),
            models.Index(
                fields=["company", "expected_close_date", "id"], name="opp_company_close_idx"
            ),
            # The funnel's count of the period's leads that became opportunities.
            models.Index(
                fields=["company", "lead_created_at"],
                condition=models.Q(lead_created_at__isnull=False),
                name="opp_company_lead_created_idx",
            ),
            # The boards' and the dashboard's pipeline figures per stage (everyone's, or one
            # salesperson's): read off the index alone, never the table (PostgreSQL; SQLite
            # keeps the key columns only).
            models.Index(
                fields=["company", "stage"],
                include=["expected_amount", "probability", "salesperson"],
                name="opp_company_stage_sums_idx",
            ),
            models.Index(
                fields=["company", "salesperson", "stage"],
                include=["expected_amount", "probability"],
                name="opp_company_seller_sums_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("leads:opportunity_detail", args=[self.pk])

    @property
    def weighted_amount(self) -> Decimal:
        """The expected amount × probability, rounded half up to cents (the forecast)."""
        return weighted_amount(self.expected_amount, self.probability)


def weighted_amount(amount: Decimal, probability: int) -> Decimal:
    return (amount * probability / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class PipelineFigure(KeptFigureRow):
    """The count and sums of a company's opportunities in one (stage, salesperson): what the
    board's column totals and the dashboard's pipeline cards add up, without reading every
    opportunity (54,000 open ones at a million leads).

    Kept by database triggers on ``leads_opportunity`` (``leads.kept.PIPELINE``, built by
    ``crm.kept_figures``), so every write path keeps it in the same transaction: services,
    admin, imports, the API, bulk inserts and updates, ``generate_data``. Each change adds to the
    row of its key and of the writer's slot (an upsert that locks that row), so concurrent
    conversions each add their own opportunity without queueing on one row; a key's figures are
    the sum of its slots. Money is kept in whole cents, exact on every database; ``manage.py
    verify_figures --only pipeline_figures`` recounts them. Left out of company backups.
    """

    stage = models.ForeignKey(
        OpportunityStage, on_delete=models.CASCADE, related_name="+", verbose_name=_("stage")
    )
    salesperson = models.ForeignKey(
        Salesperson,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("salesperson"),
    )
    opportunity_count = models.BigIntegerField(_("opportunities"), default=0)
    amount_cents = models.BigIntegerField(_("expected amount (cents)"), default=0)
    # Σ cents × probability: the dashboard divides the sum by 100 once.
    amount_percent_cents = models.BigIntegerField(
        _("expected amount × probability (cents)"), default=0
    )
    # Σ (cents × probability + 50) // 100: the board rounds each opportunity's forecast.
    weighted_cents = models.BigIntegerField(_("weighted amount (cents)"), default=0)

    class Meta:
        ordering = ["stage", "salesperson", "slot"]
        verbose_name = _("pipeline figure")
        verbose_name_plural = _("pipeline figures")
        constraints = [
            # One row per key, "no salesperson" included: the triggers' upsert targets it.
            models.UniqueConstraint(
                "company",
                "stage",
                Coalesce("salesperson", 0),
                "slot",
                name="pipeline_figure_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stage_id}/{self.salesperson_id}: {self.opportunity_count}"


class LeadDayFigure(KeptFigureRow):
    """How many of a company's leads were created on one UTC day with one source and status:
    what the dashboard's funnel and lead sources card add up for a period, without reading the
    period's leads (40,000 a month at a million leads).

    Kept by database triggers on ``leads_lead`` (``leads.kept.LEAD_DAYS``, as ``PipelineFigure``
    is), so every write path keeps it; a key's count is the sum of its slots. ``manage.py
    verify_figures --only lead_day_figures`` recounts them. Left out of company backups.
    """

    day = models.DateField(_("day (UTC)"))
    source = models.ForeignKey(
        LeadSource,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("source"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Lead.Status.choices)
    lead_count = models.BigIntegerField(_("leads"), default=0)

    class Meta:
        ordering = ["day", "source", "status", "slot"]
        verbose_name = _("lead day figure")
        verbose_name_plural = _("lead day figures")
        constraints = [
            # One row per key and slot, "no source" included: the triggers' upsert targets it.
            models.UniqueConstraint(
                "company",
                "day",
                Coalesce("source", 0),
                "status",
                "slot",
                name="lead_day_figure_key",
            ),
        ]

    def __str__(self) -> str:
        return self.day.isoformat()


class LeadCountFigure(ListCountRow):
    """How many of a company's leads one salesperson (or nobody) holds in one status: what the
    lead list's count adds up when it is filtered by no more than these (``crm.ui.pagination``),
    without reading up to 10,001 leads at a million.

    Kept by database triggers on ``leads_lead`` (``leads.kept.LEAD_COUNTS``, as
    ``PipelineFigure`` is), so every write path keeps it; a key's count is the sum of its slots.
    ``manage.py verify_figures --only lead_count_figures`` recounts them. Left out of company
    backups.
    """

    class Meta(ListCountRow.Meta):
        verbose_name = _("lead count figure")
        verbose_name_plural = _("lead count figures")
        constraints = [
            # One row per key and slot, "no salesperson" included: the triggers' upsert.
            models.UniqueConstraint(
                "company",
                Coalesce("salesperson", 0),
                "status",
                "slot",
                name="lead_count_figure_key",
            ),
        ]


class StageStayFigure(KeptFigureRow):
    """How many of a company's opportunities left one stage on one UTC day, and how long they
    had stayed there in all: what the dashboard's time in stage adds up for a period, without
    reading the period's stage history (tens of thousands of rows at a million leads).

    Kept by database triggers on the stage history (``leads.kept.STAGE_STAYS``, as
    ``LeadDayFigure`` is), counting only finished stays (``left_at`` set); a key's figures are
    the sum of its slots. ``manage.py verify_figures --only stage_stay_figures`` recounts them.
    Left out of company backups.
    """

    day = models.DateField(_("day (UTC)"))
    stage = models.ForeignKey(
        OpportunityStage,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("stage"),
    )
    stay_count = models.BigIntegerField(_("stays"), default=0)
    microseconds = models.BigIntegerField(_("time spent (microseconds)"), default=0)

    class Meta:
        ordering = ["day", "stage", "slot"]
        verbose_name = _("stage stay figure")
        verbose_name_plural = _("stage stay figures")
        constraints = [
            # One row per key and slot: the triggers' upsert targets it.
            models.UniqueConstraint(
                "company", "day", "stage", "slot", name="stage_stay_figure_key"
            ),
        ]

    def __str__(self) -> str:
        return self.day.isoformat()


class WishListItem(CompanyOwned):
    """A product a lead or an opportunity wants; it becomes an order line only later."""

    lead = models.ForeignKey(
        Lead,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="wish_list",
        verbose_name=_("lead"),
    )
    opportunity = models.ForeignKey(
        Opportunity,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="wish_list",
        verbose_name=_("opportunity"),
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedManager(company="company")

    history = audit_history(versioned=False)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("wish-list item")
        verbose_name_plural = _("wish-list items")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(lead__isnull=False, opportunity__isnull=True)
                    | models.Q(lead__isnull=True, opportunity__isnull=False)
                ),
                name="wishlistitem_one_owner",
                violation_error_message=_("A wish-list item belongs to a lead or an opportunity."),
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0),
                name="wishlistitem_quantity_positive",
                violation_error_message=_("The quantity must be more than zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product}"

    def get_absolute_url(self) -> str:
        owner = self.lead if self.lead_id else self.opportunity
        return owner.get_absolute_url()


class OpportunityStageChange(CompanyOwned):
    """One step of an opportunity through the pipeline: where it came from, where it went, when.

    Written by the services only (a row when the opportunity is opened, with no ``from_stage``,
    and one per stage change) and never edited, so the time spent in each stage is the gap to
    the next row. Stages are PROTECTed: deleting one would rewrite the history.
    """

    opportunity = models.ForeignKey(
        Opportunity,
        on_delete=models.CASCADE,
        related_name="stage_changes",
        verbose_name=_("opportunity"),
        db_index=False,  # the (opportunity, changed_at) index below serves these lookups
    )
    from_stage = models.ForeignKey(
        OpportunityStage,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from stage"),
    )
    to_stage = models.ForeignKey(
        OpportunityStage,
        on_delete=models.PROTECT,
        related_name="stage_changes",
        verbose_name=_("to stage"),
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    # When the opportunity moved on from ``to_stage``: the next row's ``changed_at``, written by
    # the service that writes that row; empty while it is still there. Stored so the time spent
    # in each stage is one subtraction, not a look-up of the next row.
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), validators=PERCENT_VALIDATORS
    )
    lost_reason = models.ForeignKey(
        LostReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lost reason"),
    )

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["changed_at", "pk"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(probability__gte=0, probability__lte=100),
                name="stagechange_probability_range",
                violation_error_message=_("The probability must be between 0 and 100 %."),
            ),
            models.CheckConstraint(
                condition=~models.Q(from_stage=models.F("to_stage")),
                name="stagechange_moves",
                violation_error_message=_("A stage change goes to another stage."),
            ),
        ]
        indexes = [
            models.Index(fields=["company", "changed_at"], name="stagechange_company_time_idx"),
            models.Index(fields=["opportunity", "changed_at"], name="stagechange_opp_time_idx"),
            # The dashboard's time in stage: the stays that ended in a period, read from the
            # index alone.
            models.Index(
                fields=["company", "left_at", "to_stage", "changed_at"],
                name="stagechange_left_idx",
            ),
        ]

    def __str__(self) -> str:
        if self.from_stage_id is None:
            return f"{self.opportunity}: {self.to_stage}"
        return f"{self.opportunity}: {self.from_stage} → {self.to_stage}"

    def get_absolute_url(self) -> str:
        return self.opportunity.get_absolute_url()


def new_web_form_key() -> str:
    """The secret in a web form's public address: 32 URL-safe characters (192 bits)."""
    return secrets.token_urlsafe(24)


class WebForm(CompanyOwned):
    """A public form on the company's website that turns visitors into leads (web-to-lead).

    Its address carries ``key``, a secret the company can rotate when it leaks into the wrong
    hands (the old address then answers "not found"). New leads get ``source`` and are handed
    to ``salespeople`` in turn; without salespeople they wait unassigned.
    """

    name = models.CharField(_("name"), max_length=100)
    key = models.CharField(_("key"), max_length=64, unique=True, default=new_web_form_key)
    is_active = models.BooleanField(
        _("accepting submissions"),
        default=True,
        help_text=_("A paused form answers “not found” and creates nothing."),
    )
    source = models.ForeignKey(
        LeadSource,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lead source"),
        help_text=_("Set on every lead the form creates."),
    )
    salespeople = models.ManyToManyField(
        Salesperson,
        through="WebFormAssignee",
        blank=True,
        related_name="+",
        verbose_name=_("assign to, in turn"),
        help_text=_("New leads go to these salespeople one after another; none: unassigned."),
    )
    next_turn = models.PositiveIntegerField(_("next turn"), default=0, editable=False)
    thank_you = models.CharField(
        _("thank-you message"),
        max_length=300,
        default=_("Thank you: we received your message and will be in touch soon."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    key_rotated_at = models.DateTimeField(_("address changed"), null=True, blank=True)

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("web form")
        verbose_name_plural = _("web forms")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"],
                name="webform_name_per_company",
                violation_error_message=_("Another web form already has this name."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("leads:webform_detail", args=[self.pk])


class WebFormAssignee(CompanyOwned):
    """A salesperson who takes a web form's new leads in turn (a tenant row, like every other)."""

    form = models.ForeignKey(
        WebForm, on_delete=models.CASCADE, related_name="+", verbose_name=_("form")
    )
    salesperson = models.ForeignKey(
        Salesperson, on_delete=models.CASCADE, related_name="+", verbose_name=_("salesperson")
    )

    objects = ScopedManager(company="company")

    class Meta:
        verbose_name = _("web form assignee")
        verbose_name_plural = _("web form assignees")
        constraints = [
            models.UniqueConstraint(fields=["form", "salesperson"], name="webformassignee_once"),
        ]

    def __str__(self) -> str:
        return f"{self.form_id} · {self.salesperson_id}"


class WebFormSubmission(CompanyOwned):
    """One submission to a web form, kept whatever became of it: the lead it created, or why
    none was (a duplicate of an open lead, invalid fields, the honeypot, too many at once)."""

    class Outcome(models.TextChoices):
        CREATED = "created", _("Lead created")
        DUPLICATE = "duplicate", _("Duplicate of an open lead")
        INVALID = "invalid", _("Refused: invalid")
        SPAM = "spam", _("Refused: looks automated")
        THROTTLED = "throttled", _("Refused: too many at once")

    form = models.ForeignKey(
        WebForm, on_delete=models.CASCADE, related_name="submissions", verbose_name=_("form")
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    data = models.JSONField(_("submitted fields"), default=dict, blank=True)
    lead = models.ForeignKey(
        Lead,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lead"),
    )

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("web form submission")
        verbose_name_plural = _("web form submissions")
        indexes = [
            models.Index(fields=["form", "-received_at"], name="webformsub_form_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.form} · {self.received_at:%Y-%m-%d %H:%M}"

    @property
    def sender(self) -> str:
        """Who sent it, as they wrote it: their name or organization, else "—"."""
        data = self.data or {}
        name = " ".join(filter(None, (data.get("first_name"), data.get("last_name"))))
        return name or data.get("organization_name") or "—"

    @property
    def sender_email(self) -> str:
        return (self.data or {}).get("email", "")

    def get_absolute_url(self) -> str:
        return self.form.get_absolute_url()
