"""crm.sql_reads: rows read by hand-written SQL come back as the ORM gives them (dates aware,
decimals, booleans, JSON, a child model's inherited columns), on SQLite and PostgreSQL alike."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope

from crm import sql_reads
from crm.models import Activity, Product, SystemEvent, Task
from tests.factories import ProductFactory, SystemEventFactory, TaskFactory


def _tasks_sql() -> tuple[str, sql_reads.Columns, sql_reads.Columns]:
    """Tasks of a company with their assignees, as the timeline would read them."""
    user_model = get_user_model()
    task = sql_reads.model_columns(Task, "t", parents={Activity: "a"})
    assignee = sql_reads.model_columns(user_model, "u")
    link = Task._meta.get_field("activity_ptr")
    assigned_to = Task._meta.get_field("assigned_to")
    sql = (
        f"SELECT {task.sql}, {assignee.sql} FROM {sql_reads.table(Task)} t"
        f" INNER JOIN {sql_reads.table(Activity)} a"
        f" ON {sql_reads.column('a', Activity._meta.pk)} = {sql_reads.column('t', link)}"
        f" LEFT OUTER JOIN {sql_reads.table(user_model)} u"
        f" ON {sql_reads.column('u', user_model._meta.pk)} = {sql_reads.column('t', assigned_to)}"
        f" WHERE {sql_reads.column('a', Activity._meta.get_field('company'))} = %s"
        f" ORDER BY {sql_reads.column('a', Activity._meta.pk)}"
    )
    return sql, task, assignee


def _fields(instance) -> dict:
    return {
        field.attname: getattr(instance, field.attname)
        for field in type(instance)._meta.concrete_fields
    }


def test_a_child_model_and_its_joined_row_read_as_the_orm_reads_them(company, member):
    TaskFactory(
        company=company,
        author=member,
        assigned_to=member,
        done=True,
        done_at=datetime(2026, 11, 30, 9, 15, tzinfo=UTC),
        due_date=date(2026, 12, 1),
    )
    TaskFactory(company=company, author=member, assigned_to=None, due_date=None)
    sql, task_columns, assignee_columns = sql_reads.kept("test-tasks", _tasks_sql)
    assert sql_reads.kept("test-tasks", _tasks_sql)[0] is sql  # built once per process

    with connection.cursor() as cursor:
        cursor.execute(sql, [company.pk])
        raw = cursor.fetchall()

    expected = list(
        Task.objects.filter(company=company).order_by("pk").select_related("assigned_to")
    )
    read = [task_columns.instance(row) for row in raw]
    for got, want in zip(read, expected, strict=True):
        assert type(got) is Task and _fields(got) == _fields(want)
    assert read[0].done is True and timezone.is_aware(read[0].occurred_at)
    assignees = [assignee_columns.instance(row, task_columns.width) for row in raw]
    assert assignees[0].pk == member.pk and assignees[0].get_full_name() == member.get_full_name()
    assert assignees[1] is None  # no one assigned: the LEFT JOIN found no row


def test_json_and_decimal_columns_convert(company):
    SystemEventFactory(company=company, data={"message": {"msgid": "Won"}, "about": {"pk": 3}})
    ProductFactory(company=company, unit_price=Decimal("12.50"))
    data = SystemEvent._meta.get_field("data")
    columns = sql_reads.select(("e", data))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns.sql} FROM {sql_reads.table(SystemEvent)} e")
        (row,) = cursor.fetchall()
    assert columns.values(row) == [{"message": {"msgid": "Won"}, "about": {"pk": 3}}]

    price = sql_reads.select(("p", Product._meta.get_field("unit_price")))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {price.sql} FROM {sql_reads.table(Product)} p WHERE p.company_id = %s",
            [company.pk],
        )
        (row,) = cursor.fetchall()
    assert price.values(row) == [Decimal("12.50")]


def test_a_plain_read_gives_what_select_related_gives(company, other_company):
    from leads.models import Lead, LeadSource, Opportunity
    from tests.factories import LeadFactory, LeadSourceFactory, OpportunityFactory

    source = LeadSourceFactory(company=company)
    with_source = LeadFactory(company=company, source=source)
    converted = LeadFactory(company=company)
    OpportunityFactory(company=company, lead=converted)
    with scope(company=other_company):
        LeadFactory(company=other_company)
    read = sql_reads.PlainRead(
        Lead,
        "l",
        joined=(
            sql_reads.Joined("s", LeadSource, "l", "source"),
            sql_reads.Joined("o", Opportunity, "l", "opportunity"),
        ),
        where=f"{sql_reads.column('l', Lead._meta.get_field('company'))} = %s",
        order=f"{sql_reads.column('l', Lead._meta.pk)}",
    )

    with CaptureQueriesContext(connection) as queries:
        leads = read.read([company.pk])
        assert [lead.pk for lead in leads] == [with_source.pk, converted.pk]
        assert leads[0].source == source and leads[1].source is None
        assert leads[1].opportunity.lead is leads[1]  # the one-to-one both ways
        with pytest.raises(Opportunity.DoesNotExist):
            leads[0].opportunity  # noqa: B018 (cached as missing, as select_related leaves it)
    assert len(queries) == 1
    expected = Lead.objects.filter(company=company).select_related("source", "opportunity")
    for got, want in zip(leads, expected.order_by("pk"), strict=True):
        assert _fields(got) == _fields(want)
    assert read.first([other_company.pk]).company_id == other_company.pk
