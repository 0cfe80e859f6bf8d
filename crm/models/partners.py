"""Outside partners who bring business: an individual or an organization (polymorphic)."""

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from polymorphic.managers import PolymorphicManager
from polymorphic.models import PolymorphicModel

from crm.audit import audit_history
from crm.phones import PhoneField
from crm.versioning import Versioned

from .tenancy import Company

__all__ = ["IndividualPartner", "OrganizationPartner", "SalesPartner"]


class WebsiteField(models.URLField):
    """A URL whose form field assumes https for a bare domain (Django 6's default already)."""

    def formfield(self, **kwargs):
        return super().formfield(**{"assume_scheme": "https", **kwargs})


class SalesPartner(Versioned, PolymorphicModel):
    """What every partner has; the subtypes add what only a person or an organization has.

    ``name`` is the display name used in lists and choices, so lists never need the subtype rows.
    It is not typed in: every save makes it from the subtype's name fields, so a rename shows.
    """

    # Salespeople log notes, calls, meetings and tasks on it (see crm.timeline).
    timeline_enabled = True

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        ORGANIZATION = "organization", _("Organization")

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company")
    )
    name = models.CharField(
        _("display name"),
        max_length=200,
        blank=True,
        help_text=_("Made from the name on every save; shown in lists."),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = PhoneField(_("phone"), blank=True)
    commission_rate = models.DecimalField(
        _("commission rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    is_active = models.BooleanField(_("active"), default=True)
    # "Description", as on the lead: its notes, calls and tasks are the timeline's entries, and
    # the page shows no second "Notes" beside them. The column keeps its name (and its text).
    notes = models.TextField(
        _("description"),
        blank=True,
        help_text=_("What the partner is about. Notes, calls and tasks go on its timeline."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(company="company", _manager_class=PolymorphicManager)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("sales partner")
        verbose_name_plural = _("sales partners")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(commission_rate__gte=0, commission_rate__lte=100),
                name="salespartner_commission_range",
                violation_error_message=_("The commission rate must be between 0 and 100 %."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("crm:partner_detail", args=[self.pk])

    def default_name(self) -> str:
        """The display name made from the subtype's fields; the base class has none."""
        return ""

    def save(self, *args, **kwargs):
        # A base-class instance (a non-polymorphic query) has no name fields: keep its name.
        derived = self.default_name()
        if derived:
            self.name = derived
            if kwargs.get("update_fields"):
                kwargs["update_fields"] = {*kwargs["update_fields"], "name"}
        super().save(*args, **kwargs)

    @property
    def kind(self) -> str:
        """The subtype, read from the content type (cached), without loading the subtype row."""
        if self.polymorphic_ctype_id is None:
            return getattr(type(self), "KIND", "")
        model = ContentType.objects.get_for_id(self.polymorphic_ctype_id).model_class()
        return getattr(model, "KIND", "")

    def get_kind_display(self) -> str:
        return self.Kind(self.kind).label if self.kind else ""


class IndividualPartner(SalesPartner):
    KIND = SalesPartner.Kind.INDIVIDUAL

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)

    # On each subtype, which is what every save saves (crm.audit).
    history = audit_history()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("individual partner")
        verbose_name_plural = _("individual partners")

    def default_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class OrganizationPartner(SalesPartner):
    KIND = SalesPartner.Kind.ORGANIZATION

    organization_name = models.CharField(_("organization name"), max_length=200)
    tax_id = models.CharField(_("tax / VAT id"), max_length=40, blank=True)
    website = WebsiteField(_("website"), blank=True)

    history = audit_history()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("organization partner")
        verbose_name_plural = _("organization partners")

    def default_name(self) -> str:
        return self.organization_name.strip()
