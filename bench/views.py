"""The floor: what serving the default lead list's 50 rows costs at the least.

It runs behind the same middleware as every page (login, session, company scope), then fetches
the rows the default lead list's first page shows (the company's leads, newest first, the same
columns; for a salesperson with a salesperson row only their own, like the list's "Mine") with
one raw SQL query, and renders them with a minimal template. Only ``bench.urls`` routes it: it
never reaches production.
"""

from django.conf import settings
from django.db import connection
from django.shortcuts import render

from crm.models import Membership, Salesperson
from leads.models import Lead, LeadSource


def floor_sql(*, mine: bool) -> str:
    lead = Lead._meta.db_table
    source = LeadSource._meta.db_table
    seller = Salesperson._meta.db_table
    return (
        "SELECT l.id, l.first_name, l.last_name, l.organization_name, l.email, l.status,"
        " l.created_at, s.name AS source_name, p.name AS salesperson_name"
        f" FROM {lead} l"
        f" LEFT JOIN {source} s ON s.id = l.source_id"
        f" LEFT JOIN {seller} p ON p.id = l.salesperson_id"
        f" WHERE l.company_id = %s{' AND l.salesperson_id = %s' if mine else ''}"
        f" ORDER BY l.created_at DESC, l.id DESC LIMIT {int(settings.PAGE_SIZE)}"
    )


def floor_rows(*, company_id: int, salesperson_id: int | None) -> list[dict]:
    """The rows; only ``salesperson_id``'s when given."""
    mine = salesperson_id is not None
    params = [company_id, salesperson_id] if mine else [company_id]
    with connection.cursor() as cursor:
        cursor.execute(floor_sql(mine=mine), params)
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def floor(request):
    # The middleware has read the user's salesperson row with the membership (no query here).
    salesperson_id = getattr(request, "salesperson_id", None)
    membership = request.membership
    is_salesperson = membership is not None and membership.role == Membership.Role.SALESPERSON
    rows = floor_rows(
        company_id=request.company.pk,
        salesperson_id=salesperson_id if is_salesperson else None,
    )
    return render(request, "bench/floor.html", {"rows": rows})
