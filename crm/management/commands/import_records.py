"""``manage.py import_records --company SLUG --kind K FILE [--mapping NAME] [--dry-run]
[--keep-good-rows] [--update] [--as EMAIL]``: import a CSV or XLSX file of leads, customers, contacts,
addresses or products, validated as the pages validate them.

Without ``--mapping`` the columns are matched by their headers. Every bad row is listed on
stdout (row, column, value, message) and the exit status is 1; all-or-nothing (the default)
then writes nothing, ``--keep-good-rows`` writes the good rows. ``--as`` imports as that member
would on the import page: a matched record is updated only within their edit level, and a new
record naming no salesperson is theirs; without it the command acts for the company as a whole.
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_scopes import scope

from crm.access.commands import acting_for, acting_user, add_acting_user_argument
from crm.audit import AuditedCommand
from crm.errors import DomainError
from crm.imports.engine import ImportRun
from crm.imports.jobs import REPORT_HEADER
from crm.imports.kinds import get_import_kind, guess_columns, import_kinds
from crm.imports.reading import read_table
from crm.models import Company, ImportMapping
from crm.progress import ProgressBar


class Command(AuditedCommand):
    help = __doc__.split("\n\n")[0]

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--company", required=True, help="the company's slug")
        parser.add_argument(
            "--kind", required=True, choices=sorted(kind.key for kind in import_kinds())
        )
        parser.add_argument("--mapping", help="a mapping saved on the import page, by name")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write none")
        parser.add_argument(
            "--keep-good-rows",
            action="store_true",
            help="write the good rows even if some are bad (default: all or nothing)",
        )
        parser.add_argument(
            "--update",
            action="store_true",
            help="update the existing record a row matches (default: skip the row)",
        )
        parser.add_argument("--encoding", help="e.g. utf-8, cp1252 (default: detected)")
        parser.add_argument("--delimiter", help="e.g. ';' (default: detected)")
        parser.add_argument(
            "--decimal-comma",
            choices=["yes", "no"],
            help="whether numbers are written 1.234,50 (default: detected)",
        )
        add_acting_user_argument(parser, action="edit")

    def handle(self, *args, **options):
        company = Company.objects.filter(slug=options["company"]).first()
        if company is None:
            raise CommandError(
                _("No company with the slug “%(slug)s”.") % {"slug": options["company"]}
            )
        kind = get_import_kind(options["kind"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No file %(path)s.") % {"path": path})
        decimal_comma = options["decimal_comma"]
        try:
            table = read_table(
                path.read_bytes(),
                filename=path.name,
                encoding=options["encoding"],
                delimiter=options["delimiter"],
                decimal_comma=None if decimal_comma is None else decimal_comma == "yes",
            )
        except DomainError as error:
            raise CommandError(error.message) from error
        with scope(company=company):
            actor = acting_user(company, options["acting_user"])
            # stdout carries only the CSV report of bad rows: the rest goes to stderr.
            self.stderr.write(acting_for(company, actor))
            if options["mapping"]:
                mapping = ImportMapping.objects.filter(
                    company=company, kind=kind.key, name=options["mapping"]
                ).first()
                if mapping is None:
                    raise CommandError(
                        _("No %(kind)s mapping named “%(name)s”.")
                        % {"kind": kind.key, "name": options["mapping"]}
                    )
                columns = mapping.columns
            else:
                columns = guess_columns(kind, table.headers)
            total = table.count()
            with (
                self.acting_as(actor),
                ProgressBar(
                    total=total,
                    stream=self.stderr,
                    label=_("Importing %(kind)s") % {"kind": kind.key},
                ) as bar,
            ):

                def progress(outcome):
                    bar.advance(outcome.processed - bar.done)

                try:
                    outcome = ImportRun(
                        company=company,
                        kind=kind,
                        table=table,
                        columns=columns,
                        duplicates="update" if options["update"] else "skip",
                        keep_good_rows=options["keep_good_rows"],
                        dry_run=options["dry_run"],
                        actor=actor,
                        progress=progress,
                        total=total,
                    ).run()
                except DomainError as error:
                    raise CommandError(error.message) from error
        if outcome.errors:
            writer = csv.writer(self.stdout)
            writer.writerow(REPORT_HEADER)
            for error in outcome.errors:
                writer.writerow(error.as_list())
        if options["dry_run"] or not outcome.written:
            summary = ngettext(
                "%(rows)s row: %(created)s would be created, %(updated)s would be updated, "
                "%(skipped)s skipped as duplicates, %(bad)s bad.",
                "%(rows)s rows: %(created)s would be created, %(updated)s would be updated, "
                "%(skipped)s skipped as duplicates, %(bad)s bad.",
                outcome.processed,
            )
        else:
            summary = ngettext(
                "%(rows)s row: %(created)s were created, %(updated)s were updated, "
                "%(skipped)s skipped as duplicates, %(bad)s bad.",
                "%(rows)s rows: %(created)s were created, %(updated)s were updated, "
                "%(skipped)s skipped as duplicates, %(bad)s bad.",
                outcome.processed,
            )
        summary %= {
            "rows": outcome.processed,
            "created": outcome.created,
            "updated": outcome.updated,
            "skipped": outcome.skipped,
            "bad": outcome.bad_rows,
        }
        if outcome.errors and not outcome.written and not options["dry_run"]:
            summary += " " + _("Nothing was written (all or nothing; see --keep-good-rows).")
        if outcome.errors:
            raise CommandError(summary)
        self.stderr.write(summary)
