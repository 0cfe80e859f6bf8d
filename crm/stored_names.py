"""Names a record is searched by, copied onto it from the records it points at.

The search boxes find an opportunity by its lead's names (``leads.lead_names``) and a quotation
or an order by its customer's and opportunity's (``selling.party_names``). Asked through the
relations, a fragment went first to another table's trigram index and then walked back by key;
stored on the row, its own trigram index (``crm.ui.search``) answers like any other column.

Such a copy is derived, never edited. One ``StoredNames`` per stored column says what keeps it:
the model and column, the row's keys to the records the names come from, the expression that
computes the names from those keys, the sources whose saves change them, and the message logged
when ``manage.py verify_figures`` repairs a row. With it:

- ``KeepsStoredNames.save()`` writes the column when the row is new or one of its keys changed,
  and otherwise leaves it alone, so a row read before a rename cannot write the old names back;
- ``connect_sources`` refreshes, after a source's save, the rows that show its names: a rename
  from a page, the admin, the API or an import;
- a migration fills the column with ``StoredNames.refresh``, the generators write it with the
  rows, and ``register_names_check`` lets verify_figures find and repair rows that disagree.

Save and signals rather than database triggers (as ``crm.kept_figures`` keeps sums): names change
in a model's ``save()`` alone (no ``QuerySet.update()`` writes them), and triggers would be SQL
written twice (PostgreSQL and SQLite) and put back after every SQLite migration that rebuilds a
table; verify_figures finds and repairs what a write outside the models left behind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.apps import apps
from django.db import models, transaction
from django.db.models import Expression, OuterRef, QuerySet, Value
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_noop

from crm.event_text import event_message, render
from crm.figures import Difference, register_figure_check, stored_differences
from crm.models import Company
from crm.timeline import activity_log_event

CHUNK = 2000


@dataclass(frozen=True)
class Source:
    """A model whose saves change stored names, and the rows that show one of its records'."""

    model: str  # "leads.Lead"
    # The rows of the names' model that show ``instance``'s names (unscoped), or None.
    rows: Callable[[models.Model], QuerySet | None]
    # The fields whose save changes the names; a new record has no rows showing it yet. None: a
    # link row, whose every save and delete changes what its rows show.
    fields: frozenset[str] | None = None

    def changed(self, created: bool, update_fields) -> bool:
        if self.fields is None:
            return True
        if created:
            return False
        return update_fields is None or bool(self.fields & set(update_fields))


@dataclass(frozen=True)
class StoredNames:
    """One stored names column, and what keeps it."""

    model: str  # "leads.Opportunity"
    column: str  # "lead_names"
    # The row's foreign keys (attnames) to the records the names come from.
    keys: tuple[str, ...]
    # (models_, **keys) -> the names; each key an ``OuterRef`` to the row's column, an id, or
    # None. ``models_`` are the source models by name (a migration passes its historical ones),
    # or None for the app's.
    expression: Callable[..., Expression]
    # The timeline's entry for a repaired row, with ``%(problems)s`` (``gettext_noop``).
    repaired: str
    sources: tuple[Source, ...] = ()

    def stored_expression(self, models_: dict | None = None) -> Expression:
        """The names for each row (to annotate or update)."""
        return self.expression(models_, **{key: OuterRef(key) for key in self.keys})

    def keys_of(self, instance) -> tuple:
        return tuple(instance.__dict__.get(key) for key in self.keys)

    def names_for(self, instance) -> str:
        """What ``instance`` (saved or not) should store, in at most one query."""
        expression = self.expression(None, **{key: instance.__dict__.get(key) for key in self.keys})
        if isinstance(expression, Value):
            return expression.value
        return (
            Company.objects.filter(pk=instance.company_id)
            .annotate(names=expression)
            .values_list("names", flat=True)
            .get()
        )

    def refresh(self, queryset: QuerySet, *, models_: dict | None = None) -> int:
        """Writes the names of the rows in ``queryset`` again; returns how many rows."""
        return queryset.update(**{self.column: self.stored_expression(models_)})


class KeepsStoredNames(models.Model):
    """A model with a stored names column: ``stored_names`` is its ``StoredNames``."""

    stored_names: StoredNames

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        spec = self.stored_names
        update_fields = kwargs.get("update_fields")
        if self._state.adding or spec.keys_of(self) != getattr(self, "_saved_names_keys", None):
            setattr(self, spec.column, spec.names_for(self))
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, spec.column}
        elif update_fields is None:
            # The keys are the same: the stored names are the sources' renames' to keep, and
            # this instance's copy may be older than one of them.
            deferred = self.get_deferred_fields()
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key
                and field.name != spec.column
                and field.attname not in deferred
            ]
        super().save(*args, **kwargs)
        self._saved_names_keys = spec.keys_of(self)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._saved_names_keys = instance.stored_names.keys_of(instance)
        return instance


def connect_sources(spec: StoredNames) -> None:
    """Refreshes ``spec``'s rows after each save (and a link row's delete) of its sources; call
    from the names' app's ``AppConfig.ready()``."""
    for source in spec.sources:
        signals = {"save": post_save}
        if source.fields is None:
            signals["delete"] = post_delete
        for event, signal in signals.items():
            signal.connect(
                _receiver(spec, source),
                sender=apps.get_model(source.model),
                weak=False,
                dispatch_uid=f"stored_names_{spec.model}.{spec.column}_{source.model}_{event}",
            )


def _receiver(spec: StoredNames, source: Source):
    def changed(sender, instance, created=False, update_fields=None, raw=False, **kwargs):
        if raw or not source.changed(created, update_fields):
            return
        rows = source.rows(instance)
        if rows is not None:
            spec.refresh(rows)

    return changed


# manage.py verify_figures (crm.figures)


def register_names_check(name: str, *, noun: str, order: int, specs: Sequence[StoredNames]) -> None:
    """A verify_figures check over the stored names of ``specs``' models, in that order."""
    register_figure_check(
        name,
        noun=noun,
        order=order,
        count=lambda company: sum(
            _model(spec).objects.filter(company=company).count() for spec in specs
        ),
        find=lambda company, advance: [
            difference for spec in specs for difference in _find(spec, company, advance)
        ],
    )


def _model(spec: StoredNames):
    return apps.get_model(spec.model)


def _problem(stored: str, expected: str) -> dict:
    return event_message(
        gettext_noop('names searched: "%(stored)s" stored, "%(computed)s" from the records'),
        stored=stored.strip(),
        computed=expected.strip(),
    )


def _repair(spec: StoredNames, company_id: int, pk: int) -> list[str]:
    model = _model(spec)
    with transaction.atomic():
        row = (
            model.objects.select_for_update(of=("self",))
            .filter(company=company_id, pk=pk)
            .annotate(expected=spec.stored_expression())
            .values_list(spec.column, "expected")
            .first()
        )
        if row is None or row[0] == row[1]:
            return []
        stored, expected = row
        model.objects.filter(company=company_id, pk=pk).update(**{spec.column: expected})
        problem = _problem(stored, expected)
        activity_log_event(
            owner=model.objects.get(company=company_id, pk=pk),
            kind="other",
            message=event_message(spec.repaired, problems=problem),
            data={"event": "figure_repaired", "problems": [render(problem)]},
        )
    return [render(problem)]


def _find(spec: StoredNames, company: Company, advance: Callable[[], None]) -> list[Difference]:
    """Every row of ``spec``'s model whose stored names are not what its sources give."""
    model = _model(spec)
    rows = (
        model.objects.filter(company=company)
        .annotate(expected=spec.stored_expression())
        .values_list("pk", spec.column, "expected")
    )
    return stored_differences(
        company,
        rows,
        advance,
        problem=_problem,
        repair=lambda pk: _repair(spec, company.pk, pk),
        chunk=CHUNK,
    )
