"""The timeline's entries written in Python (``crm.views.timeline._entries_html``) give the
markup the template loop they replaced gave, for every kind of entry, and escape what people
typed (issue 17)."""

import datetime
import re

import pytest
import time_machine
from django.middleware.csrf import get_token
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from crm.models import Membership
from crm.timeline import activity_add, task_complete
from crm.views.timeline import (
    _entries_context,
    _entries_html,
    panel_html,
    timeline_panel_context,
)
from leads.services import lead_save
from tests.factories import LeadFactory

# The loop of ``crm/timeline/_entries.html`` before the rows were written in Python.
TEMPLATE_LOOP = """{% load i18n %}
  {% for row in rows %}{% with entry=row.entry %}
    {% if row.kind == 'change' %}
    <li class="timeline-entry timeline-entry-change"{% if forloop.counter0 == anchor_index %} id="{{ anchor_id }}" tabindex="-1"{% if is_fragment %} data-timeline-focus{% endif %}{% endif %}>
      <span class="timeline-icon" aria-hidden="true">±</span>
      <div class="timeline-main">
        <p class="timeline-meta">
          <span class="badge">{% translate "Change" %}</span>
          <span>{{ row.actor }}</span>
          <time datetime="{{ row.datetime }}" title="{{ row.datetime_title }}">{{ row.relative }}</time>
          {% if row.on_owner %}<span class="muted">· {{ row.on_owner }}</span>{% endif %}
        </p>
        <details class="timeline-changes">
          <summary>{{ entry.summary }}</summary>
          <ul>
            {% for change in entry.changes %}<li><strong>{{ change.label }}</strong>: <span class="timeline-old">{{ change.old }}</span> <span aria-hidden="true">→</span><span class="visually-hidden">{% translate "changed to" %}</span> <span class="timeline-new">{{ change.new }}</span></li>{% endfor %}
          </ul>
          {% if entry.reason and not entry.author %}<p class="muted">{{ entry.reason }}</p>{% endif %}
        </details>
      </div>
    </li>
    {% else %}
    <li class="timeline-entry timeline-entry-{{ row.kind }}{% if row.kind == 'task' and entry.done %} timeline-entry-done{% endif %}"{% if forloop.counter0 == anchor_index %} id="{{ anchor_id }}" tabindex="-1"{% if is_fragment %} data-timeline-focus{% endif %}{% endif %}>
      <span class="timeline-icon" aria-hidden="true">{% if row.kind == 'note' %}✎{% elif row.kind == 'call' %}☎{% elif row.kind == 'meeting' %}◷{% elif row.kind == 'task' %}✓{% else %}⚙{% endif %}</span>
      <div class="timeline-main">
        <p class="timeline-meta">
          <span class="badge{% if row.kind == 'system' %} badge-warning{% elif row.kind == 'task' %} badge-primary{% endif %}">{{ row.badge }}</span>
          <span>{{ row.actor }}</span>
          <time datetime="{{ row.datetime }}" title="{{ row.datetime_title }}">{{ row.relative }}</time>
          {% if row.on_owner %}<span class="muted">· {{ row.on_owner }}</span>{% endif %}
        </p>
        {% if row.kind == 'task' %}
          <div class="timeline-task">
            <form method="post" action="{{ row.toggle_url }}" hx-post="{{ row.toggle_url }}" hx-target="#{{ panel_id }}" hx-swap="outerHTML">
              {% csrf_token %}<input type="hidden" name="next" value="{{ next_url }}">
              <button type="submit" class="timeline-check" aria-pressed="{% if entry.done %}true{% else %}false{% endif %}">
                <span class="timeline-box" aria-hidden="true">{% if entry.done %}✓{% endif %}</span>
                <span class="visually-hidden">{% if entry.done %}{% translate "Done (click to reopen):" %}{% else %}{% translate "Mark done:" %}{% endif %} {{ entry.title }}</span>
              </button>
            </form>
            <p class="timeline-title"><strong>{{ entry.title }}</strong>
              {% if row.due_date %}<span class="{% if entry.is_overdue %}timeline-overdue{% else %}muted{% endif %}">· {% if entry.is_overdue %}{% translate "overdue since" %}{% else %}{% translate "due" %}{% endif %} {{ row.due_date }}</span>{% endif %}
              {% if row.assigned_to %}<span class="muted">· {{ row.assigned_to }}</span>{% endif %}
            </p>
          </div>
        {% elif row.kind == 'call' %}
          <p class="timeline-title"><strong>{{ entry.get_direction_display }} {% translate "call" %}</strong>{% if row.duration %} · {{ row.duration }}{% endif %}{% if entry.outcome %} · {{ entry.outcome }}{% endif %}</p>
        {% elif row.kind == 'meeting' %}
          <p class="timeline-title"><strong>{% translate "Meeting" %}</strong> {{ row.starts_at }} – {{ row.ends_at }}{% if entry.location %} · {{ entry.location }}{% endif %}</p>
        {% endif %}
        {% if entry.text %}<div class="timeline-body">{{ entry.text|linebreaksbr }}</div>{% endif %}
        {% if row.delete_url %}
          <form class="timeline-delete" method="post" action="{{ row.delete_url }}" hx-post="{{ row.delete_url }}" hx-target="#{{ panel_id }}" hx-swap="outerHTML" hx-confirm="{{ delete_confirm }}">
            {% csrf_token %}<input type="hidden" name="next" value="{{ next_url }}">
            <button type="submit" class="link-button danger">{{ delete_text }}<span class="visually-hidden"> {{ row.delete_label }}</span></button>
          </form>
        {% endif %}
      </div>
    </li>
    {% endif %}
  {% endwith %}{% empty %}
    {% if not is_fragment %}<li class="timeline-empty muted">{% translate "Nothing on the timeline yet. Add a note, call, meeting or task above." %}</li>{% endif %}
  {% endfor %}
"""


def _normalized(html: str) -> str:
    html = re.sub(r'(csrfmiddlewaretoken" value=")[^"]+', r"\1-", html)
    return re.sub(r"\s+", " ", html).replace("> <", "><").strip()


# A fixed moment: the entries' relative times and the overdue task read the clock.
@time_machine.travel(datetime.datetime(2026, 6, 15, 12, tzinfo=datetime.UTC), tick=False)
def test_every_kind_of_entry_as_the_template_wrote_it(company, member):
    lead = LeadFactory(company=company, organization_name="Plain Org")
    lead.organization_name = "<Org & Co>"
    lead_save(lead=lead, actor=member)
    activity_add(owner=lead, kind="note", actor=member, body="<b>bold</b> & more\nsecond line")
    activity_add(
        owner=lead,
        kind="call",
        actor=member,
        direction="in",
        duration_minutes=5,
        outcome="<i>agreed</i>",
    )
    starts = timezone.now()
    activity_add(
        owner=lead,
        kind="meeting",
        actor=member,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        location='Room "<A>"',
    )
    activity_add(
        owner=lead,
        kind="task",
        actor=member,
        title="<Send> offer",
        assigned_to=member,
        due_date=datetime.date(2020, 1, 1),
    )
    done = activity_add(owner=lead, kind="task", actor=member, title="Done one")
    task_complete(task=done, actor=member)

    request = RequestFactory().get(f"/leads/{lead.pk}/")
    request.user = member
    request.company = company
    request.membership = Membership.objects.get(user=member, company=company)
    for is_fragment in (False, True):
        context = _entries_context(
            request, lead, page=1, is_fragment=is_fragment, base_url="/leads/?timeline_page="
        )
        context["next_url"] = f"/leads/{lead.pk}/?a=1&b=<2>"
        kinds = {row["kind"] for row in context["rows"]}
        assert {"change", "note", "call", "meeting", "task"} <= kinds
        written = str(_entries_html(request, context))
        looped = Template(TEMPLATE_LOOP).render(
            Context({**context, "csrf_token": get_token(request)})
        )
        assert _normalized(written) == _normalized(looped)
        assert "<b>bold</b>" not in written and "&lt;b&gt;bold&lt;/b&gt; &amp; more<br>" in written
        assert "&lt;Send&gt; offer" in written and "&lt;i&gt;agreed&lt;/i&gt;" in written
        assert "&lt;Org &amp; Co&gt;" in written


@pytest.mark.parametrize("entries", [0, 3, 25])
def test_the_panel_written_in_python_is_the_templates_markup(company, member, entries):
    lead = LeadFactory(company=company, organization_name="<Org & Co>")
    for index in range(entries):
        activity_add(owner=lead, kind="note", actor=member, body=f"<b>note {index}</b>")
    request = RequestFactory().get(f"/leads/{lead.pk}/?x=<1>&timeline_page=1")
    request.user = member
    request.company = company
    request.membership = Membership.objects.get(user=member, company=company)
    context = timeline_panel_context(request, lead)
    assert context["form_fields_html"]  # the empty form: the panel written in Python
    template = render_to_string("crm/timeline/_panel.html", context, request=request)
    python = panel_html(context, csrf_token=get_token(request))
    token = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+')
    assert token.sub(r"\1-", python) == token.sub(r"\1-", template)
    assert ("Show older" in python) == (entries > 20)
    assert "<b>note" not in python


@time_machine.travel(datetime.datetime(2026, 6, 15, 12, tzinfo=datetime.UTC), tick=False)
def test_a_meeting_shows_the_companys_local_time(company, member, member_client):
    """A meeting at 10:00 in Jakarta reads 10:00 there, not the database's 03:00 UTC, in its
    line and in its moment's hover title."""
    company.time_zone = "Asia/Jakarta"
    company.save(update_fields=["time_zone"])
    lead = LeadFactory(company=company)
    starts = datetime.datetime(2026, 6, 15, 3, tzinfo=datetime.UTC)
    ends = starts + datetime.timedelta(hours=1)
    activity_add(owner=lead, kind="meeting", actor=member, starts_at=starts, ends_at=ends)
    html = member_client.get(f"/leads/{lead.pk}/").content.decode()
    with timezone.override("Asia/Jakarta"):
        start = Template("{{ starts|date:'DATETIME_FORMAT' }}").render(Context({"starts": starts}))
        end = Template("{{ ends|time:'TIME_FORMAT' }}").render(Context({"ends": ends}))
    assert start.endswith("10:00") and end == "11:00"
    assert f"{start} – {end}" in html
    assert f'<time datetime="{starts.isoformat()}" title="{start}">' in html
