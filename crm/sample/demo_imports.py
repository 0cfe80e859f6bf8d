"""A saved mapping and a past dry run on the import page, so the demo shows both."""

from __future__ import annotations

import random

from crm.models import Company, ImportJob, ImportMapping

FAIR_COLUMNS = {"Vorname": "first_name", "Nachname": "last_name", "E-Mail": "email"}


def seed_imports(company: Company, rnd: random.Random) -> None:
    ImportMapping.objects.get_or_create(
        company=company, kind="leads", name="Trade fair", defaults={"columns": FAIR_COLUMNS}
    )
    ImportJob.objects.get_or_create(
        company=company,
        original_name="trade-fair-leads.csv",
        defaults={
            "kind": "leads",
            "status": ImportJob.Status.DONE,
            "dry_run": True,
            "options": {"encoding": "utf-8", "delimiter": ";", "decimal_comma": True},
            "columns": FAIR_COLUMNS,
            "total_rows": 3,
            "processed_rows": 3,
            "created_count": 2,
            "errors": [[3, "E-Mail", "anna(at)example.com", "Enter a valid email address."]],
        },
    )
