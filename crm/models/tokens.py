"""API tokens: a person's key to the REST API, for one company, revocable, shown once."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from .tenancy import CompanyOwned

__all__ = ["ApiToken", "new_token_prefix"]


def new_token_prefix() -> str:
    """The public part of a key (12 hex characters). A default, so a company copied into the
    same database (crm.backup) gets fresh prefixes: the copy's tokens never answer to the
    original's keys."""
    return secrets.token_hex(6)


class ApiToken(CompanyOwned):
    """Acts as ``user`` in ``company`` with the user's role and access levels, as long as the
    user is still an active member there and the token is not revoked.

    Only a hash of the key is stored: the key itself is shown once, when the token is made.
    ``prefix`` (the key's first part, not secret) finds the row without scanning hashes.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What the token is for, e.g. “Website sync”.")
    )
    prefix = models.CharField(
        _("prefix"), max_length=16, unique=True, editable=False, default=new_token_prefix
    )
    key_hash = models.CharField(_("key hash"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [
            models.Index(fields=["company", "user", "created_at"], name="apitoken_owner_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
