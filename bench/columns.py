"""In-process timing of the 50-row lead list, to compare two checkouts (issue 17).

    python bench/columns.py --root /path/to/checkout [--root /path/to/other] [--renders 100]

Each root runs in its own interpreter (its own code), against one SQLite database built once:
a company, its owner and 60 leads with sources and salespeople. Each process renders
``/leads/?sort=-created`` through the test client (middleware, query, template: the whole
request) ``--renders`` times after a warm-up, and the whole response time and the template
time alone (the list's table partial rendered from the same context) are reported as medians.
Rounds alternate between the roots so that a busy machine slows both alike.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import json, os, statistics, sys, time
root, db, renders = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, root)
os.chdir(root)
os.environ["DATABASE_URL"] = "sqlite:///" + db
os.environ["PAGE_SIZE"] = "50"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
import django
django.setup()
from django.conf import settings
settings.DEBUG = False
settings.ALLOWED_HOSTS = ["*"]
from django.contrib.auth import get_user_model
from django.template.loader import get_template
from django.test import Client
from django_scopes import scopes_disabled
from crm.models import Company
from crm.tenancy import SESSION_KEY

with scopes_disabled():
    company = Company.objects.get(slug="bench-columns")
    user = get_user_model().objects.get(username="bench-columns")
client = Client()
client.force_login(user)
session = client.session
session[SESSION_KEY] = company.pk
session.save()
url = "/leads/?sort=-created"
# The test environment records each template's context; only for this one request (it sends
# a signal per rendered template, which would bill includes twice in the timings).
from django.test.utils import setup_test_environment, teardown_test_environment
setup_test_environment()
response = client.get(url)
teardown_test_environment()
assert response.status_code == 200, response.status_code
assert response.text.count("<tr>") >= 50, "expected 50 rows"
flat = response.context[0].flatten()
partial = get_template("leads/partials/_lead_table.html")
from django.utils import translation
from django_scopes import scope

def render_partial():
    with scope(company=company), translation.override("en"):
        return partial.render(flat, flat["request"])

for _ in range(5):
    client.get(url)
    render_partial()
whole, template = [], []
for _ in range(renders):
    start = time.perf_counter()
    client.get(url)
    whole.append(time.perf_counter() - start)
    start = time.perf_counter()
    render_partial()
    template.append(time.perf_counter() - start)
print(json.dumps({"whole": statistics.median(whole), "template": statistics.median(template)}))
"""

SETUP = r"""
import os, sys
root, db = sys.argv[1], sys.argv[2]
sys.path.insert(0, root)
os.chdir(root)
os.environ["DATABASE_URL"] = "sqlite:///" + db
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django_scopes import scope, scopes_disabled
from crm.models import Membership
from leads.setup import leads_defaults_apply
from tests.factories import (
    CompanyFactory, LeadFactory, LeadSourceFactory, MembershipFactory, SalespersonFactory,
)
with scopes_disabled():
    company = CompanyFactory(name="Bench columns", slug="bench-columns")
    MembershipFactory(company=company, role=Membership.Role.OWNER, user__username="bench-columns")
with scope(company=company):
    leads_defaults_apply(company)
    sources = [LeadSourceFactory(company=company) for _ in range(3)]
    people = [SalespersonFactory(company=company) for _ in range(3)]
    for number in range(60):
        LeadFactory(
            company=company,
            source=sources[number % 3],
            salesperson=people[number % 3],
            organization_name=f"Org {number}",
            email=f"lead{number}@example.com",
            status=["new", "contacted", "qualified"][number % 3],
        )
"""


def run(code: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    if result.returncode:
        sys.exit(result.stderr)
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", action="append", required=True)
    parser.add_argument("--renders", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    db = os.path.join(tempfile.mkdtemp(prefix="bench-columns-"), "db.sqlite3")
    run(SETUP, os.path.abspath(args.root[0]), db)
    figures: dict[str, dict[str, list[float]]] = {
        root: {"whole": [], "template": []} for root in args.root
    }
    for _round in range(args.rounds):
        for root in args.root:
            out = json.loads(run(CHILD, os.path.abspath(root), db, str(args.renders)))
            for key, value in out.items():
                figures[root][key].append(value)
    first = args.root[0]
    for root in args.root:
        whole = statistics.median(figures[root]["whole"]) * 1000
        template = statistics.median(figures[root]["template"]) * 1000
        line = f"{root}: request {whole:.1f} ms, table template {template:.1f} ms"
        if root != first:
            base = figures[first]
            line += (
                f" (request {whole / (statistics.median(base['whole']) * 1000):.2f}x, "
                f"template {template / (statistics.median(base['template']) * 1000):.2f}x "
                f"of {first})"
            )
        print(line)
    print(f"{time.strftime('%Y-%m-%d %H:%M')} rounds={args.rounds} renders={args.renders}")


if __name__ == "__main__":
    main()
