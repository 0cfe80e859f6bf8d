"""Timeline pages: add an entry to any record, tick off or reopen a task, delete, my tasks.

Owners come generically (``owner_type`` = ``app_label.modelname``, ``owner_id``) and are loaded
through the owner model's scoped manager filtered by the request's company, so another
company's record is a 404 exactly like a missing one.
"""

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpResponse, HttpResponseRedirect, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.defaultfilters import capfirst, linebreaksbr
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import time as time_filter
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.html import conditional_escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView
from django.views.generic.detail import SingleObjectMixin

from crm.access import Action, can, is_registered
from crm.errors import DomainError
from crm.forms import ActivityForm, is_company_owned
from crm.models import Activity, Company, Task
from crm.models.activity import owner_url
from crm.timeline import (
    TIMELINE_MAX_PAGES,
    TIMELINE_PAGE_SIZE,
    activity_add,
    activity_delete,
    can_have_timeline,
    entries_the_user_may_view,
    open_tasks_for,
    related_owners,
    task_complete,
    task_reopen,
    timeline_page,
)
from crm.ui.choices import CachedChoiceIterator, lists_cache_key
from crm.ui.kept_markup import kept, locale_key
from crm.ui.moments import format_moment, kept_relative_time
from crm.ui.page_forms import page_form
from crm.ui.rows import interpolate, url_maker
from crm.views.mixins import CompanyQuerysetMixin, LenientPaginationMixin

PAGE_PARAMETER = "timeline_page"


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


def _requested_page(value) -> int:
    try:
        page = int(value or 1)
    except (TypeError, ValueError):
        return 1
    return min(max(page, 1), TIMELINE_MAX_PAGES)


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def _in_zone(moment, zone):
    return moment.astimezone(zone) if moment is not None and timezone.is_aware(moment) else moment


def _entry_rows(request, entries, *, owner, show_owner: bool, can_moderate: bool) -> list[dict]:
    """What each ``<li>`` of ``_entries.html`` shows, computed here once per entry (labels,
    URLs, dates), so that the template only writes it out: no ``{% url %}``, filters or
    ``{% blocktranslate %}`` per row."""
    complete_url = url_maker("crm:task_complete")
    reopen_url = url_maker("crm:task_reopen")
    delete_url = url_maker("crm:activity_delete")
    user_pk = request.user.pk
    now = timezone.now()
    system = _("System")
    # The ``date`` filter's output, its format looked up once: "c" is the ISO form. The words
    # of both moments are kept per language (crm.ui.moments), not translated per entry.
    datetime_format = get_format("DATETIME_FORMAT")
    language = get_language()
    # Moments in the reader's time zone, as the template's ``date`` filter converted them (a
    # filter called from Python writes a value in its own zone: the database's UTC).
    zone = timezone.get_current_timezone()
    # Each kind's name in the reader's language, translated once per panel, not per entry.
    names: dict[type, str] = {}
    # A call's length in words, once per length the panel shows.
    durations: dict[int, str] = {}
    rows = []
    for entry in entries:
        kind = entry.kind
        occurred_at = entry.occurred_at
        row = {
            "entry": entry,
            "kind": kind,
            "datetime": occurred_at.isoformat(),
            "datetime_title": format_moment(
                occurred_at.astimezone(zone), datetime_format, language=language
            ),
            "relative": kept_relative_time(occurred_at, now=now, language=language),
            "on_owner": "",
        }
        if show_owner and entry.owner != owner:
            row["on_owner"] = interpolate(
                _("on %(kind)s %(owner)s"), kind=entry.owner._meta.verbose_name, owner=entry.owner
            )
        if kind == "change":
            if entry.author:
                row["actor"] = entry.actor_name
            elif entry.portal_actor:
                row["actor"] = interpolate(_("%(name)s, on the portal"), name=entry.portal_actor)
            else:
                row["actor"] = system
            rows.append(row)
            continue
        row["actor"] = _person(entry.author) if entry.author else system
        if kind == "system":
            row["badge"] = entry.get_event_kind_display()
        else:
            row["badge"] = capfirst(_kind_name(names, entry))
        if kind == "task":
            row["toggle_url"] = (reopen_url if entry.done else complete_url)(entry.pk)
            if entry.assigned_to:
                row["assigned_to"] = interpolate(_("for %(who)s"), who=_person(entry.assigned_to))
            if entry.due_date:
                row["due_date"] = date_filter(entry.due_date, "DATE_FORMAT")
        elif kind == "call":
            minutes = entry.duration_minutes
            if minutes is not None:
                words = durations.get(minutes)
                if words is None:
                    words = durations[minutes] = ngettext(
                        "%(minutes)s minute", "%(minutes)s minutes", minutes
                    ) % {"minutes": minutes}
                row["duration"] = words
        elif kind == "meeting":
            row["starts_at"] = date_filter(_in_zone(entry.starts_at, zone), "DATETIME_FORMAT")
            row["ends_at"] = time_filter(_in_zone(entry.ends_at, zone), "TIME_FORMAT")
        if kind != "system" and (can_moderate or entry.author_id == user_pk):
            row["delete_url"] = delete_url(entry.pk)
            row["delete_label"] = f"{_kind_name(names, entry)} {entry.summary}"
        rows.append(row)
    return rows


def _kind_name(names: dict[type, str], entry) -> str:
    name = names.get(type(entry))
    if name is None:
        name = names[type(entry)] = str(entry._meta.verbose_name)
    return name


_ICONS = {"note": "✎", "call": "☎", "meeting": "◷", "task": "✓"}
_BADGE_CLASSES = {"system": "badge badge-warning", "task": "badge badge-primary"}


def _entries_html(request, context: dict) -> SafeString:
    """The ``<li>`` of each row of ``context["rows"]``, as ``_entries.html`` wrote them with a
    template loop: written here in one pass (the same markup, every value escaped; a row's
    ``actor``, ``on_owner`` and ``assigned_to`` come safe from ``interpolate``)."""
    esc = conditional_escape
    hidden = (
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<input type="hidden" name="next" value="{}">'
    ).format(esc(get_token(request)), esc(context["next_url"]))
    target = f'hx-target="#{esc(context["panel_id"])}" hx-swap="outerHTML"'
    anchor_index = context["anchor_index"]
    anchor = f' id="{esc(context["anchor_id"])}" tabindex="-1"'
    if context["is_fragment"]:
        anchor += " data-timeline-focus"
    delete_text = esc(context["delete_text"])
    delete_confirm = esc(context["delete_confirm"])
    texts = {
        "change": esc(_("Change")),
        "changed_to": esc(_("changed to")),
        "reopen": esc(_("Done (click to reopen):")),
        "mark_done": esc(_("Mark done:")),
        "overdue": esc(_("overdue since")),
        "due": esc(_("due")),
        "call": esc(_("call")),
        "meeting": esc(_("Meeting")),
    }
    # A call's direction in words, once per direction the panel shows.
    directions: dict[str, str] = {}
    out = []
    for index, row in enumerate(context["rows"]):
        entry = row["entry"]
        kind = row["kind"]
        meta = (
            f"<span>{esc(row['actor'])}</span>\n"
            f'<time datetime="{esc(row["datetime"])}" title="{esc(row["datetime_title"])}">'
            f"{esc(row['relative'])}</time>"
        )
        if row["on_owner"]:
            meta += f'\n<span class="muted">· {esc(row["on_owner"])}</span>'
        here = anchor if index == anchor_index else ""
        if kind == "change":
            changes = "".join(
                f"<li><strong>{esc(change.label)}</strong>: "
                f'<span class="timeline-old">{esc(change.old)}</span> '
                f'<span aria-hidden="true">→</span><span class="visually-hidden">'
                f'{texts["changed_to"]}</span> <span class="timeline-new">{esc(change.new)}</span>'
                "</li>"
                for change in entry.changes
            )
            reason = ""
            if entry.reason and not entry.author:
                reason = f'\n<p class="muted">{esc(entry.reason)}</p>'
            out.append(
                f'<li class="timeline-entry timeline-entry-change"{here}>\n'
                '<span class="timeline-icon" aria-hidden="true">±</span>\n'
                '<div class="timeline-main">\n<p class="timeline-meta">\n'
                f'<span class="badge">{texts["change"]}</span>\n{meta}\n</p>\n'
                f'<details class="timeline-changes">\n<summary>{esc(entry.summary)}</summary>\n'
                f"<ul>\n{changes}\n</ul>{reason}\n</details>\n</div>\n</li>"
            )
            continue
        done = kind == "task" and entry.done
        parts = [
            f'<li class="timeline-entry timeline-entry-{esc(kind)}'
            f'{" timeline-entry-done" if done else ""}"{here}>\n'
            f'<span class="timeline-icon" aria-hidden="true">{_ICONS.get(kind, "⚙")}</span>\n'
            '<div class="timeline-main">\n<p class="timeline-meta">\n'
            f'<span class="{_BADGE_CLASSES.get(kind, "badge")}">{esc(row["badge"])}</span>\n'
            f"{meta}\n</p>"
        ]
        if kind == "task":
            url = esc(row["toggle_url"])
            title = esc(entry.title)
            title_line = f'<p class="timeline-title"><strong>{title}</strong>'
            if row.get("due_date"):
                if entry.is_overdue:
                    css, word = "timeline-overdue", texts["overdue"]
                else:
                    css, word = "muted", texts["due"]
                title_line += f'\n<span class="{css}">· {word} {esc(row["due_date"])}</span>'
            if row.get("assigned_to"):
                title_line += f'\n<span class="muted">· {esc(row["assigned_to"])}</span>'
            parts.append(
                f'\n<div class="timeline-task">\n'
                f'<form method="post" action="{url}" hx-post="{url}" {target}>\n{hidden}\n'
                '<button type="submit" class="timeline-check" aria-pressed='
                f'"{"true" if done else "false"}">\n'
                f'<span class="timeline-box" aria-hidden="true">{"✓" if done else ""}</span>\n'
                '<span class="visually-hidden">'
                f"{texts['reopen'] if done else texts['mark_done']} {title}</span>\n"
                f"</button>\n</form>\n{title_line}\n</p>\n</div>"
            )
        elif kind == "call":
            direction = directions.get(entry.direction)
            if direction is None:
                direction = directions[entry.direction] = esc(entry.get_direction_display())
            line = f"{direction} {texts['call']}"
            extra = ""
            if row.get("duration"):
                extra += f" · {esc(row['duration'])}"
            if entry.outcome:
                extra += f" · {esc(entry.outcome)}"
            parts.append(f'\n<p class="timeline-title"><strong>{line}</strong>{extra}</p>')
        elif kind == "meeting":
            where = f" · {esc(entry.location)}" if entry.location else ""
            parts.append(
                f'\n<p class="timeline-title"><strong>{texts["meeting"]}</strong> '
                f"{esc(row['starts_at'])} – {esc(row['ends_at'])}{where}</p>"
            )
        if entry.text:
            parts.append(
                f'\n<div class="timeline-body">{linebreaksbr(entry.text, autoescape=True)}</div>'
            )
        if row.get("delete_url"):
            url = esc(row["delete_url"])
            parts.append(
                f'\n<form class="timeline-delete" method="post" action="{url}" hx-post="{url}"'
                f' {target} hx-confirm="{delete_confirm}">\n{hidden}\n'
                f'<button type="submit" class="link-button danger">{delete_text}'
                f'<span class="visually-hidden"> {esc(row["delete_label"])}</span></button>\n'
                "</form>"
            )
        parts.append("\n</div>\n</li>")
        out.append("".join(parts))
    return mark_safe("\n".join(out))


def _entries_context(request, owner, *, page: int, is_fragment: bool, base_url: str) -> dict:
    """What ``_entries.html`` needs: the entries of ``page`` (in the panel: all entries up to
    its end, as a page reloaded without JavaScript shows them), and the "Show older" links:
    the page with one page more, and for htmx the next page alone."""
    key = panel_id(owner)
    extra = related_owners(owner)
    entries, has_older = timeline_page([owner], page=page, related=extra, through=not is_fragment)
    # Entries about a record beyond the reader's view level are left out of the page.
    entries = entries_the_user_may_view(entries, request.user, request.company)
    older = page + 1
    # The first entry of the page just shown: where "Show older" takes the reader.
    if is_fragment:
        anchor_index = 0
    elif page > 1:
        anchor_index = (page - 1) * TIMELINE_PAGE_SIZE
    else:
        anchor_index = None
    membership = getattr(request, "membership", None)
    can_moderate = request.user.is_superuser or bool(membership and membership.is_admin)
    return {
        "owner": owner,
        "panel_id": key,
        "entries": entries,
        "rows": _entry_rows(
            request, entries, owner=owner, show_owner=bool(extra), can_moderate=can_moderate
        ),
        "is_fragment": is_fragment,
        "delete_text": _("Delete"),
        "delete_confirm": _("Delete this entry?"),
        "has_older": has_older and older <= TIMELINE_MAX_PAGES,
        "older_url": f"{base_url}{older}#{key}-page-{older}",
        "older_hx_url": reverse("crm:timeline_entries", args=[owner_label(owner), owner.pk])
        + f"?page={older}",
        # The first entry of the page just shown: where "Show older" takes the reader.
        "anchor_index": anchor_index,
        "anchor_id": f"{key}-page-{page}",
    }


def _page_url(path: str, query) -> str:
    """``path`` with ``query`` and an empty ``timeline_page=`` at the end, for the number."""
    query = query.copy()
    query.pop(PAGE_PARAMETER, None)
    prefix = f"{query.urlencode()}&" if query else ""
    return f"{path}?{prefix}{PAGE_PARAMETER}="


# The empty "Add to the timeline" form's fields (a third of a record page's time, rendered),
# kept per process (crm.ui.kept_markup) for each language, time zone and region and each lists
# version of the company: the people a task may be assigned to are cached under that version,
# which a membership's or a member's write bumps, so a new member shows at once. The fields carry
# a stand-in for the panel's id in their ids. The key holds everything they show: one company's
# markup is only reused where it is the same, and the form is built only when nothing is kept.
_PANEL_ID_STAND_IN = "\ue000timeline-panel\ue000"


def _empty_form_fields_html(company) -> str:
    form = page_form(ActivityForm(company=company, auto_id=f"{_PANEL_ID_STAND_IN}-%s"))
    # The company's members, cached under its lists version (a membership's write bumps it).
    assignees = form.fields["assigned_to"]
    assignees.iterator = CachedChoiceIterator
    assignees.widget.choices = [(str(value), str(label)) for value, label in assignees.choices]
    return render_to_string("crm/timeline/_form_fields.html", {"form": form})


def _empty_form_fields(request, key: str) -> SafeString:
    """The empty form's fields' markup as ``_form_fields.html`` writes it for panel ``key``."""
    company = request.company
    html = kept(
        ("timeline_form_fields", lists_cache_key(company), locale_key()),
        lambda: _empty_form_fields_html(company),
    )
    return mark_safe(_assigned_to_reader(html, request.user).replace(_PANEL_ID_STAND_IN, key))


def _assigned_to_reader(html: str, user) -> str:
    """The kept fields with the reader chosen as a new task's assignee, as Odoo does, when the
    select offers them (a member of the company); still "Nobody" otherwise. The markup is kept
    per company, so the reader's choice is marked in it here: the one option, in the one
    select."""
    start = html.find('<select name="assigned_to"')
    end = html.find("</select>", start)
    if start < 0 or end < 0 or user.pk is None:
        return html
    select = html[start:end]
    mine = f'<option value="{user.pk}">'
    if mine not in select:
        return html
    select = select.replace('<option value="" selected>', '<option value="">', 1).replace(
        mine, f'<option value="{user.pk}" selected>', 1
    )
    return f"{html[:start]}{select}{html[end:]}"


def render_timeline_panel(request, owner, *, form: ActivityForm | None = None) -> str:
    """The timeline card for ``owner``: the add form and the newest entries (with those of the
    records it came from, when a higher app registered them: their people's entries only);
    ``?timeline_page=N`` on a page shows the first N pages of entries."""
    context = timeline_panel_context(request, owner, form=form)
    if context["form_fields_html"]:
        return panel_html(context, csrf_token=get_token(request))
    return render_to_string("crm/timeline/_panel.html", context, request=request)


def timeline_panel_context(request, owner, *, form: ActivityForm | None = None) -> dict:
    """What ``crm/timeline/_panel.html`` shows (``panel_html`` writes the same)."""
    key = panel_id(owner)
    form_fields_html = ""
    if form is None:
        form_fields_html = _empty_form_fields(request, key)
    is_get = request.method == "GET"
    next_url = request.get_full_path() if is_get else safe_next(request, owner)
    if is_get:
        page = _requested_page(request.GET.get(PAGE_PARAMETER))
        base_url = _page_url(request.path, request.GET)
    else:
        page = 1
        base_url = _page_url(owner_url(owner) or request.path, QueryDict())
    context = {
        **_entries_context(request, owner, page=page, is_fragment=False, base_url=base_url),
        "owner_type": owner_label(owner),
        "form": form,
        "form_fields_html": form_fields_html,
        "next_url": next_url,
    }
    context["entries_html"] = _entries_html(request, context)
    return context


def entries_block_html(context: dict) -> SafeString:
    """``crm/timeline/_entries.html``, written here for the panel."""
    esc = conditional_escape
    empty = ""
    if not context["rows"] and not context["is_fragment"]:
        text = _("Nothing on the timeline yet. Add a note, call, meeting or task above.")
        empty = f'<li class="timeline-empty muted">{esc(text)}</li>'
    older = ""
    if context["has_older"]:
        older = (
            f'\n    <li class="timeline-more">\n      <a class="button" '
            f'href="{esc(context["older_url"])}" hx-get="{esc(context["older_hx_url"])}" '
            f'hx-target="closest li" hx-swap="outerHTML" hx-push-url="false">'
            f"{esc(_('Show older'))}</a>\n    </li>\n  "
        )
    return mark_safe(f"\n{context['entries_html']}\n  {empty}\n  {older}\n")


def panel_html(context: dict, *, csrf_token: str) -> SafeString:
    """``crm/timeline/_panel.html`` with the empty add form (``form_fields_html``), written
    here: every record page shows it (the same markup; ``tests/crm/test_timeline_html.py``
    renders it both ways). A form sent back with its errors goes through the template."""
    esc = conditional_escape
    key = esc(context["panel_id"])
    owner = context["owner"]
    add_url = esc(reverse("crm:activity_add", args=[context["owner_type"], owner.pk]))
    return mark_safe(
        f'\n<section class="card timeline" id="{key}" aria-labelledby="{key}-heading">\n'
        f'  <div class="card-header"><h2 id="{key}-heading">{esc(_("Timeline"))}</h2></div>\n'
        f'  \n  <form class="timeline-form" method="post" action="{add_url}" '
        f'hx-post="{add_url}" hx-target="#{key}" hx-swap="outerHTML" novalidate>\n'
        f'    <input type="hidden" name="csrfmiddlewaretoken" value="{esc(csrf_token)}">\n'
        f'    <input type="hidden" name="next" value="{esc(context["next_url"])}">\n'
        f"    \n    {context['form_fields_html']}\n"
        f'    <div class="form-actions"><button type="submit" class="button button-primary">'
        f"{esc(_('Add'))}</button></div>\n  </form>\n"
        f'  <ol class="timeline-list">\n  {entries_block_html(context)}\n  </ol>\n</section>\n'
    )


class TimelineEntriesView(View):
    """The next page of a record's timeline alone, for "Show older" (htmx); without
    JavaScript the same button reloads the record's page with one page more."""

    http_method_names = ["get"]

    def get(self, request, owner_type: str, owner_id: int):
        owner = resolve_owner(request, owner_type, owner_id)
        if is_registered(type(owner)) and not can(
            request.user, request.company, owner, Action.VIEW
        ):
            raise Http404
        page = _requested_page(request.GET.get("page"))
        url = owner_url(owner)
        context = {
            **_entries_context(
                request, owner, page=page, is_fragment=True, base_url=_page_url(url, QueryDict())
            ),
            "next_url": url,
        }
        context["entries_html"] = _entries_html(request, context)
        return render(request, "crm/timeline/_entries.html", context)


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
