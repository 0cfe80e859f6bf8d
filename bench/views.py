"""The floor: what serving the default lead list's 50 rows costs at the least.

It runs behind the same middleware as every page (login, session, company scope), then fetches
the rows the default lead list's first page shows (the company's leads, newest first, the same columns; only
the user's own for a salesperson, like the list's "Mine") with one raw SQL query, and renders
them with a minimal template. Only ``bench.urls`` routes it: it never reaches production.
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
    only_mine = (
        f" AND l.salesperson_id IN (SELECT id FROM {seller} WHERE company_id = %s AND user_id = %s)"
        if mine
        else ""
    )
    return (
        "SELECT l.id, l.first_name, l.last_name, l.organization_name, l.email, l.status,"
        " l.created_at, s.name AS source_name, p.name AS salesperson_name"
        f" FROM {lead} l"
        f" LEFT JOIN {source} s ON s.id = l.source_id"
        f" LEFT JOIN {seller} p ON p.id = l.salesperson_id"
        f" WHERE l.company_id = %s{only_mine}"
        f" ORDER BY l.created_at DESC, l.id DESC LIMIT {int(settings.PAGE_SIZE)}"
    )


def floor_rows(*, company, user, mine: bool) -> list[dict]:
    params = [company.pk]
    if mine:
        params += [company.pk, user.pk]
    with connection.cursor() as cursor:
        cursor.execute(floor_sql(mine=mine), params)
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def floor(request):
    membership = request.membership
    mine = membership is not None and membership.role == Membership.Role.SALESPERSON
    rows = floor_rows(company=request.company, user=request.user, mine=mine)
    return render(request, "bench/floor.html", {"rows": rows})
