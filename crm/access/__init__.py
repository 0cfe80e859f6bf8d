"""Who may view, edit, delete and convert which of a company's records.

One vocabulary (``Action``, ``Level``), one registry that apps fill in their ``ready()``
(``register_record_type``), and one engine (``access_filter``, ``can``) that lists, detail pages,
edit forms and bulk actions all ask, for staff users and for the portal's customer users
(``register_portal_record_type``: the same actions and levels, read as Corporate, Department, User
and None). Defaults per role are in ``crm.access.defaults``; a company's
admins override them on the access settings page (``crm.models.RoleAccessLevel``).
"""

from crm.access.engine import access_filter, can, level_for, prime_subject, viewable_rows
from crm.access.registry import (
    is_registered,
    portal_record_type_for,
    portal_record_types,
    record_type_for,
    record_types,
    register_portal_record_type,
    register_record_type,
)
from crm.access.vocabulary import Action, Level

__all__ = [
    "Action",
    "Level",
    "access_filter",
    "can",
    "is_registered",
    "level_for",
    "portal_record_type_for",
    "portal_record_types",
    "prime_subject",
    "record_type_for",
    "record_types",
    "register_portal_record_type",
    "register_record_type",
    "viewable_rows",
]
