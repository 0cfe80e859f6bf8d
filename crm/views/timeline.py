"""Timeline pages: add an entry to any record, tick off or reopen a task, delete, my tasks.

Owners come generically (``owner_type`` = ``app_label.modelname``, ``owner_id``) and are loaded
through the owner model's scoped manager filtered by the request's company, so another
company's record is a 404 exactly like a missing one.
"""

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView
from django.views.generic.detail import SingleObjectMixin

from crm.errors import DomainError
from crm.forms import ActivityForm, is_company_owned
from crm.models import Activity, Company, Task
from crm.models.activity import owner_url
from crm.timeline import (
    activity_add,
    activity_delete,
    can_have_timeline,
    entries_the_user_may_view,
    open_tasks_for,
    related_owners,
    task_complete,
    task_reopen,
    timeline_with_changes,
)
from crm.views.mixins import CompanyQuerysetMixin, LenientPaginationMixin


def owner_label(owner) -> str:
    opts = owner._meta
    return f"{opts.app_label}.{opts.model_name}"


def panel_id(owner) -> str:
    opts = owner._meta
    return f"timeline-{opts.app_label}-{opts.model_name}-{owner.pk}"


def is_timeline_owner(request, obj) -> bool:
    """The request's own company, or one of its records whose model has a timeline."""
    company = getattr(request, "company", None)
    if company is None or getattr(obj, "pk", None) is None:
        return False
    if not can_have_timeline(type(obj)):
        return False
    if isinstance(obj, Company):
        return obj.pk == company.pk
    return getattr(obj, "company_id", None) == company.pk


def resolve_owner(request, owner_type: str, owner_id: int):
    """The owner named in the URL, if it is the request's company or one of its records whose
    model has a timeline; anything else is a 404, so no entry lands where nobody sees it."""
    app_label, _dot, model_name = owner_type.partition(".")
    try:
        content_type = ContentType.objects.get_by_natural_key(app_label, model_name)
    except ContentType.DoesNotExist:
        raise Http404 from None
    model = content_type.model_class()
    if model is None:
        raise Http404
    if model is Company:
        if owner_id != request.company.pk:
            raise Http404
        return request.company
    if not can_have_timeline(model) or not is_company_owned(model):
        raise Http404
    owner = model._default_manager.filter(company=request.company, pk=owner_id).first()
    if owner is None:
        raise Http404
    return owner


def safe_next(request, owner) -> str:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return owner_url(owner) or reverse("crm:dashboard")


def render_timeline_panel(request, owner, *, form: ActivityForm | None = None) -> str:
    """The timeline card for ``owner``: the add form and the newest entries (with those of the
    records it came from, when a higher app registered them: their people's entries only)."""
    key = panel_id(owner)
    if form is None:
        form = ActivityForm(company=request.company, auto_id=f"{key}-%s")
    extra = related_owners(owner)
    membership = getattr(request, "membership", None)
    next_url = request.get_full_path() if request.method == "GET" else safe_next(request, owner)
    context = {
        "owner": owner,
        "owner_type": owner_label(owner),
        "panel_id": key,
        "form": form,
        "entries": entries_the_user_may_view(
            timeline_with_changes([owner], related=extra), request.user, request.company
        ),
        "show_owner": bool(extra),
        "can_moderate": request.user.is_superuser or bool(membership and membership.is_admin),
        "next_url": next_url,
    }
    return render_to_string("crm/timeline/_panel.html", context, request=request)


def timeline_panel(request, obj):
    """Registered with ``crm.ui.panels``: the timeline on any record of the request's company."""
    if not is_timeline_owner(request, obj):
        return None
    return render_timeline_panel(request, obj)


class TimelineResponseMixin:
    """htmx gets the panel back to swap in place; a plain POST goes back to the owner's page,
    or, when the form had errors, gets a page showing them."""

    def respond(self, owner, *, form=None, success_message: str = ""):
        request = self.request
        invalid = form is not None and form.errors
        if getattr(request, "htmx", False):
            return HttpResponse(
                render_timeline_panel(request, owner, form=form if invalid else None)
            )
        if invalid:
            panel = render_timeline_panel(request, owner, form=form)
            return render(
                request,
                "crm/timeline/activity_form_page.html",
                {"owner": owner, "owner_url": safe_next(request, owner), "panel": panel},
            )
        if success_message:
            messages.success(request, success_message)
        return HttpResponseRedirect(safe_next(request, owner))

    def owner_of(self, activity: Activity):
        owner_type = activity.owner_type
        return resolve_owner(
            self.request, f"{owner_type.app_label}.{owner_type.model}", activity.owner_id
        )


class ActivityAddView(TimelineResponseMixin, View):
    http_method_names = ["post"]

    def post(self, request, owner_type: str, owner_id: int):
        owner = resolve_owner(request, owner_type, owner_id)
        form = ActivityForm(request.POST, company=request.company, auto_id=f"{panel_id(owner)}-%s")
        if form.is_valid():
            try:
                activity = activity_add(
                    owner=owner,
                    kind=form.cleaned_data["kind"],
                    actor=request.user,
                    **form.activity_fields,
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                return self.respond(
                    owner,
                    success_message=_("%(kind)s added to the timeline.")
                    % {"kind": activity._meta.verbose_name.capitalize()},
                )
        return self.respond(owner, form=form)


class ActivityObjectView(TimelineResponseMixin, CompanyQuerysetMixin, SingleObjectMixin, View):
    """A POST on one of the company's timeline entries."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        self.object = self.get_object()
        owner = self.owner_of(self.object)
        try:
            message = self.act(self.object)
        except DomainError as error:
            if getattr(request, "htmx", False):
                messages.error(request, error.message)
                return self.respond(owner)
            messages.error(request, error.message)
            return HttpResponseRedirect(safe_next(request, owner))
        return self.respond(owner, success_message=message)

    def act(self, activity) -> str:
        raise NotImplementedError


class TaskCompleteView(ActivityObjectView):
    model = Task

    def act(self, task) -> str:
        task_complete(task=task, actor=self.request.user)
        return _("Task “%(title)s” is done.") % {"title": task.title}


class TaskReopenView(ActivityObjectView):
    model = Task

    def act(self, task) -> str:
        task_reopen(task=task, actor=self.request.user)
        return _("Task “%(title)s” is open again.") % {"title": task.title}


class ActivityDeleteView(ActivityObjectView):
    model = Activity

    def act(self, activity) -> str:
        activity_delete(activity=activity, actor=self.request.user)
        return _("%(kind)s deleted.") % {"kind": activity._meta.verbose_name.capitalize()}


class TaskListView(LenientPaginationMixin, ListView):
    """My tasks: open tasks assigned to or written by me in the active company."""

    template_name = "crm/timeline/task_list.html"
    context_object_name = "tasks"
    paginate_by = 50

    def get_queryset(self):
        return open_tasks_for(user=self.request.user, company=self.request.company)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tasks = list(context["tasks"])
        # Owners by type in one query each; the company itself needs none.
        wanted: dict[int, set[int]] = {}
        for task in tasks:
            wanted.setdefault(task.owner_type_id, set()).add(task.owner_id)
        owners = {}
        for type_id, ids in wanted.items():
            model = ContentType.objects.get_for_id(type_id).model_class()
            if model is None:
                continue
            if model is Company:
                rows = [self.request.company] if self.request.company.pk in ids else []
            elif is_company_owned(model):
                rows = model._default_manager.filter(company=self.request.company, pk__in=ids)
            else:
                rows = []
            owners.update({(type_id, row.pk): row for row in rows})
        for task in tasks:
            owner = owners.get((task.owner_type_id, task.owner_id))
            task.owner_object = owner
            task.owner_link = owner_url(owner) if owner is not None else ""
        context["tasks"] = tasks
        return context
