"""In-process timing of the top bar's search at both sizes in one run: the large/small ratio.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm \
        python bench/search.py --root OLD_CHECKOUT --root NEW_CHECKOUT [--term eber] \
        [--renders 20] [--rounds 3]

The full benchmark reports the global search at a million leads as a ratio to its time at ten
thousand, each size measured in a run of its own. Here each root (a checkout, in an interpreter
of its own, as ``bench/inprocess.py`` runs them) logs in as the salesperson of each size's
company (two test clients, the whole middleware) in the benchmark's database (``_bench`` added
to the name) and asks the search page for ``--term`` (the full bench's fragment by default), the
sizes interleaved request by request, so the ratio is measured in one process at one moment.
Rounds alternate between the roots. Also printed: each search's SQL time (the queries' own
durations, to the millisecond), in all and per table queried first, to tell the database's share
from the page's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

SIZES = ("small", "large")

_CHILD = r"""
import json, os, re, statistics, sys, time, warnings
root, term, renders = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, root)
os.chdir(root)
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
warnings.filterwarnings("ignore", message="No directory at")
import django
django.setup()
from urllib.parse import urlencode
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

sizes = ("small", "large")
clients = {}
for size in sizes:
    clients[size] = Client()
    clients[size].force_login(get_user_model().objects.get(email=f"seller@bench-{size}.example"))
path = "/search/?" + urlencode({"q": term})
for _ in range(3):
    for size in sizes:
        response = clients[size].get(path)
        assert response.status_code == 200, (size, response.status_code)
page = {size: [] for size in sizes}
sql = {size: [] for size in sizes}
tables = {size: {} for size in sizes}
table_of = re.compile(r'FROM "([a-z_]+)"')
for _ in range(renders):
    for size in sizes:
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            clients[size].get(path)
            page[size].append(time.perf_counter() - start)
        sql[size].append(sum(float(query["time"]) for query in captured.captured_queries))
        for query in captured.captured_queries:
            table = table_of.search(query["sql"])
            if table:
                tables[size].setdefault(table.group(1), []).append(float(query["time"]))
print(json.dumps({
    "page": {size: statistics.median(values) for size, values in page.items()},
    "sql": {size: statistics.median(values) for size, values in sql.items()},
    "tables": {
        size: {table: statistics.median(values) for table, values in found.items()}
        for size, found in tables.items()
    },
}))
"""


def _run(root: str, term: str, renders: int) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, root, term, str(renders)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        sys.exit(result.stderr)
    return json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", action="append", required=True)
    parser.add_argument("--term", default="eber")
    parser.add_argument("--renders", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    roots = [os.path.abspath(root) for root in args.root]
    found: dict[str, dict[str, dict[str, list[float]]]] = {
        root: {part: {size: [] for size in SIZES} for part in ("page", "sql")} for root in roots
    }
    tables: dict[str, dict[tuple[str, str], list[float]]] = {root: {} for root in roots}
    for _round in range(args.rounds):
        for root in roots:
            out = _run(root, args.term, args.renders)
            for part in ("page", "sql"):
                for size in SIZES:
                    found[root][part][size].append(out[part][size])
            for size in SIZES:
                for table, value in out["tables"][size].items():
                    tables[root].setdefault((table, size), []).append(value)
    for root in roots:
        print(root)
        for part in ("page", "sql"):
            small, large = (statistics.median(found[root][part][size]) for size in SIZES)
            print(
                f"  {part:<5} small {small * 1000:7.1f} ms  large {large * 1000:7.1f} ms"
                f"  large/small {large / small:5.2f}x"
            )
        for table in sorted({table for table, _size in tables[root]}):
            small, large = (statistics.median(tables[root][table, size]) for size in SIZES)
            print(f"    {table:<24} small {small * 1000:6.1f} ms  large {large * 1000:6.1f} ms")
    print(
        f"{time.strftime('%Y-%m-%d %H:%M')} term={args.term!r} rounds={args.rounds}"
        f" renders={args.renders} (medians of per-round medians; sizes interleaved per request)"
    )


if __name__ == "__main__":
    main()
