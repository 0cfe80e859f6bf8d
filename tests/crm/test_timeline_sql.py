"""The timeline's entries read in SQL (crm.timeline_sql) are those the ORM's query gives."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from crm import timeline_sql
from crm.models import Activity, Call, Meeting, Membership, Note, SystemEvent, Task
from crm.timeline import timeline_for_many
from tests.factories import (
    CallFactory,
    LeadFactory,
    MeetingFactory,
    NoteFactory,
    SystemEventFactory,
    TaskFactory,
)

FACTORIES = [NoteFactory, CallFactory, MeetingFactory, TaskFactory, SystemEventFactory]

# When the entries happened: a fixed moment, not the wall clock.
MOMENT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def orm_entries(company, owners, *, related=(), limit):
    """The entries as the ORM reads them (django-polymorphic's subtypes): the reference."""

    def on(records):
        condition = Q(pk__in=[])
        for record in records:
            condition |= Q(owner_type=ContentType.objects.get_for_model(record), owner_id=record.pk)
        return condition

    system = ContentType.objects.get_for_model(SystemEvent, for_concrete_model=False)
    condition = on(owners) | (on(related) & ~Q(polymorphic_ctype=system))
    return list(Activity.objects.filter(condition, company=company)[:limit])


def assert_same(read, expected):
    assert [(type(entry), entry.pk) for entry in read] == [
        (type(entry), entry.pk) for entry in expected
    ]
    for entry, stored in zip(read, expected, strict=True):
        for field in type(stored)._meta.concrete_fields:
            assert getattr(entry, field.attname) == getattr(stored, field.attname), field.name
        assert entry.author == stored.author
        if isinstance(stored, Task):
            assert entry.assigned_to == stored.assigned_to
        assert entry.owner == stored.owner


def entries_on(company, owner, count, *, author=None, start=None):
    start = start or MOMENT
    for index in range(count):
        FACTORIES[index % len(FACTORIES)](
            company=company,
            owner=owner,
            author=author,
            # Two entries at each moment: the newest written comes first.
            occurred_at=start - timedelta(minutes=index // 2),
        )


def test_every_kind_reads_as_the_orm_reads_it(company, member):
    lead = LeadFactory(company=company)
    entries_on(company, lead, 12, author=member)
    entries_on(company, company, 3)
    Task.objects.update(assigned_to=member)
    SystemEvent.objects.update(data={"about": {"model": "leads.lead", "pk": lead.pk}, "n": 1.5})

    with CaptureQueriesContext(connection) as queries:
        read = timeline_for_many([lead], limit=50)

    assert len({type(entry) for entry in read}) == 5
    assert_same(read, orm_entries(company, [lead], limit=50))
    assert read[0].occurred_at.tzinfo is not None
    assert isinstance(next(e for e in read if isinstance(e, SystemEvent)).data, dict)
    # The entries with their authors; the subtypes' columns with the tasks' assignees.
    assert len(queries) == 2
    with CaptureQueriesContext(connection) as queries:
        for entry in read:
            str(entry.author), str(entry.owner)
            if isinstance(entry, Task):
                str(entry.assigned_to)
    assert len(queries) == 0


@pytest.mark.parametrize("limit", [1, 4, 7, 50])
def test_owners_and_related_owners_read_as_the_orm_reads_them(company, member, limit):
    lead = LeadFactory(company=company)
    other_lead = LeadFactory(company=company)
    membership = Membership.objects.get(user=member)
    entries_on(company, lead, 5)
    entries_on(company, other_lead, 5, start=MOMENT - timedelta(seconds=30))
    entries_on(company, membership, 5, author=member)
    entries_on(company, company, 5)

    read = timeline_for_many([lead, company], related=[other_lead, membership], limit=limit)

    expected = orm_entries(company, [lead, company], related=[other_lead, membership], limit=limit)
    assert_same(read, expected)
    # People's entries of the related records, never their system events.
    assert not any(
        isinstance(entry, SystemEvent) and entry.owner in (other_lead, membership) for entry in read
    )


def test_only_related_owners(company):
    lead = LeadFactory(company=company)
    entries_on(company, lead, 5)

    read = timeline_for_many([], related=[lead])

    assert_same(read, orm_entries(company, [], related=[lead], limit=50))
    assert SystemEvent not in {type(entry) for entry in read}


def test_a_subtype_row_gone_leaves_the_entry_as_an_activity(company):
    call = CallFactory(company=company)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {connection.ops.quote_name(Call._meta.db_table)}"
            " WHERE activity_ptr_id = %s",
            [call.pk],
        )
    [entry] = timeline_for_many([company])
    assert type(entry) is Activity
    assert entry.pk == call.pk


def test_another_companys_entries_never_show(company, other_company):
    lead = LeadFactory(company=company)
    mine = NoteFactory(company=company, owner=lead)
    with scopes_disabled():
        # Entries of company B that name A's record: planted, as only a bug would write them.
        for factory in FACTORIES:
            factory(company=other_company, owner=lead)
            factory(company=other_company, owner=other_company)
    assert timeline_for_many([lead]) == [mine]
    assert timeline_for_many([], related=[lead]) == [mine]
    assert timeline_for_many([company]) == []


def test_the_subtypes_query_reads_only_the_companys_entries(company, other_company):
    with scopes_disabled():
        theirs = TaskFactory(company=other_company, owner=other_company)
    mine = TaskFactory(company=company)
    found = timeline_sql.read_subtype_values(
        company_id=company.pk, ids=[mine.pk, theirs.pk], present=(Task,)
    )
    assert list(found) == [mine.pk]
    model, values, _assignee = found[mine.pk]
    assert model is Task
    assert values["title"] == mine.title


def test_entries_read_equal_the_stored_ones_field_by_field(company, member):
    NoteFactory(company=company, body="")
    meeting = MeetingFactory(company=company, location="")
    TaskFactory(company=company, due_date=None, assigned_to=member, author=member)
    task = TaskFactory(company=company, done=True, done_at=MOMENT)
    read = {entry.pk: entry for entry in timeline_for_many([company])}
    for model in (Note, Meeting, Task):
        for stored in model.objects.all():
            entry = read[stored.pk]
            for field in model._meta.concrete_fields:
                assert getattr(entry, field.attname) == getattr(stored, field.attname)
    assert read[task.pk].done is True
    assert read[meeting.pk].ends_at - read[meeting.pk].starts_at == timedelta(hours=1)
