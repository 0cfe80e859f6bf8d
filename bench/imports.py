"""The import benchmark: N clean lead rows from a CSV file into PostgreSQL through the import
engine (``crm.imports``), as ``manage.py import_records`` runs it, all or nothing. Reported as
rows per second from reading the file to the commit.

It works in a company of its own (``bench-import``), emptied of leads before each run, so the
page measurements never see its rows.
"""

from __future__ import annotations

import time

from django.db import connection
from django_scopes import scope, scopes_disabled

from bench.config import PASSWORD

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
