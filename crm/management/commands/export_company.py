from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_scopes import scopes_disabled

from crm.backup import company_export
from crm.errors import DomainError
from crm.models import Company


class Command(BaseCommand):
    help = (
        "Write every row one company owns to a file (JSON Lines; gzip if it ends in .gz), "
        "for import_company here or in another database."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The company's slug.")
        parser.add_argument("file", type=Path, help="Where to write the backup.")
        parser.add_argument("--force", action="store_true", help="Overwrite the file if it exists.")

    def handle(self, *args, **options):
        path: Path = options["file"]
        if path.exists() and not options["force"]:
            raise CommandError(
                _("%(path)s exists already: choose another name or add --force.") % {"path": path}
            )
        if not path.parent.is_dir():
            raise CommandError(
                _("There is no folder %(folder)s to write %(file)s into.")
                % {"folder": path.parent, "file": path.name}
            )
        # A backup reads one named company across its tables, outside any request's scope.
        with scopes_disabled():
            company = Company.objects.filter(slug=options["slug"]).first()
            if company is None:
                raise CommandError(
                    _("There is no company with the slug “%(slug)s”.") % {"slug": options["slug"]}
                )
            try:
                lines = company_export(company=company, path=path)
            except DomainError as error:
                raise CommandError(error.message) from error
        self.stdout.write(
            ngettext(
                "Wrote %(name)s to %(path)s: %(count)d line.",
                "Wrote %(name)s to %(path)s: %(count)d lines.",
                lines,
            )
            % {"name": company.name, "path": path, "count": lines}
        )
