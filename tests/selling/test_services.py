"""Quotations and orders through their services: numbers, lines, statuses, the order that makes a
customer, and the refusals a salesperson reads."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django_scopes import scopes_disabled

from addressbook.models import AddressLink, ContactLink
from crm.errors import DomainError
from customers.models import Customer
from customers.services import customer_delete
from leads.models import OpportunityStage
from selling import services
from selling.models import Quotation, SalesOrder
from tests.factories import (
    CompanyFactory,
    CustomerFactory,
    CustomerGroupFactory,
    CustomerTypeFactory,
    ProductFactory,
)
from tests.selling.conftest import stage_of

TODAY = timezone.localdate()
pytestmark = pytest.mark.usefixtures("noon_of_today")


def row_ids(model, owner):
    kind = ContentType.objects.get_for_model(owner)
    return set(
        model.objects.filter(owner_type=kind, owner_id=owner.pk).values_list(
            "address_id" if model is AddressLink else "contact_id", flat=True
        )
    )


def sent_quotation(opportunity, member, **kwargs):
    quotation = services.quotation_create(opportunity=opportunity, actor=member, **kwargs)
    return services.quotation_send(quotation=quotation, actor=member)


# --- quotations -------------------------------------------------------------------------------


def test_quotation_from_an_opportunity_prices_its_wish_list(company, member, opportunity):
    quotation = services.quotation_create(opportunity=opportunity, actor=member)

    assert quotation.number == f"QTN-{TODAY.year}-00001"
    assert quotation.status == Quotation.Status.DRAFT
    assert quotation.customer is None
    assert quotation.salesperson == opportunity.salesperson
    assert quotation.valid_until == TODAY + datetime.timedelta(days=30)
    lines = list(quotation.items.order_by("position"))
    assert [(line.product.name, line.quantity) for line in lines] == [
        ("Chair", Decimal("3")),
        ("Desk", Decimal("1")),
    ]
    # 3 × 100.00 = 300.00 + 19 % = 57.00; 333.33 + 7 % = 23.33 (23.3331 rounded)
    assert (lines[0].net_amount, lines[0].vat_amount) == (Decimal("300.00"), Decimal("57.00"))
    assert (lines[1].net_amount, lines[1].vat_amount) == (Decimal("333.33"), Decimal("23.33"))
    quotation.refresh_from_db()
    assert quotation.net_total == Decimal("633.33")
    assert quotation.vat_total == Decimal("80.33")
    assert quotation.gross_total == Decimal("713.66")
    # A lead with an organization becomes a business customer: net prices.
    assert quotation.prices_include_vat is False


def test_numbers_are_consecutive_per_company_and_year(company, member, opportunity):
    first = services.quotation_create(opportunity=opportunity, actor=member)
    second = services.quotation_create(opportunity=opportunity, actor=member)
    next_year = services.quotation_create(
        opportunity=opportunity, actor=member, quotation_date=datetime.date(TODAY.year + 1, 1, 2)
    )
    with scopes_disabled():
        other = CompanyFactory()
        other_customer = CustomerFactory(company=other)
        theirs = services.quotation_create(customer=other_customer, actor=None)

    assert [first.number, second.number] == [
        f"QTN-{TODAY.year}-00001",
        f"QTN-{TODAY.year}-00002",
    ]
    assert next_year.number == f"QTN-{TODAY.year + 1}-00001"
    assert theirs.number == f"QTN-{TODAY.year}-00001"


def test_a_failed_quotation_does_not_use_up_a_number(company, member, opportunity):
    with pytest.raises(DomainError):
        services.quotation_create(
            opportunity=opportunity, actor=member, valid_until=TODAY - datetime.timedelta(days=1)
        )
    assert services.quotation_create(opportunity=opportunity, actor=member).number.endswith("00001")


def test_quotation_needs_a_party_and_refuses_lost_or_inactive_ones(company, member, opportunity):
    with pytest.raises(DomainError, match="opportunity or the customer"):
        services.quotation_create(actor=member)
    inactive = CustomerFactory(company=company, inactive=True)
    with pytest.raises(DomainError, match="inactive"):
        services.quotation_create(customer=inactive, actor=member)
    opportunity.stage = stage_of(company, OpportunityStage.Kind.LOST)
    opportunity.save()
    with pytest.raises(DomainError, match="lost"):
        services.quotation_create(opportunity=opportunity, actor=member)
    assert not Quotation.objects.exists()


def test_lines_can_be_added_changed_and_removed_while_draft(company, member, opportunity):
    quotation = services.quotation_create(opportunity=opportunity, actor=member)
    chair, desk = quotation.items.order_by("position")
    lamp = ProductFactory(company=company, unit_price=Decimal("10.00"), vat_rate=Decimal("19.00"))

    services.document_lines_save(
        document=quotation,
        actor=member,
        lines=[
            services.LineInput(id=chair.pk, product=chair.product, quantity=Decimal("5")),
            services.LineInput(
                id=desk.pk, product=desk.product, quantity=Decimal("1"), delete=True
            ),
            services.LineInput(product=lamp, quantity=Decimal("2"), discount_percent=Decimal("50")),
        ],
    )

    quotation.refresh_from_db()
    lines = list(quotation.items.order_by("position"))
    assert [(line.product, line.quantity, line.position) for line in lines] == [
        (chair.product, Decimal("5"), 1),
        (lamp, Decimal("2"), 2),
    ]
    assert lines[1].net_amount == Decimal("10.00")
    assert quotation.net_total == Decimal("510.00")
    assert quotation.gross_total == Decimal("606.90")


def test_bad_lines_change_nothing(company, member, opportunity):
    quotation = services.quotation_create(opportunity=opportunity, actor=member)
    before = list(quotation.items.values_list("pk", "quantity"))
    chair = quotation.items.first()
    with scopes_disabled():
        foreign = ProductFactory(company=CompanyFactory())

    for bad in (
        [services.LineInput(id=chair.pk, product=chair.product, quantity=Decimal("0"))],
        [services.LineInput(product=foreign, quantity=Decimal("1"))],
        [services.LineInput(product=None, quantity=Decimal("1"))],
        [
            services.LineInput(
                product=chair.product, quantity=Decimal("1"), discount_percent=Decimal("101")
            )
        ],
    ):
        with pytest.raises(DomainError):
            services.document_lines_save(document=quotation, lines=bad, actor=member)

    assert list(quotation.items.values_list("pk", "quantity")) == before


def test_only_a_draft_can_change_its_lines(company, member, opportunity):
    quotation = sent_quotation(opportunity, member)
    with pytest.raises(DomainError, match="only a draft"):
        services.document_lines_save(document=quotation, lines=[], actor=member)


QS = Quotation.Status


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        (start, target, target in Quotation.TRANSITIONS[start])
        for start in QS.values
        for target in (QS.SENT, QS.ACCEPTED, QS.REJECTED, QS.DRAFT)
    ],
)
def test_quotation_transitions(company, member, opportunity, start, target, allowed):
    quotation = services.quotation_create(opportunity=opportunity, actor=member)
    Quotation.objects.filter(pk=quotation.pk).update(status=start)
    quotation.refresh_from_db()
    action = {
        QS.SENT: services.quotation_send,
        QS.ACCEPTED: services.quotation_accept,
        QS.REJECTED: services.quotation_reject,
        QS.DRAFT: services.quotation_revise,
    }[target]

    if allowed:
        assert action(quotation=quotation, actor=member).status == target
    else:
        with pytest.raises(DomainError):
            action(quotation=quotation, actor=member)
        quotation.refresh_from_db()
        assert quotation.status == start


def test_a_quotation_past_its_date_cannot_be_accepted_and_expires(company, member, opportunity):
    quotation = sent_quotation(opportunity, member)
    Quotation.objects.filter(pk=quotation.pk).update(
        quotation_date=TODAY - datetime.timedelta(days=40),
        valid_until=TODAY - datetime.timedelta(days=1),
    )
    quotation.refresh_from_db()

    with pytest.raises(DomainError, match="expired"):
        services.quotation_accept(quotation=quotation, actor=member)

    quotation.refresh_from_db()
    assert quotation.status == QS.EXPIRED


def test_expiry_job_never_touches_rejected_or_ordered(company, member, opportunity):
    past = TODAY - datetime.timedelta(days=1)
    by_status = {}
    for status in QS.values:
        quotation = services.quotation_create(opportunity=opportunity, actor=member)
        Quotation.objects.filter(pk=quotation.pk).update(
            status=status, quotation_date=past - datetime.timedelta(days=5), valid_until=past
        )
        by_status[status] = quotation.pk
    fresh = services.quotation_create(opportunity=opportunity, actor=member)

    assert services.quotations_expire_due(company=company) == 3
    status_now = dict(Quotation.objects.values_list("pk", "status"))
    assert status_now[by_status[QS.REJECTED]] == QS.REJECTED
    assert status_now[by_status[QS.ORDERED]] == QS.ORDERED
    assert status_now[by_status[QS.DRAFT]] == QS.EXPIRED
    assert status_now[by_status[QS.SENT]] == QS.EXPIRED
    assert status_now[by_status[QS.ACCEPTED]] == QS.EXPIRED
    assert status_now[fresh.pk] == QS.DRAFT
    assert services.quotations_expire_due(company=company) == 0


def test_revising_an_expired_quotation_gives_it_a_new_validity(company, member, opportunity):
    quotation = services.quotation_create(opportunity=opportunity, actor=member)
    Quotation.objects.filter(pk=quotation.pk).update(
        status=QS.EXPIRED,
        quotation_date=TODAY - datetime.timedelta(days=40),
        valid_until=TODAY - datetime.timedelta(days=10),
    )
    quotation.refresh_from_db()
    revised = services.quotation_revise(quotation=quotation, actor=member)
    assert revised.status == QS.DRAFT
    assert revised.valid_until == TODAY + datetime.timedelta(days=30)


# --- orders -----------------------------------------------------------------------------------


def test_order_from_an_accepted_quotation_makes_the_customer(company, member, opportunity):
    addresses, contacts = row_ids(AddressLink, opportunity), row_ids(ContactLink, opportunity)
    open_stage = opportunity.stage
    quotation = sent_quotation(opportunity, member)
    services.quotation_accept(quotation=quotation, actor=member)

    order = services.order_from_quotation(quotation=quotation, actor=member)

    customer = Customer.objects.get()
    assert order.customer == customer
    assert customer.opportunity == opportunity
    assert row_ids(AddressLink, customer) == addresses
    assert row_ids(ContactLink, customer) == contacts
    assert order.number == f"SO-{TODAY.year}-00001"
    assert order.opportunity_stage_before == open_stage
    quotation.refresh_from_db()
    opportunity.refresh_from_db()
    assert quotation.status == QS.ORDERED
    assert quotation.customer == customer
    assert opportunity.stage.kind == OpportunityStage.Kind.WON
    order_lines = list(order.items.order_by("position"))
    assert [line.quotation_item for line in order_lines] == list(
        quotation.items.order_by("position")
    )
    assert order.net_total == quotation.net_total
    assert order.gross_total == quotation.gross_total


def test_creating_the_order_twice_returns_the_same_order(company, member, opportunity):
    quotation = sent_quotation(opportunity, member)
    services.quotation_accept(quotation=quotation, actor=member)
    first = services.order_from_quotation(quotation=quotation, actor=member)
    second = services.order_from_quotation(quotation=quotation, actor=member)
    assert first == second
    assert SalesOrder.objects.count() == 1
    assert Customer.objects.count() == 1


def test_only_an_accepted_quotation_becomes_an_order(company, member, opportunity):
    quotation = sent_quotation(opportunity, member)
    with pytest.raises(DomainError, match="only an accepted quotation"):
        services.order_from_quotation(quotation=quotation, actor=member)
    assert not SalesOrder.objects.exists()
    assert not Customer.objects.exists()


def test_order_from_an_opportunity_moves_the_wish_list(company, member, opportunity):
    order = services.order_from_opportunity(opportunity=opportunity, actor=member)

    wishes = list(opportunity.wish_list.order_by("pk"))
    lines = list(order.items.order_by("position"))
    assert [line.wish_list_item for line in lines] == wishes
    assert [(line.product, line.quantity) for line in lines] == [
        (w.product, w.quantity) for w in wishes
    ]
    assert order.customer == Customer.objects.get()
    assert services.order_from_opportunity(opportunity=opportunity, actor=member) == order


def test_an_exact_duplicate_needs_a_decision_before_the_order(company, member, opportunity):
    CustomerFactory(company=company, email=opportunity.lead.email)
    with pytest.raises(DomainError) as refused:
        services.order_from_opportunity(opportunity=opportunity, actor=member)
    assert refused.value.code == "duplicate"
    assert not SalesOrder.objects.exists()

    existing = Customer.objects.get()
    order = services.order_from_opportunity(
        opportunity=opportunity, actor=member, customer=existing
    )
    assert order.customer == existing
    assert Customer.objects.count() == 1


SS = SalesOrder.Status


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        (start, target, target in SalesOrder.TRANSITIONS[start])
        for start in SS.values
        for target in (SS.CONFIRMED, SS.FULFILLED, SS.CANCELLED)
    ],
)
def test_order_transitions(company, member, opportunity, start, target, allowed):
    order = services.order_from_opportunity(opportunity=opportunity, actor=member)
    SalesOrder.objects.filter(pk=order.pk).update(status=start)
    order.refresh_from_db()
    action = {
        SS.CONFIRMED: services.order_confirm,
        SS.FULFILLED: services.order_fulfil,
        SS.CANCELLED: services.order_cancel,
    }[target]
    if allowed:
        assert action(order=order, actor=member).status == target
    else:
        with pytest.raises(DomainError):
            action(order=order, actor=member)
        order.refresh_from_db()
        assert order.status == start


def test_cancelling_the_order_puts_the_opportunity_back(company, member, opportunity):
    negotiation = stage_of(company, "open", name="Negotiation") or opportunity.stage
    opportunity.stage = negotiation
    opportunity.save()
    order = services.order_from_opportunity(opportunity=opportunity, actor=member)
    opportunity.refresh_from_db()
    assert opportunity.stage.kind == OpportunityStage.Kind.WON

    services.order_cancel(order=order, actor=member, reason="Budget cut")

    opportunity.refresh_from_db()
    assert opportunity.stage == negotiation


def test_an_empty_order_cannot_be_confirmed(company, member):
    customer = CustomerFactory(company=company)
    order = services.order_create(customer=customer, actor=member)
    with pytest.raises(DomainError, match="at least one line"):
        services.order_confirm(order=order, actor=member)


def test_a_customer_with_orders_cannot_be_deleted(company, member):
    customer = CustomerFactory(company=company)
    services.order_create(customer=customer, actor=member)
    with pytest.raises(DomainError):
        customer_delete(customer=customer, actor=member)
    assert Customer.objects.filter(pk=customer.pk).exists()


# --- pricing by party ---------------------------------------------------------------------------


def test_private_customers_see_gross_and_the_larger_discount_applies(company, member):
    private = CustomerTypeFactory(company=company, is_business=False, discount_percent=Decimal("5"))
    group = CustomerGroupFactory(company=company, name="Wholesale", discount_percent=Decimal("10"))
    customer = CustomerFactory(company=company, customer_type=private, customer_group=group)
    product = ProductFactory(company=company, unit_price=Decimal("100.00"), vat_rate=Decimal("20"))

    quotation = services.quotation_create(customer=customer, actor=member)
    services.document_lines_save(
        document=quotation,
        lines=[services.LineInput(product=product, quantity=Decimal("1"))],
        actor=member,
    )

    quotation.refresh_from_db()
    line = quotation.items.get()
    assert quotation.prices_include_vat is True
    assert quotation.discount_percent == Decimal("10")
    assert "Wholesale" in quotation.discount_rule and "not added" in quotation.discount_rule
    assert line.discount_percent == Decimal("10")
    assert (line.net_amount, line.gross_amount) == (Decimal("90.00"), Decimal("108.00"))


def test_cross_company_records_are_refused(company, member, opportunity):
    with scopes_disabled():
        other = CompanyFactory()
        theirs = CustomerFactory(company=other)
    quotation = services.quotation_create(opportunity=opportunity, actor=member)
    with pytest.raises(DomainError):
        services.quotation_create(opportunity=opportunity, customer=theirs, actor=member)
    services.quotation_send(quotation=quotation, actor=member)
    services.quotation_accept(quotation=quotation, actor=member)
    with pytest.raises(DomainError):
        services.order_from_quotation(quotation=quotation, actor=member, customer=theirs)
    assert not SalesOrder.objects.exists()


def test_a_wish_list_too_large_for_a_line_is_refused_cleanly(company, member, opportunity):
    wish = opportunity.wish_list.first()
    type(wish).objects.filter(pk=wish.pk).update(quantity=Decimal("9999999999.99"))
    wish.product.unit_price = Decimal("9999999999.99")
    wish.product.save()
    with pytest.raises(DomainError, match="cannot be used"):
        services.quotation_create(opportunity=opportunity, actor=member)
    assert not Quotation.objects.exists()


def test_the_customers_timeline_shows_each_selling_event_once(company, member, opportunity):
    from crm.timeline import related_owners, timeline_for_many

    quotation = sent_quotation(opportunity, member)
    services.quotation_accept(quotation=quotation, actor=member)
    order = services.order_from_quotation(quotation=quotation, actor=member)

    customer = order.customer
    bodies = [entry.body for entry in timeline_for_many([customer, *related_owners(customer)])]
    selling = [body for body in bodies if quotation.number in body or order.number in body]
    assert selling and len(selling) == len(set(selling))
