"""In-process timing of the top bar's search at both sizes in one run: the large/small ratio.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm \
        python bench/search.py --root OLD_CHECKOUT --root NEW_CHECKOUT [--term eber] \
        [--renders 20] [--rounds 3]
    DATABASE_URL=... python bench/search.py --root CHECKOUT --profile large [--term eber]
    DATABASE_URL=... python bench/search.py --root CHECKOUT --dump DIR

The full benchmark reports the global search at a million leads as a ratio to its time at ten
thousand, each size measured in a run of its own. Here each root (a checkout, in an interpreter
of its own, as ``bench/inprocess.py`` runs them) logs in as the salesperson of each size's
company (two test clients, the whole middleware) in the benchmark's database (``_bench`` added
to the name) and asks the search page for ``--term`` (the full bench's fragment by default), the
sizes interleaved request by request, so the ratio is measured in one process at one moment.
Rounds alternate between the roots. Also printed: each search's SQL time (the queries' own
durations, to the millisecond), in all and per table queried first, to tell the database's share
from the page's; and its CPU time ("cpu": this process's plus its PostgreSQL backend's, read
from ``/proc`` when the server runs on this machine; "pg cpu": the backend's alone), which other
work on a shared machine disturbs far less than the wall-clock times (the backend's in clock
ticks, hence summed over every request of a round).

``--profile SIZE`` prints a cProfile of the first root's search at that size instead.
``--dump DIR`` writes the first root's answers instead, at both sizes, for each of ``DUMP_TERMS``
(or the ``--term`` given), as the page and as the panel the box shows while typing, in every
language (the CSRF tokens blanked), to ``DIR/SIZE-TERM-LANGUAGE-page.html`` and ``…-panel.html``,
so that two checkouts' answers can be compared byte for byte (``diff -r``).
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
# A fragment of names (the full bench's), two common ones, a number and an e-mail fragment.
DUMP_TERMS = ("eber", "mart", "ange", "1001", "contact1@")

_CHILD = r"""
import json, os, re, statistics, sys, time, warnings
root, term, renders, profile, dump = sys.argv[1], sys.argv[2], int(sys.argv[3]), *sys.argv[4:6]
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
if dump:
    from django.conf import settings
    token = re.compile(rb'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')
    os.makedirs(dump, exist_ok=True)
    for size in sizes:
        for language, _name in settings.LANGUAGES:
            session = clients[size].session
            session["crm_language"] = language
            session.save()
            for dumped in term.split(","):
                url = "/search/?" + urlencode({"q": dumped})
                name = re.sub(r"[^a-z0-9]+", "_", dumped.lower())
                for shape, headers in (("page", {}), ("panel", {"HTTP_HX_REQUEST": "true"})):
                    response = clients[size].get(url, **headers)
                    assert response.status_code == 200, (size, dumped, response.status_code)
                    out = os.path.join(dump, f"{size}-{name}-{language}-{shape}.html")
                    with open(out, "wb") as written:
                        written.write(token.sub(rb"\1-", response.content))
    sys.exit(0)
for _ in range(3):
    for size in sizes:
        response = clients[size].get(path)
        assert response.status_code == 200, (size, response.status_code)
if profile:
    import cProfile, pstats
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(renders):
        clients[profile].get(path)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stderr)
    stats.sort_stats("cumulative").print_stats(70)
    stats.sort_stats("tottime").print_stats(30)
    sys.exit(0)
page = {size: [] for size in sizes}
sql = {size: [] for size in sizes}
tables = {size: {} for size in sizes}
table_of = re.compile(r'FROM "([a-z_]+)"')
with connection.cursor() as cursor:
    cursor.execute("SELECT pg_backend_pid()")
    backend_stat = f"/proc/{cursor.fetchone()[0]}/stat"
tick = os.sysconf("SC_CLK_TCK")


def backend_cpu():
    # The server's CPU time (user + system) for this connection, when it runs on this machine.
    try:
        with open(backend_stat) as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / tick


cpu = {size: {"python": 0.0, "postgres": 0.0} for size in sizes}
for _ in range(renders):
    for size in sizes:
        with CaptureQueriesContext(connection) as captured:
            server, start, own = backend_cpu(), time.perf_counter(), time.process_time()
            clients[size].get(path)
            page[size].append(time.perf_counter() - start)
            cpu[size]["python"] += time.process_time() - own
            if server is not None:
                cpu[size]["postgres"] += backend_cpu() - server
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
    "cpu": {
        size: {part: total / renders for part, total in spent.items()} for size, spent in cpu.items()
    },
}))
"""


def _run(root: str, term: str, renders: int, profile: str = "", dump: str = "") -> dict:
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, root, term, str(renders), profile, dump],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        sys.exit(result.stderr)
    if profile:
        print(result.stderr)
    return json.loads(result.stdout) if result.stdout.strip() else {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", action="append", required=True)
    parser.add_argument("--term", default="")
    parser.add_argument("--renders", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", choices=SIZES, default="", metavar="SIZE")
    parser.add_argument("--dump", default="", metavar="DIR")
    args = parser.parse_args()
    roots = [os.path.abspath(root) for root in args.root]
    if args.dump:
        _run(roots[0], args.term or ",".join(DUMP_TERMS), 0, dump=os.path.abspath(args.dump))
        return
    args.term = args.term or "eber"
    if args.profile:
        _run(roots[0], args.term, args.renders, profile=args.profile)
        return
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
                spent = out.get("cpu", {}).get(size, {})
                found[root].setdefault("cpu", {s: [] for s in SIZES})[size].append(
                    sum(spent.values())
                )
                found[root].setdefault("pg cpu", {s: [] for s in SIZES})[size].append(
                    spent.get("postgres", 0.0)
                )
            for size in SIZES:
                for table, value in out["tables"][size].items():
                    tables[root].setdefault((table, size), []).append(value)
    for root in roots:
        print(root)
        for part in ("page", "sql", "cpu", "pg cpu"):
            small, large = (statistics.median(found[root][part][size]) for size in SIZES)
            if not small:
                continue
            print(
                f"  {part:<6} small {small * 1000:7.1f} ms  large {large * 1000:7.1f} ms"
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
