"""In-process timing of the list pages against the floor, to compare two checkouts (issue 17).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm \
        python bench/lists.py --root OLD_CHECKOUT --root NEW_CHECKOUT [--renders 30] [--rounds 3]
    DATABASE_URL=... python bench/lists.py --root CHECKOUT --profile lead_list
    DATABASE_URL=... python bench/lists.py --root CHECKOUT --dump DIR

Like ``bench/detail.py``: it reads the benchmark's own database (``_bench`` added to the name) at
the size ``--company`` names; each root runs in its own interpreter (its own code) and requests,
through the test client as the salesperson who logs in (the whole middleware, as gunicorn serves
it), the floor and every list page, ``--renders`` times each after a warm-up, the pages
interleaved. Rounds alternate between the roots, and each page is reported as the median of its
medians and as a ratio to the floor measured in the same process. ``--profile PAGE`` prints a
cProfile of that page instead; ``--dump DIR`` writes each page's HTML (the CSRF tokens blanked)
to ``DIR/PAGE.html`` (and the dashboard's, the search page's and the new-lead form's, which share
the layout), so that two checkouts' pages can be compared byte for byte.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

PAGES = (
    "floor",
    "lead_list",
    "lead_list_status",
    "lead_list_all",
    "lead_list_search",
    "opportunity_list",
    "customer_list",
    "quotation_list",
    "order_list",
    "address_list",
)

CHILD = r"""
import json, os, re, statistics, sys, time, warnings
root, label, renders, profile, dump = sys.argv[1:6]
renders = int(renders)
sys.path.insert(0, root)
os.chdir(root)
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
warnings.filterwarnings("ignore", message="No directory at")
import django
django.setup()
from django.contrib.auth import get_user_model
from django.test import Client

slug = f"bench-{label}"
paths = {
    "floor": "/bench/floor/",
    "lead_list": "/leads/",
    "lead_list_status": "/leads/?status=contacted",
    "lead_list_all": "/leads/?owner=all&sort=name",
    # The full bench's fragment (bench.data picks it: 18,254 leads hold it at a million, 3,391
    # of them the salesperson's).
    "lead_list_search": "/leads/?q=eber",
    "opportunity_list": "/leads/opportunities/",
    "customer_list": "/customers/",
    "quotation_list": "/selling/quotations/",
    "order_list": "/selling/orders/",
    "address_list": "/addressbook/",
}
client = Client()
client.force_login(get_user_model().objects.get(email=f"seller@{slug}.example"))
for name, path in paths.items():
    for _ in range(3):
        response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
if dump:
    # Pages that share the layout with the lists, for the comparison only.
    paths.update({"dashboard": "/", "search": "/search/?q=sam&x=%3C%26%22", "lead_form": "/leads/new/"})
    os.makedirs(dump, exist_ok=True)
    token = re.compile(rb'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')
    for name, path in paths.items():
        with open(os.path.join(dump, f"{name}.html"), "wb") as out:
            out.write(token.sub(rb"\1-", client.get(path).content))
    sys.exit(0)
if profile:
    import cProfile, pstats
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(renders):
        client.get(paths[profile])
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stderr)
    stats.sort_stats("cumulative").print_stats(70)
    stats.sort_stats("tottime").print_stats(30)
    sys.exit(0)
times = {name: [] for name in paths}
for _ in range(renders):
    for name, path in paths.items():
        start = time.perf_counter()
        client.get(path)
        times[name].append(time.perf_counter() - start)
sizes = {name: len(client.get(path).content) for name, path in paths.items()}
print(json.dumps({
    "median": {name: statistics.median(values) for name, values in times.items()},
    "bytes": sizes,
}))
"""


def run(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, check=False
    )
    if result.returncode:
        sys.exit(result.stderr)
    if result.stderr:
        print(result.stderr)
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", action="append", required=True)
    parser.add_argument("--company", default="large", choices=("small", "large"))
    parser.add_argument("--renders", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", choices=PAGES, default="")
    parser.add_argument("--dump", default="", metavar="DIR")
    args = parser.parse_args()
    roots = [os.path.abspath(root) for root in args.root]
    if args.profile or args.dump:
        dump = os.path.abspath(args.dump) if args.dump else ""
        run(roots[0], args.company, str(args.renders), args.profile, dump)
        return
    medians: dict[str, dict[str, list[float]]] = {root: {p: [] for p in PAGES} for root in roots}
    sizes: dict[str, dict[str, int]] = {}
    for _round in range(args.rounds):
        for root in roots:
            out = json.loads(run(root, args.company, str(args.renders), "", ""))
            for page, value in out["median"].items():
                medians[root][page].append(value)
            sizes[root] = out["bytes"]
    for root in roots:
        floor = statistics.median(medians[root]["floor"])
        print(root)
        for page in PAGES:
            ms = statistics.median(medians[root][page])
            print(
                f"  {page:<20} {ms * 1000:7.1f} ms  {ms / floor:5.2f}x floor"
                f"  {sizes[root][page] / 1024:6.1f} KiB"
            )
    print(
        f"{time.strftime('%Y-%m-%d %H:%M')} company={args.company} rounds={args.rounds}"
        f" renders={args.renders} (medians of per-round medians; rounds alternate roots)"
    )


if __name__ == "__main__":
    main()
