"""The in-process harness ``bench/lists.py`` and ``bench/detail.py`` share (issue 17).

Each root (a checkout of the code) runs in an interpreter of its own: the child script is
written here, by the checkout that drives the comparison, and imports only the root's app code
(never this module), so an older checkout without it can be compared too. The child logs in as
the salesperson of the size's company (the test client, the whole middleware, as gunicorn
serves it), asks every page three times to warm up, then ``--renders`` times each, the pages
interleaved, and prints each page's median and size as JSON. Rounds alternate between the roots,
so a busy machine slows both alike; each page is reported as the median of its medians and as a
ratio to its floor measured in the same process (the list floor, or the detail floor a tool
names for it, and then to the list floor too). ``--profile PAGE`` prints a cProfile of one
page instead, and ``--dump DIR`` writes each page's HTML (the CSRF tokens blanked) to
``DIR/PAGE.html``. ``--clock cpu`` times each request by the child's CPU time instead of the
wall clock: on a machine other programs share it moves far less between runs than the wall
clock, but it leaves out the time the database takes.

A tool gives the code that sets ``paths`` (page name -> URL, the floor first) in the child, where
``label`` (the size), ``slug`` (its company) and ``django`` are set up, and optionally
``dump_extra``: more pages that only the dump writes, and ``optional``: pages an older checkout
may lack (a 404 there leaves them out of that checkout's figures).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

_SETUP = r"""
import json, os, re, statistics, sys, time, warnings
root, label, renders, profile, dump, clock = sys.argv[1:7]
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
dump_extra = {}
optional = set()
# Pages that change the session's remembered "Mine / Everyone" get a client (a session) of
# their own, as the full bench gives them (bench.scenarios, ``sessions``).
own_session = set()
"""

_MEASURE = r"""
seller = get_user_model().objects.get(email=f"seller@{slug}.example")
client, own_client = Client(), Client()
client.force_login(seller)
own_client.force_login(seller)
clients = {name: own_client if name in own_session else client for name in paths}
for name, path in list(paths.items()):
    for _ in range(3):
        response = clients[name].get(path)
        if response.status_code == 404 and name in optional:
            print(f"{root}: no {name} (HTTP 404), left out", file=sys.stderr)
            del paths[name]
            break
        assert response.status_code == 200, (name, response.status_code)
if dump:
    paths.update(dump_extra)
    clients.update(dict.fromkeys(dump_extra, client))
    os.makedirs(dump, exist_ok=True)
    token = re.compile(rb'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')
    for name, path in paths.items():
        with open(os.path.join(dump, f"{name}.html"), "wb") as out:
            out.write(token.sub(rb"\1-", clients[name].get(path).content))
    sys.exit(0)
if profile:
    import cProfile, pstats
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(renders):
        clients[profile].get(paths[profile])
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stderr)
    stats.sort_stats("cumulative").print_stats(70)
    stats.sort_stats("tottime").print_stats(30)
    sys.exit(0)
times = {name: [] for name in paths}
# "cpu": this process's CPU time, which other programs on a shared machine barely move (the
# database's own time is left out, as it is not the Python a page adds to the floor).
now = time.process_time if clock == "cpu" else time.perf_counter
for _ in range(renders):
    for name, path in paths.items():
        start = now()
        clients[name].get(path)
        times[name].append(now() - start)
sizes = {name: len(clients[name].get(path).content) for name, path in paths.items()}
print(json.dumps({
    "median": {name: statistics.median(values) for name, values in times.items()},
    "bytes": sizes,
}))
"""


def child_script(paths_code: str) -> str:
    """The child's whole script around a tool's ``paths`` code."""
    return _SETUP + paths_code + _MEASURE


def parser_for(doc: str, pages: tuple[str, ...], *, dump: bool = False) -> argparse.ArgumentParser:
    """The options every in-process tool takes."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--root", action="append", required=True)
    parser.add_argument("--company", default="large", choices=("small", "large"))
    parser.add_argument("--renders", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", choices=pages, default="")
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="time each page by the wall clock (default) or by this process's CPU time, "
        "steadier on a machine others share but without the database's time",
    )
    if dump:
        parser.add_argument("--dump", default="", metavar="DIR")
    return parser


def _run(script: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=False
    )
    if result.returncode:
        sys.exit(result.stderr)
    if result.stderr:
        print(result.stderr)
    return result.stdout


def _ratio(ms: float | None, floor: float | None) -> str:
    return "  n/a " if ms is None or not floor else f"{ms / floor:5.2f}x"


def main(
    script: str,
    pages: tuple[str, ...],
    args: argparse.Namespace,
    floors: dict[str, str] | None = None,
) -> None:
    """A profile or a dump of the first root, or the comparison of every root; ``floors``
    names the floor of each page not divided by the list floor ("floor")."""
    floors = floors or {}
    roots = [os.path.abspath(root) for root in args.root]
    dump = getattr(args, "dump", "")
    if args.profile or dump:
        _run(
            script,
            roots[0],
            args.company,
            str(args.renders),
            args.profile,
            os.path.abspath(dump) if dump else "",
            args.clock,
        )
        return
    medians: dict[str, dict[str, list[float]]] = {root: {p: [] for p in pages} for root in roots}
    sizes: dict[str, dict[str, int]] = {}
    for _round in range(args.rounds):
        for root in roots:
            out = json.loads(
                _run(script, root, args.company, str(args.renders), "", "", args.clock)
            )
            for page, value in out["median"].items():
                medians[root][page].append(value)
            sizes[root] = out["bytes"]
    for root in roots:
        ms = {
            page: statistics.median(values) if values else None
            for page, values in medians[root].items()
        }
        print(root)
        for page in pages:
            if ms[page] is None:
                print(f"  {page:<20}     n/a")
                continue
            floor = floors.get(page, "floor")
            against = f"{_ratio(ms[page], ms.get(floor))} {floor:<14}"
            if floor != "floor":
                against += f" {_ratio(ms[page], ms['floor'])} floor"
            print(
                f"  {page:<20} {ms[page] * 1000:7.1f} ms  {against:<36}"
                f"  {sizes[root][page] / 1024:6.1f} KiB"
            )
    print(
        f"{time.strftime('%Y-%m-%d %H:%M')} company={args.company} rounds={args.rounds}"
        f" renders={args.renders} clock={args.clock} (medians of per-round medians; rounds alternate roots)"
    )
