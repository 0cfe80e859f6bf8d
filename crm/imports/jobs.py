"""Running an ``ImportJob``: inline for small files, as a background task (django-tasks) for
big ones, with its counters written as it goes so the page can show progress.

While an import runs its rows sit in one open transaction, which the page's poll cannot see
into; on PostgreSQL the counters are therefore written through a second connection of their
own. SQLite writes one transaction at a time, so there the counters move at the end.
"""

from __future__ import annotations

import csv
import io
import logging
from contextlib import nullcontext

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_scopes import scope
from django_tasks import task

from crm.audit import audit_context
from crm.errors import DomainError
from crm.i18n import company_locale
from crm.imports.engine import Outcome, run_import
from crm.imports.kinds import get_import_kind
from crm.imports.reading import read_table
from crm.models import Company, ImportJob

REPORT_HEADER = ["row", "column", "value", "message"]

logger = logging.getLogger(__name__)


def error_report_csv(errors: list) -> str:
    """The bad rows as a CSV: row, column, value, message (the header is row 1)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REPORT_HEADER)
    writer.writerows(errors)
    return out.getvalue()


def job_table(job: ImportJob):
    with job.file.open("rb") as handle:
        data = handle.read()
    options = job.options or {}
    return read_table(
        data,
        filename=job.original_name,
        encoding=options.get("encoding") or None,
        delimiter=options.get("delimiter") or None,
        decimal_comma=options.get("decimal_comma"),
    )


class _Counters:
    """Writes a job's counters while it runs, outside the import's transaction (PostgreSQL)."""

    def __init__(self, job: ImportJob) -> None:
        self.job = job
        self.side = None
        # Inside an outer transaction the job's row may be locked by it: no second connection.
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self.side = connections.create_connection("default")
            with self.side.cursor() as cursor:
                # Row-level security: the side connection speaks for the same company.
                cursor.execute(
                    "SELECT set_config('crm.company_id', %s, false)", [str(job.company_id)]
                )

    def __call__(self, outcome: Outcome) -> None:
        if self.side is None:
            return
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportJob._meta.db_table} SET processed_rows = %s, status = %s "
                "WHERE id = %s",
                [outcome.processed, ImportJob.Status.RUNNING, self.job.pk],
            )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def import_job_run(*, job: ImportJob, actor=None) -> ImportJob:
    """Run the job's dry run or run; record the outcome; remove the file after a run."""
    kind = get_import_kind(job.kind)
    counters = _Counters(job)
    try:
        table = job_table(job)
        total = table.count()
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.RUNNING, total_rows=total, processed_rows=0
        )
        # The rows' history names the person and the file (a command's: "manage.py …").
        reason = f"import {job.original_name}"
        with audit_context(actor=actor, reason=reason) if actor is not None else nullcontext():
            outcome = run_import(
                company=job.company,
                kind=kind,
                table=table,
                columns=job.columns,
                duplicates=job.duplicates,
                keep_good_rows=job.keep_good_rows,
                dry_run=job.dry_run,
                actor=actor,
                progress=counters,
                total=total,
            )
    except DomainError as error:
        job.status = ImportJob.Status.FAILED
        job.message = error.message
    except Exception:
        # A fault of ours, not of the file: the run's transaction is rolled back, the job says
        # so (instead of "running" for ever) and the traceback goes to the server's log.
        logger.exception("Import job %s stopped on an unexpected error", job.pk)
        job.status = ImportJob.Status.FAILED
        job.message = _(
            "The import stopped on an unexpected error and wrote nothing. The error was logged "
            "for your administrator; the file is kept."
        )
    else:
        job.status = ImportJob.Status.DONE
        job.total_rows = outcome.total
        job.processed_rows = outcome.processed
        job.created_count = outcome.created
        job.updated_count = outcome.updated
        job.skipped_count = outcome.skipped
        job.errors = [error.as_list() for error in outcome.errors]
        job.written = outcome.written
        if outcome.errors and not outcome.written and not job.dry_run:
            job.message = _("Nothing was written: fix the rows below and import the file again.")
    finally:
        counters.close()
    job.finished_at = timezone.now()
    if job.written and job.file:
        # Written: the next step is another file. A dry run, or a run refused as a whole,
        # keeps it, to be run again with another mapping or with the good rows only.
        job.file.delete(save=False)
    job.save()
    return job


@task()
def import_job_task(job_id: int, user_id: int | None = None, language: str = "") -> None:
    """The background form of ``import_job_run`` (``manage.py db_worker`` runs it)."""
    from django.contrib.auth import get_user_model

    from crm import rls

    company = Company.objects.get(pk=_job_company(job_id))
    rls.activate(user_id=user_id, company_id=company.pk)
    # The report's messages in the language of the page that started the job.
    with scope(company=company), company_locale(company, language):
        job = ImportJob.objects.get(pk=job_id, company=company)
        actor = get_user_model().objects.filter(pk=user_id).first() if user_id else None
        import_job_run(job=job, actor=actor)


def _job_company(job_id: int) -> int:
    # The company is what the job says; the scope is entered from it just after.
    from django_scopes import scopes_disabled

    with scopes_disabled():
        return ImportJob.objects.values_list("company_id", flat=True).get(pk=job_id)


def import_job_create(
    *, company: Company, kind: str, filename: str, data: bytes, options: dict, actor=None
) -> ImportJob:
    """Store an upload under its company with the reading options found (or chosen) and the
    columns guessed from its headers; refuse a file that cannot be read."""
    from django.core.files.base import ContentFile

    from crm.imports.kinds import guess_columns

    import_kind = get_import_kind(kind)
    if import_kind is None:
        raise DomainError(_("Choose what the file holds."))
    table = read_table(
        data,
        filename=filename,
        encoding=options.get("encoding") or None,
        delimiter=options.get("delimiter") or None,
        decimal_comma=options.get("decimal_comma"),
    )
    job = ImportJob(
        company=company,
        kind=kind,
        original_name=filename[:255],
        options={
            "encoding": table.encoding,
            "delimiter": table.delimiter,
            "decimal_comma": table.decimal_comma,
        },
        columns=guess_columns(import_kind, table.headers),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    suffix = ".xlsx" if not table.encoding else ".csv"
    job.file.save(f"upload{suffix}", ContentFile(data), save=False)
    job.save()
    return job


def import_job_claim(*, job: ImportJob, **changes) -> bool:
    """Take the job for a new dry run or run (``changes``: its mapping and choices), once.

    One conditional UPDATE decides: the job must still hold its file, have written nothing and
    be neither queued nor running. Two requests at once (a double click on "Run", two tabs)
    cannot both pass, so a file's rows are never written twice. ``job`` is read again."""
    claimed = (
        ImportJob.objects.filter(
            pk=job.pk,
            company=job.company_id,
            written=False,
            status__in=[ImportJob.Status.UPLOADED, ImportJob.Status.DONE, ImportJob.Status.FAILED],
        )
        .exclude(file="")
        .update(status=ImportJob.Status.QUEUED, message="", **changes)
    )
    job.refresh_from_db()
    return bool(claimed)


def import_job_refusal(job: ImportJob) -> str:
    """Why ``import_job_claim`` did not take the job."""
    if job.written:
        return _("This file has been imported already: upload it again.")
    if not job.file:
        return _("This file is no longer kept: upload it again.")
    return _("This file is being imported already: wait for it to finish.")


# How long an upload that wrote nothing (a dry run not followed up, a run refused as a whole, an
# abandoned mapping) keeps its file for another try: ``purge_import_files`` removes it after.
IMPORT_FILE_DAYS = 7


def import_files_purge(*, before, dry_run: bool = False) -> list[ImportJob]:
    """Remove the files of the imports, every company's, that were uploaded before ``before``
    and are not waiting or running: the files hold people's names, e-mails and phone numbers,
    and a run that wrote its rows deleted its own already. The jobs stay, with their counts and
    error reports; the page asks for the file again. Returns the jobs (as they were)."""
    from django_scopes import scopes_disabled

    with scopes_disabled():  # an operator's command, across companies, by design
        jobs = list(
            ImportJob.objects.filter(created_at__lt=before)
            .exclude(file="")
            .exclude(status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING])
            .order_by("pk")
        )
        if not dry_run:
            for job in jobs:
                job.file.delete(save=False)
                ImportJob.objects.filter(pk=job.pk).update(file="")
    return jobs


def import_job_start(*, job: ImportJob, actor=None) -> ImportJob:
    """Run now when the file is small, else hand it to a worker (the page shows progress)."""
    total = job_table(job).count()
    if total <= settings.IMPORT_BACKGROUND_ROWS:
        return import_job_run(job=job, actor=actor)
    job.status = ImportJob.Status.QUEUED
    job.total_rows = total
    job.processed_rows = 0
    job.save(update_fields=["status", "total_rows", "processed_rows"])
    import_job_task.enqueue(job.pk, getattr(actor, "pk", None), get_language() or "")
    job.refresh_from_db()
    return job
