"""Running an import: every row validated as the page validates it, then written.

Modes: all-or-nothing (the default: any bad row and nothing is written, but every bad row is
still reported), keep-good-rows (the good rows are written, each bad one reported), and dry run
(everything is done and then rolled back, so the counts and errors are the real ones).

Rows are read once; duplicates are found through a key -> id map read once per run (see
``ImportKind.existing_keys``), which also catches a file that names the same record twice.
New rows of a kind with a fast path are checked by the kind's fast path and written in batches by
``write_new_rows``; every other row goes through the kind's form and service, each in a
savepoint so that one refused row does not spoil the others.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    IntegrityError,
    connection,
    connections,
    transaction,
)
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.access import Action, can, record_type_for
from crm.audit import bulk_create_audited, created_history_plan, is_tracked
from crm.errors import DomainError
from crm.imports.kinds import ImportKind
from crm.imports.reading import Table, as_decimal, to_decimal_text
from crm.models import Salesperson

BATCH_SIZE = 2000
_PENDING = -1  # a key whose row waits in the current batch


@dataclass
class RowError:
    row: int  # the file's row number, the header being row 1
    column: str
    value: str
    message: str

    def as_list(self) -> list:
        return [self.row, self.column, self.value, self.message]


@dataclass
class Outcome:
    total: int = 0
    processed: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False

    @property
    def bad_rows(self) -> int:
        return len({error.row for error in self.errors})


class _Rollback(Exception):
    pass


# Field types whose Python values psycopg writes as they are (no ORM conversion needed).
_PLAIN_TYPES = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "CharField",
    "TextField",
    "EmailField",
    "SlugField",
    "URLField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
    "BooleanField",
    "DateField",
    "DateTimeField",
    "DecimalField",
    "ForeignKey",
}
_column_types: dict[str, dict[str, int]] = {}


def _types_of(table: str) -> dict[str, int]:
    if table not in _column_types:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT attname, atttypid FROM pg_attribute "
                "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                [connection.ops.quote_name(table)],
            )
            _column_types[table] = dict(cursor.fetchall())
    return _column_types[table]


_sequences: dict[tuple[str, str], str] = {}


def _sequence_of(table: str, column: str) -> str:
    """The sequence behind an identity or serial column, as ``nextval`` takes it. Looked up once:
    ``nextval(pg_get_serial_sequence(...))`` repeats the catalog lookup for every id drawn,
    which cost PostgreSQL 2 µs an id against 0.3 for ``nextval`` of the sequence itself."""
    if (table, column) not in _sequences:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, %s)",
                [connection.ops.quote_name(table), column],
            )
            _sequences[table, column] = cursor.fetchone()[0]
    return _sequences[table, column]


_deferred_keys: dict[tuple[str, ...], str] = {}


def _deferred_foreign_keys(tables: tuple[str, ...]) -> str:
    """The tables' deferred foreign keys, as ``SET CONSTRAINTS`` names them ("" if none)."""
    if tables not in _deferred_keys:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname FROM pg_constraint WHERE contype = 'f' AND condeferred "
                "AND conrelid = ANY(%s::regclass[]) ORDER BY conname",
                [[quote(table) for table in tables]],
            )
            _deferred_keys[tables] = ", ".join(quote(name) for (name,) in cursor.fetchall())
    return _deferred_keys[tables]


def _replaceable_foreign_keys(tables: tuple[str, ...]) -> list[tuple[str, str, str, str]] | None:
    """The tables' foreign keys as (table, column, referenced table, referenced column), when
    a lock on each referenced row can stand in for their triggers (``_references_locked``):
    every key is on one column, and no other trigger on the tables would stop firing under
    ``session_replication_role = replica`` (a kept figure's fires ALWAYS; a deferrable unique
    constraint's recheck would not). None when that is not so. Read for each batch, not
    cached: a trigger added meanwhile (a migration in the same process) is seen."""
    quote = connection.ops.quote_name
    names = [quote(table) for table in tables]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger t LEFT JOIN pg_constraint c "
            "ON c.oid = t.tgconstraint WHERE t.tgrelid = ANY(%s::regclass[]) "
            "AND t.tgenabled IN ('O', 'R') AND c.contype IS DISTINCT FROM 'f'",
            [names],
        )
        (others,) = cursor.fetchone()
        cursor.execute(
            "SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, "
            "r.attname, cardinality(c.conkey) FROM pg_constraint c "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "JOIN pg_attribute r ON r.attrelid = c.confrelid AND r.attnum = c.confkey[1] "
            "WHERE c.contype = 'f' AND c.conrelid = ANY(%s::regclass[]) ORDER BY c.conname",
            [names],
        )
        keys = cursor.fetchall()
    unquoted = {quote(table): table for table in tables}
    replaceable = not others and all(width == 1 for *_key, width in keys)
    if not replaceable:
        return None
    return [(unquoted.get(t, t), column, target, key) for t, column, target, key, _w in keys]


def _references_locked(cursor, wanted: dict[tuple[str, str], set]) -> None:
    """What each foreign-key trigger would do for the batch, once per referenced row instead
    of once per row and key: the row exists and is locked FOR KEY SHARE (nobody deletes it or
    changes its key until the commit). A missing one refuses the batch."""
    quote = connection.ops.quote_name
    for (table, column), ids in sorted(wanted.items()):
        if not ids:
            continue
        cursor.execute(
            f"SELECT {quote(column)} FROM {quote(table)} WHERE {quote(column)} = ANY(%s) "
            f"ORDER BY {quote(column)} FOR KEY SHARE",
            [sorted(ids)],
        )
        if len(cursor.fetchall()) != len(ids):
            raise IntegrityError(f"a row of the batch names a {table} row that does not exist")


def _wanted_references(
    keys: list[tuple[str, str, str, str]], model, instances: list, history
) -> dict[tuple[str, str], set] | None:
    """The referenced rows of each key for these rows and their history rows (None when a key
    names a column whose values are not known here)."""
    attname_of = {f.column: f.attname for f in model._meta.concrete_fields}
    wanted: dict[tuple[str, str], set] = {}
    for table, column, target, key in keys:
        if table == model._meta.db_table and column in attname_of:
            attname = attname_of[column]
            ids = {instance.__dict__[attname] for instance in instances} - {None}
        elif column in history.references:
            ids = history.references[column]
        else:
            return None
        wanted.setdefault((target, key), set()).update(ids)
    return wanted


def write_new_rows(model, instances: list) -> None:
    """The one place an import writes new rows in bulk; each instance gets its id.

    PostgreSQL: ids drawn from the table's sequence in one query, then one binary ``COPY``
    (several times faster than a multi-row INSERT), and the "created" history rows copied by
    the database from the rows just written (crm.audit). PostgreSQL refuses ``COPY FROM`` into
    a table under row-level security to a role subject to it (the web process's app role):
    there the rows are copied into a temporary table of the same shape and moved with one
    ``INSERT ... SELECT``, which the policies check like any insert. A role that may turn the
    foreign-key triggers off for the batch (a superuser: ``manage.py import_records``) locks
    each referenced row once instead of the triggers' lookup per row and key. Elsewhere:
    ``bulk_create``. Rows written here send no signals.
    """
    if not instances:
        return
    if connection.vendor != "postgresql":
        bulk_create_audited(model, instances, batch_size=BATCH_SIZE)
        return
    new_rows_writer(model, instances)()


def new_rows_writer(model, instances: list) -> Callable[[], None]:
    """PostgreSQL: ``write_new_rows`` in two steps. What needs this thread (the time stamps,
    the audit context: who and why) is decided now, without a query, so that an import can
    prepare its next batch while another thread writes the previous one; the returned function
    does the database work (the catalog reads included), on this thread or on another one that
    shares the connection (``_BatchWriter``)."""
    from crm.rls import is_enforced

    meta = model._meta
    quote = connection.ops.quote_name
    # The columns the database generates (a lead's search text) it writes itself.
    fields = [f for f in meta.concrete_fields if not f.generated]
    now = timezone.now()
    for stamp in fields:  # what pre_save does, one stamp for the batch
        if getattr(stamp, "auto_now", False) or getattr(stamp, "auto_now_add", False):
            for instance in instances:
                setattr(instance, stamp.attname, now)
    plain = all(f.get_internal_type() in _PLAIN_TYPES for f in fields)
    table = quote(meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    staging_table = f"import_{meta.db_table}" if is_enforced() else ""
    staging = quote(staging_table) if staging_table else None
    history = created_history_plan(model, instances, copied_from=staging_table)
    tables = (meta.db_table,)
    if is_tracked(model):
        tables += (model.history.model._meta.db_table,)

    def write() -> None:
        types = _types_of(meta.db_table) if plain else {}
        sequence = _sequence_of(meta.db_table, meta.pk.column)
        foreign_keys = _deferred_foreign_keys(tables)
        replaceable = _replaceable_foreign_keys(tables)
        # ``COPY`` goes to psycopg's own cursor, whose errors Django does not translate: a
        # refused row must reach ``_written`` as the ``DatabaseError`` it retries row by row.
        with connection.wrap_database_errors, transaction.atomic(), connection.cursor() as cursor:
            # The ids as one array: one row to read instead of one per id.
            cursor.execute(
                "SELECT ARRAY(SELECT nextval(%s::regclass) FROM generate_series(1, %s)), "
                "has_parameter_privilege('session_replication_role', 'SET')",
                [sequence, len(instances)],
            )
            ids, may_replicate = cursor.fetchone()
            for instance, pk in zip(instances, ids, strict=True):
                instance.pk = pk
            # The foreign-key triggers check each row's every key (a lookup and a row lock
            # each, about a sixth of PostgreSQL's work here): where the role may turn them off
            # for the batch, as ``generate_data`` does, one lock per referenced row does
            # their work instead (``_references_locked``).
            wanted = (
                _wanted_references(replaceable, model, instances, history)
                if replaceable is not None and may_replicate
                else None
            )
            if wanted is not None:
                _references_locked(cursor, wanted)
                cursor.execute("SET LOCAL session_replication_role = replica")
            if staging:
                # Dropped at the end of the transaction; a batch refused before leaves none.
                cursor.execute(
                    f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} (LIKE {table}) ON COMMIT DROP"
                )
            target = staging or table
            if plain:
                attnames = [f.attname for f in fields]
                statement = f"COPY {target} ({columns}) FROM STDIN (FORMAT BINARY)"
                with cursor.cursor.copy(statement) as copy:
                    copy.set_types([types[f.column] for f in fields])
                    for instance in instances:
                        values = instance.__dict__
                        copy.write_row([values[name] for name in attnames])
            else:
                # The values as the ORM's INSERT prepares them.
                with cursor.cursor.copy(f"COPY {target} ({columns}) FROM STDIN") as copy:
                    for instance in instances:
                        copy.write_row(
                            [
                                f.get_db_prep_save(getattr(instance, f.attname), connection)
                                for f in fields
                            ]
                        )
            if staging:
                cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging}")
            for instance in instances:
                instance._state.adding = False
            history()
            if wanted is not None:
                cursor.execute("SET LOCAL session_replication_role = origin")
            if staging:
                cursor.execute(f"TRUNCATE {staging}")
            if foreign_keys and wanted is None:
                # The references are checked now, by the writer (see ``_BatchWriter``), rather
                # than all at the commit, after the last row; a refused one fails this batch.
                cursor.execute(f"SET CONSTRAINTS {foreign_keys} IMMEDIATE")
                cursor.execute(f"SET CONSTRAINTS {foreign_keys} DEFERRED")

    return write


# How long the run's thread, busy checking rows, keeps the interpreter lock from the writer
# (seconds). Python's default of 5 ms leaves PostgreSQL idle after each of the writer's round
# trips (a dozen a batch) until the writer gets the lock to read the answer and send the next.
_WRITER_SWITCH_INTERVAL = 0.0005


@contextmanager
def _writer_switches() -> Iterator[None]:
    """The run's thread hands the interpreter lock over more often while a writer may wait
    (PostgreSQL: elsewhere the run writes its batches itself)."""
    if connection.vendor != "postgresql":
        yield
        return
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, _WRITER_SWITCH_INTERVAL))
    try:
        yield
    finally:
        sys.setswitchinterval(before)


class _BatchWriter:
    """One batch of new rows written on the run's connection by a second thread, while the
    run's thread checks the next rows: PostgreSQL indexes and checks one batch while Python
    reads and cleans the next, on two cores instead of one after the other.

    The run's thread does not touch the connection until ``wait`` returns (Django is told the
    connection is shared meanwhile); the writer keeps any error for the run's thread."""

    def __init__(self, write: Callable[[], None]) -> None:
        self.wrapper = connections[DEFAULT_DB_ALIAS]
        self.write = write
        self.error: BaseException | None = None
        self.wrapper.inc_thread_sharing()
        self.thread = threading.Thread(target=self._run, name="import-batch-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        # This thread's ``connection`` is the run's (a thread's own would be a new one).
        connections[DEFAULT_DB_ALIAS] = self.wrapper
        try:
            self.write()
        except BaseException as error:  # handed to the run's thread by ``wait``
            self.error = error

    def wait(self) -> BaseException | None:
        self.thread.join()
        self.wrapper.dec_thread_sharing()
        return self.error


def check_columns(kind: ImportKind, headers: list[str], columns: dict[str, str]) -> None:
    """A mapping names known headers and fields, each field once, every required one."""
    known = {f.name for f in kind.fields}
    used: dict[str, str] = {}
    for header, name in columns.items():
        if not name:
            continue
        if header not in headers:
            raise DomainError(_("The file has no column “%(header)s”.") % {"header": header})
        if name not in known:
            raise DomainError(_("“%(field)s” is not a field of this import.") % {"field": name})
        if name in used:
            raise DomainError(
                _("The columns “%(a)s” and “%(b)s” are both mapped to %(field)s.")
                % {"a": used[name], "b": header, "field": kind.field(name).label}
            )
        used[name] = header
    missing = [str(f.label) for f in kind.fields if f.required and f.name not in used]
    if missing:
        raise DomainError(
            _("Map a column to each required field: %(fields)s.") % {"fields": ", ".join(missing)}
        )


def load_references(kind: ImportKind, company) -> dict[str, dict[str, int]]:
    """For each reference field, the company's rows by every lookup text (lower case)."""
    references: dict[str, dict[str, int]] = {}
    for f in kind.fields:
        if f.reference is None:
            continue
        by_text: dict[str, int] = {}
        rows = f.reference.queryset(company).values_list("pk", *f.reference.lookups)
        for pk, *texts in rows:
            for text in texts:
                if text:
                    by_text.setdefault(str(text).strip().lower(), pk)
        references[f.name] = by_text
    return references


class ImportRun:
    def __init__(
        self,
        *,
        company,
        kind: ImportKind,
        table: Table,
        columns: dict[str, str],
        duplicates: str = "skip",
        keep_good_rows: bool = False,
        dry_run: bool = False,
        actor=None,
        progress: Callable[[Outcome], None] | None = None,
        total: int | None = None,
    ) -> None:
        check_columns(kind, table.headers, columns)
        self.company = company
        self.kind = kind
        self.table = table
        self.header_of = {name: header for header, name in columns.items() if name}
        self.index = {name: table.headers.index(header) for name, header in self.header_of.items()}
        self.duplicates = duplicates
        self.keep_good_rows = keep_good_rows
        self.dry_run = dry_run
        self.actor = actor
        # A person's import (the page, ``import_records --as``) follows their access levels:
        # a matched record is updated only within their edit level, and a new record that names
        # no salesperson is theirs, as the create pages make it. A command without ``--as``
        # acts for the company as a whole.
        self.person = actor if getattr(actor, "is_authenticated", False) else None
        self.access_controlled = self.person is not None and _registered(kind.model)
        self.owner_field, self.own_salesperson_id = self._ownership()
        self.progress = progress
        self.outcome = Outcome(total=table.count() if total is None else total)
        self.pending: list[tuple[int, object, str | None]] = []
        # PostgreSQL: the batch being written by a second thread (see ``_BatchWriter``).
        self.writing: tuple[list, _BatchWriter] | None = None
        self.decimal_fields = [f.name for f in kind.fields if f.decimal and f.name in self.index]

    def _ownership(self) -> tuple[str | None, int | None]:
        """The field that makes a new row someone's, and the person's salesperson row."""
        if not self.access_controlled:
            return None, None
        owner_field = record_type_for(self.kind.model).owner_field
        if owner_field not in {f.name for f in self.kind.fields}:
            return None, None
        own = (
            Salesperson.objects.filter(company=self.company, user=self.person)
            .values_list("pk", flat=True)
            .first()
        )
        return owner_field, own

    # -- the run ---------------------------------------------------------------------------

    def run(self) -> Outcome:
        outcome = self.outcome
        try:
            with transaction.atomic():
                self.references = load_references(self.kind, self.company)
                self.keys = self.kind.existing_keys(self.company)
                self.fast = self.kind.fast_path(self.company) if self.kind.fast_path else None
                with _writer_switches():
                    try:
                        for number, cells in enumerate(self.table.rows(), start=2):
                            self._row(number, cells)
                            outcome.processed += 1
                            if outcome.processed % BATCH_SIZE == 0:
                                self._flush()
                                self._report()
                        self._flush()
                        self._written()
                    finally:
                        if self.writing is not None:  # an error on the way: let the writer end
                            self.writing[1].wait()
                            self.writing = None
                if self.dry_run or (outcome.errors and not self.keep_good_rows):
                    raise _Rollback
                outcome.written = True
        except _Rollback:
            outcome.written = False
        self._report()
        return outcome

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(self.outcome)

    def _error(self, number: int, name: str | None, message: str) -> None:
        header = self.header_of.get(name, "") if name else ""
        value = self._values.get(name, "") if name else ""
        self.outcome.errors.append(RowError(number, header, value, str(message)))

    # -- one row -----------------------------------------------------------------------------

    def _row(self, number: int, cells: list[str]) -> None:
        # The cells as read, kept for the error report; ``_resolve`` works on a copy.
        values = self._values = {name: cells[i] for name, i in self.index.items()}
        if self.decimal_fields:
            values = dict(values)
            for name in self.decimal_fields:
                values[name] = as_decimal(
                    to_decimal_text(values[name], decimal_comma=self.table.decimal_comma)
                )
        key = None
        match_field = self.kind.match_field
        if match_field and values.get(match_field):
            key = self.kind.match_key(values[match_field])
        existing = self.keys.get(key) if key else None
        if existing is not None and self.duplicates == "skip":
            self.outcome.skipped += 1
            return
        if existing == _PENDING:
            self._flush()  # the match waits in the batch: write it, then update (or check) it
            self._written()
            existing = self.keys.get(key)
        resolved, unknown = self._resolve(number, values)
        if unknown:
            # Report the row's other faults too, so one fix of the file fixes the whole row.
            self._check_only(number, resolved, unknown, existing)
            return
        if existing is None and self.own_salesperson_id and not resolved.get(self.owner_field):
            resolved[self.owner_field] = self.own_salesperson_id
        if existing is None and self.fast is not None:
            instance, problems = self.fast(resolved)
            for name, message in problems.items():
                self._error(number, name if name != "__all__" else None, message)
            if instance is not None and not problems:
                self.pending.append((number, instance, key))
                if key:
                    self.keys[key] = _PENDING
            return
        self._through_form(number, resolved, existing, key)

    def _resolve(self, number: int, values: dict[str, str]) -> tuple[dict, set[str]]:
        """The row's values with the company's rows' ids for the names its lists hold, and the
        fields whose names no row of the company has (reported here, left empty)."""
        resolved = dict(values)
        unknown: set[str] = set()
        for name, by_text in self.references.items():
            text = values.get(name, "")
            if not text:
                continue
            pk = by_text.get(text.lower())
            if pk is None:
                label = self.kind.field(name).label
                self._error(
                    number,
                    name,
                    _("Your company has no %(what)s “%(text)s”.")
                    % {"what": str(label).lower(), "text": text},
                )
                unknown.add(name)
                resolved[name] = ""
            else:
                resolved[name] = pk
        return resolved, unknown

    def _check_only(self, number: int, values: dict, unknown: set[str], existing) -> None:
        """Report what else is wrong with a row that will not be written (``unknown`` names
        the fields already reported), by the same checks that would have written it."""
        if existing is None and self.fast is not None:
            for name, message in self.fast(values)[1].items():
                if name not in unknown:
                    self._error(number, name if name != "__all__" else None, message)
            return
        self._written()  # the form may read the database: the connection is this thread's
        form = self._form(number, values, existing)
        if form is not None and not form.is_valid():
            self._form_errors(number, form, leave_out=unknown)

    def _form_errors(self, number: int, form, leave_out: set[str] = frozenset()) -> None:
        """The form's messages, under their columns where a column fills the field."""
        for name, messages in form.errors.items():
            if name in leave_out:
                continue
            for message in messages:
                if name in self.index:
                    self._error(number, name, message)
                elif name in form.fields:  # a field no column fills: say which
                    self._error(number, None, f"{form.fields[name].label}: {message}")
                else:
                    self._error(number, None, message)

    def _form(self, number: int, values: dict, existing: int | None):
        """The kind's form filled with the row (over the matched record's values), or None
        when the matched record is beyond the person's edit level (reported)."""
        kind = self.kind
        instance = None
        data: dict = {}
        if existing is not None:
            instance = kind.model.objects.get(pk=existing, company=self.company)
            if self.access_controlled and not can(self.person, self.company, instance, Action.EDIT):
                self._error(
                    number,
                    kind.match_field,
                    _(
                        "The existing record with this %(key)s is beyond your access level: "
                        "you may not change it."
                    )
                    % {"key": kind.match_label},
                )
                return None
            probe = kind.make_form(
                company=self.company, data=None, instance=instance, user=self.person
            )
            data = {
                name: value
                for name, value in model_to_dict(instance, fields=list(probe.fields)).items()
                if value is not None
            }
        data.update(values)
        return kind.make_form(company=self.company, data=data, instance=instance, user=self.person)

    def _through_form(self, number: int, values: dict, existing: int | None, key) -> None:
        self._written()  # the connection is the run's thread's again
        kind = self.kind
        form = self._form(number, values, existing)
        if form is None:
            return
        if not form.is_valid():
            self._form_errors(number, form)
            return
        try:
            with transaction.atomic():
                saved = kind.save(form=form, actor=self.actor)
        except DomainError as error:
            self._error(number, None, error.message)
            return
        except ValidationError as error:
            for message in error.messages:
                self._error(number, None, message)
            return
        except IntegrityError:
            self._error(number, None, _("The database refused this row."))
            return
        if existing is None:
            self.outcome.created += 1
            if key:
                self.keys[key] = saved.pk
        else:
            self.outcome.updated += 1

    # -- the fast path's batches -------------------------------------------------------------

    def _flush(self) -> None:
        """Write the pending batch: on PostgreSQL by a second thread, which the next flush,
        the next row through a form and the end of the run wait for (``_written``). The
        batch is made ready to write (``new_rows_writer``) while the previous one is still
        being written, so that PostgreSQL waits for no Python between the two."""
        if not self.pending:
            self._written()
            return
        batch, self.pending = self.pending, []
        instances = [instance for _n, instance, _k in batch]
        if connection.vendor == "postgresql":
            write = new_rows_writer(self.kind.model, instances)
            self._written()
            self.writing = (batch, _BatchWriter(write))
            return
        self._written()
        try:
            with transaction.atomic():
                write_new_rows(self.kind.model, instances)
        except DatabaseError:
            self._one_by_one(batch)
        else:
            self._count_written(batch)

    def _written(self) -> None:
        """Wait for the batch being written, and count it (or find its refused row)."""
        if self.writing is None:
            return
        (batch, writer), self.writing = self.writing, None
        error = writer.wait()
        if error is None:
            self._count_written(batch)
        elif isinstance(error, DatabaseError):
            self._one_by_one(batch)
        else:
            raise error

    def _one_by_one(self, batch: list) -> None:
        """The database refused a batch: write each row on its own to find the refused one."""
        written = []
        for number, instance, key in batch:
            instance.pk = None
            try:
                with transaction.atomic():
                    write_new_rows(self.kind.model, [instance])
                written.append((number, instance, key))
            except DatabaseError:
                self._values = {}
                self._error(number, None, _("The database refused this row."))
                if key:
                    self.keys.pop(key, None)
        self._count_written(written)

    def _count_written(self, written: list) -> None:
        for _number, instance, key in written:
            if key:
                self.keys[key] = instance.pk
        self.outcome.created += len(written)


def _registered(model) -> bool:
    try:
        record_type_for(model)
    except KeyError:
        return False
    return True


def run_import(**kwargs) -> Outcome:
    return ImportRun(**kwargs).run()
