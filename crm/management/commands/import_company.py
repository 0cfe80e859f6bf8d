from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from crm.audit import AuditedCommand
from crm.backup import company_import
from crm.errors import DomainError


class Command(AuditedCommand):
    help = (
        "Read a backup made by export_company into this database as a new company: new ids, "
        "every reference remapped, all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The backup file.")
        parser.add_argument("--slug", help="Import under this slug (default: the backup's).")
        parser.add_argument("--name", help="Import under this name (default: the backup's).")

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("There is no file %(path)s.") % {"path": path})
        # Creating a tenant and its rows: there is no company scope to enter yet.
        with scopes_disabled():
            try:
                report = company_import(path=path, slug=options["slug"], name=options["name"])
            except DomainError as error:
                raise CommandError(
                    _("Nothing was imported: %(reason)s") % {"reason": error.message}
                ) from error
        company = report.company
        self.stdout.write(
            _(
                "Imported %(name)s (%(slug)s): %(rows)d rows, %(matched)d existing accounts, "
                "%(created)d new ones."
            )
            % {
                "name": company.name,
                "slug": company.slug,
                "rows": sum(report.rows.values()),
                "matched": report.users_matched,
                "created": report.users_created,
            }
        )
        for table, count in report.rows.items():
            self.stdout.write(f"  {table}: {count}")
