"""Which record types the access engine knows: each app registers its own in ``ready()``.

The engine (``crm.access``) knows no sales object. Leads, opportunities, customers… tell it their
model, which field names the salesperson who owns a row, and which actions make sense for them.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.db.models import Q

from crm.access.vocabulary import Action

__all__ = [
    "PortalRecordType",
    "RecordType",
    "is_registered",
    "portal_record_type_for",
    "portal_record_types",
    "record_type_for",
    "record_types",
    "register_portal_record_type",
    "register_record_type",
]


@dataclass(frozen=True)
class RecordType:
    label: str
    model_label: str
    owner_field: str
    actions: tuple[str, ...]

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    @property
    def verbose_name_plural(self) -> str:
        return self.model._meta.verbose_name_plural


_registry: dict[str, RecordType] = {}


def register_record_type(
    label: str,
    *,
    model: str | type[models.Model],
    owner_field: str = "salesperson",
    actions: tuple[str, ...] = tuple(Action.values),
) -> RecordType:
    """Let the access engine decide who may do ``actions`` to rows of ``model``.

    ``label`` names the record type in settings and stored overrides ("leads.lead");
    ``owner_field`` is the foreign key to ``crm.Salesperson`` that makes a row someone's.
    """
    model_label = model if isinstance(model, str) else model._meta.label
    unknown = set(actions) - set(Action.values)
    if unknown:
        raise ValueError(f"unknown access actions {sorted(unknown)} for {label}")
    record_type = RecordType(
        label=label.lower(),
        model_label=model_label.lower(),
        owner_field=owner_field,
        actions=tuple(action for action in Action.values if action in actions),
    )
    _registry[record_type.label] = record_type
    return record_type


def record_types() -> list[RecordType]:
    """The registered record types whose model is installed, in registration order."""
    found = []
    for record_type in _registry.values():
        try:
            record_type.model  # noqa: B018 - a model that is not installed is skipped
        except (LookupError, ValueError):
            continue
        found.append(record_type)
    return found


def record_type_for(model: type[models.Model] | models.Model) -> RecordType:
    """The record type of a model (or one of its rows); KeyError if nobody registered it."""
    label = model._meta.label_lower
    for record_type in _registry.values():
        if record_type.model_label == label:
            return record_type
    concrete = model._meta.concrete_model._meta.label_lower
    for record_type in _registry.values():
        if record_type.model_label == concrete:
            return record_type
    raise KeyError(f"{label} is not registered with crm.access")


def is_registered(model: type[models.Model] | models.Model) -> bool:
    """Whether the engine knows ``model``: records without a record type have no levels."""
    try:
        record_type_for(model)
    except KeyError:
        return False
    return True


# The customer portal's side: the same actions and levels, read as Corporate (the customer and
# its children), Department (the customer), User (the customer user's own) and None.


@dataclass(frozen=True)
class PortalRecordType:
    label: str
    model_label: str
    verbose_name_plural: str
    # Which rows belong to these customers: a filter built from their ids (a list or subquery).
    for_customers: Callable[[Iterable[int]], Q]
    # Which rows are the customer user's own (the User level): a filter from their id.
    for_user: Callable[[int], Q] | None
    actions: tuple[str, ...]
    action_labels: dict[str, str] = field(default_factory=dict)
    # The predefined customer roles' levels, by role key then action; missing: None.
    defaults: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    def action_label(self, action: str) -> str:
        return str(self.action_labels.get(action) or Action(action).label)


_portal_registry: dict[str, PortalRecordType] = {}


def register_portal_record_type(
    label: str,
    *,
    model: str,
    verbose_name_plural,
    customer: str | Callable[[Iterable[int]], Q],
    own: str | Callable[[int], Q] | None = None,
    actions: tuple[str, ...] = (Action.VIEW,),
    action_labels: dict[str, str] | None = None,
    defaults: dict[str, dict[str, str]] | None = None,
) -> PortalRecordType:
    """Let customer users reach rows of ``model`` on the portal, as their roles allow.

    ``customer`` is the path to the row's customer ("customer", "order__customer") or a function
    that turns customer ids into a filter (addresses reach their customer through links);
    ``own`` is the path to the customer user a row belongs to, for the User level (without
    one, User reaches nothing). ``action_labels`` names an action as the portal shows it
    ("Accept or reject" for converting a quotation). ``defaults`` gives the predefined
    customer roles ("administrator", "buyer", "guest") their levels, action by action.
    """
    unknown = set(actions) - set(Action.values)
    if unknown:
        raise ValueError(f"unknown access actions {sorted(unknown)} for {label}")
    for_customers = (
        (lambda ids, path=customer: Q(**{f"{path}__in": ids}))
        if isinstance(customer, str)
        else customer
    )
    for_user = (lambda pk, path=own: Q(**{path: pk})) if isinstance(own, str) else own
    record_type = PortalRecordType(
        label=label.lower(),
        model_label=model.lower(),
        verbose_name_plural=verbose_name_plural,
        for_customers=for_customers,
        for_user=for_user,
        actions=tuple(action for action in Action.values if action in actions),
        action_labels=dict(action_labels or {}),
        defaults={role: dict(levels) for role, levels in (defaults or {}).items()},
    )
    _portal_registry[record_type.label] = record_type
    return record_type


def portal_record_types() -> list[PortalRecordType]:
    return list(_portal_registry.values())


def portal_record_type_for(model: type[models.Model] | models.Model) -> PortalRecordType:
    label = model._meta.label_lower
    for record_type in _portal_registry.values():
        if record_type.model_label == label:
            return record_type
    raise KeyError(f"{label} is not registered with crm.access for the portal")
