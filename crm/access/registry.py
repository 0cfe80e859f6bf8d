"""Which record types the access engine knows: each app registers its own in ``ready()``.

The engine (``crm.access``) knows no sales object. Leads, opportunities, customers… tell it their
model, which field names the salesperson who owns a row, and which actions make sense for them.
"""

from dataclasses import dataclass

from django.apps import apps
from django.db import models

from crm.access.vocabulary import Action

__all__ = ["RecordType", "record_type_for", "record_types", "register_record_type"]


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
