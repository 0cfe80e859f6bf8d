"""Writes of the access engine: a company's admins choose its roles' levels."""

from django.db import transaction
from django.db.models import F

from crm.access.defaults import FIXED_ROLES, default_level
from crm.access.registry import record_types
from crm.access.vocabulary import Level
from crm.errors import DomainError
from crm.models import Company, Membership, RoleAccessLevel

__all__ = ["role_access_levels_save"]


@transaction.atomic
def role_access_levels_save(
    *, company: Company, levels: dict[tuple[str, str, str], str], actor
) -> int:
    """Store the levels that differ from the defaults, keyed (record type, action, role), and
    drop those put back to the default; returns how many rows now differ.

    The company's ``access_version`` moves on, so every later request reads the new levels.
    """
    known = {(rt.label, action) for rt in record_types() for action in rt.actions}
    for (record_type, action, role), level in levels.items():
        if (record_type, action) not in known or role not in Membership.Role.values:
            raise DomainError(f"Unknown access setting {record_type} {action} {role}.")
        if level not in Level.values:
            raise DomainError(f"Unknown access level {level}.")
    Company.objects.select_for_update().filter(pk=company.pk).first()
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
