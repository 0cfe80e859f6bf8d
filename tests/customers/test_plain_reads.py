"""The customer page's plain reads (``crm.sql_reads.PlainRead``) give what their querysets gave: the same
rows in the same order, every column's value alike (dates and amounts converted as the ORM
converts them), the same related rows set on them, and only the company's rows."""

from datetime import UTC, date, datetime
from decimal import Decimal

from django.db.models import Prefetch
from django_scopes import scopes_disabled

from customers import selectors
from customers.models import BalanceEntry, Customer, CustomerLink, CustomerRole, CustomerUser
from tests.factories import (
    CompanyFactory,
    CustomerFactory,
    CustomerUserFactory,
    LeadFactory,
    OpportunityFactory,
    SalespersonFactory,
)


def _values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_customer_links_read_as_their_queryset(company, django_assert_num_queries):
    customer = CustomerFactory(company=company)
    seller = SalespersonFactory(company=company, name="Sam")
    lead = LeadFactory(company=company)
    with_lead = OpportunityFactory(
        company=company,
        lead=lead,
        salesperson=seller,
        expected_amount=Decimal("1234.50"),
        expected_close_date=date(2026, 3, 1),
    )
    alone = OpportunityFactory(company=company, salesperson=None)
    CustomerLink.objects.create(
        company=company, customer=customer, lead=lead, opportunity=with_lead, kind="created"
    )
    CustomerLink.objects.create(
        company=company, customer=customer, opportunity=alone, kind="opened"
    )
    CustomerLink.objects.create(
        company=company, customer=customer, lead=LeadFactory(company=company), kind="linked"
    )
    # Another customer's, and another company's for a customer with the same id.
    CustomerLink.objects.create(
        company=company,
        customer=CustomerFactory(company=company),
        lead=LeadFactory(company=company),
        kind="linked",
    )
    with scopes_disabled():
        other = CompanyFactory()
        CustomerLink.objects.create(
            company=other,
            customer=CustomerFactory(company=other),
            lead=LeadFactory(company=other),
            kind="linked",
        )

    expected = list(
        CustomerLink.objects.filter(company=company, customer=customer)
        .select_related("lead", "opportunity__stage", "opportunity__salesperson")
        .order_by("-created_at", "-pk")
    )
    with django_assert_num_queries(1):
        read = selectors.customer_links(customer)
        selectors.customer_links(customer)  # kept on the customer

    assert [link.pk for link in read] == [link.pk for link in expected]
    assert len(read) == 3
    with django_assert_num_queries(0):
        _compare(read, expected)
    amounts = [link.opportunity.expected_amount for link in read if link.opportunity]
    assert Decimal("1234.50") in amounts


def _compare(read, expected) -> None:
    for got, want in zip(read, expected, strict=True):
        assert _values(got) == _values(want)
        assert type(got.created_at) is type(want.created_at)
        for name in ("lead", "opportunity"):
            assert CustomerLink._meta.get_field(name).is_cached(got)
            related, wanted = getattr(got, name), getattr(want, name)
            assert (related is None) == (wanted is None)
            if wanted is not None:
                assert _values(related) == _values(wanted)
                assert related.customer_link is got
        if want.opportunity is not None:
            for name in ("stage", "salesperson"):
                related, wanted = getattr(got.opportunity, name), getattr(want.opportunity, name)
                assert (related is None) == (wanted is None)
                if wanted is not None:
                    assert _values(related) == _values(wanted)


def test_balance_entries_and_portal_users_read_as_their_querysets(
    company, django_assert_num_queries
):
    customer = CustomerFactory(company=company)
    for index in range(7):
        BalanceEntry.objects.create(
            company=company,
            customer=customer,
            kind="credit" if index % 2 else "correction",
            amount=Decimal(f"{index}.25") * (1 if index % 2 else -1),
            balance_after=Decimal(f"{index * 3}.10"),
            reason=f"Reason {index}",
            reference=f"R-{index}" if index % 3 else "",
        )
    for last in ("Zeta", "Alpha", "Alpha"):
        CustomerUserFactory(customer=customer, last_name=last)
    CustomerUserFactory(customer=customer, last_name="Mid", roles=[])
    CustomerUserFactory(customer=CustomerFactory(company=company))  # another customer's
    with scopes_disabled():
        other = CompanyFactory()
        BalanceEntry.objects.create(
            company=other,
            customer=CustomerFactory(company=other),
            kind="credit",
            amount=Decimal("1.00"),
            balance_after=Decimal("1.00"),
            reason="Theirs",
        )

    entries = selectors.customer_overview(customer=customer)["balance_entries"]
    expected = list(
        BalanceEntry.objects.filter(company=company, customer=customer).order_by(
            "-created_at", "-pk"
        )[: selectors.BALANCE_ENTRIES_SHOWN]
    )
    assert [_values(entry) for entry in entries] == [_values(entry) for entry in expected]
    assert len(entries) == selectors.BALANCE_ENTRIES_SHOWN

    with django_assert_num_queries(2):  # the users, their roles
        users = selectors.customer_portal_users(customer=customer)
    expected = list(
        CustomerUser.objects.filter(company=company, customer=customer)
        .prefetch_related(
            Prefetch("roles", queryset=CustomerRole.objects.order_by("customer_id", "name", "pk"))
        )
        .order_by("last_name", "first_name", "pk")
    )
    assert [_values(user) for user in users] == [_values(user) for user in expected]
    with django_assert_num_queries(0):
        assert [[role.pk for role in user.roles.all()] for user in users] == [
            [role.pk for role in user.roles.all()] for user in expected
        ]
    assert [user.last_name for user in users][:2] == ["Alpha", "Alpha"]
    assert [len(user.roles.all()) for user in users] == [1, 1, 0, 1]


def test_no_portal_users_cost_one_query(company, django_assert_num_queries):
    customer = CustomerFactory(company=company)
    with django_assert_num_queries(1):
        assert selectors.customer_portal_users(customer=customer) == []


def test_a_page_of_children_read_as_its_queryset(company):
    parent = CustomerFactory(company=company, name="Parent")
    for name in ["Delta", "alpha", "Beta", "Beta", "Älpha", "Zulu"] * 5:
        CustomerFactory(company=company, parent=parent, name=name)
    CustomerFactory(company=company, parent=CustomerFactory(company=company), name="Aaa")

    def expected(page: int) -> list:
        offset = (page - 1) * selectors.CHILDREN_PER_PAGE
        return list(
            Customer.objects.filter(company=company, parent=parent)
            .only("pk", "name", "status", "company_id", "parent_id")
            .order_by("name", "pk")[offset : offset + selectors.CHILDREN_PER_PAGE]
        )

    for page in (1, 2, 3):
        shown = [row.customer for row in selectors.customer_hierarchy(parent, page=page).children]
        wanted = expected(page)
        assert [(c.pk, c.name, c.status, c.company_id, c.parent_id) for c in shown] == [
            (c.pk, c.name, c.status, c.company_id, c.parent_id) for c in wanted
        ]
        assert all(
            c.get_deferred_fields() == w.get_deferred_fields()
            for c, w in zip(shown, wanted, strict=True)
        )
    assert len(expected(2)) == 5


def test_the_page_customer_reads_as_its_queryset(company, django_assert_num_queries):
    from django.contrib.auth import get_user_model

    from customers.models import CustomerGroup, CustomerType
    from tests.factories import IndividualPartnerFactory

    held_by = get_user_model().objects.create_user(username="holder", email="h@example.com")
    full = CustomerFactory(
        company=company,
        customer_type=CustomerType.objects.create(company=company, name="Business"),
        customer_group=CustomerGroup.objects.create(company=company, name="Wholesale"),
        salesperson=SalespersonFactory(company=company, name="Sam"),
        sales_partner=IndividualPartnerFactory(company=company),
        balance=Decimal("12.30"),
    )
    Customer.objects.filter(pk=full.pk).update(
        status=Customer.Status.ON_HOLD,
        hold_reason="Unpaid",
        held_by=held_by,
        held_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
    )
    bare = CustomerFactory(company=company, salesperson=None, customer_group=None)
    with scopes_disabled():
        theirs = CustomerFactory(company=CompanyFactory())

    for customer in (full, bare):
        expected = (
            Customer.objects.filter(company=company, pk=customer.pk)
            .select_related(
                "customer_type", "customer_group", "salesperson", "sales_partner", "held_by"
            )
            .get()
        )
        with django_assert_num_queries(1):
            read = selectors.customer_for_page(company_id=company.pk, pk=customer.pk)
        with django_assert_num_queries(0):
            assert _values(read) == _values(expected)
            for name in ("customer_type", "customer_group", "salesperson", "sales_partner"):
                mine, theirs_ = getattr(read, name), getattr(expected, name)
                assert type(mine) is type(theirs_)
                assert (mine and _values(mine)) == (theirs_ and _values(theirs_))
            assert (read.held_by and read.held_by.pk) == (expected.held_by and expected.held_by.pk)
    assert selectors.customer_for_page(company_id=company.pk, pk=theirs.pk) is None
    assert selectors.customer_for_page(company_id=company.pk, pk=10**9) is None
