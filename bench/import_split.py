"""Where PostgreSQL's time goes when leads are imported: the CPU a lead row costs the backend,
by variant, each insert in a transaction that is rolled back (an index dropped or a trigger
disabled inside it), variants alternating round by round.

``DATABASE_URL=... python bench/import_split.py [--rows N] [--rounds R] [--pending-rows M]``
works on the benchmark database (``DATABASE_URL`` with ``_bench`` appended, as ``make bench``
names it), in the import benchmark's company (``bench-import``, whose leads it deletes first).
The rows are the import benchmark's (bench.imports.lead_csv), written as the import writes them
as a superuser (foreign-key triggers off; the kept figures' triggers fire ALWAYS), by one
``INSERT ... SELECT`` (dearer in all than the import's ``COPY``, the same per index and trigger).

Variants: ``as_is``; ``no_trigram`` (the trigram index, ``TRIGRAM_INDEX``, dropped); ``no_secondary`` (every index but
the primary key dropped); ``no_figures`` (the kept figures' insert triggers disabled);
``big_pending`` (``SET LOCAL gin_pending_list_limit`` of 1 GB: no pending-list merge inside the
insert; the merge measured after it by ``gin_clean_pending_list``); ``history`` (the insert,
then the leads' "created" history rows, as crm.audit copies them).

With ``--pending-rows M`` it then commits M rows with the 1 GB limit and times a search that the
trigram index answers, in another company, before and while the pending list holds them and
after ``gin_clean_pending_list``: what every company's search pays while one import's trigram
entries wait in the pending list. That company's leads are deleted at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import psycopg

VARIANTS = ("as_is", "no_trigram", "no_secondary", "no_figures", "big_pending", "history")
# The leads' trigram index (leads 0020: over the stored search_text column).
TRIGRAM_INDEX = "lead_search_text_trgm"
FIGURE_TRIGGERS = ("leads_count_figures_insert", "leads_day_figures_insert")


def _backend_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _bench_url() -> str:
    url = os.environ["DATABASE_URL"]
    return url if url.endswith("_bench") else url + "_bench"


def _rows_select(company: int, source, seller, rows: int) -> tuple[str, list]:
    # bench.imports.lead_csv's rows, as the import stores them.
    columns = (
        "id, first_name, last_name, organization_name, email, phone, status, notes, "
        "created_at, updated_at, company_id, source_id, salesperson_id, version"
    )
    statement = (
        f"INSERT INTO leads_lead ({columns}) SELECT nextval('leads_lead_id_seq'), 'Ann' || i, "
        "'Lee' || i, 'Org ' || (i %% 997), 'lead' || i || '@import.example', "
        "'+4930' || lpad(i::text, 7, '0'), 'new', 'Met at the fair', now(), now(), %s, "
        "CASE WHEN i %% 3 > 0 THEN %s::bigint END, CASE WHEN i %% 2 > 0 THEN %s::bigint END, 1 "
        "FROM generate_series(1, %s) AS i"
    )
    return statement, [company, source, seller, rows]


def _history_statement(cursor, company: int) -> str:
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = 'leads_historicallead'::regclass "
        "AND attnum > 0 AND NOT attisdropped AND attname NOT LIKE 'history\\_%%'"
    )
    columns = ", ".join(name for (name,) in cursor.fetchall())
    return (
        f"INSERT INTO leads_historicallead ({columns}, history_date, history_type, "
        "history_change_reason, history_user_id, history_portal_actor) "
        f"SELECT {columns}, now(), '+', NULL, NULL, '' FROM leads_lead WHERE company_id = {company}"
    )


def _empty(cursor, company: int) -> None:
    cursor.execute("DELETE FROM leads_historicallead WHERE company_id = %s", [company])
    cursor.execute("DELETE FROM leads_lead WHERE company_id = %s", [company])
    cursor.execute("VACUUM ANALYZE leads_lead, leads_historicallead")


def split(conn, company: int, source, seller, rows: int, rounds: int) -> None:
    cursor = conn.cursor()
    pid = conn.info.backend_pid
    insert, params = _rows_select(company, source, seller, rows)
    history = _history_statement(cursor, company)
    cursor.execute(
        "SELECT indexrelid::regclass::text FROM pg_index "
        "WHERE indrelid = 'leads_lead'::regclass AND NOT indisprimary"
    )
    secondary = [name for (name,) in cursor.fetchall()]
    found: dict[str, list[tuple[float, float]]] = {name: [] for name in VARIANTS}
    for number in range(rounds):
        for variant in VARIANTS if number % 2 == 0 else VARIANTS[::-1]:
            cursor.execute("BEGIN")
            cursor.execute("SET LOCAL session_replication_role = replica")
            if variant == "no_trigram":
                cursor.execute(f"DROP INDEX {TRIGRAM_INDEX}")
            elif variant == "no_secondary":
                for name in secondary:
                    cursor.execute(f"DROP INDEX {name}")
            elif variant == "no_figures":
                for trigger in FIGURE_TRIGGERS:
                    cursor.execute(f"ALTER TABLE leads_lead DISABLE TRIGGER {trigger}")
            elif variant == "big_pending":
                cursor.execute("SET LOCAL gin_pending_list_limit = '1GB'")
            started = _backend_cpu(pid)
            cursor.execute(insert, params)
            inserted = _backend_cpu(pid)
            if variant == "history":
                cursor.execute(history)
            elif variant == "big_pending":
                cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [TRIGRAM_INDEX])
            after = _backend_cpu(pid) - inserted
            cursor.execute("ROLLBACK")
            found[variant].append(((inserted - started) / rows * 1e6, after / rows * 1e6))
    print(f"{rows:,} rows a variant, {rounds} rounds alternating; backend CPU a lead row (us):")
    for variant, values in found.items():
        line = f"  {variant:13} {statistics.median(v[0] for v in values):6.1f}"
        if variant in ("history", "big_pending"):
            what = "history rows" if variant == "history" else "merge afterwards"
            line += f"  + {statistics.median(v[1] for v in values):.1f} ({what})"
        print(line, flush=True)


def _search_ms(cursor, company: int, expression: str) -> float:
    # A text that no lead holds: the trigram index answers it (its pending list included).
    times = []
    for _ in range(5):
        started = time.perf_counter()
        cursor.execute(
            f"SELECT id FROM leads_lead WHERE company_id = %s AND {expression} LIKE %s "
            "ORDER BY created_at DESC, id DESC LIMIT 51",
            [company, "%ZQXW%"],
            prepare=False,
        )
        cursor.fetchall()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def pending(conn, company: int, rows: int) -> None:
    cursor = conn.cursor()
    cursor.execute(
        "SELECT company_id FROM leads_lead WHERE company_id <> %s "
        "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
        [company],
    )
    other = cursor.fetchone()[0]
    cursor.execute("SELECT pg_get_indexdef(%s::regclass)", [TRIGRAM_INDEX])
    definition = cursor.fetchone()[0]
    # What the index covers: the stored search text's column (an expression before leads 0020).
    expression = definition[definition.index("gin (") + 5 : definition.rindex(" gin_trgm_ops")]
    print(
        f"search in company {other}, pending list empty: {_search_ms(cursor, other, expression):.1f} ms"
    )
    insert, params = _rows_select(company, None, None, rows)
    cursor.execute("BEGIN")
    cursor.execute("SET LOCAL gin_pending_list_limit = '1GB'")
    cursor.execute("SET LOCAL session_replication_role = replica")
    started = time.perf_counter()
    cursor.execute(insert, params)
    cursor.execute("COMMIT")
    print(f"{rows:,} rows committed with the 1 GB limit in {time.perf_counter() - started:.1f} s")
    print(f"search while they are pending: {_search_ms(cursor, other, expression):.1f} ms")
    started = time.perf_counter()
    cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [TRIGRAM_INDEX])
    pages = cursor.fetchone()[0]
    print(f"gin_clean_pending_list: {pages:,} pages in {time.perf_counter() - started:.1f} s")
    print(f"search after the merge: {_search_ms(cursor, other, expression):.1f} ms")
    _empty(cursor, company)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pending-rows", type=int, default=0)
    args = parser.parse_args()
    with psycopg.connect(_bench_url(), autocommit=True) as conn:
        cursor = conn.cursor()
        cursor.execute("SELECT id FROM crm_company WHERE slug = 'bench-import'")
        company = cursor.fetchone()[0]
        cursor.execute("SELECT min(id) FROM leads_leadsource WHERE company_id = %s", [company])
        source = cursor.fetchone()[0]
        cursor.execute("SELECT min(id) FROM crm_salesperson WHERE company_id = %s", [company])
        seller = cursor.fetchone()[0]
        _empty(cursor, company)
        split(conn, company, source, seller, args.rows, args.rounds)
        if args.pending_rows:
            pending(conn, company, args.pending_rows)
        print(f"load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
