"""``python -m bench [--quick] [--reuse]``: the whole benchmark, start to table.

1. its own PostgreSQL database (``<DATABASE_URL's name>_bench``), migrated and filled at two
   sizes by ``generate_data`` (bench.data);
2. per page, in this process: query count, HTML size, and EXPLAIN of its SQL at the large size
   (bench.measure, bench.explain);
3. gunicorn on 127.0.0.1 (bench.server) driven by locust from a second process (bench.load);
4. ratios, targets, ``bench/results/<date>.json`` and a markdown table (bench.report).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import warnings
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
POSTGRES_SCHEMES = ("postgres://", "postgresql://", "pgsql://")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="10k and 100k leads, 6 s a page (under 10 minutes in all)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the benchmark database if it already holds the requested sizes",
    )
    parser.add_argument("--small", type=int, help="leads in the small company (default 10,000)")
    parser.add_argument("--large", type=int, help="leads in the large company")
    parser.add_argument("--duration", type=float, help="seconds each page is measured")
    parser.add_argument("--conversion-duration", type=float, help="seconds of conversions")
    return parser.parse_args(argv)


def require_postgresql() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(POSTGRES_SCHEMES):
        raise SystemExit(
            "The benchmark runs on PostgreSQL only: set DATABASE_URL, e.g.\n"
            "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm make bench\n"
            "It works in a database of its own (the name with _bench added) and never touches "
            "the one DATABASE_URL names."
        )


def phase(timings: dict, name: str, started: float) -> float:
    now = time.monotonic()
    timings[name] = round(now - started, 1)
    print(f"   ({timings[name]:.1f} s)", flush=True)
    return now


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    require_postgresql()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    # No collectstatic needed: the load fetches pages, not assets (as pytest's settings say).
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()

    from django.db import connections

    from bench import data, report
    from bench.config import PASSWORD, make_config
    from bench.explain import explain_pages, flags_as_dicts
    from bench.machine import machine_info
    from bench.measure import measure_pages
    from bench.scenarios import DETAIL_PAGES, LIST_PAGES, pages_for
    from bench.server import LOG_DIR, gunicorn

    config = make_config(
        quick=args.quick,
        small_leads=args.small,
        large_leads=args.large,
        duration=args.duration,
        conversion_duration=args.conversion_duration,
    )
    timings: dict[str, float] = {}
    run_started = time.monotonic()
    started = run_started

    facts, reused = data.prepare(config, reuse=args.reuse)
    started = phase(timings, "data", started)
    pages = {f.label: pages_for(f, config) for f in facts}

    print("== query counts and HTML sizes (one request a page, in process)", flush=True)
    measures = {}
    for company in facts:
        for name, measure in measure_pages(company, pages[company.label]).items():
            measures[f"{company.label}:{name}"] = measure
            if measure.status != 200 or measure.markers_missing:
                print(
                    f"   !! {company.label}:{name}: HTTP {measure.status},"
                    f" missing {measure.markers_missing}",
                    flush=True,
                )
    started = phase(timings, "measure", started)

    large = config.large.label
    print(f"== EXPLAIN (ANALYZE, BUFFERS) of every page's SELECTs at {large}", flush=True)
    explain_text, flags, sql_ms = explain_pages(
        {page.name: measures[f"{large}:{page.name}"].sql for page in pages[large]}
    )
    stamp = date.today().isoformat() + ("-quick" if config.quick else "")
    RESULTS.mkdir(parents=True, exist_ok=True)
    explain_path = RESULTS / f"{stamp}-explain.txt"
    explain_path.write_text(explain_text)
    started = phase(timings, "explain", started)

    pool_size = int(150 * (config.conversion_duration + 2)) + 500
    pools = {f.label: data.conversion_pool(f, pool_size) for f in facts}
    plan = {
        "password": PASSWORD,
        "clients": config.clients,
        "duration": config.duration,
        "warmup": config.warmup,
        "companies": [
            {"label": f.label, "username": f.username, "logins": 2 * config.clients} for f in facts
        ],
        "scenarios": _scenario_order(pages, [f.label for f in facts]),
        "conversion": {
            "clients": config.conversion_clients,
            "duration": config.conversion_duration,
            "warmup": 2.0,
            "pools": pools,
        },
    }
    connections.close_all()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    plan_path, out_path = LOG_DIR / "plan.json", LOG_DIR / "load.json"
    print(
        f"== load: {config.clients} clients, {config.warmup:g} s warm-up + {config.duration:g} s"
        f" a page; then {config.conversion_clients} clients converting for"
        f" {config.conversion_duration:g} s",
        flush=True,
    )
    with gunicorn(workers=config.workers) as host:
        plan["host"] = host
        plan_path.write_text(json.dumps(plan))
        subprocess.run(
            [sys.executable, "-m", "bench.load", str(plan_path), str(out_path)],
            cwd=ROOT,
            check=True,
        )
    load = json.loads(out_path.read_text())
    started = phase(timings, "load", started)

    facts_by_label = {f.label: f for f in facts}
    for label, outcome in load["conversion"].items():
        outcome["check"] = data.conversion_check(
            facts_by_label[label], outcome["converted"], outcome["attempted"]
        )

    page_dicts = [page.as_dict() for page in pages[config.small.label]]
    sizes = [size.as_dict() for size in config.sizes]
    rows = report.page_rows(
        page_dicts,
        sizes,
        load["scenarios"],
        {key: measure.as_dict() for key, measure in measures.items()},
    )
    generator = {f.label: f.generator for f in facts}
    goals = report.targets(
        rows,
        list_pages=LIST_PAGES,
        detail_pages=DETAIL_PAGES,
        conversion=load["conversion"],
        generator=generator,
        small=config.small.label,
        large=large,
    )
    machine = {**machine_info(workers=config.workers), "locust": load.get("locust_version")}
    timings["total"] = round(time.monotonic() - run_started, 1)

    results = {
        "machine": machine,
        "config": config.as_dict(),
        "database_reused": reused,
        "timings_s": timings,
        "companies": [data.facts_as_dict(f) for f in facts],
        "pages": report.rows_as_dicts(rows),
        "load": load["scenarios"],
        "measures": {key: measure.as_dict() for key, measure in measures.items()},
        "conversion": {
            label: {key: value for key, value in outcome.items() if key not in ("attempted",)}
            | {"attempted": len(outcome["attempted"])}
            for label, outcome in load["conversion"].items()
        },
        "search_to_equality": {
            size.label: report.median_ratio(
                rows, "lead_list_search", "lead_list_status", size.label
            )
            for size in config.sizes
        },
        "generator": generator,
        "explain": {"file": explain_path.name, "sql_ms": sql_ms, "flags": flags_as_dicts(flags)},
        "targets": report.targets_as_dicts(goals),
    }
    results_path = RESULTS / f"{stamp}.json"
    results_path.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")

    print()
    print(f"## Benchmark ({'quick' if config.quick else 'full'}), {report.machine_line(machine)}")
    print()
    print(report.markdown_table(rows))
    print()
    print(report.conversion_table(load["conversion"]))
    print()
    print(report.generator_table(generator))
    print()
    print("Targets:")
    for goal in goals:
        print(goal.line())
    print()
    print(f"SQL execution time per request at {large}, as EXPLAIN ANALYZE measured it (ms):")
    print(", ".join(f"{name} {ms:.1f}" for name, ms in sql_ms.items()))
    print()
    print(f"EXPLAIN flags at {large} ({explain_path.relative_to(ROOT)}):")
    for flag in flags or ["none"]:
        print(f"- {flag}")
    print()
    print(f"Wrote {results_path.relative_to(ROOT)} in {timings['total']:.0f} s ({timings}).")


def _scenario_order(pages: dict, labels: list[str]) -> list[dict]:
    """Each page at every size back to back, so drift touches both alike; the floor first and
    again last (its figures are the two windows together)."""
    names = [page.name for page in pages[labels[0]]]
    order = [*names, "floor"]
    scenarios = []
    for name in order:
        for label in labels:
            page = next(page for page in pages[label] if page.name == name)
            scenarios.append(
                {
                    "id": f"{label}:{name}",
                    "company": label,
                    "path": page.path,
                    "markers": list(page.markers),
                    "sessions": page.sessions,
                }
            )
    return scenarios


if __name__ == "__main__":
    main()
