"""The lead list exported whole (everyone's leads, as CSV and as XLSX), timed in this process.

Django's test client goes through the same middleware and view as gunicorn would; the file is
read to its end, as a browser downloading it would. The figures are the export's own (one
request, no concurrency): seconds, rows a second, the file's size and the queries it ran.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from bench.data import CompanyFacts
from bench.measure import _client
from crm.ui.export import FORMATS


@dataclass
class ExportMeasure:
    company: str
    format: str
    status: int
    rows: int
    seconds: float
    rows_per_s: float
    mib: float
    queries: int
    # CSV only: the lines in the file, less the header (a check that every lead went out).
    rows_in_file: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _lead_count(facts: CompanyFacts) -> int:
    from leads.models import Lead

    with scopes_disabled():  # the benchmark's own check, for the company named by id
        return Lead.objects.filter(company_id=facts.company_id).count()


def measure_exports(facts: CompanyFacts) -> list[ExportMeasure]:
    client = _client(facts.username)
    url = reverse("leads:lead_list")
    client.get(url, {"owner": "all"})  # first-use costs (the session's company) aside
    rows = _lead_count(facts)
    measures = []
    for fmt in FORMATS:
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, {"owner": "all", "export": fmt})
            size = lines = 0
            for chunk in response.streaming_content:
                size += len(chunk)
                lines += chunk.count(b"\n") if fmt == "csv" else 0
        seconds = time.perf_counter() - started
        measures.append(
            ExportMeasure(
                company=facts.label,
                format=fmt,
                status=response.status_code,
                rows=rows,
                seconds=round(seconds, 2),
                rows_per_s=round(rows / seconds) if seconds else 0,
                mib=round(size / 2**20, 1),
                queries=len(captured.captured_queries),
                rows_in_file=lines - 1 if fmt == "csv" else None,
            )
        )
        print(
            f"   {facts.label} {fmt}: {rows:,} rows in {seconds:.1f} s"
            f" ({rows / seconds:,.0f} rows/s, {size / 2**20:.1f} MiB)",
            flush=True,
        )
    return measures
