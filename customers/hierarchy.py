"""The customer hierarchy in SQL: a customer's subtree, its ancestors, and "is X under Y?", each
in one query however deep or wide the tree is.

Why a recursive CTE over ``parent_id`` and not a stored path (``/12/40/97/``):

- nothing derived to keep in step. Re-parenting writes one row; a stored path would rewrite the
  path of every descendant (thousands of rows, under a lock), and every write path (forms, the
  admin, imports, ``generate_data``, bulk updates) would have to remember to do it;
- the cost of a walk is the size of what it returns, never the size of the company's table: each
  step is a probe of the ``(company, parent, name, id)`` index, so a subtree of 1,000 customers
  among a million costs 1,000 probes;
- ``WITH RECURSIVE`` is the same SQL on SQLite and PostgreSQL, no extension, no migration of the
  existing rows.

The SQL is raw, so django-scopes does not see it: every part (the anchor and the recursive step)
filters on ``company_id`` itself, and a row of another company never joins in, even where a
``parent_id`` points across companies (a crafted id, a bad import).

Termination: a customer has one parent, so walking down from a root can only come back to the
root itself; the recursive step never re-enters the root, so even a loop written behind the
services' back ends, without a duplicate row. Walking up can run into a loop that does not hold
the start; it stops after ``WALK_LIMIT`` levels.
"""

from __future__ import annotations

from django.db import connection
from django.db.models.expressions import RawSQL

# Levels an upward walk follows at most (the services refuse loops; this bounds a bad row's).
WALK_LIMIT = 1000

# Buckets of ``bucket_sql`` besides the direct children's own ids (ids are positive).
OWN, OTHERS = 0, -1

# The name the subtree's CTE has in every statement that uses it (``tree_ids`` refers to it).
TREE = "customer_tree"
# The name of the CTE of the subtree's linked opportunities (``tree_opportunities_cte``).
TREE_OPPORTUNITIES = "customer_tree_opportunities"


def _names() -> dict[str, str]:
    from customers.models import Customer

    quote = connection.ops.quote_name
    return {
        "table": quote(Customer._meta.db_table),
        "parent": quote(Customer._meta.get_field("parent").column),
        "company": quote(Customer._meta.get_field("company").column),
    }


def subtree_cte(company_id: int, root_id: int, *, carry: tuple[str, ...] = ()) -> tuple[str, list]:
    """``customer_tree(id, branch, depth)``: the root (depth 0, its own branch) and everyone below
    it; ``branch`` is the root's child the row descends from (the child itself at depth 1).
    ``carry`` names columns of the customer row the tree brings along, as ``carried_0``,
    ``carried_1``...: read where the walk already stands on each row, not looked up again.

    The text that follows ``WITH RECURSIVE``, and its parameters."""
    names = _names()
    quote = connection.ops.quote_name
    carried = "".join(f", carried_{index}" for index in range(len(carry)))
    columns = "".join(f", c.{quote(column)}" for column in carry)
    sql = (
        f"{TREE}(id, branch, depth{carried}) AS ("
        f"SELECT c.id, c.id, 0{columns} FROM {names['table']} c"
        f" WHERE c.{names['company']} = %s AND c.id = %s"
        " UNION ALL "
        f"SELECT c.id, CASE WHEN t.depth = 0 THEN c.id ELSE t.branch END, t.depth + 1{columns}"
        f" FROM {names['table']} c JOIN {TREE} t ON c.{names['parent']} = t.id"
        f" WHERE c.{names['company']} = %s AND c.id <> %s"
        ")"
    )
    return sql, [company_id, root_id, company_id, root_id]


def subtree_ids(company_id: int, root_id: int, *, include_root: bool = True) -> RawSQL:
    """The ids of ``root_id``'s subtree as a subquery, for ``filter(customer__in=...)``: the
    database walks the tree inside the one query that uses it, no list of ids travels."""
    cte, params = subtree_cte(company_id, root_id)
    where = "" if include_root else " WHERE depth > 0"
    return RawSQL(f"WITH RECURSIVE {cte} SELECT id FROM {TREE}{where}", params)


def tree_ids() -> RawSQL:
    """The ids in the ``customer_tree`` CTE of the enclosing statement (see ``subtree_cte``)."""
    return RawSQL(f"SELECT id FROM {TREE}", [])


def tree_opportunities_cte(company_id: int) -> tuple[str, list]:
    """``customer_tree_opportunities(customer_id, opportunity_id)``: the opportunities linked to
    the customers of the ``customer_tree`` CTE (see ``subtree_cte``), for the statement to read
    once however many of its parts need them (each lookup probes the links of every customer
    of the tree: 1,600 probes for a tree of 1,600).

    The text to follow ``subtree_cte``'s in the same ``WITH RECURSIVE``, and its parameters."""
    from customers.models import CustomerLink

    quote = connection.ops.quote_name
    meta = CustomerLink._meta
    customer, opportunity, company = (
        quote(meta.get_field(name).column) for name in ("customer", "opportunity", "company")
    )
    sql = (
        f"{TREE_OPPORTUNITIES}(customer_id, opportunity_id) AS ("
        f"SELECT l.{customer}, l.{opportunity} FROM {quote(meta.db_table)} l"
        f" WHERE l.{company} = %s AND l.{customer} IN (SELECT id FROM {TREE})"
        f" AND l.{opportunity} IS NOT NULL"
        ")"
    )
    return sql, [company_id]


def tree_opportunity_ids() -> RawSQL:
    """The ids in the ``customer_tree_opportunities`` CTE of the enclosing statement."""
    return RawSQL(f"SELECT opportunity_id FROM {TREE_OPPORTUNITIES}", [])


def bucket_sql(shown_children: list[int]) -> tuple[str, list]:
    """Which bucket a row ``t`` of the tree counts in: ``OWN`` for the root, the branch for a
    direct child in ``shown_children`` (and everyone below it), ``OTHERS`` for the rest."""
    sql = f"CASE WHEN t.depth = 0 THEN {OWN}"
    params: list = []
    if shown_children:
        sql += f" WHEN t.branch IN ({', '.join(['%s'] * len(shown_children))}) THEN t.branch"
        params = list(shown_children)
    return f"{sql} ELSE {OTHERS} END", params


def _upward_cte(company_id: int, start_id: int) -> tuple[str, list]:
    """``customer_up(id, depth)``: ``start_id`` (depth 1) and the parents above it."""
    names = _names()
    sql = (
        "customer_up(id, parent_id, depth) AS ("
        f"SELECT c.id, c.{names['parent']}, 1 FROM {names['table']} c"
        f" WHERE c.{names['company']} = %s AND c.id = %s"
        " UNION ALL "
        f"SELECT c.id, c.{names['parent']}, u.depth + 1"
        f" FROM {names['table']} c JOIN customer_up u ON c.id = u.parent_id"
        f" WHERE c.{names['company']} = %s AND u.depth < %s"
        ")"
    )
    return sql, [company_id, start_id, company_id, WALK_LIMIT]


def ancestors_query(company_id: int, parent_id: int) -> tuple[str, list]:
    """SELECT of the rows from ``parent_id`` up to the root, nearest first, for
    ``Customer.objects.raw``; the columns a breadcrumb needs (the others load on access)."""
    names = _names()
    cte, params = _upward_cte(company_id, parent_id)
    sql = (
        f"WITH RECURSIVE {cte} SELECT c.id, c.name, c.{names['parent']}, c.{names['company']},"
        f" c.status FROM customer_up u JOIN {names['table']} c ON c.id = u.id"
        f" WHERE c.{names['company']} = %s ORDER BY u.depth"
    )
    return sql, [*params, company_id]


def is_within(company_id: int, *, candidate_id: int, root_id: int) -> bool:
    """Whether ``candidate_id`` is ``root_id`` or below it (one query).

    The question "is the new parent inside my subtree?" asked from the other end: walking up from
    the candidate reads as many rows as the tree is deep, walking down from the root as many as
    the subtree is large."""
    cte, params = _upward_cte(company_id, candidate_id)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE {cte} SELECT 1 FROM customer_up WHERE id = %s LIMIT 1",
            [*params, root_id],
        )
        return cursor.fetchone() is not None


def lock_company_hierarchy(company_id: int) -> None:
    """Queue the caller behind any other change of this company's hierarchy, until its
    transaction ends.

    Two re-parentings that each pass the loop check on their own can make a loop together (A
    under B while B goes under A). Taking one lock per company before the check serializes them:
    the second one checks after the first has committed, and sees its change. It is a
    transaction-level advisory lock, not a row lock: no company row is held (every insert of a
    company-owned row takes a key-share lock on it), and only parent changes wait for it.
    SQLite needs none: a write transaction there holds the database from its start
    (``transaction_mode="IMMEDIATE"`` in the settings), so writers run one after the other.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        # Two int4 keys: this lock's own namespace, and the company (folded into int4; two
        # companies sharing a key only wait for each other, no loop gets through).
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [HIERARCHY_LOCK_KEY, company_id % 2**31]
        )


# "CuHi": this lock's namespace among the application's advisory locks.
HIERARCHY_LOCK_KEY = 0x43754869
