"""The tenant (Company) and who may act for it (Membership)."""

from decimal import Decimal
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from crm.phones import region_for_time_zone
from crm.phones import validate_region as validate_phone_region
from crm.versioning import Versioned

from .preferences import language_field

__all__ = ["Company", "CompanyOwned", "Membership", "validate_time_zone"]


def validate_time_zone(name: str) -> None:
    if name and name not in available_timezones():
        raise ValidationError(
            _("“%(name)s” is no time zone. Use a name such as Asia/Jakarta or Europe/Berlin."),
            params={"name": name},
        )


class Company(Versioned, models.Model):
    """A tenant. Every company-owned row points here, and nobody sees another company's rows."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    currency = models.CharField(
        _("currency"),
        max_length=3,
        default="EUR",
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO 4217 code."))],
        help_text=_("ISO 4217 code, e.g. EUR, USD, IDR."),
    )
    default_vat_rate = models.DecimalField(
        _("default VAT rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("20.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    language = language_field(
        _(
            "The language of members who chose none, of commands and of e-mails to customers. "
            "Empty: each member's browser decides."
        )
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=_("Dates and times are shown in it, e.g. Asia/Jakarta. Empty: the server's."),
    )
    phone_region = models.CharField(
        _("phone region"),
        max_length=2,
        blank=True,
        validators=[validate_phone_region],
        help_text=_(
            "Phone numbers typed without a country code are read as dialled in this country, and "
            "its numbers are shown in national format. Empty: the country of the time zone."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Bumped whenever one of its reference lists (sources, stages, salespeople…) changes, so the
    # cached options of the selects showing them are read afresh (crm.ui.choices).
    lists_version = models.PositiveIntegerField(default=0, editable=False)
    # Bumped whenever an admin saves the roles' access levels (crm.access), so the cached levels
    # are read afresh on the next request. 0: never saved, the defaults apply without a query.
    access_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(default_vat_rate__gte=0, default_vat_rate__lte=100),
                name="company_vat_rate_range",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def dialing_region(self) -> str:
        """Where national phone numbers are read: the chosen region, else the time zone's."""
        return self.phone_region or region_for_time_zone(self.time_zone)


class CompanyOwned(models.Model):
    """Abstract base for every tenant table: a non-null company and a scoped default manager.

    Querying a subclass outside ``django_scopes.scope(company=...)`` raises ``ScopeError``
    instead of returning every company's rows.
    """

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company")
    )

    objects = ScopedManager(company="company")

    class Meta:
        abstract = True


class Membership(CompanyOwned):
    """Gives a user access to a company, with a role."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        ADMIN = "admin", _("Admin")
        MANAGER = "manager", _("Manager")
        SALESPERSON = "salesperson", _("Salesperson")

    # Roles that may change the company's settings and members.
    ADMIN_ROLES = frozenset({Role.OWNER, Role.ADMIN})
    # Roles that may also run the catalog and the sales team and delete partners.
    MANAGER_ROLES = frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER})

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("company")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.SALESPERSON
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["company", "user__username"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["company", "user"], name="membership_one_per_user"),
        ]
        indexes = [models.Index(fields=["user", "company"], name="membership_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company} ({self.get_role_display()})"

    @property
    def is_admin(self) -> bool:
        return self.role in self.ADMIN_ROLES

    @property
    def is_manager(self) -> bool:
        """A manager, admin or owner: who runs the company's lists and forms."""
        return self.role in self.MANAGER_ROLES
