"""A company's own choice of how far each role reaches (crm.access reads it)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from .tenancy import CompanyOwned, Membership

__all__ = ["PORTAL_LEVEL_CHOICES", "Action", "Level", "RoleAccessLevel"]


class Action(models.TextChoices):
    """What a user does to a record."""

    VIEW = "view", _("View")
    EDIT = "edit", _("Edit")
    DELETE = "delete", _("Delete")
    CONVERT = "convert", _("Convert")


class Level(models.TextChoices):
    """How many of the company's records an action reaches, widest first."""

    COMPANY = "company", _("Company")
    TEAM = "team", _("Team")
    OWN = "own", _("Own")
    NONE = "none", _("None")

    @classmethod
    def widest(cls, *levels: str) -> str:
        """The widest of ``levels`` (None when there are none)."""
        order = list(cls.values)
        return min(levels, key=order.index, default=cls.NONE)

    @classmethod
    def portal_label(cls, level: str) -> str:
        """The level in a customer's words (Oro's): Corporate, Department, User, None."""
        return str(PORTAL_LEVEL_LABELS[level])


PORTAL_LEVEL_LABELS = {
    Level.COMPANY: _("Corporate (the customer and its children)"),
    Level.TEAM: _("Department (the customer itself)"),
    Level.OWN: _("User (the user's own records)"),
    Level.NONE: _("None"),
}
PORTAL_LEVEL_CHOICES = list(PORTAL_LEVEL_LABELS.items())


class RoleAccessLevel(CompanyOwned):
    """One role's level for one action on one record type, where the company chose other than
    the default (``crm.access.defaults``). ``record_type`` is a label registered with
    ``crm.access.register_record_type``, e.g. "leads.lead"."""

    role = models.CharField(_("role"), max_length=20, choices=Membership.Role.choices)
    record_type = models.CharField(_("record type"), max_length=100)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["record_type", "action", "role"]
        verbose_name = _("role access level")
        verbose_name_plural = _("role access levels")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "role", "record_type", "action"],
                name="role_access_level_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.action} {self.record_type} = {self.level}"
