"""Writes of the access engine: a company's admins choose its roles' levels."""

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from crm.access.defaults import FIXED_ROLES, default_level
from crm.access.engine import role_level
from crm.access.registry import record_types
from crm.access.vocabulary import Level
from crm.errors import DomainError
from crm.models import Company, Membership, RoleAccessLevel

__all__ = ["StaleAccessLevels", "role_access_levels_save"]


class StaleAccessLevels(DomainError):
    """Someone saved the levels since the page was opened: nothing was saved. ``wanted`` lists
    the (record type, action, role, wanted level, level now) the person chose differently from
    the levels in force now, so the page can say what to choose again."""

    def __init__(self, wanted: list[tuple[str, str, str, str, str]]) -> None:
        super().__init__(
            _(
                "Someone else saved the access levels while you were choosing yours, so yours "
                "were not saved. The table now shows theirs; choose yours again."
            ),
            code="stale",
        )
        self.wanted = wanted


@transaction.atomic
def role_access_levels_save(
    *,
    company: Company,
    levels: dict[tuple[str, str, str], str],
    actor,
    seen_version: int | None = None,
) -> int:
    """Store the levels that differ from the defaults, keyed (record type, action, role), and
    drop those put back to the default; returns how many rows now differ.

    ``seen_version`` is the company's ``access_version`` the page was drawn with: if the levels
    have been saved since, nothing is saved (``StaleAccessLevels``). The version moves on with
    every save, so every later request reads the new levels.
    """
    known = {(rt.label, action) for rt in record_types() for action in rt.actions}
    for (record_type, action, role), level in levels.items():
        if (record_type, action) not in known or role not in Membership.Role.values:
            raise DomainError(f"Unknown access setting {record_type} {action} {role}.")
        if level not in Level.values:
            raise DomainError(f"Unknown access level {level}.")
    locked = Company.objects.select_for_update().filter(pk=company.pk).first()
    if seen_version is not None and locked.access_version != seen_version:
        company.access_version = locked.access_version
        by_label = {rt.label: rt for rt in record_types()}
        wanted = []
        for (record_type, action, role), level in levels.items():
            now = role_level(company, role, by_label[record_type], action)
            if level != now:
                wanted.append((record_type, action, role, level, now))
        raise StaleAccessLevels(wanted)
    existing = {
        (row.record_type, row.action, row.role): row
        for row in RoleAccessLevel.objects.filter(company=company)
    }
    for key, level in levels.items():
        record_type, action, role = key
        row = existing.get(key)
        if role in FIXED_ROLES or level == default_level(role, action):
            if row is not None:
                row.delete()
            continue
        if row is None:
            RoleAccessLevel.objects.create(
                company=company, record_type=record_type, action=action, role=role, level=level
            )
        elif row.level != level:
            row.level = level
            row.save(update_fields=["level"])
    Company.objects.filter(pk=company.pk).update(access_version=F("access_version") + 1)
    company.refresh_from_db(fields=["access_version"])
    return RoleAccessLevel.objects.filter(company=company).count()
