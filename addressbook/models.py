"""Addresses and contacts stand alone and are linked to any owner record through link rows."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from crm.audit import audit_history
from crm.country_names import country_name
from crm.models import Company, CompanyOwned
from crm.phones import PhoneField
from crm.versioning import Versioned

country_format_validator = RegexValidator(
    r"^[A-Z]{2}$", _("Use a two-letter ISO 3166 country code in capitals, e.g. DE, FR, US.")
)


def company_unindexed() -> models.ForeignKey:
    """The tenant key of a table whose every index starts with the company, so that the key's
    own index would only repeat their first column: one entry less for each row written (the
    generator writes millions of link rows). Addresses and contacts keep theirs: the address
    book's capped count reads it (1 ms at 1M; a seq scan or their wider sort index without it)."""
    return models.ForeignKey(
        Company,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("company"),
        db_index=False,
    )


def validate_country_code(value: str) -> None:
    """Only codes that name a country (ISO 3166-1 alpha-2, from django-countries)."""
    if len(value) == 2 and value.isupper() and not countries.name(value):
        raise ValidationError(
            _("“%(code)s” is not a country code; use e.g. DE, FR, US."), params={"code": value}
        )


class Address(Versioned, CompanyOwned):
    # The address book's search box looks in these (crm.ui.search; a trigram index on PostgreSQL).
    search_fields = ("label", "street", "street2", "city", "postal_code", "region", "country")

    label = models.CharField(
        _("label"), max_length=120, blank=True, help_text=_("Optional, e.g. “Head office”.")
    )
    street = models.CharField(_("street"), max_length=200)
    street2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=120)
    region = models.CharField(_("region / state"), max_length=120, blank=True)
    country = models.CharField(
        _("country"),
        max_length=2,
        validators=[country_format_validator, validate_country_code],
        help_text=_("ISO 3166 two-letter code, e.g. DE, FR, US."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = audit_history()

    class Meta:
        ordering = ["city", "street", "pk"]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        # The list's default sort (city, then id: a city holds thousands of addresses) read
        # straight off the index, never a sort of the city's rows.
        indexes = [
            models.Index(fields=["company", "city", "id"], name="address_company_city_idx"),
        ]

    def __str__(self) -> str:
        """One line, as a person writes it: "Label: street, postal code city, country", the
        country named in the reader's language (the code alone reads as a typo to most)."""
        place = " ".join(part for part in (self.postal_code, self.city) if part)
        text = ", ".join(part for part in (self.street, place, self.country_name) if part)
        return f"{self.label}: {text}" if self.label else text

    def get_absolute_url(self) -> str:
        return reverse("addressbook:address_detail", args=[self.pk])

    @property
    def country_name(self) -> str:
        """The country's name in the active language."""
        return country_name(self.country)

    @property
    def lines(self) -> list[str]:
        place = " ".join(part for part in (self.postal_code, self.city) if part)
        return [
            line for line in (self.street, self.street2, place, self.region, self.country) if line
        ]


class Contact(Versioned, CompanyOwned):
    # Salespeople log notes, calls, meetings and tasks on it (see crm.timeline).
    timeline_enabled = True
    search_fields = ("first_name", "last_name", "email", "phone", "mobile", "job_title")

    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = PhoneField(_("phone"), blank=True)
    mobile = PhoneField(_("mobile"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = audit_history()

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            # The list's default sort (last name, then id), as for addresses.
            models.Index(fields=["company", "last_name", "id"], name="contact_company_name_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("addressbook:contact_detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


class OwnerLink(CompanyOwned):
    """Shared fields of a link row: which owner record, primary or not, when."""

    # Indexed by the unique (company, owner type, owner id, address or contact) below.
    company = company_unindexed()

    owner_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", verbose_name=_("owner type")
    )
    owner_id = models.PositiveBigIntegerField(_("owner id"))
    owner = GenericForeignKey("owner_type", "owner_id")
    is_primary = models.BooleanField(_("primary"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        abstract = True


class AddressLink(OwnerLink):
    """Links an address to an owner. At most one link per owner is primary (for every purpose
    together): the primary address is the one a new quotation or order starts with."""

    class Purpose(models.TextChoices):
        BILLING = "billing", _("Billing")
        SHIPPING = "shipping", _("Shipping")
        OFFICE = "office", _("Office")
        HOME = "home", _("Home")
        OTHER = "other", _("Other")

    address = models.ForeignKey(
        Address, on_delete=models.PROTECT, related_name="links", verbose_name=_("address")
    )
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=Purpose.choices, default=Purpose.OFFICE
    )

    class Meta:
        ordering = ["-is_primary", "purpose", "pk"]
        verbose_name = _("address link")
        verbose_name_plural = _("address links")
        constraints = [
            # Its index also finds an owner's links (company, owner type, owner id): a
            # separate index on those three would repeat it and cost every link written.
            models.UniqueConstraint(
                fields=["company", "owner_type", "owner_id", "address"],
                name="addresslink_once_per_owner",
            ),
            models.UniqueConstraint(
                fields=["company", "owner_type", "owner_id"],
                condition=models.Q(is_primary=True),
                name="addresslink_one_primary_per_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.address} ({self.get_purpose_display()})"

    def get_absolute_url(self) -> str:
        return reverse("addressbook:address_detail", args=[self.address_id])


class ContactLink(OwnerLink):
    """Links a contact to an owner with a free-text role; at most one primary per owner."""

    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="links", verbose_name=_("contact")
    )
    role = models.CharField(
        _("role"), max_length=120, blank=True, help_text=_("e.g. Purchasing, Accounts payable.")
    )

    class Meta:
        ordering = ["-is_primary", "pk"]
        verbose_name = _("contact link")
        verbose_name_plural = _("contact links")
        constraints = [
            # Its index also finds an owner's links (company, owner type, owner id): a
            # separate index on those three would repeat it and cost every link written.
            models.UniqueConstraint(
                fields=["company", "owner_type", "owner_id", "contact"],
                name="contactlink_once_per_owner",
            ),
            models.UniqueConstraint(
                fields=["company", "owner_type", "owner_id"],
                condition=models.Q(is_primary=True),
                name="contactlink_one_primary_per_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact} ({self.role})" if self.role else str(self.contact)

    def get_absolute_url(self) -> str:
        return reverse("addressbook:contact_detail", args=[self.contact_id])
