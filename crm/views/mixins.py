"""View building blocks: every object is loaded through the active company's scope."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import ProtectedError
from django.http import HttpResponseRedirect
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.views import FilterView

from crm.errors import DomainError
from crm.forms import CompanyFormMixin
from crm.models import Membership, Salesperson
from crm.saved_views import list_saved_views
from crm.ui.columns import COLS_PARAM, Table
from crm.ui.kept_markup import locale_key
from crm.ui.pagination import CappedPaginator, LookaheadPaginator, pagination_key
from crm.versioning import Versioned, versioned_form
from crm.views.export import ExportMixin


class CompanyQuerysetMixin:
    """Objects come from the scoped manager and the request's company: another company's id is
    a 404 exactly like an id that does not exist."""

    model = None

    def get_queryset(self):
        return self.model.objects.filter(company=self.request.company)


class CompanyFormKwargsMixin:
    """Hands the active company (and, to the forms that take it, the user) to the form, which
    limits its choices to what the user may see and saves into the company."""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["company"] = self.request.company
        if issubclass(self.get_form_class(), CompanyFormMixin):
            kwargs["user"] = self.request.user
        return kwargs


class VersionedFormViewMixin:
    """An edit form of a versioned record carries the version the person saw, and the save
    records who made it (crm.versioning): a stale save is refused, never applied silently."""

    def get_form(self, form_class=None):
        return versioned_form(form_class or self.get_form_class())(**self.get_form_kwargs())

    def mark_editor(self, form) -> None:
        if isinstance(form.instance, Versioned):
            seen = getattr(form.instance, "_seen_version", None)
            form.instance.edited_by(self.request.user, seen_version=seen)


class SuccessMessageMixin:
    success_message = ""

    def form_valid(self, form):
        response = super().form_valid(form)
        if self.success_message:
            messages.success(self.request, self.success_message % {"object": self.object})
        return response


def has_role(request, roles) -> bool:
    """Whether the user is a superuser or holds one of ``roles`` in the active company."""
    if request.user.is_superuser:
        return True
    membership = getattr(request, "membership", None)
    return membership is not None and membership.role in roles


class RoleRequiredMixin:
    """Only members whose role in the active company is in ``allowed_roles`` (and superusers)
    may continue; anyone else gets a 403 saying who may.

    The check needs no object, so it says nothing about whether an id exists; the company's
    queryset still answers 404 for another company's id to those who pass.
    """

    allowed_roles: frozenset[str] = Membership.MANAGER_ROLES
    role_required_message = gettext_lazy(
        "Only the company's managers, admins and owners can do this."
    )

    def dispatch(self, request, *args, **kwargs):
        if not has_role(request, self.allowed_roles):
            raise PermissionDenied(self.role_required_message)
        return super().dispatch(request, *args, **kwargs)


class RoleContextMixin:
    """Tells the template whether the user may use the buttons a ``RoleRequiredMixin`` guards,
    so nobody is shown a button that answers 403."""

    allowed_roles: frozenset[str] = Membership.MANAGER_ROLES
    role_context_name = "can_manage"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context[self.role_context_name] = has_role(self.request, self.allowed_roles)
        return context


class AdminRoleRequiredMixin(RoleRequiredMixin):
    """Only owners and admins of the active company (and superusers) may continue."""

    allowed_roles = Membership.ADMIN_ROLES
    role_required_message = gettext_lazy("Only the company's owners and admins can do this.")


class SortableListMixin:
    """``?sort=field`` or ``?sort=-field`` over a whitelist; unknown values fall back.

    Rows that tie on the sorted column are ordered by ``sort_tiebreak`` (ending with the primary
    key, so pages never repeat or skip rows), in the same direction: then one company-first
    index ``(company, column, *sort_tiebreak)`` serves the sort both ways.
    """

    sort_fields: dict[str, str] = {}
    default_sort = ""
    sort_tiebreak: tuple[str, ...] = ("pk",)

    def get_sort(self) -> str:
        requested = self.request.GET.get("sort", "")
        if requested.lstrip("-") in self.sort_fields:
            return requested
        return self.default_sort

    def apply_sort(self, queryset):
        sort = self.get_sort()
        if not sort:
            return queryset
        descending = sort.startswith("-")
        field = self.sort_fields[sort.lstrip("-")]
        columns = [field, *(column for column in self.sort_tiebreak if column != field)]
        return queryset.order_by(*(f"-{column}" if descending else column for column in columns))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["current_sort"] = self.get_sort()
        return context


class LenientPaginationMixin:
    """A page that is not a number shows the first page and one past the end the last, instead
    of a 404: links go stale as rows are deleted, and a typo should not look like a lost list.

    Counts and pages stop at ``settings.LIST_COUNT_LIMIT`` rows (``crm.ui.pagination``)."""

    paginator_class = CappedPaginator
    # A searched list pages without a count (``LookaheadPaginator``): counting a name fragment's
    # matches cost four times the page's own rows at a million leads.
    search_param = "q"

    # What the paginator counts, when the shown rows carry more than the count needs
    # (``CompanyListView.decorate_rows``); None counts the paged queryset itself.
    count_rows = None

    def get_paginator(self, queryset, per_page, orphans=0, **kwargs):
        kwargs.setdefault("count_rows", self.count_rows)
        searched = (self.request.GET.get(self.search_param) or "").strip()
        if searched and not orphans:
            return LookaheadPaginator(queryset, per_page, orphans=orphans, **kwargs)
        return super().get_paginator(queryset, per_page, orphans=orphans, **kwargs)

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(
            queryset,
            page_size,
            orphans=self.get_paginate_orphans(),
            allow_empty_first_page=self.get_allow_empty(),
        )
        requested = self.kwargs.get(self.page_kwarg) or self.request.GET.get(self.page_kwarg)
        try:
            number = int(requested or 1)
        except (TypeError, ValueError):
            number = None if requested == "last" else 1
        if isinstance(paginator, LookaheadPaginator) and number is not None:
            page = paginator.look_at(number)
        elif number is not None:
            # The rows and the count in one query; "last" needs the count first.
            page = paginator.counted_page(number)
        else:
            last = paginator.num_pages
            page = paginator.page(max(1, min(last if number is None else number, last)))
        return paginator, page, page.object_list, page.has_other_pages()


class MyRecordsMixin:
    """ "Mine / Everyone" on a list of records that belong to a salesperson.

    ``?owner=mine`` shows the records of the user's own salesperson row, ``?owner=all`` every
    record. The toggle's own links add ``remember=1``: that choice is remembered in the session
    per list. A scope that comes in any other link (a dashboard figure's, a search result's, a
    saved view's) shows that visit only, so a user who works on "Mine" finds it again the next
    time they open the list. Without either, a member whose role is salesperson and who has a
    salesperson row sees their own; managers, admins and owners see everyone's. Picking a
    salesperson in the filters shows that person's records, whatever the toggle says. Costs one
    query (the user's salesperson row), however many rows are shown.
    """

    owner_param = "owner"
    owner_choices = ("mine", "all")
    remember_param = "remember"

    @cached_property
    def my_salesperson_id(self) -> int | None:
        if hasattr(self.request, "salesperson_id"):
            return self.request.salesperson_id  # read by the middleware with the membership
        return (
            Salesperson.objects.filter(company=self.request.company, user=self.request.user)
            .values_list("pk", flat=True)
            .first()
        )

    def owner_session_key(self) -> str:
        return f"list_owner:{self.model._meta.label_lower}"

    @cached_property
    def owner_choice(self) -> str:
        if self.my_salesperson_id is None:
            return "all"
        session = self.request.session
        requested = self.request.GET.get(self.owner_param)
        if requested in self.owner_choices:
            remember = self.request.GET.get(self.remember_param) == "1"
            if remember and session.get(self.owner_session_key()) != requested:
                session[self.owner_session_key()] = requested
            choice = requested
        else:
            choice = session.get(self.owner_session_key()) or self.default_owner_choice()
        if self.request.GET.get("salesperson"):
            return "all"
        return choice

    def default_owner_choice(self) -> str:
        membership = getattr(self.request, "membership", None)
        if membership is not None and membership.role == Membership.Role.SALESPERSON:
            return "mine"
        return "all"

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.owner_choice == "mine":
            queryset = queryset.filter(salesperson_id=self.my_salesperson_id)
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["owner_toggle"] = self.my_salesperson_id is not None
        context["owner_choice"] = self.owner_choice
        ignored = {"page", "sort", COLS_PARAM, self.owner_param, self.remember_param}
        context["is_filtered"] = any(
            value for key, value in self.request.GET.items() if key not in ignored
        )
        return context


class CompanyListView(
    ExportMixin, LenientPaginationMixin, SortableListMixin, CompanyQuerysetMixin, FilterView
):
    """A filtered, searched, sorted, paginated list of the company's rows.

    Subclasses set ``model``, ``filterset_class``, ``sort_fields``, ``default_sort``,
    ``partial_template_name`` (the table alone, swapped in by htmx when filters change),
    ``table`` (its columns on the page, ``crm.ui.columns``: the template gets it bound to the
    page's rows as ``table``) and ``export`` (its columns as a spreadsheet,
    ``crm.views.export``).
    """

    paginate_by = settings.PAGE_SIZE
    strict = False
    partial_template_name: str | None = None
    table: Table | None = None

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["request"] = self.request
        return kwargs

    def decorate_rows(self, queryset):
        """``queryset`` (filtered) with what only the rows shown or exported need: the joins
        and annotations of the names a row shows. The count is taken before, so it pays for
        none of them. A sort by such an annotation is applied after this."""
        return queryset

    def get_context_data(self, **kwargs):
        # FilterView hands over the filtered queryset: it is counted as it is, and the page's
        # rows are read from it decorated and sorted.
        rows = kwargs.get("object_list", self.object_list)
        decorated = self.decorate_rows(rows)
        if decorated is not rows:
            self.count_rows = rows
        kwargs["object_list"] = self.apply_sort(decorated)
        context = super().get_context_data(**kwargs)
        context["is_filtered"] = any(
            value
            for key, value in self.request.GET.items()
            if key not in {"page", "sort", COLS_PARAM}
        )
        # Shown on the closed "Filters" disclosure, so a filtered list says so on a phone too.
        fields = set(context["filter"].form.fields) if context.get("filter") else set()
        active = {
            key if key in fields else key.rsplit("_", 1)[0]  # a range's "created_after"
            for key, values in self.request.GET.lists()
            if any(values)
        }
        context["active_filter_count"] = len(active & fields)
        context["pagination_key"] = pagination_key(self.request, context.get("page_obj"))
        # Called by the template (``crm/partials/_filters.html``) only on a full page.
        context["filters_key"] = lambda: self.filters_key(context)
        if self.table is not None:
            context["table"] = self.table.bind(
                context["object_list"],
                request=self.request,
                current_sort=context["current_sort"],
                sort_fields=self.sort_fields,
            )
        return context

    @cached_property
    def saved_views(self):
        """The saved views offered above the list (``crm.saved_views``), read when the page's
        template asks: one query on a full page, none when htmx swaps in the table alone."""
        match = self.request.resolver_match
        return list_saved_views(
            company=self.request.company,
            user=self.request.user,
            list_key=match.view_name if match else "",
            query=self.request.GET.urlencode(),
            admin=has_role(self.request, Membership.ADMIN_ROLES),
        )

    def filters_key(self, context) -> tuple | None:
        """Everything the filters (``crm/partials/_filters_form.html``) are written from, as a
        key for ``{% kept_include %}``: the language, the form's class (its fields and their
        options, ``SearchFilterSet.form_class_key``), the query it was filled from, the page's
        path, sort and columns, and the figures the summary shows. None (written afresh) for a
        form whose class is built per request or that shows errors."""
        filterset = context.get("filter")
        form_key = getattr(filterset, "kept_form_key", None)
        if form_key is None or filterset.form.errors:
            return None
        table = context.get("table")
        columns = tuple(table.shown_keys) if table is not None and table.cols_requested else None
        return (
            locale_key(),
            form_key,
            tuple((key, tuple(values)) for key, values in self.request.GET.lists()),
            self.request.path,
            context.get("current_sort"),
            columns,
            bool(context.get("is_filtered")),
            context.get("active_filter_count"),
        )

    @cached_property
    def saved_views_key(self) -> tuple:
        """Everything the saved views' links (``crm/partials/_saved_views_links.html``) are
        written from, as a key for ``{% kept_include %}``: the language and, per view, what its
        item shows; the page's path too where an item links to its edit form."""
        links = self.saved_views
        owners = [
            (link.view.owner.get_full_name() or link.view.owner.get_username())
            if link.view.shared and not link.mine
            else None
            for link in links
        ]
        return (
            locale_key(),
            tuple(
                (
                    link.view.pk,
                    link.view.name,
                    link.url,
                    link.active,
                    link.view.shared,
                    link.mine,
                    owner,
                    link.can_change,
                )
                for link, owner in zip(links, owners, strict=True)
            ),
            self.request.get_full_path() if any(link.can_change for link in links) else None,
        )

    @property
    def saved_views_save_key(self) -> tuple:
        """What "Save this view" (``crm/partials/_saved_views_save.html``) is written from: the
        language, the list and its query."""
        match = self.request.resolver_match
        return (
            locale_key(),
            match.view_name if match else "",
            self.request.GET.urlencode(),
        )

    def get_template_names(self):
        htmx = getattr(self.request, "htmx", None)
        if self.partial_template_name and htmx and not htmx.boosted:
            return [self.partial_template_name]
        return super().get_template_names()


class ProtectedDeleteMixin:
    """Delete, or explain why not: rows that others depend on are refused, never cascaded."""

    def delete_object(self) -> None:
        """Views whose deletes go through a service override this."""
        self.object.delete()

    def form_valid(self, form):
        success_url = self.get_success_url()
        try:
            self.delete_object()
        except ProtectedError as error:
            blockers = sorted(
                {str(obj._meta.verbose_name_plural) for obj in error.protected_objects}
            )
            messages.error(
                self.request,
                _("%(object)s cannot be deleted: it is still used by %(blockers)s.")
                % {"object": self.object, "blockers": ", ".join(blockers)},
            )
            return HttpResponseRedirect(self.object.get_absolute_url())
        except DomainError as error:
            messages.error(self.request, error.message)
            return HttpResponseRedirect(self.object.get_absolute_url())
        messages.success(self.request, _("%(object)s was deleted.") % {"object": self.object})
        return HttpResponseRedirect(success_url)
