"""The company's own sales staff and their team tree."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from crm.phones import PhoneField
from crm.versioning import Versioned

from .tenancy import CompanyOwned

__all__ = ["Salesperson"]


class Salesperson(Versioned, CompanyOwned):
    """Someone who sells for the company, usually a user with a membership.

    ``manager`` is PROTECT rather than SET_NULL: deleting a manager would silently cut their team
    out of the tree (and out of every "my team's pipeline" report). Salespeople are deactivated,
    not deleted; a real deletion must first move the team to another manager.
    """

    # Salespeople log notes, calls, meetings and tasks on it (see crm.timeline).
    timeline_enabled = True

    name = models.CharField(_("name"), max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="salespeople",
        verbose_name=_("user"),
        help_text=_("The login this salesperson uses, if any."),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = PhoneField(_("phone"), blank=True)
    manager = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="team_members",
        verbose_name=_("manager"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("salesperson")
        verbose_name_plural = _("salespeople")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "user"],
                condition=models.Q(user__isnull=False),
                name="salesperson_one_per_user",
                violation_error_message=_("This user is already a salesperson of the company."),
            ),
            models.CheckConstraint(
                condition=~models.Q(manager=models.F("pk")),
                name="salesperson_not_own_manager",
                violation_error_message=_("A salesperson cannot be their own manager."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("crm:salesperson_detail", args=[self.pk])

    def manager_chain_contains(self, candidate: "Salesperson") -> bool:
        """True if ``self`` appears above or at ``candidate`` in the tree (a cycle if linked)."""
        seen: set[int] = set()
        node = candidate
        while node is not None and node.pk not in seen:
            if self.pk is not None and node.pk == self.pk:
                return True
            seen.add(node.pk)
            node = (
                Salesperson.objects.filter(pk=node.manager_id).first() if node.manager_id else None
            )
        return False

    def clean(self) -> None:
        super().clean()
        if self.manager_id is None:
            return
        if self.company_id and self.manager.company_id != self.company_id:
            raise ValidationError({"manager": _("The manager must work for the same company.")})
        if self.manager_chain_contains(self.manager):
            raise ValidationError(
                {
                    "manager": _(
                        "%(manager)s already reports to %(name)s; choosing them as manager "
                        "would make a loop."
                    )
                    % {"manager": self.manager, "name": self}
                }
            )
