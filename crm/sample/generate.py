"""Generated data at scale (``manage.py generate_data``): the registry the apps fill, the run they
write through, and the pieces that make a million rows load in minutes.

Each app registers a generator in its ``AppConfig.ready()``, as it registers a demo seeder:

    register_generator("leads", order=40, generate=generate_leads, check=check_plan,
                       ids=ids_needed, records=("leads.lead", "leads.opportunity"))

``check(plan, company)`` refuses a plan the app cannot make (before anything is written),
``ids(plan)`` says how many primary keys of each model it will set itself (reserved up front,
see ``ids_reserve``), ``records`` names the models whose rows are a company's real data, and
``generate(run)`` writes its rows through ``run.write`` in batches. Generators run in ``order``,
so a higher app finds the lower apps' rows in the database, and no lower app imports a higher one.

Writes go through ``RowWriter``: binary ``COPY ... FROM STDIN`` on PostgreSQL, in a second thread
so that PostgreSQL stores one batch while Python makes the next; batched ``executemany`` elsewhere.
Both take explicit values for every column, ``created_at`` and ``updated_at`` included (the ORM's
``auto_now`` would stamp them all with the moment of the run). Everything happens in one
transaction, so a run that fails leaves no rows behind; only the id blocks are reserved before it,
in short transactions of their own (a failed run leaves a gap in the ids, never a collision). The
touched tables are analyzed after the commit, so the planner knows their new size.
"""

from __future__ import annotations

import datetime
import queue
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import TextIO

from django.apps import apps
from django.core.exceptions import EmptyResultSet, ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from crm.errors import DomainError
from crm.models import Company, GeneratedDataset, NumberSequence
from crm.numbering import format_number
from crm.progress import ProgressBar
from crm.services import company_create
from crm.setup import company_defaults_apply
from crm.ui.choices import bump_lists_version

# Generated records are spread over the two years before the run.
SPAN = datetime.timedelta(days=730)
DEFAULT_BATCH_SIZE = 5000
MAX_ADDRESSES_PER_RECORD = 20
# How long the id reservation waits for other writers to finish with a table.
LOCK_TIMEOUT = "30s"


@dataclass(frozen=True)
class Plan:
    """What to generate (the command's arguments)."""

    leads: int = 0
    customers: int = 0
    opportunities: int = 0
    quotations: int = 0
    orders: int = 0
    addresses_per_record: int = 1
    seed: int = 2026
    batch_size: int = DEFAULT_BATCH_SIZE

    def check(self) -> None:
        """Refuse counts no generator could make sense of."""
        for name in ("leads", "customers", "opportunities", "quotations", "orders"):
            if getattr(self, name) < 0:
                raise DomainError(_("--%(name)s cannot be negative.") % {"name": name})
        if not 0 <= self.addresses_per_record <= MAX_ADDRESSES_PER_RECORD:
            raise DomainError(
                _("--addresses-per-record must be between 0 and %(max)d.")
                % {"max": MAX_ADDRESSES_PER_RECORD}
            )
        if self.batch_size < 1:
            raise DomainError(_("--batch-size must be at least 1."))
        if not 0 <= self.seed < 2**63:
            raise DomainError(_("--seed must be between 0 and 2⁶³ − 1."))


Check = Callable[[Plan, Company | None], None]
IdsNeeded = Callable[[Plan], dict[type[models.Model], int]]


@dataclass(frozen=True)
class Generator:
    name: str
    order: int
    generate: Callable[[GenerationRun], None]
    check: Check | None = None
    ids: IdsNeeded | None = None
    records: tuple[str, ...] = ()


_generators: dict[str, Generator] = {}


def register_generator(
    name: str,
    *,
    order: int,
    generate: Callable[[GenerationRun], None],
    check: Check | None = None,
    ids: IdsNeeded | None = None,
    records: tuple[str, ...] = (),
) -> None:
    _generators[name] = Generator(name, order, generate, check, ids, tuple(records))


def generators() -> list[Generator]:
    return sorted(_generators.values(), key=lambda generator: generator.order)


def record_models() -> list[type[models.Model]]:
    """The models whose rows are a company's business records (leads, customers, documents)."""
    labels = [label for generator in generators() for label in generator.records]
    return [apps.get_model(label) for label in labels]


# --- primary keys ----------------------------------------------------------------------------


@dataclass
class IdBlock:
    """A run of primary keys reserved for one model: nobody else's insert can take them."""

    model: type[models.Model]
    start: int
    size: int
    next_id: int = 0

    def __post_init__(self) -> None:
        self.next_id = self.start

    def take(self) -> int:
        if self.next_id >= self.start + self.size:
            raise RuntimeError(f"{self.model._meta.label}: more ids used than were reserved")
        self.next_id += 1
        return self.next_id - 1

    @property
    def taken(self) -> range:
        """The ids handed out so far (the rows written with them)."""
        return range(self.start, self.next_id)


def ids_reserve(model: type[models.Model], count: int) -> IdBlock:
    """Reserve ``count`` consecutive primary keys of ``model`` and move its sequence past them.

    On PostgreSQL the table is locked in SHARE ROW EXCLUSIVE mode (it waits for writers that are
    inside a transaction and holds new ones back) while the sequence is set past the block, so
    no concurrent insert can draw an id inside it. Outside a transaction the lock is released at
    once, before the long generation starts; a block that ends up partly unused leaves a gap,
    never a collision. On SQLite the ``sqlite_sequence`` counter is moved the same way.
    """
    if count <= 0:
        return IdBlock(model, 0, 0)
    table = model._meta.db_table
    pk = model._meta.pk.column
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            cursor.execute(f"LOCK TABLE {quote(table)} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [quote(table), pk])
            sequence = cursor.fetchone()[0]
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
            last_value, is_called = cursor.fetchone()
            cursor.execute(f"SELECT COALESCE(MAX({quote(pk)}), 0) FROM {quote(table)}")
            highest = max(cursor.fetchone()[0], last_value if is_called else last_value - 1)
            cursor.execute("SELECT setval(%s, %s, true)", [sequence, highest + count])
        elif connection.vendor == "sqlite":
            cursor.execute(f"SELECT COALESCE(MAX({quote(pk)}), 0) FROM {quote(table)}")
            highest = cursor.fetchone()[0]
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            highest = max(highest, row[0] if row else 0)
            if row:
                cursor.execute(
                    "UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [highest + count, table]
                )
            else:
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)",
                    [table, highest + count],
                )
        else:
            raise DomainError(_("generate_data runs on PostgreSQL or SQLite only."))
    return IdBlock(model, highest + 1, count)


# --- writing rows ----------------------------------------------------------------------------


@dataclass
class TableStats:
    rows: int = 0
    seconds: float = 0.0


class RowWriter:
    """Writes batches of rows (tuples in the order of ``columns``, attribute names such as
    ``company_id``) to one model's table.

    PostgreSQL: binary COPY, done by a second thread while the caller makes the next batch (at
    most ``QUEUE_DEPTH`` batches wait, so memory stays bounded). While a COPY runs, the
    connection can do nothing else, so ``guard`` (installed as an execute wrapper) makes every
    ORM query of the generating thread wait until the queue is empty.

    Elsewhere: ``executemany`` with the values prepared as the ORM prepares them.
    """

    QUEUE_DEPTH = 2

    def __init__(self, *, threaded: bool | None = None) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.threaded = self.postgres if threaded is None else threaded and self.postgres
        self.stats: dict[str, TableStats] = {}
        self.tables: list[str] = []
        # How long the generating thread waited for the writing one (PostgreSQL the slower).
        self.waited = 0.0
        self._types: dict[str, dict[str, int]] = {}
        self._error: BaseException | None = None
        self._cancelled = False
        self._queue: queue.Queue | None = None
        self._thread: threading.Thread | None = None
        # Taken in the generating thread: ``django.db.connection`` is per thread.
        self._quote = connection.ops.quote_name
        self._raw = None

    # The generating thread -----------------------------------------------------------------

    def write(self, model: type[models.Model], columns: Sequence[str], rows: list[tuple]) -> None:
        if not rows:
            return
        self._raise_error()
        if self._thread is not None:
            started = time.perf_counter()
            self._queue.put((model, tuple(columns), rows))
            self.waited += time.perf_counter() - started
        else:
            self._write(model, tuple(columns), rows)

    def drain(self) -> None:
        """Wait until every batch handed over is written; re-raise the writer's error."""
        if self._thread is not None:
            started = time.perf_counter()
            self._queue.join()
            self.waited += time.perf_counter() - started
        self._raise_error()

    def guard(self, execute, sql, params, many, context):
        self.drain()
        return execute(sql, params, many, context)

    @contextmanager
    def running(self):
        """Start the writing thread (PostgreSQL) for the duration of the block."""
        if self.postgres:
            connection.ensure_connection()
            self._raw = connection.connection
        if self.threaded:
            self._queue = queue.Queue(maxsize=self.QUEUE_DEPTH)
            self._thread = threading.Thread(target=self._work, name="generate-data-copy")
            self._thread.start()
        try:
            with connection.execute_wrapper(self.guard):
                yield self
                self.drain()
        except BaseException:
            self._cancelled = True  # the transaction rolls back: write nothing more
            raise
        finally:
            if self._thread is not None:
                self._queue.put(None)
                self._thread.join()
                self._thread = None

    def _raise_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    # The writing thread (or the caller's, when not threaded) -------------------------------

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            try:
                if job is None:
                    return
                if self._error is None and not self._cancelled:  # else only empty the queue
                    self._write(*job)
            except BaseException as error:  # handed to the generating thread
                self._error = error
            finally:
                self._queue.task_done()

    def _write(self, model, columns: tuple[str, ...], rows: list[tuple]) -> None:
        started = time.perf_counter()
        if self.postgres:
            self._copy(model, columns, rows)
        else:
            self._insert(model, columns, rows)
        label = model._meta.label
        stats = self.stats.setdefault(label, TableStats())
        stats.rows += len(rows)
        stats.seconds += time.perf_counter() - started
        if model._meta.db_table not in self.tables:
            self.tables.append(model._meta.db_table)

    def _column_types(self, table: str) -> dict[str, int]:
        if table not in self._types:
            with self._raw.cursor() as cursor:
                cursor.execute(
                    "SELECT attname, atttypid FROM pg_attribute "
                    "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                    [self._quote(table)],
                )
                self._types[table] = dict(cursor.fetchall())
        return self._types[table]

    def _copy(self, model, columns, rows) -> None:
        # The psycopg connection itself: Django's wrapper belongs to the generating thread.
        table = model._meta.db_table
        db_columns = [model._meta.get_field(name).column for name in columns]
        types = self._column_types(table)
        quote = self._quote
        statement = (
            f"COPY {quote(table)} ({', '.join(quote(c) for c in db_columns)}) "
            "FROM STDIN (FORMAT BINARY)"
        )
        with self._raw.cursor() as cursor, cursor.copy(statement) as copy:
            copy.set_types([types[column] for column in db_columns])
            for row in rows:
                copy.write_row(row)

    def _insert(self, model, columns, rows) -> None:
        fields = [model._meta.get_field(name) for name in columns]
        quote = connection.ops.quote_name
        statement = "INSERT INTO {} ({}) VALUES ({})".format(
            quote(model._meta.db_table),
            ", ".join(quote(f.column) for f in fields),
            ", ".join(["%s"] * len(fields)),
        )
        prepared = [
            tuple(
                f.get_db_prep_save(value, connection) for f, value in zip(fields, row, strict=True)
            )
            for row in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(statement, prepared)


# --- document numbers ------------------------------------------------------------------------


class NumberCounters:
    """Document numbers for generated quotations and orders that continue the company's
    ``NumberSequence`` counters (``QTN-2025-00042`` after ``...00041``).

    Each counter row is locked when first used and stays locked until the run commits, so a
    document created meanwhile through the app waits and then gets the next free number; the
    counters are written back by ``save``. Numbers stay gapless even if the run fails.
    """

    def __init__(self, company: Company) -> None:
        self.company = company
        self._rows: dict[tuple[str, int], NumberSequence] = {}

    def take(self, prefix: str, date: datetime.date) -> str:
        key = (prefix, date.year)
        row = self._rows.get(key)
        if row is None:
            lookup = {"company": self.company, "prefix": prefix, "year": date.year}
            NumberSequence.objects.get_or_create(**lookup)
            row = NumberSequence.objects.select_for_update().get(**lookup)
            self._rows[key] = row
        row.last_number += 1
        return format_number(prefix, date.year, row.last_number)

    def save(self) -> None:
        for row in self._rows.values():
            row.save(update_fields=["last_number"])


# --- the run ---------------------------------------------------------------------------------


def start_of_today() -> datetime.datetime:
    """Midnight (UTC) of today: generated moments lie before it, so a seed gives the same
    values all day long."""
    today = timezone.now().astimezone(datetime.UTC).date()
    return datetime.datetime.combine(today, datetime.time.min, tzinfo=datetime.UTC)


@dataclass
class GenerationRun:
    """What a generator gets: the company and plan, random streams, reserved ids, the writer."""

    company: Company
    plan: Plan
    writer: RowWriter
    blocks: dict[type[models.Model], IdBlock]
    stderr: TextIO
    anchor: datetime.datetime = field(default_factory=start_of_today)
    orm_rows: Counter = field(default_factory=Counter)

    @property
    def today(self) -> datetime.date:
        return self.anchor.date()

    def random(self, stream: str) -> random.Random:
        """A random stream of its own for each kind of value, so the leads' names do not
        change when, say, the number of addresses per record does."""
        return random.Random(f"{self.plan.seed}:{stream}")

    def ids(self, model: type[models.Model]) -> IdBlock:
        return self.blocks[model]

    def write(self, model: type[models.Model], columns: Sequence[str], rows: list[tuple]) -> None:
        self.writer.write(model, columns, rows)

    def keep(self, queryset: models.QuerySet) -> None:
        """Lock the rows of ``queryset`` that generated rows will point to (FOR KEY SHARE, until
        the commit), so nobody deletes one while the run is writing. Cheap: these are a
        company's lists and team, not its records. SQLite lets one writer in at a time."""
        if connection.vendor != "postgresql":
            return
        try:
            sql, params = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # pk__in=[]: nothing to lock
            return
        with connection.cursor() as cursor:
            cursor.execute(f"{sql} FOR KEY SHARE", params)

    def wrote(self, model: type[models.Model], count: int) -> None:
        """Count rows a generator saved through the ORM (the few reference rows)."""
        self.orm_rows[model._meta.label] += count

    def progress(self, label: str, total: int) -> ProgressBar:
        return ProgressBar(total=total, stream=self.stderr, label=label)

    def spread(self, index: int, count: int, rng: random.Random) -> datetime.datetime:
        """The moment record ``index`` of ``count`` was created: evenly over the two years
        before today, in index order (ids grow with time, as in a real table)."""
        fraction = (index + rng.random()) / max(count, 1)
        return self.anchor - SPAN + SPAN * fraction

    def batches(self, count: int) -> Iterable[range]:
        size = self.plan.batch_size
        for start in range(0, count, size):
            yield range(start, min(start + size, count))

    def rows_written(self) -> dict[str, int]:
        rows = Counter(self.orm_rows)
        for label, stats in self.writer.stats.items():
            rows[label] += stats.rows
        return dict(sorted(rows.items()))


# --- safety ----------------------------------------------------------------------------------


def records_not_generated(company: Company) -> dict[str, int]:
    """How many of the company's business records ``generate_data`` did not make, per model.

    Compares each model's row count with the rows the company's ``GeneratedDataset`` runs
    recorded; what is left over was made by people (or ``seed_demo``), and is real data.
    """
    with scope(company=company):
        generated: Counter = Counter()
        for dataset in GeneratedDataset.objects.filter(company=company):
            generated.update(dataset.counts.get("rows", {}))
        real = {}
        for model in record_models():
            extra = model.objects.filter(company=company).count() - generated[model._meta.label]
            if extra > 0:
                real[str(model._meta.verbose_name_plural)] = extra
        return real


# --- the whole thing -------------------------------------------------------------------------


@dataclass
class Report:
    company: Company
    created: bool
    rows: dict[str, int]
    stats: dict[str, TableStats]
    seconds: float
    fk_triggers: bool = True
    steps: dict[str, float] = field(default_factory=dict)  # generator name -> seconds
    waited: float = 0.0  # seconds the generating thread waited for the writing one

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _find_company(slug: str) -> Company | None:
    return Company.objects.filter(slug=slug).first()


def data_generate(
    *,
    slug: str,
    plan: Plan,
    stderr: TextIO,
    company_name: str | None = None,
    owner_email: str | None = None,
    force: bool = False,
    fk_triggers: bool = False,
    threaded: bool | None = None,
) -> Report:
    """Generate ``plan`` into the company ``slug`` (created if it does not exist) in one
    transaction, and record the run as a ``GeneratedDataset``.

    Refuses, before writing anything, a plan a generator cannot make and a company that holds
    real data (unless ``force``). ``fk_triggers`` keeps PostgreSQL's row-by-row foreign-key
    checks (see ``_foreign_keys_checked``); ``threaded=False`` writes in the calling thread.
    """
    started = time.perf_counter()
    plan.check()
    # The company may not exist yet: there is no scope to enter until it does.
    with scopes_disabled():
        company = _find_company(slug)
    if company is None:
        if slugify(slug) != slug:
            raise DomainError(
                _(
                    "“%(slug)s” cannot be a new company's slug: use lower-case letters, digits "
                    "and hyphens, e.g. “%(example)s”."
                )
                % {"slug": slug, "example": slugify(slug) or "bench"}
            )
        owner_email = owner_email or f"owner@{slug}.example"
        try:
            validate_email(owner_email)
        except ValidationError as error:
            raise DomainError(
                _("“%(email)s” is not a valid e-mail address.") % {"email": owner_email}
            ) from error
    for generator in generators():
        if generator.check is not None:
            generator.check(plan, company)
    if company is not None and not force:
        real = records_not_generated(company)
        if real:
            counts = ", ".join(f"{count} {name}" for name, count in real.items())
            raise DomainError(
                _(
                    "%(company)s has real data (%(counts)s) that generated rows would mix with. "
                    "Use another company, or --force to add generated rows anyway."
                )
                % {"company": company, "counts": counts}
            )

    needed: Counter = Counter()
    for generator in generators():
        if generator.ids is not None:
            needed.update(generator.ids(plan))
    blocks = {model: ids_reserve(model, count) for model, count in needed.items()}

    writer = RowWriter(threaded=threaded)
    steps: dict[str, float] = {}
    created = company is None
    with transaction.atomic():
        if created:
            with scopes_disabled():  # creating the tenant: no scope exists yet
                company, _membership = company_create(
                    name=company_name or slug.replace("-", " ").title(),
                    slug=slug,
                    owner_email=owner_email,
                )
        else:
            # The lists a company cannot work without (pipeline, customer types), if missing.
            company_defaults_apply(company)
        with scope(company=company):
            run = GenerationRun(
                company=company, plan=plan, writer=writer, blocks=blocks, stderr=stderr
            )
            with writer.running(), _foreign_keys_checked(triggers=fk_triggers) as checked:
                run.keep(Company.objects.filter(pk=company.pk))
                for generator in generators():
                    step_started = time.perf_counter()
                    generator.generate(run)
                    writer.drain()
                    steps[generator.name] = time.perf_counter() - step_started
            rows = run.rows_written()
            # Rows written by COPY send no signals: tell the cached selects (crm.ui.choices) that
            # the company's salespeople, partners and products may have changed.
            bump_lists_version(company.pk)
            GeneratedDataset.objects.create(
                company=company,
                seed=plan.seed,
                counts={
                    "requested": {k: v for k, v in asdict(plan).items() if k != "batch_size"},
                    "rows": rows,
                    "forced": force,
                },
            )
    seconds = time.perf_counter() - started
    analyze_started = time.perf_counter()
    _analyze(writer.tables)
    steps["ANALYZE"] = time.perf_counter() - analyze_started
    return Report(
        company=company,
        created=created,
        rows=rows,
        stats=writer.stats,
        seconds=seconds,
        fk_triggers=checked,
        steps=steps,
        waited=writer.waited,
    )


@contextmanager
def _foreign_keys_checked(*, triggers: bool):
    """How PostgreSQL checks the generated rows' foreign keys; yields whether it checks them
    row by row (``True``) or the run checked them once per referenced row.

    Row by row, each foreign key of each row costs a lookup and a row lock: about half of
    PostgreSQL's work here. When the role may (a superuser, or ``GRANT SET ON PARAMETER``), the
    run turns the foreign-key triggers off for its transaction (``session_replication_role``,
    as ``pg_restore --disable-triggers`` does) unless ``triggers`` is asked for. That is safe
    because every id the generated rows point to is either the run's own (reserved, written
    before the rows that point to it, invisible to others until the commit) or a row the
    generators locked with ``GenerationRun.keep`` (FOR KEY SHARE, what the trigger would
    take), so nobody can delete it meanwhile. CHECK, NOT NULL and unique constraints are
    checked as always.

    With the triggers on, they run at the end of each COPY rather than all at commit: Django's
    foreign keys are DEFERRABLE INITIALLY DEFERRED, and PostgreSQL would otherwise queue an
    event per row and key and check tens of millions of them at commit, all in one go.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        if not triggers:
            try:
                with transaction.atomic():
                    cursor.execute("SET LOCAL session_replication_role = replica")
            except DatabaseError:
                triggers = True  # not allowed to: the triggers check every row
    yield triggers
    # Back to the usual for the rest of the transaction (not reached after an error: the
    # transaction is rolled back then, and SET LOCAL with it).
    with connection.cursor() as cursor:
        if not triggers:
            cursor.execute("SET LOCAL session_replication_role = origin")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _analyze(tables: list[str]) -> None:
    """Fresh planner statistics for the tables that just grew (PostgreSQL; after the commit)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {quote(table)}")
