"""What a staff user chose for themselves, across the companies they work for."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["UserPreferences", "language_field"]


def language_field(help_text) -> models.CharField:
    """A language among ``settings.LANGUAGES``; blank means "not chosen here"."""
    return models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=help_text,
    )


class UserPreferences(models.Model):
    """One row per staff user who chose something (no row: nothing chosen). Not company-owned:
    a person reads the CRM in one language whichever company they switch to."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="preferences",
        verbose_name=_("user"),
    )
    language = language_field(_("Empty: the company's language, else the browser's."))

    class Meta:
        verbose_name = _("user preferences")
        verbose_name_plural = _("user preferences")

    def __str__(self) -> str:
        return str(self.user)
