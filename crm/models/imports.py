"""Imports of records from CSV and XLSX files: saved column mappings and the jobs that run them.

The engine that reads and validates rows lives in ``crm.imports``; these rows only remember what
a person chose (a mapping) and what a run did (a job, with every bad row it reported).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from .tenancy import CompanyOwned

__all__ = ["ImportJob", "ImportMapping"]


class ImportMapping(CompanyOwned):
    """A named mapping of a file's column headers to a kind's fields, for the next file alike."""

    kind = models.CharField(_("kind"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    # {"column header": "field name"}; unmapped columns are left out.
    columns = models.JSONField(_("columns"), default=dict)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["kind", "name", "pk"]
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "kind", "name"],
                name="importmapping_name_per_company_kind",
                violation_error_message=_("Another mapping of this kind already has this name."),
            )
        ]

    def __str__(self) -> str:
        return self.name


def _upload_to(job: "ImportJob", filename: str) -> str:
    # Under the company: one company's uploads never share a folder with another's.
    return f"imports/company-{job.company_id}/{filename}"


class ImportJob(CompanyOwned):
    """One uploaded file and what became of it: a dry run or a run, its counters while it goes
    (the page polls them) and every bad row it found."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Duplicates(models.TextChoices):
        SKIP = "skip", _("Skip the row")
        UPDATE = "update", _("Update the existing record")

    kind = models.CharField(_("kind"), max_length=40)
    file = models.FileField(_("file"), upload_to=_upload_to, blank=True, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    # Reading options: encoding, delimiter, decimal_comma (as detected or chosen).
    options = models.JSONField(_("options"), default=dict)
    columns = models.JSONField(_("columns"), default=dict)
    duplicates = models.CharField(
        _("duplicates"), max_length=10, choices=Duplicates.choices, default=Duplicates.SKIP
    )
    keep_good_rows = models.BooleanField(_("keep the good rows"), default=False)
    dry_run = models.BooleanField(_("dry run"), default=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows done"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    # [[row, column, value, message], ...]: every bad row, in file order.
    errors = models.JSONField(_("errors"), default=list)
    written = models.BooleanField(_("written"), default=False)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = ScopedManager(company="company")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.original_name

    @property
    def kind_label(self) -> str:
        """What the file held, as the import page names it ("Leads")."""
        from crm.imports.kinds import get_import_kind

        kind = get_import_kind(self.kind)
        return str(kind.label) if kind is not None else self.kind

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.is_finished else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))
