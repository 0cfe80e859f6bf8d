"""The words of the access engine: what a user does to a record (``Action``) and how far that
reaches (``Level``). They are the choices of ``crm.models.RoleAccessLevel``, defined there."""

from crm.models.access import Action, Level

__all__ = ["Action", "Level"]
