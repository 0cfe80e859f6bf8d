"""The figures the benchmark reports are computed as they say, on numbers known in advance."""

import pytest

from bench import report
from bench.__main__ import require_postgresql
from bench.config import make_config
from bench.explain import plan_flags
from bench.stats import percentile, ratio, summarize

SIZES = [{"label": "small", "leads": 10_000}, {"label": "large", "leads": 1_000_000}]
PAGES = [
    {"name": "floor", "title": "Floor", "kind": "floor"},
    {"name": "lead_list", "title": "Leads", "kind": "list"},
    {"name": "lead_list_status", "title": "Status", "kind": "list"},
    {"name": "lead_list_search", "title": "Search", "kind": "list"},
    {"name": "detail_floor", "title": "Detail floor", "kind": "floor", "floor": "floor"},
    {"name": "lead_detail", "title": "Lead", "kind": "detail", "floor": "detail_floor"},
]


def figures(median, *, failures=0, rps=100.0):
    return {
        "median_ms": median,
        "p95_ms": median * 2,
        "rps": rps,
        "requests": 50,
        "failures": failures,
    }


SCENARIOS = {
    "small:floor": figures(4.0),
    "large:floor": figures(5.0),
    "small:lead_list": figures(6.0),
    "large:lead_list": figures(7.0),
    "small:lead_list_status": figures(6.0),
    "large:lead_list_status": figures(6.5),
    "small:lead_list_search": figures(8.0),
    "large:lead_list_search": figures(20.0),
    "small:detail_floor": figures(5.0),
    "large:detail_floor": figures(6.0),
    "small:lead_detail": figures(8.0),
    "large:lead_detail": figures(9.0, failures=3),
}
MEASURES = {
    "small:lead_list": {"queries": 5, "html_bytes": 40 * 1024},
    "large:lead_list": {"queries": 5, "html_bytes": 41 * 1024},
    "small:lead_list_status": {"queries": 5, "html_bytes": 1024},
    "large:lead_list_status": {"queries": 6, "html_bytes": 1024},
}


def test_percentiles_medians_and_rates():
    times = [float(value) for value in range(1, 101)]  # 1..100 ms
    assert percentile(times, 0.95) == 95.0
    assert percentile(times, 0.5) == 50.0
    assert percentile([3.0], 0.95) == 3.0
    assert percentile([], 0.95) is None
    summary = summarize([30.0, 10.0, 20.0, 40.0], failures=1, seconds=2.0)
    assert summary["median_ms"] == 25.0
    assert summary["rps"] == 2.0  # successful requests only
    assert summary["failures"] == 1
    assert ratio(7.0, 5.0) == 1.4
    assert ratio(7.0, None) is None
    assert ratio(7.0, 0) is None


def test_rows_are_ratios_to_the_floor_at_the_same_size_and_large_to_small():
    rows = report.page_rows(PAGES, SIZES, SCENARIOS, MEASURES)
    by_key = {(row.page, row.size): row for row in rows}

    assert by_key[("lead_list", "small")].to_floor == 1.5  # 6 / 4
    assert by_key[("lead_list", "large")].to_floor == 1.4  # 7 / 5
    assert by_key[("lead_list", "large")].large_to_small == pytest.approx(1.17)  # 7 / 6
    assert by_key[("lead_list", "small")].large_to_small is None
    assert by_key[("lead_list", "large")].kib == 41.0
    assert by_key[("floor", "large")].to_floor == 1.0
    assert by_key[("lead_list", "large")].floor == "floor"
    assert by_key[("lead_list", "large")].to_list_floor is None


def test_detail_pages_are_divided_by_their_detail_floor_and_the_list_floor_too():
    rows = report.page_rows(PAGES, SIZES, SCENARIOS, MEASURES)
    by_key = {(row.page, row.size): row for row in rows}

    detail = by_key[("lead_detail", "large")]
    assert detail.floor == "detail_floor"
    assert detail.to_floor == 1.5  # 9 / 6
    assert detail.to_list_floor == 1.8  # 9 / 5
    assert by_key[("lead_detail", "small")].to_floor == 1.6  # 8 / 5
    # A detail floor itself is divided by the list floor.
    assert by_key[("detail_floor", "large")].to_floor == 1.2  # 6 / 5
    assert by_key[("detail_floor", "large")].floor == "floor"
    # Figures from before the detail floors (no "floor" in the page): the list floor.
    old = report.page_rows(
        [{"name": "lead_detail", "title": "Lead", "kind": "detail"}], SIZES, SCENARIOS, {}
    )
    assert old[-1].floor == "floor" and old[-1].to_floor == 1.8


def test_search_over_equality_is_taken_at_one_size():
    rows = report.page_rows(PAGES, SIZES, SCENARIOS, MEASURES)
    assert report.median_ratio(rows, "lead_list_search", "lead_list_status", "large") == 3.08
    assert report.median_ratio(rows, "lead_list_search", "lead_list_status", "small") == 1.33
    assert report.median_ratio(rows, "lead_list_search", "board", "large") is None


def test_targets_say_met_or_not_with_the_figure():
    rows = report.page_rows(PAGES, SIZES, SCENARIOS, MEASURES)
    conversion = {
        "large": {
            "clients": 32,
            "rps": 12.0,
            "converted": [1, 2, 3],
            "failed": [],
            "check": {
                "leads_with_more_than_one_opportunity": 0,
                "converted_without_exactly_one": 0,
            },
        }
    }
    generator = {"large": {"rows_per_s_reported": 25_000.0}}
    goals = {
        goal.name: goal
        for goal in report.targets(
            rows,
            list_pages=("lead_list", "lead_list_status"),
            detail_pages=("lead_detail",),
            conversion=conversion,
            generator=generator,
        )
    }

    assert goals["lead_list: median <= 1.5x the floor at large"].met
    assert goals["lead_list: large/small <= 1.2"].met
    assert goals["lead_list: the same query count at both sizes"].met
    assert not goals["lead_list_status: the same query count at both sizes"].met
    search = goals["search by a name fragment <= 2.0x an equality lookup at large"]
    assert not search.met and search.figure == "3.08x"  # 20 / 6.5
    # Fast, but three requests failed: a failing page is not fast.
    detail = goals["lead_detail: median <= 2.0x the detail floor at large"]
    assert not detail.met and detail.figure == "3 failed requests"
    fine = report.targets(
        report.page_rows(PAGES, SIZES, {**SCENARIOS, "large:lead_detail": figures(9.0)}, {}),
        list_pages=(),
        detail_pages=("lead_detail",),
        conversion={},
        generator={},
    )
    assert [(goal.figure, goal.met) for goal in fine if goal.name.startswith("lead_detail")] == [
        ("1.50x", True)  # 9 / 6, the detail floor; 1.8x the list floor
    ]
    assert goals["generator >= 20,000 rows/s (large)"].met
    assert next(goal for name, goal in goals.items() if name.startswith("conversion")).met


def test_markdown_table_has_a_row_per_page_and_size():
    rows = report.page_rows(PAGES, SIZES, SCENARIOS, MEASURES)
    table = report.markdown_table(rows)
    assert table.count("\n") == 1 + len(PAGES) * len(SIZES)
    assert (
        "| lead_list | large (1,000,000) | 7.0 | 14.0 | 100.0 | 5 | 41.0 | 1.40 | floor | 1.17 |"
        in table
    )
    assert "| lead_detail (3 failed) | large (1,000,000) | 9.0 |" in table
    assert "| 1.50 | detail_floor | 1.12 |" in table  # 9 / 6; 9 / 8


def test_the_printed_summary_names_the_machine_and_each_part():
    rows = report.page_rows(PAGES, SIZES, SCENARIOS, MEASURES)
    results = {
        "config": {"quick": True, "sizes": SIZES},
        "machine": {"nproc": 2, "postgresql": "15.20", "date": "2026-11-23"},
        "conversion": {},
        "generator": {"large": {"rows": 100, "seconds": 1.0, "rows_per_s_reported": 100.0}},
        "explain": {"file": "2026-11-23-quick-explain.txt", "sql_ms": {"lead_list": 1.25}},
    }
    text = report.summary(results, rows, [report.Target("a target", "1.00x", True)], [])
    assert "## Benchmark (quick), 2026-11-23, 2 cores" in text
    assert "PostgreSQL 15.20" in text
    assert "| lead_list | large (1,000,000) |" in text
    assert "Against the list floor at large: lead_detail 1.80x" in text
    assert "- met: a target: 1.00x" in text
    assert "lead_list 1.2" in text  # SQL ms
    assert "EXPLAIN flags at large (bench/results/2026-11-23-quick-explain.txt):\n- none" in text


def test_explain_flags_sequential_scans_and_sorts_over_many_rows():
    plan = {
        "Plan": {
            "Node Type": "Limit",
            "Plans": [
                {
                    "Node Type": "Sort",
                    "Sort Key": ["created_at DESC"],
                    "Sort Method": "top-N heapsort",
                    "Actual Rows": 50,
                    "Actual Loops": 1,
                    "Plans": [
                        {
                            "Node Type": "Seq Scan",
                            "Relation Name": "leads_lead",
                            "Actual Rows": 200_000,
                            "Rows Removed by Filter": 800_000,
                            "Actual Loops": 1,
                        }
                    ],
                },
                {
                    "Node Type": "Index Scan",
                    "Relation Name": "crm_salesperson",
                    "Actual Rows": 1,
                    "Actual Loops": 50,
                },
            ],
        }
    }
    flags = plan_flags(plan, page="lead_list", query=3)
    assert [(flag.what, flag.rows) for flag in flags] == [
        ("Sort", 200_000),
        ("Seq Scan", 1_000_000),
    ]


def test_quick_mode_and_the_deep_page_that_exists_at_both_sizes():
    quick = make_config(quick=True)
    assert (quick.small.leads, quick.large.leads) == (10_000, 100_000)
    assert quick.deep_page == 150
    full = make_config(quick=False)
    assert full.large.leads == 1_000_000 and full.duration > quick.duration
    assert make_config(quick=True, small_leads=2_000).deep_page == 40


def test_it_refuses_to_run_without_postgresql(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///db.sqlite3")
    with pytest.raises(SystemExit, match="PostgreSQL"):
        require_postgresql()
