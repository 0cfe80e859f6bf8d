"""What a signed-in request reads before its view runs: the session, the user and, in one query,
their memberships with the companies and salesperson rows; with a shared cache, the session comes
from the cache."""

import os
import re
import subprocess
import sys

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import login_as
from tests.factories import CompanyFactory, MembershipFactory


def _tables(queries) -> list[str]:
    """The table each query reads its columns from, in order (its first column's table)."""
    found = []
    for query in queries:
        match = re.match(r'SELECT (?:DISTINCT )?"(\w+)"\.', query["sql"]) or re.search(
            r'FROM "(\w+)"', query["sql"]
        )
        found.append(match.group(1) if match else query["sql"][:20])
    return found


def _member_of_two(client, company):
    user = MembershipFactory(company=company).user
    MembershipFactory(company=CompanyFactory(name="Second Trading", slug="second"), user=user)
    return login_as(client, user, company)


def test_a_list_page_reads_session_user_and_memberships_once(client, company):
    client = _member_of_two(client, company)
    client.get(reverse("leads:lead_list"))  # the session's first save is done
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("leads:lead_list"))
    assert response.status_code == 200
    tables = _tables(queries.captured_queries)
    # The companies and the user's salesperson rows come with the memberships, in one query.
    assert tables[:3] == ["django_session", "auth_user", "crm_membership"]
    assert not {"crm_company", "crm_salesperson"} & set(tables)
    assert tables.count("crm_membership") == 1


def test_with_cached_sessions_the_session_is_not_read_from_the_database(client, company, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    client = _member_of_two(client, company)
    client.get(reverse("leads:lead_list"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("leads:lead_list"))
    assert response.status_code == 200
    assert response.wsgi_request.company == company
    tables = _tables(queries.captured_queries)
    assert "django_session" not in tables
    assert tables[:2] == ["auth_user", "crm_membership"]


def _session_engine(**env) -> str:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "SESSION_ENGINE", "DJANGO_SETTINGS_MODULE")
    }
    environment.update(env, DJANGO_SETTINGS_MODULE="crm.settings")
    code = "from django.conf import settings; print(settings.SESSION_ENGINE)"
    return subprocess.run(
        [sys.executable, "-c", code],
        env=environment,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_sessions_are_cached_only_where_the_cache_is_shared():
    assert _session_engine() == "django.contrib.sessions.backends.db"
    assert _session_engine(REDIS_URL="redis://127.0.0.1:6379/0") == (
        "django.contrib.sessions.backends.cached_db"
    )
    assert _session_engine(
        REDIS_URL="redis://127.0.0.1:6379/0", SESSION_ENGINE="django.contrib.sessions.backends.db"
    ) == ("django.contrib.sessions.backends.db")
