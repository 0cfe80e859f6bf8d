"""The company's catalog of goods and services."""

from decimal import ROUND_HALF_UP, Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from crm.audit import audit_history
from crm.versioning import Versioned

from .tenancy import CompanyOwned

__all__ = ["Product"]


class Product(Versioned, CompanyOwned):
    sku = models.CharField(_("SKU"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit_price = models.DecimalField(
        _("net unit price"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    vat_rate = models.DecimalField(
        _("VAT rate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(company="company")

    history = audit_history()

    class Meta:
        ordering = ["sku", "pk"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "sku"],
                name="product_sku_per_company",
                violation_error_message=_("Another product already has this SKU."),
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0),
                name="product_unit_price_not_negative",
                violation_error_message=_("The price cannot be negative."),
            ),
            models.CheckConstraint(
                condition=models.Q(vat_rate__gte=0, vat_rate__lte=100),
                name="product_vat_rate_range",
                violation_error_message=_("The VAT rate must be between 0 and 100 %."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} · {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("crm:product_detail", args=[self.pk])

    @property
    def gross_unit_price(self) -> Decimal:
        """Net price plus VAT, two places, rounded half up."""
        gross = self.unit_price * (1 + self.vat_rate / 100)
        return gross.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
