"""Figures the database keeps for the pages: a summary table that triggers on a source table
keep equal to sums over its rows, per key, in the same transaction as every write.

Why triggers: every write path changes the source rows (services, the admin, the API, imports
by COPY, ``bulk_create``, ``QuerySet.update()``, ``generate_data``, a hand edit in ``psql``), and
none of them has to remember the figures. On PostgreSQL one trigger per statement sums the
statement's rows first (a COPY of 200,000 rows is one upsert per key, not 200,000) and upserts
in key order, so two writers lock the rows they share in the same order. Each writer adds to its
own *slot* of a key (its backend's process id modulo ``SLOTS``): two conversions at once for the
same key do not queue on one row until the first commits, and readers add the slots up. On
SQLite, whose writers take turns, a trigger per row does the same arithmetic in slot 0.

A spec (``KeptFigures``) names the tables, the key columns, and the sums as SQL over one source
row (``{row}`` stands for it); ``install``/``uninstall`` run from a migration and fill the new
table once. The SQL is built from plain strings, no models: a migration runs it as written. The
reads a check needs (``stored``, ``rebuild``) go through the figures' model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connections, models, transaction
from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from crm.models import CompanyOwned, Salesperson

SLOTS = 16


class KeptFigureRow(CompanyOwned):
    """Abstract base of a figures table the triggers keep: the writer's slot of a key, and the
    mark that a company backup leaves it out (the import's own inserts rebuild it; its rows in
    the file would count everything twice)."""

    derived_in_database = True

    slot = models.PositiveSmallIntegerField(_("slot"), default=0)

    objects = ScopedManager(company="company")

    class Meta:
        abstract = True


class ListCountRow(KeptFigureRow):
    """Abstract base of the figures a list is counted from (``crm.ui.pagination``): how many of
    a company's records one salesperson (or nobody) holds in one status, kept by ``list_counts``'
    triggers. A list filtered by nothing but the salesperson and the status is then counted by
    adding a few of these rows, as fast at a million records as at ten thousand."""

    salesperson = models.ForeignKey(
        Salesperson,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("salesperson"),
    )
    status = models.CharField(_("status"), max_length=20)
    row_count = models.BigIntegerField(_("records"), default=0)

    class Meta:
        abstract = True
        ordering = ["salesperson", "status", "slot"]

    def __str__(self) -> str:
        return str(self.status)


@dataclass(frozen=True)
class Key:
    column: str
    postgresql: str  # SQL over one source row, ``{row}`` for the row
    sqlite: str
    nullable: bool = False


@dataclass(frozen=True)
class Total:
    column: str
    expression: str  # SQL over one source row, on both databases unless ``sqlite`` is given
    sqlite: str | None = None  # SQLite's own SQL for it, where the two differ

    def sql(self, vendor: str, row: str) -> str:
        chosen = self.sqlite if vendor == "sqlite" and self.sqlite is not None else self.expression
        return chosen.format(row=row)


@dataclass(frozen=True)
class KeptFigures:
    model: str  # the figures' model, "app.Model"
    name: str  # prefix of the trigger and function names
    table: str  # the figures
    source: str  # the rows they sum
    keys: tuple[Key, ...]  # the company first
    totals: tuple[Total, ...]  # the first is a count: a key whose count is zero is empty
    watched: tuple[str, ...]  # the source columns the keys and totals read (SQLite's UPDATE OF)
    # SQL over one source row, the same on both databases: only the rows it holds for count
    # (their keys may then be NOT NULL where the others' would be empty); None: every row.
    only: str | None = None

    def _only(self, row: str, joiner: str) -> str:
        return f" {joiner} ({self.only.format(row=row)})" if self.only else ""

    # --- PostgreSQL --------------------------------------------------------------------------

    def _pg_rows(self, rows: str, sign: int) -> str:
        keys = ", ".join(f"{k.postgresql.format(row='r')} AS {k.column}" for k in self.keys)
        totals = ", ".join(
            f"{sign} * ({t.sql('postgresql', 'r')}) AS {t.column}" for t in self.totals
        )
        return f"SELECT {keys}, {totals} FROM {rows} AS r{self._only('r', 'WHERE')}"

    def _pg_same_key(self, left: str, right: str) -> str:
        return " AND ".join(
            f"COALESCE({left}.{k.column}, 0) = COALESCE({right}.{k.column}, 0)"
            if k.nullable
            else f"{left}.{k.column} = {right}.{k.column}"
            for k in self.keys
        )

    def _pg_upsert(self, rows: str, *, only_known: bool) -> str:
        keys = ", ".join(k.column for k in self.keys)
        totals = [t.column for t in self.totals]
        conflict = ", ".join(
            f"(COALESCE({k.column}, 0))" if k.nullable else k.column for k in self.keys
        )
        changed = " OR ".join(f"{column} <> 0" for column in totals)
        # A delete only takes away from keys that have figures: when a company is deleted its
        # figures may go first, and a row written back then would point at a company gone.
        known = (
            f" AND EXISTS (SELECT 1 FROM {self.table} AS known"
            f" WHERE {self._pg_same_key('known', 'delta')})"
            if only_known
            else ""
        )
        return f"""
        INSERT INTO {self.table} AS figure ({keys}, slot, {", ".join(totals)})
        SELECT {keys}, pg_backend_pid() % {SLOTS}, {", ".join(totals)}
        FROM (
            SELECT {keys}, {", ".join(f"SUM({c}) AS {c}" for c in totals)}
            FROM ({rows}) AS changed GROUP BY {keys}
        ) AS delta
        WHERE ({changed}){known}
        ORDER BY {", ".join(f"COALESCE({k.column}, 0)" if k.nullable else k.column for k in self.keys)}
        ON CONFLICT ({conflict}, slot) DO UPDATE SET
        {", ".join(f"{c} = figure.{c} + EXCLUDED.{c}" for c in totals)};"""

    @property
    def postgresql_install(self) -> list[str]:
        function = f"{self.name}_keep"
        both = self._pg_rows("new_rows", 1) + " UNION ALL " + self._pg_rows("old_rows", -1)
        body = f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {self._pg_upsert(self._pg_rows("new_rows", 1), only_known=False)}
    ELSIF TG_OP = 'UPDATE' THEN {self._pg_upsert(both, only_known=False)}
    ELSE {self._pg_upsert(self._pg_rows("old_rows", -1), only_known=True)}
    END IF;
    RETURN NULL;
END;
$$;"""
        transitions = {
            "insert": "NEW TABLE AS new_rows",
            "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
            "delete": "OLD TABLE AS old_rows",
        }
        # ENABLE ALWAYS: they fire under ``session_replication_role = replica`` too, which
        # ``generate_data`` sets to skip the foreign-key triggers of its COPYs.
        return [body] + [
            f"CREATE TRIGGER {self.name}_{event} AFTER {event.upper()} ON {self.source}"
            f" REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {function}();"
            f" ALTER TABLE {self.source} ENABLE ALWAYS TRIGGER {self.name}_{event};"
            for event, tables in transitions.items()
        ]

    @property
    def postgresql_uninstall(self) -> list[str]:
        return [
            f"DROP TRIGGER IF EXISTS {self.name}_{event} ON {self.source};"
            for event in ("insert", "update", "delete")
        ] + [f"DROP FUNCTION IF EXISTS {self.name}_keep();"]

    # --- SQLite ------------------------------------------------------------------------------

    def _sqlite_add(self, row: str, sign: str, *, create: bool) -> str:
        keys = [(k.column, k.sqlite.format(row=row), k.nullable) for k in self.keys]
        only = self._only(row, "AND")
        ensure = (
            f"INSERT OR IGNORE INTO {self.table}"
            f" ({', '.join(c for c, _, _ in keys)}, slot, {', '.join(t.column for t in self.totals)})"
            f" SELECT {', '.join(e for _, e, _ in keys)}, 0{', 0' * len(self.totals)}"
            f"{self._only(row, 'WHERE')};"
            if create
            else ""
        )
        where = " AND ".join(
            f"{column} IS {expression}" if nullable else f"{column} = {expression}"
            for column, expression, nullable in keys
        )
        sets = ", ".join(
            f"{t.column} = {t.column} {sign} ({t.sql('sqlite', row)})" for t in self.totals
        )
        return f"{ensure} UPDATE {self.table} SET {sets} WHERE {where} AND slot = 0{only};"

    @property
    def sqlite_install(self) -> list[str]:
        return [
            f"CREATE TRIGGER {self.name}_insert AFTER INSERT ON {self.source}"
            f" BEGIN {self._sqlite_add('NEW', '+', create=True)} END;",
            f"CREATE TRIGGER {self.name}_update AFTER UPDATE OF {', '.join(self.watched)}"
            f" ON {self.source} BEGIN {self._sqlite_add('OLD', '-', create=False)}"
            f" {self._sqlite_add('NEW', '+', create=True)} END;",
            f"CREATE TRIGGER {self.name}_delete AFTER DELETE ON {self.source}"
            f" BEGIN {self._sqlite_add('OLD', '-', create=False)} END;",
        ]

    @property
    def sqlite_uninstall(self) -> list[str]:
        return [
            f"DROP TRIGGER IF EXISTS {self.name}_{event};"
            for event in ("insert", "update", "delete")
        ]

    # --- both --------------------------------------------------------------------------------

    def fill(self, vendor: str) -> str:
        """Every company's figures from the source rows, in slot 0 (the table is empty)."""
        keys = ", ".join(
            f"{(k.postgresql if vendor == 'postgresql' else k.sqlite).format(row='r')}"
            f" AS {k.column}"
            for k in self.keys
        )
        plain = ", ".join(f"({t.sql(vendor, 'r')}) AS {t.column}" for t in self.totals)
        columns = ", ".join(k.column for k in self.keys)
        totals = [t.column for t in self.totals]
        return (
            f"INSERT INTO {self.table} ({columns}, slot, {', '.join(totals)})"
            f" SELECT {columns}, 0, {', '.join(f'SUM({c})' for c in totals)}"
            f" FROM (SELECT {keys}, {plain} FROM {self.source} AS r{self._only('r', 'WHERE')})"
            " AS source"
            f" GROUP BY {columns}"
        )

    def install(self, schema_editor) -> None:
        """The triggers, then the figures of the rows already there (run by a migration)."""
        vendor = schema_editor.connection.vendor
        statements = {"postgresql": self.postgresql_install, "sqlite": self.sqlite_install}
        if vendor not in statements:
            raise NotImplementedError(f"No kept figures for {vendor}.")
        for statement in statements[vendor]:
            schema_editor.execute(statement, params=None)
        schema_editor.execute(self.fill(vendor), params=None)

    def uninstall(self, schema_editor) -> None:
        vendor = schema_editor.connection.vendor
        statements = {"postgresql": self.postgresql_uninstall, "sqlite": self.sqlite_uninstall}
        for statement in statements.get(vendor, []):
            schema_editor.execute(statement, params=None)

    def installed(self, connection) -> bool:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT count(*) FROM pg_trigger WHERE tgname LIKE %s", [f"{self.name}_%"]
                )
            else:
                cursor.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                    [f"{self.name}_%"],
                )
            return cursor.fetchone()[0] == 3

    # --- reading and repairing, through the model ---------------------------------------------

    @property
    def key_fields(self) -> list[str]:
        return [k.column for k in self.keys if k.column != "company_id"]

    @property
    def total_fields(self) -> list[str]:
        return [t.column for t in self.totals]

    def stored(self, company) -> dict[tuple, tuple]:
        """The figures as stored, each key's slots added up (all-zero keys left out)."""
        rows = (
            apps.get_model(self.model)
            .objects.filter(company=company)
            .order_by()
            .values_list(*self.key_fields)
            .annotate(**{f"{name}_sum": Sum(name) for name in self.total_fields})
        )
        width = len(self.key_fields)
        return {tuple(row[:width]): tuple(row[width:]) for row in rows if any(row[width:])}

    def rebuild(self, company_id: int, counted) -> None:
        """Set the company's figures to ``counted()`` (key -> totals, read after the lock),
        under a lock on its figure rows: a writer that changes a source row meanwhile waits on
        the row it adds to, and adds its change to the recounted figure once this commits. The
        whole count goes to slot 0; the other slots start again from zero."""
        model = apps.get_model(self.model)
        zero = (0,) * len(self.totals)
        with transaction.atomic():
            figures = list(
                model.objects.select_for_update().filter(company=company_id).order_by("pk")
            )
            want = counted()
            for figure in figures:
                key = tuple(getattr(figure, name) for name in self.key_fields)
                sums = want.pop(key, zero) if figure.slot == 0 else zero
                if tuple(getattr(figure, name) for name in self.total_fields) != sums:
                    model.objects.filter(pk=figure.pk).update(
                        **dict(zip(self.total_fields, sums, strict=True))
                    )
            model.objects.bulk_create(
                model(
                    company_id=company_id,
                    **dict(zip(self.key_fields, key, strict=True)),
                    **dict(zip(self.total_fields, sums, strict=True)),
                )
                for key, sums in want.items()
            )


def list_counts(*, model: str, name: str, source: str) -> KeptFigures:
    """The spec of a ``ListCountRow`` model's figures: ``source``'s rows counted per (company,
    salesperson, status). ``model`` is "app.Model"; its table is Django's default name."""
    app, model_name = model.split(".")
    return KeptFigures(
        model=model,
        name=name,
        table=f"{app}_{model_name.lower()}",
        source=source,
        keys=(
            Key("company_id", "{row}.company_id", "{row}.company_id"),
            Key("salesperson_id", "{row}.salesperson_id", "{row}.salesperson_id", nullable=True),
            Key("status", "{row}.status", "{row}.status"),
        ),
        totals=(Total("row_count", "1"),),
        watched=("company_id", "salesperson_id", "status"),
    )


# The columns a list is filtered by that ``list_counts`` keys its figures on.
LIST_COUNT_KEYS = ("company_id", "salesperson_id", "status")


def list_count_check(kept: KeptFigures, source_model):
    """``count`` and ``find`` for ``crm.figures.register_figure_check`` of ``list_counts``'
    figures: the stored counts against the company's records, one difference per status."""

    def counted(company) -> dict[tuple, tuple]:
        rows = (
            source_model.objects.filter(company=company)
            .order_by()
            .values_list("salesperson_id", "status")
            .annotate(count=Count("*"))
        )
        return {(person, status): (count,) for person, status, count in rows}

    figures = apps.get_model(kept.model)
    return figure_check(
        kept,
        counted=counted,
        group=lambda key: key[1],
        record=lambda company, status: figures(company=company, status=status),
        describe=by_salesperson(
            _("%(salesperson)s: %(stored)s stored, %(counted)s counted"),
            lambda sums: str(sums[0]),
            position=0,
        ),
    )


def register_list_counts(
    kept: KeptFigures, source_model, *, check: str, noun: str, order: int
) -> None:
    """Everything an app's ``ready()`` does for ``list_counts``' figures of ``source_model``:
    its triggers kept (``register_kept_figures``), its list counted off them
    (``crm.ui.pagination``) and ``verify_figures --only <check>``."""
    from crm.figures import register_figure_check
    from crm.ui.pagination import KeptCount, register_kept_count

    register_kept_figures(kept)
    register_kept_count(source_model, KeptCount(kept.model, "row_count", LIST_COUNT_KEYS))
    count, find = list_count_check(kept, source_model)
    register_figure_check(check, noun=noun, order=order, count=count, find=find)


_KEPT: list[KeptFigures] = []


def register_kept_figures(spec: KeptFigures) -> None:
    """Name a spec whose triggers ``reinstall_missing`` keeps in place after every migrate."""
    if spec not in _KEPT:
        _KEPT.append(spec)


def reinstall_missing(sender=None, *, using: str = "default", plan=None, **kwargs) -> None:
    """After ``migrate``: the triggers of every registered spec whose table exists, put back
    where a migration lost them, and its figures counted again from the source rows.

    On SQLite most ``ALTER TABLE`` work (a new column with a constraint, a changed field) copies
    the table into a new one and drops the old, and its triggers with it: the figures would then
    silently stop following the writes. The rows written between the loss and now were not
    counted either, so the figures are rebuilt, not only the triggers. PostgreSQL keeps triggers
    through ``ALTER TABLE``; the check costs one query there. A ``flush`` sends no plan."""
    if plan is None:
        return
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    for spec in _KEPT:
        if spec.table not in tables or spec.source not in tables or spec.installed(connection):
            continue
        # A cursor, not a schema editor: SQLite's refuses to run inside a transaction.
        executor = CursorExecutor(connection)
        with transaction.atomic(using=using):
            spec.uninstall(executor)
            executor.execute(f"DELETE FROM {spec.table}")
            spec.install(executor)


class CursorExecutor:
    """What ``install``/``uninstall`` use of a schema editor: its connection and ``execute``."""

    def __init__(self, connection) -> None:
        self.connection = connection

    def execute(self, sql: str, params=None) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)


def differences(stored: dict[tuple, tuple], counted: dict[tuple, tuple]):
    """(key, stored, counted) for every key whose figures disagree, in key order."""
    zero = next(iter((*stored.values(), *counted.values())), ())
    zero = (0,) * len(zero)
    return [
        (key, stored.get(key, zero), counted.get(key, zero))
        for key in sorted(set(stored) | set(counted), key=lambda k: tuple(map(str, k)))
        if stored.get(key, zero) != counted.get(key, zero)
    ]


def figure_check(
    kept: KeptFigures,
    *,
    counted: Callable[[Any], dict[tuple, tuple]],
    group: Callable[[tuple], Any],
    record: Callable[[Any, Any], Any],
    describe: Callable[[Any], Callable[[tuple, tuple, tuple], str]],
):
    """``count`` and ``find`` for ``crm.figures.register_figure_check``: the stored figures
    against ``counted(company)`` (key -> totals, from the source rows), one difference per
    ``group(key)`` (a stage, a day), named by ``record(company, group)``; ``describe(company)``
    gives the function that says what differs for one key. A repair recounts the company's
    figures under a lock on them (``KeptFigures.rebuild``) if its group still disagrees."""
    from crm.figures import Difference

    def count(company) -> int:
        return apps.get_model(kept.model).objects.filter(company=company).count()

    def find(company, advance: Callable[[], None]) -> list:
        for _figure in range(count(company)):
            advance()
        text = describe(company)

        def problems(found: list, wanted) -> list[str]:
            return [text(key, *sums) for key, *sums in found if group(key) == wanted]

        def repair(wanted) -> list[str]:
            before = problems(differences(kept.stored(company), counted(company)), wanted)
            if before:
                kept.rebuild(company.pk, lambda: counted(company))
            return before

        found = differences(kept.stored(company), counted(company))
        wrong = sorted({group(key) for key, *_sums in found}, key=str)
        return [
            Difference(
                record=record(company, wanted),
                problems=problems(found, wanted),
                repair=lambda wanted=wanted: repair(wanted),
            )
            for wanted in wrong
        ]

    return count, find


def by_salesperson(
    message: str, sums_text: Callable[[tuple], str], *, position: int = 1
) -> Callable[[Any], Callable[[tuple, tuple, tuple], str]]:
    """``describe`` for ``figure_check`` where the key holds a salesperson's id at
    ``position``: ``message`` (``%(salesperson)s``, ``%(stored)s``, ``%(counted)s``, a lazy
    translation) with the salesperson's name and both figures as ``sums_text`` words them. The
    company's names are read once per check."""

    def describe(company) -> Callable[[tuple, tuple, tuple], str]:
        names = dict(Salesperson.objects.filter(company=company).values_list("pk", "name"))

        def text(key: tuple, stored: tuple, counted: tuple) -> str:
            person = key[position]
            return message % {
                "salesperson": names.get(person, person) if person else _("Unassigned"),
                "stored": sums_text(stored),
                "counted": sums_text(counted),
            }

        return text

    return describe
