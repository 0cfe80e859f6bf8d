"""What a new company starts with: each app registers the rows it cannot work without.

A new company must be able to convert its first lead the minute it exists, so leads adds a
default pipeline and customers the Private and Business types. ``company_create`` runs every
registered function inside the new company's scope; each one leaves alone what already exists,
so running them twice changes nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django_scopes import scope

from crm.models import Company

CompanyDefaults = Callable[[Company], None]


@dataclass(frozen=True)
class _Entry:
    name: str
    order: int
    apply: CompanyDefaults


_registry: dict[str, _Entry] = {}


def register_company_defaults(name: str, *, order: int, apply: CompanyDefaults) -> None:
    _registry[name] = _Entry(name=name, order=order, apply=apply)


def company_defaults_apply(company: Company) -> None:
    with scope(company=company):
        for entry in sorted(_registry.values(), key=lambda e: e.order):
            entry.apply(company)
