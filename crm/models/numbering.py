"""Per-company document counters: the row a numbering transaction locks."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from .tenancy import CompanyOwned

__all__ = ["NumberSequence"]


class NumberSequence(CompanyOwned):
    """The last number handed out for one kind of document (``QTN``, ``SO``) in one year.

    ``crm.numbering.number_next`` locks this row in the transaction that creates the document,
    so a rolled-back document gives its number back: numbers stay gapless and never repeat.
    """

    prefix = models.CharField(_("prefix"), max_length=10)
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["prefix", "-year"]
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "prefix", "year"], name="numbersequence_one_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last_number}"
