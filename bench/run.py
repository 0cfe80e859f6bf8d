"""One benchmark run, phase by phase (``bench.__main__`` sets Django up first).

1. its own PostgreSQL database, migrated and filled at two sizes (bench.data);
2. per page, in this process: query count, HTML size (bench.measure), and EXPLAIN of its SQL at
   the large size (bench.explain); the whole lead list exported as CSV and XLSX, timed
   (bench.export);
3. gunicorn on 127.0.0.1 (bench.server) driven by locust from a second process (bench.load),
   then the conversions checked in the database;
4. ratios and targets (bench.report), ``bench/results/<date>.json`` and the printed table.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from django.db import connections

from bench import data, report
from bench.config import PASSWORD, RunConfig
from bench.data import CompanyFacts
from bench.explain import explain_pages, flags_as_dicts
from bench.export import measure_exports
from bench.imports import FULL_ROWS, QUICK_ROWS, import_line, measure_import
from bench.machine import machine_info
from bench.measure import PageMeasure, measure_pages
from bench.scenarios import DETAIL_PAGES, LIST_PAGES, Page, pages_for
from bench.server import LOG_DIR, gunicorn

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
# Conversions a second, at most, that the pool of leads must cover.
MAX_CONVERSION_RATE = 150
CONVERSION_WARMUP = 2.0


class Clock:
    """Seconds spent in each phase, printed as each one ends."""

    def __init__(self) -> None:
        self.started = self.lap_started = time.monotonic()
        self.timings: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.timings[name] = round(now - self.lap_started, 1)
        self.lap_started = now
        print(f"   ({self.timings[name]:.1f} s)", flush=True)

    def total(self) -> float:
        self.timings["total"] = round(time.monotonic() - self.started, 1)
        return self.timings["total"]


def measure_all(facts: list[CompanyFacts], pages: dict) -> dict[str, PageMeasure]:
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
    return measures


def scenario_order(pages: dict[str, list[Page]], labels: list[str]) -> list[dict]:
    """Each page at every size back to back, so drift touches both alike; each floor before
    the pages divided by it and again last (its figures are the two windows together)."""
    names = [page.name for page in pages[labels[0]]]
    floors = [page.name for page in pages[labels[0]] if page.kind == "floor"]
    scenarios = []
    for name in [*names, *floors]:
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


def drive(config: RunConfig, facts: list[CompanyFacts], pages: dict) -> dict:
    """Serve with gunicorn, load with locust in a second process; its figures."""
    pool_size = int(MAX_CONVERSION_RATE * (config.conversion_duration + CONVERSION_WARMUP)) + 500
    plan = {
        "password": PASSWORD,
        "clients": config.clients,
        "duration": config.duration,
        "warmup": config.warmup,
        "companies": [
            {"label": f.label, "username": f.username, "logins": 2 * config.clients} for f in facts
        ],
        "scenarios": scenario_order(pages, [f.label for f in facts]),
        "conversion": {
            "clients": config.conversion_clients,
            "duration": config.conversion_duration,
            "warmup": CONVERSION_WARMUP,
            "pools": {f.label: data.conversion_pool(f, pool_size) for f in facts},
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
    by_label = {f.label: f for f in facts}
    for label, outcome in load["conversion"].items():
        outcome["check"] = data.conversion_check(
            by_label[label], outcome["converted"], outcome["attempted"]
        )
    return load


def run(config: RunConfig, *, reuse: bool) -> None:
    clock = Clock()
    facts, reused = data.prepare(config, reuse=reuse)
    clock.lap("data")
    pages = {f.label: pages_for(f, config) for f in facts}
    measures = measure_all(facts, pages)
    clock.lap("measure")
    print("== export of the whole lead list (everyone's), CSV and XLSX, in process", flush=True)
    exports = [measure.as_dict() for f in facts for measure in measure_exports(f)]
    clock.lap("export")

    large = config.large.label
    print(f"== EXPLAIN (ANALYZE, BUFFERS) of every page's SELECTs at {large}", flush=True)
    explain_text, flags, sql_ms = explain_pages(
        {page.name: measures[f"{large}:{page.name}"].sql for page in pages[large]}
    )
    stamp = date.today().isoformat() + ("-quick" if config.quick else "")
    RESULTS.mkdir(parents=True, exist_ok=True)
    explain_path = RESULTS / f"{stamp}-explain.txt"
    explain_path.write_text(explain_text)
    clock.lap("explain")

    load = drive(config, facts, pages)
    clock.lap("load")

    imported = measure_import(QUICK_ROWS if config.quick else FULL_ROWS)
    print(import_line(imported), flush=True)
    clock.lap("import")

    rows = report.page_rows(
        [page.as_dict() for page in pages[config.small.label]],
        [size.as_dict() for size in config.sizes],
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
        imported=imported,
    )
    machine = {**machine_info(workers=config.workers), "locust": load.get("locust_version")}
    clock.total()
    results = {
        "machine": machine,
        "config": config.as_dict(),
        "database_reused": reused,
        "timings_s": clock.timings,
        "companies": [data.facts_as_dict(f) for f in facts],
        "pages": report.rows_as_dicts(rows),
        "load": load["scenarios"],
        "measures": {key: measure.as_dict() for key, measure in measures.items()},
        "conversion": {
            label: {key: value for key, value in outcome.items() if key != "attempted"}
            | {"attempted": len(outcome["attempted"])}
            for label, outcome in load["conversion"].items()
        },
        "export": exports,
        "search_to_equality": {
            size.label: report.median_ratio(
                rows, "lead_list_search", "lead_list_status", size.label
            )
            for size in config.sizes
        },
        "generator": generator,
        "import": imported,
        "explain": {"file": explain_path.name, "sql_ms": sql_ms, "flags": flags_as_dicts(flags)},
        "targets": report.targets_as_dicts(goals),
    }
    results_path = RESULTS / f"{stamp}.json"
    results_path.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    print(report.summary(results, rows, goals, flags))
    print(f"Wrote {results_path.relative_to(ROOT)} in {clock.timings['total']:.0f} s.")
