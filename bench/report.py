"""From the run's raw figures to ratios, the issue's targets (met or not) and a markdown table.

Absolute times drift on a shared machine; ratios taken in one run hold. Each page's median is
divided by its floor's median at the same size (the list floor, or the detail floor of its kind
of page, ``Page.floor``), and each page at the large size by itself at the small size. A page
that failed any request meets no target, however fast it was.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from bench.imports import import_line
from bench.stats import ratio

LIST_FLOOR = "floor"
# The targets.
LIST_TO_FLOOR = 1.5
LARGE_TO_SMALL = 1.2
SEARCH_TO_EQUALITY = 2.0
DETAIL_TO_FLOOR = 2.0
GENERATOR_ROWS_PER_S = 20_000
IMPORT_ROWS_PER_S = 20_000
# DESIGN.md's bar for the lead list at the large size: 20 times the 4 req/s the peers manage at
# 100k rows, in at most 6 queries and under 60 KiB of HTML.
DESIGN_LEAD_LIST_RPS = 80
DESIGN_LEAD_LIST_QUERIES = 6
DESIGN_LEAD_LIST_KIB = 60


@dataclass
class Row:
    page: str
    title: str
    kind: str
    size: str
    leads: int
    median_ms: float | None
    p95_ms: float | None
    rps: float | None
    requests: int
    failures: int
    queries: int | None
    kib: float | None
    to_floor: float | None
    large_to_small: float | None = None
    # The floor ``to_floor`` divides by, and for a page divided by a detail floor its ratio to
    # the list floor too (what runs before the detail floors reported).
    floor: str = LIST_FLOOR
    to_list_floor: float | None = None


@dataclass
class Target:
    name: str
    figure: str
    met: bool

    def line(self) -> str:
        return f"- {'met' if self.met else 'NOT met'}: {self.name}: {self.figure}"


def page_rows(pages: list[dict], sizes: list[dict], scenarios: dict, measures: dict) -> list[Row]:
    """One row per page and size, the small size first, with both ratios.

    ``pages`` are Page.as_dict() (same names at both sizes; one without ``floor`` is divided by
    the list floor); ``scenarios`` and ``measures`` are keyed "<size label>:<page name>".
    """
    rows = []
    first, last = sizes[0]["label"], sizes[-1]["label"]
    for page in pages:
        small_median = scenarios.get(f"{first}:{page['name']}", {}).get("median_ms")
        for size in sizes:
            key = f"{size['label']}:{page['name']}"
            figures = scenarios.get(key, {})
            floor_name = page.get("floor") or LIST_FLOOR
            floor = scenarios.get(f"{size['label']}:{floor_name}", {})
            list_floor = scenarios.get(f"{size['label']}:{LIST_FLOOR}", {})
            measure = measures.get(key, {})
            median = figures.get("median_ms")
            rows.append(
                Row(
                    page=page["name"],
                    title=page["title"],
                    kind=page["kind"],
                    size=size["label"],
                    leads=size["leads"],
                    median_ms=median,
                    p95_ms=figures.get("p95_ms"),
                    rps=figures.get("rps"),
                    requests=figures.get("requests", 0),
                    failures=figures.get("failures", 0),
                    queries=measure.get("queries"),
                    kib=round(measure["html_bytes"] / 1024, 1) if "html_bytes" in measure else None,
                    to_floor=ratio(median, floor.get("median_ms")),
                    large_to_small=ratio(median, small_median)
                    if size["label"] == last and last != first
                    else None,
                    floor=floor_name,
                    to_list_floor=ratio(median, list_floor.get("median_ms"))
                    if floor_name != LIST_FLOOR
                    else None,
                )
            )
    return rows


def _find(rows: list[Row], page: str, size: str) -> Row | None:
    return next((row for row in rows if row.page == page and row.size == size), None)


def median_ratio(rows: list[Row], page: str, other: str, size: str) -> float | None:
    """``page``'s median over ``other``'s at one size (e.g. the search over the equality)."""
    first, second = _find(rows, page, size), _find(rows, page=other, size=size)
    if first is None or second is None:
        return None
    return ratio(first.median_ms, second.median_ms)


def _failed(*rows: Row | None) -> str:
    failures = sum(row.failures for row in rows if row is not None)
    missing = [row for row in rows if row is None or row.median_ms is None]
    if missing:
        return "not measured"
    return f"{failures} failed requests" if failures else ""


def _x(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def targets(
    rows: list[Row],
    *,
    list_pages: tuple[str, ...],
    detail_pages: tuple[str, ...],
    conversion: dict,
    generator: dict,
    small: str = "small",
    large: str = "large",
    imported: dict | None = None,
) -> list[Target]:
    """Each of the issue's targets as measured, met or not."""
    result = []
    if imported is not None:
        rate = imported.get("rows_per_s")
        result.append(
            Target(
                f"import >= {IMPORT_ROWS_PER_S:,} clean lead rows/s",
                "n/a"
                if rate is None
                else f"{rate:,} rows/s"
                + ("" if imported.get("ok") else " (rows missing or refused)"),
                bool(imported.get("ok")) and rate is not None and rate >= IMPORT_ROWS_PER_S,
            )
        )
    for page in list_pages:
        big, little = _find(rows, page, large), _find(rows, page, small)
        failed = _failed(big, little)
        to_floor = big.to_floor if big else None
        result.append(
            Target(
                f"{page}: median <= {LIST_TO_FLOOR}x the floor at {large}",
                failed or _x(to_floor),
                not failed and to_floor is not None and to_floor <= LIST_TO_FLOOR,
            )
        )
        growth = big.large_to_small if big else None
        result.append(
            Target(
                f"{page}: {large}/{small} <= {LARGE_TO_SMALL}",
                failed or _x(growth),
                not failed and growth is not None and growth <= LARGE_TO_SMALL,
            )
        )
        counts = (little.queries if little else None, big.queries if big else None)
        result.append(
            Target(
                f"{page}: the same query count at both sizes",
                f"{counts[0]} / {counts[1]} queries",
                None not in counts and counts[0] == counts[1],
            )
        )

    search, equality = (
        _find(rows, "lead_list_search", large),
        _find(rows, "lead_list_status", large),
    )
    failed = _failed(search, equality)
    search_ratio = ratio(search.median_ms, equality.median_ms) if not failed else None
    result.append(
        Target(
            f"search by a name fragment <= {SEARCH_TO_EQUALITY}x an equality lookup at {large}",
            failed or _x(search_ratio),
            search_ratio is not None and search_ratio <= SEARCH_TO_EQUALITY,
        )
    )

    for page in detail_pages:
        big = _find(rows, page, large)
        failed = _failed(big)
        floor = big.floor if big else LIST_FLOOR
        result.append(
            Target(
                f"{page}: median <= {DETAIL_TO_FLOOR}x the {floor.replace('_', ' ')} at {large}",
                failed or _x(big.to_floor),
                not failed and big.to_floor is not None and big.to_floor <= DETAIL_TO_FLOOR,
            )
        )

    for label, figures in conversion.items():
        errors = len(figures.get("failed", []))
        duplicates = figures.get("check", {}).get("leads_with_more_than_one_opportunity")
        wrong = figures.get("check", {}).get("converted_without_exactly_one")
        result.append(
            Target(
                f"conversion at {label}: {figures.get('clients')} clients, 0 errors, "
                "0 duplicate opportunities",
                f"{len(figures.get('converted', []))} converted "
                f"({figures.get('rps', 0):.1f}/s), {errors} errors, {duplicates} duplicates, "
                f"{wrong} converted leads without exactly one opportunity",
                errors == 0 and duplicates == 0 and wrong == 0 and bool(figures.get("converted")),
            )
        )

    if large in generator:
        rate = generator[large].get("rows_per_s_reported") or generator[large].get(
            "rows_per_s_timed"
        )
        result.append(
            Target(
                f"generator >= {GENERATOR_ROWS_PER_S:,} rows/s ({large})",
                "n/a" if rate is None else f"{rate:,.0f} rows/s",
                rate is not None and rate >= GENERATOR_ROWS_PER_S,
            )
        )

    lead_list = _find(rows, "lead_list", large)
    if lead_list is not None:
        failed = _failed(lead_list)
        result.append(
            Target(
                f"DESIGN bar, lead list at {large}: >= {DESIGN_LEAD_LIST_RPS} req/s, "
                f"<= {DESIGN_LEAD_LIST_QUERIES} queries, < {DESIGN_LEAD_LIST_KIB} KiB",
                failed
                or f"{lead_list.rps} req/s, {lead_list.queries} queries, {lead_list.kib} KiB",
                not failed
                and (lead_list.rps or 0) >= DESIGN_LEAD_LIST_RPS
                and (lead_list.queries or 99) <= DESIGN_LEAD_LIST_QUERIES
                and (lead_list.kib or 999) < DESIGN_LEAD_LIST_KIB,
            )
        )
    return result


def _cell(value, fmt: str = "{}") -> str:
    return "" if value is None else fmt.format(value)


def markdown_table(rows: list[Row]) -> str:
    lines = [
        "| page | size | median ms | p95 ms | req/s | queries | KiB | x floor | floor"
        " | large/small |",
        "|---|---|--:|--:|--:|--:|--:|--:|---|--:|",
    ]
    for row in rows:
        failed = f" ({row.failures} failed)" if row.failures else ""
        lines.append(
            f"| {row.page}{failed} | {row.size} ({row.leads:,}) | {_cell(row.median_ms, '{:.1f}')}"
            f" | {_cell(row.p95_ms, '{:.1f}')} | {_cell(row.rps, '{:.1f}')}"
            f" | {_cell(row.queries)} | {_cell(row.kib, '{:.1f}')}"
            f" | {_cell(row.to_floor, '{:.2f}')} | {row.floor}"
            f" | {_cell(row.large_to_small, '{:.2f}')} |"
        )
    return "\n".join(lines)


def list_floor_line(rows: list[Row], size: str) -> str:
    """The pages divided by a detail floor, against the list floor too (as earlier runs)."""
    figures = ", ".join(
        f"{row.page} {row.to_list_floor:.2f}x"
        for row in rows
        if row.size == size and row.to_list_floor is not None
    )
    return f"Against the list floor at {size}: {figures}"


def conversion_table(conversion: dict) -> str:
    lines = [
        "| conversion | clients | converted | conv/s | median ms | p95 ms | errors | duplicates |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for label, figures in conversion.items():
        lines.append(
            f"| {label} | {figures.get('clients')} | {len(figures.get('converted', []))}"
            f" | {figures.get('rps', 0):.1f} | {_cell(figures.get('median_ms'), '{:.1f}')}"
            f" | {_cell(figures.get('p95_ms'), '{:.1f}')} | {len(figures.get('failed', []))}"
            f" | {figures.get('check', {}).get('leads_with_more_than_one_opportunity')} |"
        )
    return "\n".join(lines)


def export_table(exports: list[dict]) -> str:
    lines = [
        "| export (lead list) | format | rows | seconds | rows/s | MiB | queries |",
        "|---|---|--:|--:|--:|--:|--:|",
    ]
    for figures in exports:
        failed = "" if figures["status"] == 200 else f" (HTTP {figures['status']})"
        lines.append(
            f"| {figures['company']}{failed} | {figures['format']} | {figures['rows']:,}"
            f" | {figures['seconds']:.1f} | {figures['rows_per_s']:,} | {figures['mib']:.1f}"
            f" | {figures['queries']} |"
        )
    return "\n".join(lines)


def generator_table(generator: dict) -> str:
    lines = [
        "| generator | rows | seconds | rows/s (its own) | rows/s (timed) |",
        "|---|--:|--:|--:|--:|",
    ]
    for label, figures in generator.items():
        reported = figures.get("rows_per_s_reported")
        lines.append(
            f"| {label} | {figures.get('rows', 0):,} | {figures.get('seconds')}"
            f" | {'' if reported is None else f'{reported:,.0f}'}"
            f" | {figures.get('rows_per_s_timed') or 0:,} |"
        )
    return "\n".join(lines)


def machine_line(machine: dict) -> str:
    return (
        f"{machine.get('date')}, {machine.get('nproc')} cores ({machine.get('cpu')}), "
        f"{machine.get('ram_gib')} GiB RAM, PostgreSQL {machine.get('postgresql')}, "
        f"Python {machine.get('python')}, Django {machine.get('django')}, "
        f"gunicorn {machine.get('gunicorn_workers')} workers, locust {machine.get('locust')}"
    )


def rows_as_dicts(rows: list[Row]) -> list[dict]:
    return [asdict(row) for row in rows]


def targets_as_dicts(items: list[Target]) -> list[dict]:
    return [asdict(item) for item in items]


def summary(results: dict, rows: list[Row], goals: list[Target], flags: list) -> str:
    """What the run prints: the tables, the targets, where the SQL time goes, the flags."""
    large = results["config"]["sizes"][-1]["label"]
    mode = "quick" if results["config"]["quick"] else "full"
    sql_ms = results["explain"]["sql_ms"]
    parts = [
        f"## Benchmark ({mode}), {machine_line(results['machine'])}",
        markdown_table(rows),
        *([list_floor_line(rows, large)] if any(r.to_list_floor for r in rows) else []),
        conversion_table(results["conversion"]),
        export_table(results.get("export", [])),
        generator_table(results["generator"]),
        *([import_line(results["import"])] if results.get("import") else []),
        "Targets:\n" + "\n".join(goal.line() for goal in goals),
        f"SQL execution time per request at {large}, as EXPLAIN ANALYZE measured it (ms):\n"
        + ", ".join(f"{name} {ms:.1f}" for name, ms in sql_ms.items()),
        f"EXPLAIN flags at {large} (bench/results/{results['explain']['file']}):\n"
        + "\n".join(f"- {flag}" for flag in flags or ["none"]),
    ]
    return "\n" + "\n\n".join(parts) + "\n"
