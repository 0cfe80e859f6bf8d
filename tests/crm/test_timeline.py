"""The activity timeline: services, selectors, the panel, my tasks, and company isolation."""

import re
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop
from django_scopes import scope, scopes_disabled

from crm.access import Action, Level
from crm.access.services import role_access_levels_save
from crm.audit import RecordChange, changes_for_many
from crm.errors import DomainError
from crm.event_text import event_message
from crm.models import Activity, Call, Meeting, Membership, Note, SystemEvent, Task
from crm.sample.demo_timeline import seed_timeline
from crm.timeline import (
    activity_add,
    activity_delete,
    activity_log_event,
    can_have_timeline,
    register_related_owners,
    task_complete,
    task_reopen,
    timeline_for,
    timeline_for_many,
    timeline_with_changes,
)
from tests.conftest import at_noon, login_as
from tests.factories import (
    AddressLinkFactory,
    CallFactory,
    ContactFactory,
    ContactLinkFactory,
    IndividualPartnerFactory,
    LeadFactory,
    MeetingFactory,
    MembershipFactory,
    NoteFactory,
    OrganizationPartnerFactory,
    ProductFactory,
    SalespersonFactory,
    SystemEventFactory,
    TaskFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _at_noon():
    """Due dates and "overdue" are days: each test runs at noon of the day it starts (a
    time_machine clock, tests.conftest.at_noon)."""
    with at_noon():
        yield


HTMX = {"HTTP_HX_REQUEST": "true"}


def add_url(owner_type, owner_id):
    return reverse("crm:activity_add", kwargs={"owner_type": owner_type, "owner_id": owner_id})


def company_add_url(company):
    return add_url("crm.company", company.pk)


def mixed_entries(company, count):
    factories = [NoteFactory, CallFactory, MeetingFactory, TaskFactory, SystemEventFactory]
    for index in range(count):
        factories[index % len(factories)](company=company)


# --- services ---------------------------------------------------------------------------------


def test_activity_add_note_on_the_company(company, member):
    note = activity_add(owner=company, kind="note", actor=member, body="Called the CFO.")
    assert isinstance(note, Note)
    assert note.company == company
    assert note.owner == company
    assert note.author == member
    assert list(Activity.objects.all()) == [note]


def test_activity_add_every_kind_comes_back_typed(company, member):
    starts = timezone.now()
    activity_add(owner=company, kind="note", actor=member, body="A note")
    activity_add(owner=company, kind="call", actor=member, direction="in", duration_minutes=5)
    meeting = activity_add(
        owner=company, kind="meeting", actor=member, starts_at=starts, ends_at=starts
    )
    activity_add(owner=company, kind="task", actor=member, title="Send offer", assigned_to=member)
    assert meeting.occurred_at == starts
    kinds = {type(entry) for entry in timeline_for(company)}
    assert kinds == {Note, Call, Meeting, Task}


def test_activity_add_refuses_records_without_a_timeline(company, member):
    membership = Membership.objects.get(user=member)
    with pytest.raises(DomainError, match="has no timeline"):
        activity_add(owner=membership, kind="note", actor=member, body="Onboarded.")
    assert not Activity.objects.exists()


def test_activity_add_on_a_partner(company, member):
    from tests.factories import IndividualPartnerFactory

    partner = IndividualPartnerFactory(company=company)
    note = activity_add(owner=partner, kind="note", actor=member, body="Met at the fair.")
    assert note.owner == partner
    assert timeline_for(partner) == [note]
    assert timeline_for(company) == []


@pytest.mark.parametrize(
    ("kind", "fields", "message"),
    [
        ("note", {"body": "   "}, "Write something"),
        ("system", {"body": "x"}, "Choose a note"),
        ("note", {"body": "x", "title": "no"}, "has no field"),
        ("task", {"title": ""}, "title"),
    ],
)
def test_activity_add_refuses_bad_input_and_writes_nothing(company, member, kind, fields, message):
    with pytest.raises(DomainError) as error:
        activity_add(owner=company, kind=kind, actor=member, **fields)
    assert message.lower() in error.value.message.lower()
    assert not Activity.objects.exists()


def test_meeting_ending_before_it_starts_is_refused(company, member):
    starts = timezone.now()
    with pytest.raises(DomainError, match="cannot end before it starts"):
        activity_add(
            owner=company,
            kind="meeting",
            actor=member,
            starts_at=starts,
            ends_at=starts - timedelta(minutes=1),
        )
    assert not Meeting.objects.exists()


def test_task_cannot_be_assigned_to_another_companys_user(company, member, other_member):
    with pytest.raises(DomainError, match="members of this company"):
        activity_add(owner=company, kind="task", actor=member, title="x", assigned_to=other_member)
    assert not Task.objects.exists()


def test_activity_log_event(company, member):
    event = activity_log_event(
        owner=company,
        kind=SystemEvent.Kind.CONVERSION,
        message=event_message(
            gettext_noop("Converted to opportunity “%(opportunity)s”."), opportunity="Big deal"
        ),
        data={"opportunity": 7},
        actor=member,
    )
    assert event.event_kind == "conversion"
    assert event.data["opportunity"] == 7
    assert event.body == "Converted to opportunity “Big deal”."
    assert timeline_for(company) == [event]


def test_activity_log_event_refuses_an_unknown_kind(company):
    with pytest.raises(DomainError):
        activity_log_event(
            owner=company, kind="exploded", message=event_message(gettext_noop("Demo data loaded."))
        )
    assert not SystemEvent.objects.exists()


def test_task_complete_and_reopen(company, member):
    task = TaskFactory(company=company)
    done = task_complete(task=task, actor=member)
    assert done.done and done.done_at is not None
    again = task_complete(task=task, actor=member)  # a double click changes nothing
    assert again.done_at == done.done_at
    reopened = task_reopen(task=task, actor=member)
    assert not reopened.done and reopened.done_at is None


def test_author_may_delete_their_note(company, salesperson_user):
    note = NoteFactory(company=company, author=salesperson_user)
    activity_delete(activity=note, actor=salesperson_user)
    assert not Note.objects.exists()


def test_admin_may_delete_someone_elses_note(company, member, salesperson_user):
    note = NoteFactory(company=company, author=salesperson_user)
    activity_delete(activity=note, actor=member)
    assert not Note.objects.exists()


def test_others_may_not_delete_a_note(company, member, salesperson_user):
    note = NoteFactory(company=company, author=member)
    with pytest.raises(DomainError, match="author or a company admin"):
        activity_delete(activity=note, actor=salesperson_user)
    assert Note.objects.filter(pk=note.pk).exists()


def test_system_events_cannot_be_deleted_even_by_an_admin(company, member):
    event = SystemEventFactory(company=company, author=member)
    with pytest.raises(DomainError, match="stay"):
        activity_delete(activity=event, actor=member)
    assert SystemEvent.objects.filter(pk=event.pk).exists()


# --- selectors --------------------------------------------------------------------------------


def test_timeline_is_newest_first_and_limited(company):
    now = timezone.now()
    old = NoteFactory(company=company, occurred_at=now - timedelta(days=2))
    new = CallFactory(company=company, occurred_at=now)
    middle = TaskFactory(company=company, occurred_at=now - timedelta(days=1))
    assert timeline_for(company) == [new, middle, old]
    assert timeline_for(company, limit=2) == [new, middle]


def test_timeline_for_many_merges_owners(company, member):
    membership = Membership.objects.get(user=member)
    on_company = NoteFactory(company=company)
    on_membership = NoteFactory(company=company, owner=membership)
    entries = timeline_for_many([company, membership])
    assert set(entries) == {on_company, on_membership}
    assert {entry.owner for entry in entries} == {company, membership}


def test_timeline_joins_only_the_kinds_of_entry_it_shows(company, member):
    note = NoteFactory(company=company, body="Only notes here")
    call = CallFactory(company=company)
    with CaptureQueriesContext(connection) as queries:
        entries = timeline_for(company)
    by_kind = {type(entry): entry for entry in entries}
    assert by_kind == {Call: call, Note: note}
    assert by_kind[Note].body == "Only notes here"
    joins = " ".join(q["sql"] for q in queries.captured_queries)
    assert '"crm_call"' in joins
    # A note has no columns of its own: built from its entry's row, its table is not read.
    for table in ('"crm_note"', '"crm_meeting"', '"crm_task"', '"crm_systemevent"'):
        assert table not in joins


def test_a_timeline_of_notes_reads_no_subtype_rows(company):
    NoteFactory(company=company, body="First")
    NoteFactory(company=company, body="Second")
    with CaptureQueriesContext(connection) as queries:
        entries = timeline_for(company)
    assert {type(entry) for entry in entries} == {Note}
    assert sorted(entry.body for entry in entries) == ["First", "Second"]
    assert len(queries) == 1  # the entries with their authors
    assert all(entry.pk == Note.objects.get(pk=entry.pk).pk for entry in entries)


def test_entries_built_from_their_rows_equal_the_stored_ones(company, member):
    mixed_entries(company, 10)
    Task.objects.update(assigned_to=member)
    entries = timeline_for(company)
    assert len({type(entry) for entry in entries}) == 5
    for entry in entries:
        stored = type(entry).objects.get(pk=entry.pk)
        for field in type(entry)._meta.concrete_fields:
            assert getattr(entry, field.attname) == getattr(stored, field.attname), field.name


def test_timeline_never_shows_another_companys_entries(company, other_company):
    with scopes_disabled():
        NoteFactory(company=other_company)
    assert timeline_for(company) == []
    with scope(company=other_company):
        assert len(timeline_for(other_company)) == 1


def test_timeline_queries_do_not_grow_with_entries(company, member):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            entries = timeline_for(company)
            for entry in entries:  # what the panel touches on every row
                str(entry.author)
                str(entry.owner)
                if isinstance(entry, Task):
                    str(entry.assigned_to)
        return len(queries), len(entries)

    mixed_entries(company, 5)
    few, shown = count_queries()
    assert shown == 5
    for task in Task.objects.all():
        task.assigned_to = member
        task.author = member
        task.save()
    mixed_entries(company, 45)
    Task.objects.update(assigned_to=member)
    Activity.objects.update(author=member)
    many, shown = count_queries()
    assert shown == 50
    assert many <= few + 1  # the assignee query appears once tasks have assignees
    assert many <= 8


# --- panel and views --------------------------------------------------------------------------


def test_settings_page_shows_the_timeline(member_client, company, member):
    NoteFactory(company=company, body="Remember the holiday hours.", author=member)
    response = member_client.get(reverse("crm:settings"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Timeline" in html
    assert "Remember the holiday hours." in html
    assert company_add_url(company) in html


def test_panel_query_count_does_not_grow_with_entries(member_client, company, member):
    def settings_queries():
        with CaptureQueriesContext(connection) as queries:
            response = member_client.get(reverse("crm:settings"))
        assert response.status_code == 200
        return len(queries)

    mixed_entries(company, 5)
    Activity.objects.update(author=member)
    Task.objects.update(assigned_to=member)
    settings_queries()  # the cached lists (the people a task may be assigned to) warm
    few = settings_queries()
    mixed_entries(company, 45)
    Activity.objects.update(author=member)
    Task.objects.update(assigned_to=member)
    many = settings_queries()
    assert many == few


def _assignee_options(client) -> list[str]:
    html = client.get(reverse("crm:settings")).content.decode()
    select = re.search(r'<select name="assigned_to"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def test_the_people_a_task_may_be_assigned_to_follow_the_memberships(
    member_client, company, member, other_company
):
    member.first_name, member.last_name = "Ada", "Admin"
    member.save()
    assert _assignee_options(member_client) == ["Nobody", "Ada Admin"]
    MembershipFactory(company=other_company, user__first_name="Olga", user__last_name="Other")
    assert _assignee_options(member_client) == ["Nobody", "Ada Admin"]  # another company's
    joined = MembershipFactory(company=company, user__first_name="Bea", user__last_name="Bold")
    assert _assignee_options(member_client) == ["Nobody", "Ada Admin", "Bea Bold"]
    joined.user.first_name = "Beatrix"
    joined.user.save()
    assert _assignee_options(member_client) == ["Nobody", "Ada Admin", "Beatrix Bold"]
    joined.delete()
    assert _assignee_options(member_client) == ["Nobody", "Ada Admin"]


def test_the_people_a_task_may_be_assigned_to_are_read_once_per_lists_version(
    member_client, company, member
):
    _assignee_options(member_client)  # cached
    with CaptureQueriesContext(connection) as queries:
        _assignee_options(member_client)
    assert not [q for q in queries.captured_queries if 'JOIN "crm_membership"' in q["sql"]]


def _chosen_assignee(html: str) -> str:
    """The name the new task's "Assigned to" shows chosen."""
    select = re.search(r'<select name="assigned_to"[^>]*>(.*?)</select>', html, re.S).group(1)
    (chosen,) = re.findall(r"<option[^>]* selected>([^<]*)</option>", select)
    return chosen


def test_a_new_task_is_assigned_to_me_by_default_and_can_be_changed(
    client, member_client, company, member, salesperson_user
):
    member.first_name, member.last_name = "Ada", "Admin"
    member.save()
    salesperson_user.first_name, salesperson_user.last_name = "Sam", "Seller"
    salesperson_user.save()
    lead = LeadFactory(company=company)
    page = member_client.get(lead.get_absolute_url()).content.decode()
    assert _chosen_assignee(page) == "Ada Admin"
    # The markup is kept per company: the next reader finds themselves chosen, not Ada.
    login_as(client, salesperson_user, company)
    assert _chosen_assignee(client.get(lead.get_absolute_url()).content.decode()) == "Sam Seller"
    # Another choice, or nobody, is still taken.
    url = reverse("crm:activity_add", args=["leads.lead", lead.pk])
    client.post(url, {"kind": "task", "title": "Call back", "assigned_to": member.pk})
    client.post(url, {"kind": "task", "title": "Anyone", "assigned_to": ""})
    assert {task.title: task.assigned_to for task in Task.objects.all()} == {
        "Call back": member,
        "Anyone": None,
    }


def test_a_reader_who_cannot_be_assigned_finds_nobody_chosen(client, company, member):
    outsider = UserFactory(is_superuser=True, is_staff=True)  # no membership: not offered
    login_as(client, outsider, company)
    lead = LeadFactory(company=company)
    assert _chosen_assignee(client.get(lead.get_absolute_url()).content.decode()) == "Nobody"


def test_add_a_note_by_plain_post_redirects_back(member_client, company, member):
    response = member_client.post(
        company_add_url(company),
        {"kind": "note", "body": "Met at the fair.", "next": reverse("crm:settings")},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("crm:settings")
    note = Note.objects.get()
    assert note.body == "Met at the fair." and note.author == member


def test_an_unsafe_next_falls_back_to_the_owner_page(member_client, company):
    response = member_client.post(
        company_add_url(company), {"kind": "note", "body": "x", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("crm:settings")


def test_add_a_task_with_htmx_returns_the_panel(member_client, company, member):
    response = member_client.post(
        company_add_url(company),
        {"kind": "task", "title": "Send the price list", "assigned_to": member.pk},
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="card timeline"' in html
    assert "Send the price list" in html
    assert "<html" not in html
    assert Task.objects.get().assigned_to == member


def test_meeting_ending_before_start_is_a_form_error_and_writes_nothing(member_client, company):
    data = {
        "kind": "meeting",
        "starts_at": "2026-05-04T10:00",
        "ends_at": "2026-05-04T09:00",
    }
    for extra in ({}, HTMX):
        response = member_client.post(company_add_url(company), data, **extra)
        assert response.status_code == 200
        assert "A meeting cannot end before it starts." in response.content.decode()
    assert not Activity.objects.exists()


def test_another_companys_owner_is_a_404_and_writes_nothing(member_client, company, other_company):
    response = member_client.post(company_add_url(other_company), {"kind": "note", "body": "x"})
    assert response.status_code == 404
    with scopes_disabled():
        other_membership = MembershipFactory(company=other_company)
    response = member_client.post(
        add_url("crm.membership", other_membership.pk), {"kind": "note", "body": "x"}
    )
    assert response.status_code == 404
    with scopes_disabled():
        assert not Activity.objects.exists()


@pytest.mark.parametrize("owner_type", ["crm.nothing", "auth.user", "crm.note"])
def test_owners_that_cannot_have_a_timeline_are_a_404(member_client, company, member, owner_type):
    note = NoteFactory(company=company)
    owner_id = note.pk if owner_type == "crm.note" else member.pk
    response = member_client.post(add_url(owner_type, owner_id), {"kind": "note", "body": "x"})
    assert response.status_code == 404
    assert Activity.objects.count() == 1


@pytest.mark.parametrize(
    "owner_type",
    [
        "nonsense",
        "crm.company%00",
        "%00.lead",
        "leads.lead%00x",
        "LEADS.LEAD",
        "leads..lead",
        "a.b.c",
    ],
)
def test_junk_owner_types_in_the_url_are_a_404(member_client, company, owner_type):
    response = member_client.post(
        f"/timeline/{owner_type}/{company.pk}/add/", {"kind": "note", "body": "x"}
    )
    assert response.status_code == 404
    assert not Activity.objects.exists()
    # The same URL with a real owner type is the page that adds the note.
    response = member_client.post(
        f"/timeline/crm.company/{company.pk}/add/", {"kind": "note", "body": "x"}
    )
    assert response.status_code == 302 and Activity.objects.count() == 1


def test_own_rows_without_a_timeline_are_a_404_and_write_nothing(member_client, company, member):
    partner = OrganizationPartnerFactory(company=company)
    owners = {
        "crm.membership": Membership.objects.get(user=member).pk,
        "addressbook.addresslink": AddressLinkFactory(company=company, owner=partner).pk,
        "addressbook.contactlink": ContactLinkFactory(company=company, owner=partner).pk,
        "crm.product": ProductFactory(company=company).pk,
    }
    for owner_type, owner_id in owners.items():
        response = member_client.post(add_url(owner_type, owner_id), {"kind": "note", "body": "x"})
        assert response.status_code == 404, owner_type
    assert not Activity.objects.exists()


def test_a_partner_takes_entries_under_its_own_or_its_parents_type(member_client, company):
    partner = IndividualPartnerFactory(company=company)
    for owner_type in ("crm.individualpartner", "crm.salespartner"):
        response = member_client.post(
            add_url(owner_type, partner.pk), {"kind": "note", "body": "x"}
        )
        assert response.status_code == 302
    assert [entry.owner for entry in Activity.objects.all()] == [partner, partner]


def test_the_panel_shows_only_on_records_with_a_timeline(member_client, company):
    partner = OrganizationPartnerFactory(company=company)
    product = ProductFactory(company=company)
    partner_html = member_client.get(reverse("crm:partner_detail", args=[partner.pk]))
    product_html = member_client.get(reverse("crm:product_detail", args=[product.pk]))
    assert 'id="timeline-crm-organizationpartner-' in partner_html.content.decode()
    assert 'id="timeline-' not in product_html.content.decode()


def test_add_is_post_only(member_client, company):
    assert member_client.get(company_add_url(company)).status_code == 405


def test_complete_and_reopen_a_task_through_the_panel(member_client, company):
    task = TaskFactory(company=company, title="Ring back")
    response = member_client.post(reverse("crm:task_complete", args=[task.pk]), **HTMX)
    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.content.decode()
    task.refresh_from_db()
    assert task.done
    response = member_client.post(reverse("crm:task_reopen", args=[task.pk]))
    assert response.status_code == 302
    task.refresh_from_db()
    assert not task.done


def test_each_kind_of_entry_reads_as_the_reader_expects(member_client, company, member):
    """The panel writes each entry's labels, dates and buttons (prepared once in the view)."""
    member.first_name, member.last_name = "Ana", "Tan"
    member.save()
    CallFactory(company=company, author=member, duration_minutes=1, outcome="Call back")
    MeetingFactory(company=company, author=member, location="Harbour café")
    task = TaskFactory(
        company=company,
        author=member,
        title="Send the offer",
        assigned_to=member,
        due_date=timezone.localdate() - timedelta(days=2),
    )
    done = TaskFactory(company=company, title="Book the room", done=True, done_at=timezone.now())
    html = member_client.get(reverse("crm:settings")).content.decode()
    assert "1 minute · Call back" in html
    assert "Harbour café" in html
    assert "overdue since" in html and "for Ana Tan" in html
    assert f'action="{reverse("crm:task_complete", args=[task.pk])}"' in html
    assert f'action="{reverse("crm:task_reopen", args=[done.pk])}"' in html
    # The member is the company's admin: a delete button on every hand-written entry.
    assert html.count(">Delete<") == 4
    response = member_client.post(reverse("crm:task_complete", args=[task.pk]), **HTMX)
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.done


def test_another_companys_task_is_a_404(member_client, company, other_company):
    with scopes_disabled():
        task = TaskFactory(company=other_company)
    for name in ("crm:task_complete", "crm:task_reopen", "crm:activity_delete"):
        assert member_client.post(reverse(name, args=[task.pk])).status_code == 404
    with scopes_disabled():
        task.refresh_from_db()
        assert not task.done


def test_delete_through_the_panel(member_client, company, member):
    note = NoteFactory(company=company, author=member)
    response = member_client.post(reverse("crm:activity_delete", args=[note.pk]), **HTMX)
    assert response.status_code == 200
    assert not Note.objects.exists()


def test_deleting_a_system_event_through_the_panel_is_refused(member_client, company):
    event = SystemEventFactory(company=company)
    response = member_client.post(reverse("crm:activity_delete", args=[event.pk]), follow=True)
    assert "stay" in response.content.decode()
    assert SystemEvent.objects.filter(pk=event.pk).exists()


def test_delete_button_only_for_author_or_admin(client, company, member, salesperson_user):
    NoteFactory(company=company, author=member, body="Admin's note")
    login_as(client, salesperson_user, company)
    html = client.post(
        company_add_url(company), {"kind": "note", "body": "Mine"}, **HTMX
    ).content.decode()
    assert html.count(">Delete<") == 1


def test_related_owners_show_on_the_panel(member_client, company, member):
    membership = Membership.objects.get(user=member)
    NoteFactory(company=company, owner=membership, body="From the membership")

    def membership_for_company(obj):
        return [membership] if obj == company else []

    register_related_owners(membership_for_company)
    try:
        html = member_client.get(reverse("crm:settings")).content.decode()
    finally:
        from crm import timeline

        timeline._related_owner_resolvers.remove(membership_for_company)
    assert "From the membership" in html


# --- deleting an owner ------------------------------------------------------------------------


def test_deleting_a_partner_deletes_its_timeline(company, member):
    partner = IndividualPartnerFactory(company=company)
    kept = OrganizationPartnerFactory(company=company)
    activity_add(owner=partner, kind="task", actor=member, title="Call back", assigned_to=member)
    activity_add(owner=partner, kind="note", actor=member, body="Gone with it")
    kept_note = activity_add(owner=kept, kind="note", actor=member, body="Stays")
    company_note = activity_add(owner=company, kind="note", actor=member, body="Stays too")

    partner.delete()

    assert set(Activity.objects.all()) == {kept_note, company_note}


def test_deleting_a_contact_deletes_its_timeline(company, member):
    contact = ContactFactory(company=company)
    activity_add(owner=contact, kind="note", actor=member, body="Met at the fair")
    contact.delete()
    assert not Activity.objects.exists()


def test_deleted_partners_tasks_leave_my_tasks(member_client, company, member):
    partner = OrganizationPartnerFactory(company=company, organization_name="Gone GmbH")
    activity_add(owner=partner, kind="task", actor=member, title="Orphan?", assigned_to=member)
    response = member_client.post(reverse("crm:partner_delete", args=[partner.pk]))
    assert response.status_code == 302
    assert not Activity.objects.exists()
    assert "Orphan?" not in member_client.get(reverse("crm:task_list")).content.decode()


# --- my tasks ---------------------------------------------------------------------------------


def test_my_tasks_lists_open_tasks_of_mine_in_this_company_only(
    member_client, company, member, salesperson_user, other_company
):
    today = timezone.localdate()
    late = TaskFactory(
        company=company, title="Late one", assigned_to=member, due_date=today - timedelta(days=2)
    )
    mine = TaskFactory(company=company, title="Written by me", author=member, due_date=today)
    TaskFactory(company=company, title="Someone else's", assigned_to=salesperson_user)
    TaskFactory(
        company=company, title="Finished", assigned_to=member, done=True, done_at=timezone.now()
    )
    with scopes_disabled():
        MembershipFactory(company=other_company, user=member)
        TaskFactory(company=other_company, title="Other company", assigned_to=member)
    response = member_client.get(reverse("crm:task_list"))
    assert response.status_code == 200
    assert [task.pk for task in response.context["tasks"]] == [late.pk, mine.pk]
    html = response.content.decode()
    assert "task-overdue" in html and "Overdue" in html
    assert "Other company" not in html and "Finished" not in html


def test_my_tasks_is_in_the_navigation(member_client, company):
    html = member_client.get(reverse("crm:dashboard")).content.decode()
    assert reverse("crm:task_list") in html


# --- demo -------------------------------------------------------------------------------------


def test_demo_seeder_is_re_runnable(company, member):
    import random

    seed_timeline(company, random.Random(1))
    count = Activity.objects.count()
    assert count >= 10
    assert {type(a) for a in Activity.objects.all()} == {Note, Call, Meeting, Task, SystemEvent}
    seed_timeline(company, random.Random(2))
    assert Activity.objects.count() == count
    owner_type = ContentType.objects.get_for_model(company)
    assert Activity.objects.filter(owner_type=owner_type, owner_id=company.pk).count() == count


def test_demo_seeder_leaves_link_rows_and_memberships_alone(company, member):
    import random

    partner = OrganizationPartnerFactory(company=company)
    AddressLinkFactory(company=company, owner=partner)
    ContactLinkFactory(company=company, owner=partner)
    seed_timeline(company, random.Random(1))
    owner_models = {entry.owner_type.model_class() for entry in Activity.objects.all()}
    assert all(can_have_timeline(model) for model in owner_models)
    assert {"company", "organizationpartner", "contact"} <= {
        model._meta.model_name for model in owner_models
    }


# --- admin ------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, company):
    user = MembershipFactory(company=company, role=Membership.Role.OWNER, user__is_superuser=True)
    user.user.is_staff = True
    user.user.save()
    return login_as(client, user.user, company)


def test_admin_lists_and_opens_only_this_companys_entries(staff_client, company, other_company):
    note = NoteFactory(company=company, body="Ours")
    event = SystemEventFactory(company=company)
    with scopes_disabled():
        theirs = NoteFactory(company=other_company, body="Theirs")
    changelist = staff_client.get(reverse("admin:crm_activity_changelist"))
    assert changelist.status_code == 200
    html = changelist.content.decode()
    assert "Ours" in html and "Theirs" not in html
    assert staff_client.get(reverse("admin:crm_activity_change", args=[note.pk])).status_code == 200
    assert (
        staff_client.get(reverse("admin:crm_activity_change", args=[event.pk])).status_code == 200
    )
    foreign = staff_client.get(reverse("admin:crm_activity_change", args=[theirs.pk]))
    missing = staff_client.get(reverse("admin:crm_activity_change", args=[987654]))
    assert foreign.status_code == missing.status_code
    assert staff_client.get(reverse("admin:crm_activity_add")).status_code == 200


def test_admin_adds_a_note_into_the_active_company(staff_client, company):
    owner_type = ContentType.objects.get_for_model(company)
    response = staff_client.post(
        reverse("admin:crm_note_add"),
        {
            "owner_type": owner_type.pk,
            "owner_id": company.pk,
            "occurred_at_0": "2026-05-04",
            "occurred_at_1": "10:00:00",
            "body": "From the admin",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    note = Note.objects.get()
    assert note.company == company and note.body == "From the admin"


def test_relative_time_reads_naturally():
    from crm.templatetags.timeline_tags import relative_time

    now = timezone.now()
    assert relative_time(now) == "just now"
    assert relative_time(now - timedelta(hours=3, minutes=5)) == "3\xa0hours ago"
    assert relative_time(now + timedelta(days=2, hours=1)) == "in 2\xa0days"


# --- paging: the newest 20, then "Show older" ---------------------------------------------


def numbered_notes(company, owner, count):
    """Notes "Note 1" (newest) to "Note <count>" (oldest), a minute apart."""
    now = timezone.now()
    for number in range(1, count + 1):
        NoteFactory(
            company=company,
            owner=owner,
            body=f"Note {number}.",
            occurred_at=now - timedelta(minutes=number),
        )


def shown_notes(html: str) -> list[int]:
    return [int(number) for number in re.findall(r'"timeline-body">Note (\d+)\.', html)]


def lead_page(lead, page=None):
    url = reverse("leads:lead_detail", args=[lead.pk])
    return f"{url}?timeline_page={page}" if page else url


def entries_url(lead, page):
    url = reverse("crm:timeline_entries", args=["leads.lead", lead.pk])
    return f"{url}?page={page}"


def test_a_long_timeline_shows_the_newest_20_then_older_pages(member_client, company):
    lead = LeadFactory(company=company)
    numbered_notes(company, lead, 50)

    first = member_client.get(lead_page(lead)).content.decode()
    assert shown_notes(first) == list(range(1, 21))
    assert f'href="{lead_page(lead, 2)}#timeline-leads-lead-{lead.pk}-page-2"' in first
    assert f'hx-get="{entries_url(lead, 2)}"' in first

    # Without JavaScript: the page again, with one page more, at the first new entry.
    second = member_client.get(lead_page(lead, 2)).content.decode()
    assert shown_notes(second) == list(range(1, 41))
    assert f'id="timeline-leads-lead-{lead.pk}-page-2"' in second

    # With htmx: the next page alone, which swaps itself in for the button.
    more = member_client.get(entries_url(lead, 2), **HTMX).content.decode()
    assert shown_notes(more) == list(range(21, 41))
    assert f'hx-get="{entries_url(lead, 3)}"' in more
    assert "data-timeline-focus" in more
    last = member_client.get(entries_url(lead, 3), **HTMX).content.decode()
    assert shown_notes(last) == list(range(41, 51))
    assert "Show older" not in last


def test_a_short_timeline_has_no_show_older(member_client, company):
    lead = LeadFactory(company=company)
    numbered_notes(company, lead, 20)
    html = member_client.get(lead_page(lead)).content.decode()
    assert shown_notes(html) == list(range(1, 21))
    assert "Show older" not in html


@pytest.mark.parametrize("page", ["0", "-3", "x", "99999999999999999999"])
def test_a_junk_page_number_shows_a_page_of_the_timeline(member_client, company, page):
    lead = LeadFactory(company=company)
    numbered_notes(company, lead, 3)
    assert member_client.get(f"{lead_page(lead)}?timeline_page={page}").status_code == 200
    response = member_client.get(f"{entries_url(lead, 1).split('?')[0]}?page={page}")
    assert response.status_code == 200


def test_older_pages_cost_the_same_queries_as_the_first(member_client, company, member):
    lead = LeadFactory(company=company)
    numbered_notes(company, lead, 70)
    Activity.objects.update(author=member)

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert member_client.get(url, **HTMX).status_code == 200
        return len(captured)

    queries(lead_page(lead))  # caches warmed (content types, the session)
    assert queries(entries_url(lead, 2)) == queries(entries_url(lead, 4))
    assert queries(lead_page(lead)) == queries(lead_page(lead, 3))


def test_older_entries_of_a_lead_one_may_not_view_are_a_404(client, company, member):
    role_access_levels_save(
        company=company,
        levels={("leads.lead", Action.VIEW, Membership.Role.SALESPERSON): Level.OWN},
        actor=member,
    )
    seller = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
    SalespersonFactory(company=company, user=seller)
    lead = LeadFactory(company=company, salesperson=SalespersonFactory(company=company))
    numbered_notes(company, lead, 25)
    login_as(client, seller, company)
    assert client.get(lead_page(lead)).status_code == 404
    assert client.get(entries_url(lead, 2), **HTMX).status_code == 404


def test_show_older_is_get_only(member_client, company):
    lead = LeadFactory(company=company)
    assert member_client.post(entries_url(lead, 2)).status_code == 405


def test_the_add_forms_fields_come_ready_for_each_panel_and_each_list_of_people(
    member_client, company, member
):
    from django.template.loader import render_to_string

    from crm.forms import ActivityForm
    from crm.ui.page_forms import page_form

    first, second = LeadFactory(company=company), LeadFactory(company=company)
    pages = [
        member_client.get(reverse("leads:lead_detail", args=[lead.pk])).content.decode()
        for lead in (first, second, first)
    ]
    for lead, html in zip((first, second, first), pages, strict=True):
        key = f"timeline-leads-lead-{lead.pk}"
        expected = render_to_string(
            "crm/timeline/_form_fields.html",
            {
                "form": page_form(
                    ActivityForm(
                        company=company,
                        auto_id=f"{key}-%s",
                        initial={"assigned_to": member.pk},  # the reader, as a new task's
                    )
                )
            },
        )
        assert expected.startswith('<fieldset class="timeline-kinds">')
        assert expected in html  # rendered once, then served for each panel with its own ids
        assert "\ue000" not in html
    newcomer = MembershipFactory(company=company, user__first_name="Zora", user__last_name="Neu")
    html = member_client.get(reverse("leads:lead_detail", args=[first.pk])).content.decode()
    assert f'<option value="{newcomer.user.pk}">Zora Neu</option>' in html


# --- the field changes among the entries: read only when one can show -------------------------


def _history_reads(queries) -> int:
    """The queries of the changes themselves (the entries' query reads the newest one's date)."""
    return sum(
        '"leads_historicallead"' in query["sql"] and '"crm_activity"' not in query["sql"]
        for query in queries.captured_queries
    )


def _timeline_read(lead, *, limit=21):
    with CaptureQueriesContext(connection) as queries:
        entries = timeline_with_changes([lead], limit=limit)
    return entries, queries


def _every_entry(lead, *, limit=21):
    """The entries as read before the shortcut: both sources whole, merged."""
    entries = [*timeline_for_many([lead], limit=limit), *changes_for_many([lead], limit=limit)]
    entries.sort(key=lambda entry: entry.occurred_at, reverse=True)
    return entries[:limit]


def _shown(entries) -> list[str]:
    return ["change" if isinstance(entry, RecordChange) else entry.body for entry in entries]


def test_a_never_changed_records_timeline_reads_no_history_rows_of_its_own(company):
    lead = LeadFactory(company=company)
    numbered_notes(company, lead, 3)

    entries, queries = _timeline_read(lead)

    assert [entry.body for entry in entries] == ["Note 1.", "Note 2.", "Note 3."]
    # The newest change's date came with the entries (a subquery): none, so no query for them.
    assert _history_reads(queries) == 0
    assert len(queries) == 1  # the entries (notes have no columns of their own to read)


def test_a_change_newer_than_the_entries_shows_among_them(company):
    lead = LeadFactory(company=company, phone="")
    numbered_notes(company, lead, 3)  # a minute apart, before now
    lead.organization_name = "Renamed GmbH"
    lead.save()

    entries, queries = _timeline_read(lead)

    assert _shown(entries) == ["change", "Note 1.", "Note 2.", "Note 3."]
    assert _history_reads(queries) == 2  # the changes and the rows before them
    assert _shown(entries) == _shown(_every_entry(lead))


def test_a_change_older_than_a_full_page_of_entries_is_not_read(company):
    lead = LeadFactory(company=company)
    lead.organization_name = "Renamed GmbH"
    lead.save()
    later = timezone.now() + timedelta(hours=1)
    for number in range(1, 26):
        NoteFactory(
            company=company,
            owner=lead,
            body=f"Note {number}.",
            occurred_at=later - timedelta(minutes=number),
        )

    entries, queries = _timeline_read(lead)

    assert _shown(entries) == [f"Note {number}." for number in range(1, 22)]
    assert _history_reads(queries) == 0
    assert _shown(entries) == _shown(_every_entry(lead))
    # A page that reaches past the newest entries reads the change.
    deeper, queries = _timeline_read(lead, limit=30)
    assert _shown(deeper)[-1] == "change"
    assert _shown(deeper) == _shown(_every_entry(lead, limit=30))
    assert _history_reads(queries) == 2


def test_changes_show_on_a_timeline_without_entries(company):
    lead = LeadFactory(company=company)
    lead.organization_name = "Renamed GmbH"
    lead.save()

    entries, queries = _timeline_read(lead)

    assert _shown(entries) == ["change"]
    assert _history_reads(queries) == 2  # no entry came back to carry the date: read them
