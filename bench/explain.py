"""EXPLAIN (ANALYZE, BUFFERS) for every SELECT a page runs, and what in the plans to worry about.

Flagged: a sequential scan that reads many rows, a sort over many rows, and any scan that
returns very many rows (a COUNT(*) over the whole company walks an index just as long).

A page's queries that ran inside a transaction (between the ``BEGIN`` and ``COMMIT`` the capture
lists) are explained inside one too: settings a page makes for its transaction only
(``set_config(…, true)``, as the global search does) then shape the plans explained after them
as they shaped the page's own. Explained one by one in autocommit, they would be planned without.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import asdict, dataclass

from django.db import connection, transaction

MANY_ROWS = 10_000
VERY_MANY_ROWS = 100_000


@dataclass
class Flag:
    page: str
    query: int  # 1-based position in the page's queries
    what: str
    rows: int
    detail: str

    def __str__(self) -> str:
        return f"{self.page} q{self.query}: {self.what} over {self.rows:,} rows ({self.detail})"


def _rows(node: dict, key: str) -> int:
    return int(node.get(key, 0) * max(node.get("Actual Loops", 1), 1))


def _walk(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _walk(child)


def plan_flags(plan: dict, *, page: str, query: int) -> list[Flag]:
    """What to worry about in one EXPLAIN (ANALYZE, FORMAT JSON) plan."""
    flags = []
    for node in _walk(plan["Plan"]):
        kind = node.get("Node Type", "")
        relation = node.get("Relation Name") or node.get("Index Name") or ""
        returned = _rows(node, "Actual Rows")
        read = returned + _rows(node, "Rows Removed by Filter")
        if kind == "Seq Scan" and read >= MANY_ROWS:
            flags.append(Flag(page, query, "Seq Scan", read, relation))
        elif kind == "Sort":
            sorted_rows = sum(_rows(child, "Actual Rows") for child in node.get("Plans", []))
            if sorted_rows >= MANY_ROWS:
                detail = f"{node.get('Sort Method', '')} on {', '.join(node.get('Sort Key', []))}"
                flags.append(Flag(page, query, "Sort", sorted_rows, detail))
        elif "Scan" in kind and returned >= VERY_MANY_ROWS:
            flags.append(Flag(page, query, kind, returned, relation))
    return flags


def _explain(sql: str, options: str):
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ({options}) {sql}")
        return cursor.fetchall()


def explain_pages(page_sql: dict[str, list[str]]) -> tuple[str, list[Flag], dict]:
    """The text of every plan (for the file), the flags, and per page the planned queries'
    total execution time (ms) as PostgreSQL measured it."""
    text = []
    flags: list[Flag] = []
    timings = {}
    for page, queries in page_sql.items():
        text.append(f"\n{'=' * 100}\n== {page}\n{'=' * 100}")
        total = 0.0
        with ExitStack() as in_transaction:
            for index, sql in enumerate(queries, start=1):
                statement = sql.strip().upper()
                if statement == "BEGIN":
                    in_transaction.enter_context(transaction.atomic())
                    continue
                if statement in ("COMMIT", "ROLLBACK"):
                    in_transaction.close()
                    continue
                if not statement.startswith("SELECT"):
                    continue
                plan = _explain(sql, "ANALYZE, BUFFERS, FORMAT JSON")[0][0]
                plan = json.loads(plan) if isinstance(plan, str) else plan
                plan = plan[0]
                total += plan.get("Execution Time", 0.0)
                flags.extend(plan_flags(plan, page=page, query=index))
                rows = _explain(sql, "ANALYZE, BUFFERS")
                text.append(f"\n-- q{index}: {sql}\n" + "\n".join(row[0] for row in rows))
        timings[page] = round(total, 3)
    return "\n".join(text) + "\n", flags, timings


def flags_as_dicts(flags: list[Flag]) -> list[dict]:
    return [asdict(flag) for flag in flags]
