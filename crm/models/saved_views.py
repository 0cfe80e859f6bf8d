"""Saved views: a list's filters, search and sort kept under a name, for oneself or shared
with the company, one click from the list."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from .tenancy import CompanyOwned

__all__ = ["SavedView"]


class SavedView(CompanyOwned):
    """A list page (``list_key``: its URL name, e.g. ``leads:lead_list``) with a query string
    as the list understands it (filters, ``q``, ``sort``, ``owner``). Its owner sees it always;
    everyone in the company sees it while it is ``shared``."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_views",
        verbose_name=_("owner"),
    )
    list_key = models.CharField(_("list"), max_length=100)
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("query"), max_length=2000, blank=True)
    shared = models.BooleanField(
        _("shared with the company"),
        default=False,
        help_text=_("Everyone in the company sees a shared view; only you can change it."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "owner", "list_key", "name"],
                name="savedview_unique_name_per_owner_list",
            ),
            models.CheckConstraint(condition=~models.Q(name=""), name="savedview_name_not_empty"),
        ]
        indexes = [
            models.Index(fields=["company", "list_key", "shared"], name="savedview_list_idx"),
        ]

    def __str__(self) -> str:
        return self.name
