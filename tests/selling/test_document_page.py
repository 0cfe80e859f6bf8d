"""The quotation and order pages read their document and its related rows in hand-written SQL
(``selling.document_page``): the same values, of the same types, as the ORM's ``select_related``
gives, the lines as ``values_list`` gives them, and another company's document is not read."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Model

from selling import document_page, services
from selling.models import Quotation, QuotationItem, SalesOrder, SalesOrderItem
from selling.selectors import _PAGE_LINE_COLUMNS
from tests.factories import CustomerFactory, ProductFactory


def _values(row: Model) -> list:
    return [(f.attname, getattr(row, f.attname)) for f in row._meta.concrete_fields]


def _assert_same(read: Model, orm: Model, relations: tuple[str, ...]) -> None:
    assert _values(read) == _values(orm)
    assert [type(value) for _name, value in _values(read)] == [
        type(value) for _name, value in _values(orm)
    ]
    for path in relations:
        read_row, orm_row = read, orm
        for name in path.split("__"):
            read_row, orm_row = getattr(read_row, name, None), getattr(orm_row, name, None)
        assert (read_row is None) == (orm_row is None), path
        if orm_row is not None:
            assert _values(read_row) == _values(orm_row), path


@pytest.fixture
def ordered(company, member, defaults):
    customer = CustomerFactory(company=company)
    quotation = services.quotation_create(customer=customer, actor=member, notes="a\nb")
    product = ProductFactory(company=company, unit_price=Decimal("19.99"))
    services.document_lines_save(
        document=quotation,
        lines=[
            services.LineInput(
                product=product, quantity=Decimal("2.5"), discount_percent=Decimal("10")
            )
        ],
        actor=member,
    )
    quotation.refresh_from_db()
    services.quotation_send(quotation=quotation, actor=member)
    services.quotation_accept(quotation=quotation, actor=member)
    order = services.order_from_quotation(quotation=quotation, actor=member)
    SalesOrder.objects.filter(pk=order.pk).update(delivery_date=datetime.date(2030, 1, 2))
    return quotation, order


def test_the_documents_read_as_select_related_reads_them(company, ordered):
    quotation, order = ordered
    for model, pk in ((Quotation, quotation.pk), (SalesOrder, order.pk)):
        relations = document_page.PAGE_RELATIONS[model]
        read = document_page._document_row(model, company_id=company.pk, pk=pk)
        orm = model.objects.select_related(*relations).get(pk=pk)
        _assert_same(read, orm, relations)
        assert not read._state.adding
    assert read.quotation_id == quotation.pk


def test_the_lines_read_as_values_list_reads_them(company, ordered):
    quotation, order = ordered
    for model, document, extra in (
        (QuotationItem, quotation, ()),
        (SalesOrderItem, order, ("quotation_item_id", "quotation_item__position")),
    ):
        field = document_page.LINE_READS[model][0]
        orm = [
            list(row)
            for row in model.objects.filter(company=company, **{field: document})
            .order_by("position", "pk")
            .values_list(*_PAGE_LINE_COLUMNS, *extra)
        ]
        read = document_page.line_rows(
            model, _PAGE_LINE_COLUMNS, company_id=company.pk, document_id=document.pk
        )
        assert read == orm
        assert [[type(v) for v in row] for row in read] == [[type(v) for v in row] for row in orm]


def test_another_company_s_document_is_not_read(company, other_company, ordered):
    quotation, order = ordered
    assert (
        document_page._document_row(Quotation, company_id=other_company.pk, pk=quotation.pk) is None
    )
    assert document_page._document_row(SalesOrder, company_id=other_company.pk, pk=order.pk) is None
    assert (
        document_page.line_rows(
            QuotationItem, _PAGE_LINE_COLUMNS, company_id=other_company.pk, document_id=quotation.pk
        )
        == []
    )
