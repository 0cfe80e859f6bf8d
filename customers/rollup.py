"""Figures rolled up over a customer's hierarchy: the customer's own, and its whole subtree's.

``customers`` cannot import the apps above it (``selling`` knows quotations and orders), so each
app registers, in its ``AppConfig.ready()``, the figures it knows how to compute (as
``crm.ui.panels`` does for panels). A figure is:

- ``rows(company_id, customer_ids)``: a queryset of the app's rows whose customer is among
  ``customer_ids`` (a subquery, not a list), or whose opportunity is among the tree's linked
  ones (``hierarchy.tree_opportunity_ids()``, read once for every figure that asks), each
  annotated with ``rollup_customer``: the customer it counts for. It depends on the company
  alone (no date, no user): its SQL is compiled once per company and process;
- its measures: additive aggregates over those rows (``Sum``, ``Count``), since a subtree's figure
  is the sum of its members'.

``rollup`` runs ONE query for every figure, whatever the size of the tree: the subtree's
recursive CTE, each figure's rows grouped by customer, left-joined to the tree and summed per
branch (the customer itself, each direct child shown, everyone else). A figure that sums a column of the customer row
itself (the balance, the lifetime sales value) is one ``register_customer_column`` call; the walk
carries such columns along from the rows it reads anyway, instead of joining the customers again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import Aggregate, Expression, F, QuerySet, Sum
from django.utils.functional import Promise

from crm.money import ZERO, round_money
from customers import hierarchy

RowsFunction = Callable[[int, Expression], QuerySet]
CUSTOMER_KEY = "rollup_customer"


@dataclass(frozen=True)
class Measure:
    key: str
    label: str | Promise
    aggregate: Aggregate  # additive: Sum or Count
    money: bool = False

    def value(self, raw) -> int | Decimal:
        if self.money:
            return round_money(Decimal(str(raw))) if raw is not None else ZERO
        return int(raw or 0)


@dataclass(frozen=True)
class Figure:
    name: str
    order: int
    rows: RowsFunction
    measures: tuple[Measure, ...]
    # False while what the figure reads does not exist (e.g. a column added by a later migration).
    available: Callable[[], bool] = lambda: True
    # A column of the customer row itself (its one measure sums it): carried by the tree's walk.
    column: str | None = None


_registry: dict[str, Figure] = {}


def register_figure(
    name: str,
    *,
    order: int,
    rows: RowsFunction,
    measures: Iterable[Measure],
    available: Callable[[], bool] | None = None,
    column: str | None = None,
) -> None:
    _registry[name] = Figure(
        name=name,
        order=order,
        rows=rows,
        measures=tuple(measures),
        available=available or (lambda: True),
        column=column,
    )


def rows_by_path(model, path: str, **filters) -> RowsFunction:
    """The rows of ``model`` whose customer is reached by ``path`` (``"customer"``,
    ``"customer_link__customer"``), narrowed by ``filters``."""

    def rows(company_id: int, customer_ids: Expression) -> QuerySet:
        return model.objects.filter(
            company=company_id, **{f"{path}__in": customer_ids}, **filters
        ).annotate(**{CUSTOMER_KEY: F(path)})

    return rows


def register_customer_column(name: str, *, order: int, column: str, label) -> None:
    """A figure summing a stored column of the customer row (``balance``,
    ``lifetime_sales_value``). Skipped while the model has no such field, so a registration can
    come before the migration that adds it."""
    from customers.models import Customer

    def has_column() -> bool:
        try:
            Customer._meta.get_field(column)
        except FieldDoesNotExist:
            return False
        return True

    register_figure(
        name,
        order=order,
        rows=rows_by_path(Customer, "pk"),
        measures=[Measure(name, label, Sum(column), money=True)],
        available=has_column,
        column=column,
    )


def figures() -> list[Figure]:
    return [f for f in sorted(_registry.values(), key=lambda f: f.order) if f.available()]


# --- computing them --------------------------------------------------------------------------------


@dataclass
class MeasureTotals:
    """One line of the roll-up table: the customer's own figure, its subtree's, and each shown
    direct child's subtree's."""

    key: str
    label: str | Promise
    money: bool
    own: int | Decimal
    subtree: int | Decimal
    by_child: dict[int, int | Decimal] = field(default_factory=dict)


# Each figure's join, compiled once per company (and database) in a process: ``rows`` depends
# on the company alone (the tree is the statement's CTE), and the ORM spent 0.6 ms compiling
# each figure's on every customer page with children. Keyed by the figure object's id, checked
# against the figure kept with it, so a figure registered anew is compiled anew.
_compiled_joins: dict[tuple, tuple[Figure, tuple[str, list, list[str]]]] = {}
_COMPILED_JOINS_KEPT = 2048


def _figure_join(figure: Figure, alias: str, company_id: int) -> tuple[str, list, list[str]]:
    """The figure's rows grouped by customer, as a LEFT JOIN onto the tree (at most one row a
    customer, so the join never repeats a tree row); its SQL, parameters and measure columns."""
    key = (id(figure), alias, company_id, connection.alias, connection.vendor)
    kept = _compiled_joins.get(key)
    if kept is not None and kept[0] is figure:
        return kept[1]
    compiled = _compile_figure_join(figure, alias, company_id)
    if len(_compiled_joins) >= _COMPILED_JOINS_KEPT:
        _compiled_joins.clear()
    _compiled_joins[key] = (figure, compiled)
    return compiled


def _compile_figure_join(
    figure: Figure, alias: str, company_id: int
) -> tuple[str, list, list[str]]:
    keys = [f"{alias}_m{index}" for index in range(len(figure.measures))]
    inner = (
        figure.rows(company_id, hierarchy.tree_ids())
        .order_by()
        .values(CUSTOMER_KEY)
        .annotate(**{key: m.aggregate for key, m in zip(keys, figure.measures, strict=True)})
    )
    inner_sql, inner_params = inner.query.sql_with_params()
    join = f" LEFT JOIN ({inner_sql}) {alias} ON {alias}.{CUSTOMER_KEY} = t.id"
    return join, list(inner_params), [f"{alias}.{key}" for key in keys]


@dataclass
class Rollup:
    """The subtree's shape (descendants in all, direct children, levels below the root, and the
    descendants of each shown child) and every figure's totals."""

    descendant_count: int
    child_count: int
    levels: int
    descendants: dict[int, int]
    totals: list[MeasureTotals]


def rollup_with_summary(*, company_id: int, root_id: int, shown_children: list[int]) -> Rollup:
    """The subtree's size and depth and every registered figure for ``root_id`` (its own, its
    subtree's, and each of ``shown_children``'s subtree's), in ONE query whatever the tree's
    size or the number of figures: the tree is walked once and each figure's rows, grouped by
    customer, are joined onto it."""
    from customers.models import Customer

    registered = figures()
    joins, params, columns, carry = [], [], [], []
    for index, figure in enumerate(registered):
        if figure.column is not None:
            columns.append([f"t.carried_{len(carry)}"])
            carry.append(Customer._meta.get_field(figure.column).column)
            continue
        join, join_params, figure_columns = _figure_join(figure, f"f{index}", company_id)
        joins.append(join)
        params.extend(join_params)
        columns.append(figure_columns)
    cte, cte_params = hierarchy.subtree_cte(company_id, root_id, carry=tuple(carry))
    linked, linked_params = hierarchy.tree_opportunities_cte(company_id)
    bucket, bucket_params = hierarchy.bucket_sql(shown_children)
    sums = "".join(f", SUM({column})" for figure_columns in columns for column in figure_columns)
    sql = (
        f"WITH RECURSIVE {cte}, {linked} SELECT {bucket} AS bucket, COUNT(*), MAX(t.depth),"
        f" SUM(CASE WHEN t.depth = 1 THEN 1 ELSE 0 END){sums}"
        f" FROM {hierarchy.TREE} t{''.join(joins)} GROUP BY 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*cte_params, *linked_params, *bucket_params, *params])
        rows = cursor.fetchall()
    below = [row for row in rows if row[0] != hierarchy.OWN]
    counts = {row[0]: int(row[1]) for row in below}
    totals = []
    position = 4  # bucket, count, depth, children: the figures' sums follow
    for figure in registered:
        for measure in figure.measures:
            by_bucket = {row[0]: measure.value(row[position]) for row in rows}
            zero = measure.value(None)
            totals.append(
                MeasureTotals(
                    key=measure.key,
                    label=measure.label,
                    money=measure.money,
                    own=by_bucket.get(hierarchy.OWN, zero),
                    subtree=sum(by_bucket.values(), start=zero),
                    by_child={pk: by_bucket.get(pk, zero) for pk in shown_children},
                )
            )
            position += 1
    return Rollup(
        descendant_count=sum(counts.values()),
        child_count=sum(int(row[3] or 0) for row in below),
        levels=max((int(row[2]) for row in below), default=0),
        # A child is in its own branch: its descendants are the rest of it.
        descendants={pk: counts[pk] - 1 for pk in shown_children if pk in counts},
        totals=totals,
    )


def rollup(*, company_id: int, root_id: int, shown_children: list[int]) -> list[MeasureTotals]:
    """Every registered figure for ``root_id``: its own, its subtree's, and the subtree of each
    of ``shown_children`` (direct children of the root). One query for them all."""
    return rollup_with_summary(
        company_id=company_id, root_id=root_id, shown_children=shown_children
    ).totals


# --- the customers app's own figures (registered in CustomersConfig.ready) -------------------------


def register_defaults() -> None:
    from django.db.models import Count
    from django.utils.translation import gettext_lazy as _

    from leads.models import Opportunity, OpportunityStage

    register_customer_column(
        "lifetime_sales_value",
        order=10,
        column="lifetime_sales_value",
        label=_("Lifetime sales value"),
    )

    # Open opportunities belong to a customer through its CustomerLink (conversion, "opened for"):
    # found among the tree's linked opportunities, which the open quotations read too.
    def open_opportunity_rows(company_id: int, customer_ids: Expression) -> QuerySet:
        return Opportunity.objects.filter(
            company=company_id,
            pk__in=hierarchy.tree_opportunity_ids(),
            stage__kind=OpportunityStage.Kind.OPEN,
        ).annotate(**{CUSTOMER_KEY: F("customer_link__customer")})

    register_figure(
        "open_pipeline",
        order=20,
        rows=open_opportunity_rows,
        measures=[
            Measure("open_opportunities", _("Open opportunities"), Count("pk")),
            Measure("open_pipeline", _("Open pipeline"), Sum("expected_amount"), money=True),
        ],
    )
    register_customer_column("balance", order=50, column="balance", label=_("Balance"))
