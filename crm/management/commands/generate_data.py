"""Fill a company with a large, realistic, reproducible data set (for benchmarks and load tests).

    manage.py generate_data --company bench --leads 1000000 --customers 1000000 \\
        --opportunities 200000 --quotations 100000 --orders 50000 --addresses-per-record 1

The apps' generators (``crm.sample.generate``) write in one transaction, with COPY on
PostgreSQL. The same seed and arguments give the same values on an empty company. A company that
holds real data is refused unless ``--force``; one that does not exist is created with the
defaults every new company gets.
"""

from __future__ import annotations

import argparse

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from crm.audit import AuditedCommand
from crm.errors import DomainError
from crm.sample.generate import DEFAULT_BATCH_SIZE, Plan, Report, data_generate


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("“%(value)s” is not a whole number") % {"value": value}
        ) from None
    if number < 0:
        raise argparse.ArgumentTypeError(
            _("%(number)s is negative; give 0 or more") % {"number": number}
        )
    return number


def _positive(value: str) -> int:
    number = _count(value)
    if number < 1:
        raise argparse.ArgumentTypeError(_("give 1 or more"))
    return number


class Command(AuditedCommand):
    help = (
        "Generate leads, opportunities, customers, quotations and sales orders with addresses "
        "and contacts into a company (created if missing), fast and reproducibly. Refuses a "
        "company with real data unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--company", metavar="SLUG", required=True, help="The company's slug.")
        parser.add_argument(
            "--company-name", metavar="NAME", help="Name of a new company (default: the slug)."
        )
        parser.add_argument(
            "--owner-email",
            metavar="EMAIL",
            help="Owner of a new company (default: owner@SLUG.example, without a password).",
        )
        parser.add_argument("--leads", type=_count, required=True, metavar="N")
        parser.add_argument("--customers", type=_count, required=True, metavar="N")
        parser.add_argument(
            "--opportunities",
            type=_count,
            default=0,
            metavar="N",
            help="Leads converted to opportunities (at most --leads).",
        )
        parser.add_argument("--quotations", type=_count, default=0, metavar="N")
        parser.add_argument(
            "--orders",
            type=_count,
            default=0,
            metavar="N",
            help="Quotations that became orders (at most --quotations; needs --customers).",
        )
        parser.add_argument(
            "--addresses-per-record",
            type=_count,
            default=1,
            metavar="K",
            help="Addresses and contacts of each lead and customer (default 1).",
        )
        parser.add_argument("--seed", type=_count, default=2026, help="Random seed (default 2026).")
        parser.add_argument(
            "--force", action="store_true", help="Add generated rows to a company with real data."
        )
        parser.add_argument(
            "--fk-triggers",
            action="store_true",
            help="PostgreSQL: check foreign keys row by row even when the role may skip the "
            "triggers (slower; see crm.sample.generate).",
        )
        parser.add_argument(
            "--batch-size",
            type=_positive,
            default=DEFAULT_BATCH_SIZE,
            metavar="B",
            help=f"Records per batch (default {DEFAULT_BATCH_SIZE}).",
        )

    def handle(self, *args, **options):
        plan = Plan(
            leads=options["leads"],
            customers=options["customers"],
            opportunities=options["opportunities"],
            quotations=options["quotations"],
            orders=options["orders"],
            addresses_per_record=options["addresses_per_record"],
            seed=options["seed"],
            batch_size=options["batch_size"],
        )
        try:
            report = data_generate(
                slug=options["company"],
                plan=plan,
                stderr=self.stderr,
                company_name=options["company_name"],
                owner_email=options["owner_email"],
                force=options["force"],
                fk_triggers=options["fk_triggers"],
            )
        except DomainError as error:
            raise CommandError(error.message) from error
        self._report(report)

    def _report(self, report: Report) -> None:
        write = self.stdout.write
        company = report.company
        if report.created:
            headline = _("Generated into %(name)s (%(slug)s), a new company.")
        else:
            headline = _("Generated into %(name)s (%(slug)s), an existing company.")
        write(headline % {"name": company.name, "slug": company.slug})
        heading = (_("table"), _("rows"), _("write s"), _("rows/s"))
        write(f"{heading[0]:<32} {heading[1]:>12} {heading[2]:>9} {heading[3]:>10}")
        for label, rows in report.rows.items():
            stats = report.stats.get(label)
            if stats and stats.seconds:
                timing = f"{stats.seconds:>9.1f} {rows / stats.seconds:>10,.0f}"
            else:
                timing = f"{'-':>9} {'-':>10}"  # a few rows saved through the ORM
            write(f"{label:<32} {rows:>12,} {timing}")
        steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in report.steps.items())
        # ANALYZE runs after the commit (PostgreSQL), outside the wall time below.
        write(
            _("Steps: %(steps)s; waiting for the database: %(seconds)s s.")
            % {"steps": steps, "seconds": f"{report.waited:.1f}"}
        )
        if not report.fk_triggers:
            write(
                _(
                    "Foreign keys: checked once per referenced row (the row-by-row triggers "
                    "were off)."
                )
            )
        rate = report.total / report.seconds if report.seconds else 0
        wall = _("total (wall time)")
        write(f"{wall:<32} {report.total:>12,} {report.seconds:>9.1f} {rate:>10,.0f}")
        write(
            self.style.SUCCESS(
                _("%(rows)s rows in %(seconds)s s (%(rate)s rows/s overall).")
                % {
                    "rows": f"{report.total:,}",
                    "seconds": f"{report.seconds:.1f}",
                    "rate": f"{rate:,.0f}",
                }
            )
        )
