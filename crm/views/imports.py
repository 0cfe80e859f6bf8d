"""The import pages: upload, map the columns (with a preview), dry run, run; the job's
progress and its error report. For managers, admins and owners, like the catalog and the
company lists: an import creates and updates records in bulk."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import DetailView, FormView

from crm.errors import DomainError
from crm.imports.engine import check_columns
from crm.imports.forms import ImportMappingForm, ImportUploadForm
from crm.imports.jobs import (
    error_report_csv,
    import_job_claim,
    import_job_create,
    import_job_refusal,
    import_job_start,
    job_table,
)
from crm.imports.kinds import get_import_kind
from crm.models import ImportJob, ImportMapping
from crm.views.mixins import RoleRequiredMixin

PREVIEW_ROWS = 5
# The page lists this many bad rows; the downloadable report lists every one.
ERRORS_SHOWN = 100


class ImportAccessMixin(RoleRequiredMixin):
    pass


class JobMixin(ImportAccessMixin):
    model = ImportJob

    @cached_property
    def job(self) -> ImportJob:
        return get_object_or_404(ImportJob, pk=self.kwargs["pk"], company=self.request.company)


class ImportStartView(ImportAccessMixin, FormView):
    template_name = "crm/imports/start.html"
    form_class = ImportUploadForm

    def get_initial(self):
        kind = self.request.GET.get("kind")
        return {"kind": kind} if get_import_kind(kind or "") else {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["jobs"] = ImportJob.objects.filter(company=self.request.company).select_related(
            "created_by"
        )[:10]
        return context

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            job = import_job_create(
                company=self.request.company,
                kind=form.cleaned_data["kind"],
                filename=upload.name,
                data=upload.read(),
                options=form.reading_options(),
                actor=self.request.user,
            )
        except DomainError as error:
            form.add_error("file", error.message)
            return self.form_invalid(form)
        return HttpResponseRedirect(reverse("crm:import_mapping", args=[job.pk]))


class ImportMappingView(JobMixin, FormView):
    template_name = "crm/imports/mapping.html"
    form_class = ImportMappingForm

    def get(self, request, *args, **kwargs):
        if not self.job.file:
            return HttpResponseRedirect(reverse("crm:import_job", args=[self.job.pk]))
        return super().get(request, *args, **kwargs)

    @cached_property
    def kind(self):
        kind = get_import_kind(self.job.kind)
        if kind is None:
            raise Http404
        return kind

    @cached_property
    def table(self):
        try:
            return job_table(self.job)
        except (DomainError, FileNotFoundError) as error:
            raise Http404 from error

    @cached_property
    def saved_mappings(self):
        return list(ImportMapping.objects.filter(company=self.request.company, kind=self.kind.key))

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(kind=self.kind, headers=self.table.headers)
        return kwargs

    def get_initial(self):
        columns = self.job.columns
        chosen = self.request.GET.get("mapping")
        if chosen:
            mapping = next((m for m in self.saved_mappings if str(m.pk) == chosen), None)
            if mapping is not None:
                columns = mapping.columns
        initial = {
            f"column_{index}": columns.get(header, "")
            for index, header in enumerate(self.table.headers)
        }
        initial["duplicates"] = self.job.duplicates
        initial["keep_good_rows"] = "1" if self.job.keep_good_rows else ""
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            job=self.job,
            kind=self.kind,
            table=self.table,
            preview=self.table.preview(PREVIEW_ROWS),
            saved_mappings=self.saved_mappings,
        )
        return context

    def form_valid(self, form):
        if not self.job.file:
            return HttpResponseRedirect(reverse("crm:import_job", args=[self.job.pk]))
        columns = form.columns()
        try:
            check_columns(self.kind, self.table.headers, columns)
        except DomainError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        name = form.cleaned_data["save_as"].strip()
        if name:
            ImportMapping.objects.update_or_create(
                company=self.request.company,
                kind=self.kind.key,
                name=name,
                defaults={"columns": columns},
            )
        job = self.job
        claimed = import_job_claim(
            job=job,
            columns=columns,
            duplicates=form.cleaned_data["duplicates"],
            keep_good_rows=bool(form.cleaned_data["keep_good_rows"]),
            dry_run=self.request.POST.get("action") != "run",
        )
        if claimed:
            import_job_start(job=job, actor=self.request.user)
        else:
            messages.error(self.request, import_job_refusal(job))
        return HttpResponseRedirect(reverse("crm:import_job", args=[job.pk]))


class ImportJobView(JobMixin, DetailView):
    template_name = "crm/imports/job.html"
    context_object_name = "job"

    def get_object(self, queryset=None):
        return self.job

    def get_template_names(self):
        if getattr(self.request, "htmx", False):
            return ["crm/imports/partials/_job_status.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kind = get_import_kind(self.job.kind)
        context.update(
            kind=kind,
            errors_shown=self.job.errors[:ERRORS_SHOWN],
            errors_hidden=max(0, len(self.job.errors) - ERRORS_SHOWN),
            list_url=reverse(kind.list_url) if kind and kind.list_url else "",
        )
        return context


class ImportRunView(JobMixin, View):
    """Runs a dry run for real, or a run that was refused as a whole again, with the mapping
    and choices it was checked with; "good rows only" switches an all-or-nothing job to
    keeping the good rows."""

    def post(self, request, *args, **kwargs):
        job = self.job
        changes = {"dry_run": False}
        if request.POST.get("keep_good_rows"):
            changes["keep_good_rows"] = True
        if not job.is_finished or not import_job_claim(job=job, **changes):
            messages.error(request, import_job_refusal(job))
            return HttpResponseRedirect(reverse("crm:import_job", args=[job.pk]))
        import_job_start(job=job, actor=request.user)
        return HttpResponseRedirect(reverse("crm:import_job", args=[job.pk]))


class ImportReportView(JobMixin, View):
    def get(self, request, *args, **kwargs):
        response = HttpResponse(
            error_report_csv(self.job.errors), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="import-{self.job.pk}-errors.csv"'
        return response
