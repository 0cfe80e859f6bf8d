"""The record of a ``manage.py generate_data`` run, so generated data is told from real data."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from .tenancy import CompanyOwned

__all__ = ["GeneratedDataset"]


class GeneratedDataset(CompanyOwned):
    """One run of the generator: its seed, what was asked and how many rows of each model it
    wrote. A company whose records outnumber the rows its runs wrote holds real data, which the
    generator refuses to mix with unless forced."""

    seed = models.BigIntegerField(_("seed"))
    counts = models.JSONField(
        _("counts"), default=dict, help_text=_("The counts asked for and the rows written.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("generated dataset")
        verbose_name_plural = _("generated datasets")

    def __str__(self) -> str:
        return f"seed {self.seed} · {self.created_at:%Y-%m-%d %H:%M}"
