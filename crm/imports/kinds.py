"""What can be imported: each app registers its kinds (crm knows no sales object).

A kind names its fields (with the header names it recognises), the references a row may name
by text (a salesperson by name or e-mail, a lead source by name), the key that finds a
duplicate, the page form that validates a row and the service that saves it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db import models


@dataclass(frozen=True)
class Reference:
    """A row names a related record by text: matched without case against ``lookups``, among
    the importing company's rows only (another company's name is simply unknown)."""

    queryset: Callable[[Any], models.QuerySet]  # company -> the rows a row may name
    lookups: tuple[str, ...] = ("name",)


@dataclass(frozen=True)
class ImportField:
    name: str
    label: Any
    aliases: tuple[str, ...] = ()
    required: bool = False
    decimal: bool = False
    reference: Reference | None = None


@dataclass
class ImportKind:
    key: str
    label: Any
    model: type[models.Model]
    fields: list[ImportField]
    # company, data (the form's data), instance (None: a new record), user (the importing
    # person: choices follow their view level; None for the company) -> a bound form
    make_form: Callable[..., forms.BaseForm]
    # form, actor -> the saved record (through the app's service)
    save: Callable[..., models.Model]
    # Duplicates: the field whose value finds an existing record, and how it is shown.
    match_field: str | None = None
    match_label: Any = ""
    list_url: str = ""
    # Optional fast path for new rows: company -> build(values) -> (unsaved instance,
    # {field: message}), with checks equivalent to the form's; the rows are written in bulk.
    fast_path: Callable[[Any], Callable[[dict], tuple[Any, dict[str, str]]]] | None = None
    extra: dict = field(default_factory=dict)

    def field(self, name: str) -> ImportField:
        return next(f for f in self.fields if f.name == name)

    def match_key(self, value: str) -> str:
        return value.strip().lower()

    def existing_keys(self, company) -> dict[str, int]:
        """Every existing record's match key -> id, read once per run (no query per row)."""
        if not self.match_field:
            return {}
        rows = (
            self.model.objects.filter(company=company)
            .exclude(**{self.match_field: ""})
            .values_list(self.match_field, "pk")
            .order_by("pk")
        )
        keys: dict[str, int] = {}
        for value, pk in rows.iterator(chunk_size=5000):
            keys.setdefault(self.match_key(value), pk)
        return keys


_KINDS: dict[str, ImportKind] = {}


def register_import_kind(kind: ImportKind) -> None:
    _KINDS[kind.key] = kind


def import_kinds() -> list[ImportKind]:
    return list(_KINDS.values())


def get_import_kind(key: str) -> ImportKind | None:
    return _KINDS.get(key)


def guess_columns(kind: ImportKind, headers: list[str]) -> dict[str, str]:
    """Header -> field for the headers that name a field (its name, label or an alias)."""

    def norm(text) -> str:
        return "".join(ch for ch in str(text).lower() if ch.isalnum())

    names: dict[str, str] = {}
    for f in kind.fields:
        for alias in (f.name, f.label, *f.aliases):
            names.setdefault(norm(alias), f.name)
    guessed: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        name = names.get(norm(header))
        if name and name not in taken:
            guessed[header] = name
            taken.add(name)
    return guessed
