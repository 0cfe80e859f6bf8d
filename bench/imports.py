"""The import benchmark: N clean lead rows from a CSV file into PostgreSQL through the import
engine (``crm.imports``), as ``manage.py import_records`` runs it, all or nothing. Reported as
rows per second from reading the file to the commit.

It works in a company of its own (``bench-import``), emptied of leads before each run, so the
page measurements never see its rows.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

if __name__ == "__main__":  # ``python bench/imports.py``: the checkout's packages
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.db import connection  # noqa: E402
from django_scopes import scope, scopes_disabled  # noqa: E402

from bench.config import PASSWORD  # noqa: E402

IMPORT_SLUG = "bench-import"
# The target: clean lead rows a second into PostgreSQL.
IMPORT_ROWS_PER_S = 20_000
QUICK_ROWS = 50_000
FULL_ROWS = 200_000
HEADER = "First name,Last name,Organization,E-mail,Phone,Source,Salesperson,Notes\n"


def lead_csv(rows: int, *, sources: list[str], salespeople: list[str]) -> bytes:
    """Clean, distinct lead rows, naming the company's sources and salespeople by name."""
    lines = [HEADER]
    for i in range(rows):
        source = sources[i % len(sources)] if sources and i % 3 else ""
        seller = salespeople[i % len(salespeople)] if salespeople and i % 2 else ""
        lines.append(
            f"Ann{i},Lee{i},Org {i % 997},lead{i}@import.example,+49 30 {i:07d},"
            f"{source},{seller},Met at the fair\n"
        )
    return "".join(lines).encode()


def _company():
    from crm.models import Company, Salesperson
    from crm.services import company_create, salesperson_save

    with scopes_disabled():  # finding or creating the tenant: no scope exists yet
        company = Company.objects.filter(slug=IMPORT_SLUG).first()
        if company is None:
            company, _membership = company_create(
                name="Bench import",
                owner_email=f"owner@{IMPORT_SLUG}.example",
                owner_password=PASSWORD,
                slug=IMPORT_SLUG,
            )
    with scope(company=company):
        if not Salesperson.objects.filter(company=company).exists():
            for name in ("Sam Seller", "Maria Manager"):
                salesperson_save(salesperson=Salesperson(company=company, name=name))
    return company


def measure_import(rows: int) -> dict:
    from crm.imports.engine import ImportRun
    from crm.imports.kinds import get_import_kind, guess_columns
    from crm.imports.reading import read_table
    from crm.models import Salesperson
    from leads.models import Lead, LeadSource

    company = _company()
    with scope(company=company):
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {Lead._meta.db_table} WHERE company_id = %s", [company.pk])
        sources = list(LeadSource.objects.filter(company=company).values_list("name", flat=True))
        salespeople = list(
            Salesperson.objects.filter(company=company).values_list("name", flat=True)
        )
        data = lead_csv(rows, sources=sources, salespeople=salespeople)
        kind = get_import_kind("leads")
        print(f"== import: {rows:,} lead rows ({len(data) / 1e6:.1f} MB of CSV)", flush=True)
        started = time.perf_counter()
        table = read_table(data, filename="leads.csv")
        outcome = ImportRun(
            company=company, kind=kind, table=table, columns=guess_columns(kind, table.headers)
        ).run()
        seconds = time.perf_counter() - started
        stored = Lead.objects.filter(company=company).count()
    ok = outcome.written and outcome.created == rows and not outcome.errors and stored == rows
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds) if seconds else None,
        "created": outcome.created,
        "errors": len(outcome.errors),
        "stored": stored,
        "ok": ok,
    }


def import_line(figures: dict) -> str:
    return (
        f"Import: {figures['rows']:,} clean lead rows in {figures['seconds']:.1f} s, "
        f"{figures['rows_per_s']:,} rows/s ({figures['stored']:,} stored, "
        f"{figures['errors']} errors)"
    )


# -- comparing checkouts -------------------------------------------------------------------------

_CHILD = r"""
import json, os, resource, sys, threading, time, warnings
root, rows = sys.argv[1], int(sys.argv[2])
sys.path.insert(0, root)
os.chdir(root)
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
warnings.filterwarnings("ignore", message="No directory at")
import django
django.setup()
from django.db import connection, connections
from bench.imports import measure_import

def backend_cpu(pid):
    # utime + stime of a server process, in seconds (the server runs on this machine).
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

# Every backend of the benchmark database is this run's (the import's and any it opens, such as
# a second connection of its own): their CPU is watched while the import runs.
watcher = connections.create_connection("default")
connection.ensure_connection()
watcher.ensure_connection()
watcher.inc_thread_sharing()  # read by the watching thread below
own = watcher.connection.info.backend_pid
first, last, done = {}, {}, threading.Event()

def look(new_from_zero):
    # A backend that starts during the import counts from zero.
    with watcher.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> %s", [own])
        for (pid,) in cursor.fetchall():
            cpu = backend_cpu(pid)
            if cpu is not None:
                first.setdefault(pid, 0.0 if new_from_zero else cpu)
                last[pid] = cpu

def watch():
    while not done.wait(0.1):
        look(True)

# The previous run's leads and their history rows go, and the tables are vacuumed, so that each
# run starts from the same tables (dead entries slow the next run's inserts).
from bench.imports import IMPORT_SLUG
with connection.cursor() as cursor:
    cursor.execute("SELECT id FROM crm_company WHERE slug = %s", [IMPORT_SLUG])
    company = cursor.fetchone()
    if company:
        for table in ("leads_historicallead", "leads_lead"):
            cursor.execute(f"DELETE FROM {table} WHERE company_id = %s", company)
        cursor.execute("VACUUM leads_lead, leads_historicallead")

import_pid = connection.connection.info.backend_pid
look(False)
thread = threading.Thread(target=watch, daemon=True)
thread.start()
before_py = resource.getrusage(resource.RUSAGE_SELF)
figures = measure_import(rows)
after_py = resource.getrusage(resource.RUSAGE_SELF)
last[import_pid] = backend_cpu(import_pid)
done.set()
thread.join()
others = sum(last[pid] - first[pid] for pid in last if pid != import_pid)
figures["pg_us_per_row"] = round((last[import_pid] - first[import_pid]) / rows * 1e6, 1)
figures["pg_other_us_per_row"] = round(others / rows * 1e6, 1)
figures["py_us_per_row"] = round(
    (after_py.ru_utime + after_py.ru_stime - before_py.ru_utime - before_py.ru_stime) / rows * 1e6, 1
)
figures["load"] = round(os.getloadavg()[0], 1)
print("RESULT " + json.dumps(figures))
"""


def main() -> None:
    """Compare checkouts: ``python bench/imports.py --root OLD --root NEW [--rows N] [--rounds
    R]`` imports N rows with each root's code in turn, R rounds alternating the roots (a busy
    machine slows both alike), on the benchmark database ``DATABASE_URL`` names, and prints rows
    per second and the CPU per row of the import's Python process and of its PostgreSQL backend
    (read from ``/proc``: the server must run on this machine)."""
    import argparse
    import json
    import os
    import statistics
    import subprocess

    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("--root", action="append", required=True)
    parser.add_argument("--rows", type=int, default=QUICK_ROWS)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    roots = [os.path.abspath(root) for root in args.root]
    found: dict[str, list[dict]] = {root: [] for root in roots}
    for number in range(args.rounds):
        order = roots if number % 2 == 0 else roots[::-1]
        for root in order:
            result = subprocess.run(
                [sys.executable, "-c", _CHILD, root, str(args.rows)],
                capture_output=True,
                text=True,
                check=False,
            )
            lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
            if result.returncode or not lines:
                sys.exit(result.stdout + result.stderr)
            figures = json.loads(lines[-1][len("RESULT ") :])
            found[root].append(figures)
            print(
                f"round {number + 1} {root}: {figures['rows_per_s']:,} rows/s, "
                f"Python {figures['py_us_per_row']} us/row, "
                f"PostgreSQL {figures['pg_us_per_row']} + {figures['pg_other_us_per_row']} "
                f"us/row (the import's backend + others), load {figures['load']}, "
                f"ok={figures['ok']}",
                flush=True,
            )
    for root in roots:
        runs = found[root]
        print(
            f"{root}: median {statistics.median(r['rows_per_s'] for r in runs):,.0f} rows/s, "
            f"Python {statistics.median(r['py_us_per_row'] for r in runs):.1f} us/row, "
            f"PostgreSQL {statistics.median(r['pg_us_per_row'] for r in runs):.1f}"
            f" + {statistics.median(r['pg_other_us_per_row'] for r in runs):.1f} us/row"
        )
    print(f"{args.rows:,} rows, {args.rounds} rounds alternating the roots (first root first)")


if __name__ == "__main__":
    main()
