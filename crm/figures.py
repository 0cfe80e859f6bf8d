"""Derived figures and the checks that recompute them (``manage.py verify_figures``).

Some figures are stored so pages can read them without adding up thousands of rows: a
document's totals, a customer's balance, its lifetime sales value. Each is kept in the same
transaction as the write that changes it, so a difference means something went around the
services (a hand edit in the database, an old import). Each app registers, in its
``AppConfig.ready()``, a check for the figures it owns: ``crm`` knows no sales object.

A check returns the rows it looked at and the differences it found; each difference can repair
itself, re-checking under a row lock in its own transaction and logging the repair on the
record's timeline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Model

from crm.models import Company


@dataclass
class Difference:
    """A stored figure that disagrees with what it is derived from."""

    record: Model
    problems: list[str]
    # Repairs under a lock, in its own transaction, with a timeline entry; returns the problems
    # it repaired (empty when the row agrees by now: someone saved it since it was read).
    repair: Callable[[], list[str]] = field(repr=False)
    # Set by the command when the repair broke a database rule and was rolled back.
    unrepaired: str = ""


@dataclass(frozen=True)
class FigureCheck:
    name: str  # as given to --only
    noun: str  # what it counts, plural: "documents", "balances"
    order: int
    count: Callable[[Company], int]
    # (company, advance) -> the differences; ``advance()`` once per row looked at.
    find: Callable[[Company, Callable[[], None]], list[Difference]]


_registry: dict[str, FigureCheck] = {}


def register_figure_check(
    name: str,
    *,
    noun: str,
    order: int,
    count: Callable[[Company], int],
    find: Callable[[Company, Callable[[], None]], list[Difference]],
) -> None:
    _registry[name] = FigureCheck(name=name, noun=noun, order=order, count=count, find=find)


def figure_checks(only: list[str] | None = None) -> list[FigureCheck]:
    checks = sorted(_registry.values(), key=lambda check: check.order)
    if only:
        checks = [check for check in checks if check.name in only]
    return checks


def stored_differences(
    company: Company,
    queryset,
    advance: Callable[[], None],
    *,
    problem: Callable[[object, object], dict],
    repair: Callable[[int], list[str]],
    chunk: int = 2000,
) -> list[Difference]:
    """The differences among ``queryset``'s rows (``company``'s), given as ``(pk, stored, expected)``: each row
    counted by ``advance()``, each difference described by ``problem(stored, expected)`` (an
    ``event_message``) and repaired by ``repair(pk)``."""
    from crm.event_text import render

    wrong: dict[int, tuple] = {}
    for pk, stored, expected in queryset.order_by("pk").iterator(chunk_size=chunk):
        if stored != expected:
            wrong[pk] = (stored, expected)
        advance()
    records = queryset.model.objects.filter(company=company, pk__in=list(wrong)).order_by("pk")
    return [
        Difference(
            record=record,
            problems=[render(problem(*wrong[record.pk]))],
            repair=lambda pk=record.pk: repair(pk),
        )
        for record in records
    ]
