"""Per page, in this process: the SQL queries one request runs and the HTML it returns.

Django's test client goes through the same middleware as gunicorn does, against the same
benchmark database, so the query count and the captured SQL (for EXPLAIN) are the page's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.data import CompanyFacts
from bench.scenarios import Page


@dataclass
class PageMeasure:
    status: int
    queries: int
    html_bytes: int
    markers_missing: list[str]
    sql: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "queries": self.queries,
            "html_bytes": self.html_bytes,
            "markers_missing": self.markers_missing,
        }


def _client(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def measure_pages(facts: CompanyFacts, pages: list[Page]) -> dict[str, PageMeasure]:
    """One warm-up request, then one measured request per page."""
    clients = {"main": _client(facts.username), "deep": _client(facts.username)}
    measures = {}
    for page in pages:
        client = clients[page.sessions]
        client.get(page.path)  # first-use costs (content types, the session's company) aside
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page.path)
        body = response.content.decode("utf-8", "replace")
        measures[page.name] = PageMeasure(
            status=response.status_code,
            queries=len(captured.captured_queries),
            html_bytes=len(response.content),
            markers_missing=[marker for marker in page.markers if marker not in body],
            sql=[query["sql"] for query in captured.captured_queries],
        )
    return measures
