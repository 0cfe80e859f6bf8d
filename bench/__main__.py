"""``python -m bench [--quick] [--reuse]``: the whole benchmark, start to table.

Checks that ``DATABASE_URL`` is PostgreSQL, sets Django up with ``bench.settings`` and hands
over to ``bench.run``, which goes through the phases.
"""

from __future__ import annotations

import argparse
import os
import warnings

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
    parser.add_argument(
        "--import-only",
        type=int,
        metavar="ROWS",
        help="only the import benchmark, with ROWS lead rows (creates the database if missing)",
    )
    parser.add_argument(
        "--pages", action="store_true", help="list the pages measured, and exit (no database)"
    )
    return parser.parse_args(argv)


def list_pages(quick: bool) -> None:
    """Each page's name, kind, floor and title, as ``pages_for`` defines them (ids left at 0)."""
    from bench.config import make_config
    from bench.data import CompanyFacts
    from bench.scenarios import pages_for

    facts = CompanyFacts(
        label="small",
        slug="bench-small",
        company_id=0,
        username="",
        salesperson_id=0,
        other_salesperson_id=0,
        detail_lead_id=0,
        detail_lead_name="",
        quotation_id=0,
        quotation_number="",
        search_fragment="…",
    )
    for page in pages_for(facts, make_config(quick=quick)):
        print(f"{page.name:<24} {page.kind:<7} {page.floor:<15} {page.title}")


def require_postgresql() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(POSTGRES_SCHEMES):
        raise SystemExit(
            "The benchmark runs on PostgreSQL only: set DATABASE_URL, e.g.\n"
            "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm make bench\n"
            "It works in a database of its own (the name with _bench added) and never touches "
            "the one DATABASE_URL names."
        )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.pages:
        list_pages(args.quick)
        return
    require_postgresql()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    # No collectstatic needed: the load fetches pages, not assets (as pytest's settings say).
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()

    from bench.config import make_config
    from bench.run import run

    if args.import_only:
        from bench import data
        from bench.imports import import_line, measure_import

        if not data.database_exists():
            data.database_recreate()
        data.migrate()
        print(import_line(measure_import(args.import_only)))
        return

    config = make_config(
        quick=args.quick,
        small_leads=args.small,
        large_leads=args.large,
        duration=args.duration,
        conversion_duration=args.conversion_duration,
    )
    run(config, reuse=args.reuse)


if __name__ == "__main__":
    main()
