"""Customers, the groups and types they belong to, and the leads and opportunities behind them."""

import re
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from crm.models import CompanyOwned, Product, SalesPartner, Salesperson
from crm.versioning import Versioned
from leads.models import Lead, Opportunity

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

    objects = ScopedManager(company="company")

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
    # The list's search box looks in these (crm.search; a trigram index on PostgreSQL).
    search_fields = ("name", "email", "phone")

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
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # Kept in step with ``phone`` on save, so the duplicate check compares digits only.
    phone_digits = models.CharField(max_length=40, blank=True, editable=False)
    internal_information = models.TextField(
        _("internal information"),
        blank=True,
        help_text=_("Only your team sees this; it is never printed on documents."),
    )
    is_active = models.BooleanField(_("active"), default=True)
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

    objects = ScopedManager(company="company")

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
                condition=~models.Q(name=""),
                name="customer_has_a_name",
                violation_error_message=_("Give the customer a name."),
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
                fields=["company", "is_active", "name", "id"], name="customer_company_active_idx"
            ),
            models.Index(
                fields=["company", "created_at", "id"], name="customer_company_created_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:customer_detail", args=[self.pk])

    def save(self, *args, **kwargs):
        self.phone_digits = phone_digits(self.phone)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "phone" in update_fields:
            kwargs["update_fields"] = {*update_fields, "phone_digits"}
        super().save(*args, **kwargs)


class CustomerLink(CompanyOwned):
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
        indexes = [models.Index(fields=["company", "customer"], name="customerlink_customer_idx")]

    def __str__(self) -> str:
        return f"{self.opportunity or self.lead} → {self.customer}"


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
