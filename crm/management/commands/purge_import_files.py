"""Remove uploaded import files that are no longer needed: a daily cron job.

    manage.py purge_import_files              # files uploaded more than 7 days ago
    manage.py purge_import_files --days 1 --dry-run

A run that writes its rows deletes its file at once. The others (a dry run never followed by a
run, a run refused as a whole, an upload left on the mapping page) keep theirs for another try;
this command removes them after ``--days``, every company's, leaving the jobs' counts and error
reports in place. Waiting and running imports are never touched.
"""

import datetime

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.audit import AuditedCommand
from crm.imports.jobs import IMPORT_FILE_DAYS, import_files_purge


class Command(AuditedCommand):
    help = (
        "Remove the files of imports uploaded more than --days ago that are not waiting or "
        "running; the imports' counts and error reports stay."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=IMPORT_FILE_DAYS,
            help=f"Keep files uploaded in the last DAYS days (default {IMPORT_FILE_DAYS}).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be removed; remove nothing."
        )

    def handle(self, *args, days: int, dry_run: bool, **options):
        if days < 0:
            raise CommandError(_("--days must be 0 or more, not %(days)s.") % {"days": days})
        before = timezone.now() - datetime.timedelta(days=days)
        jobs = import_files_purge(before=before, dry_run=dry_run)
        for job in jobs:
            self.stdout.write(f"{job.company_id}\t{job.pk}\t{job.original_name}")
        if dry_run:
            summary = _("%(count)s file(s) would be removed.") % {"count": len(jobs)}
        else:
            summary = _("%(count)s file(s) removed.") % {"count": len(jobs)}
        self.stdout.write(summary)
