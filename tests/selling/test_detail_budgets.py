"""The opportunity and customer pages read a fixed number of queries, however many quotations,
orders, addresses, contacts and timeline entries they show (issue 17): the "Next step" box and
the "Quotations and orders" panel share one read of the documents, each list carries its count."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from selling import services
from tests.factories import (
    AddressLinkFactory,
    ContactLinkFactory,
    CustomerFactory,
    NoteFactory,
)

# Session, user, membership; the opportunity, its wish list, its stage history; its quotations
# and its orders (each with their count and the one under way: the box and the panel read them
# once, where they read them twice and counted apart); its customer link (once, where three
# panels read it); addresses, contacts; the timeline's entries, their subtypes, the field
# history (the people a task may be assigned to come from the cached lists). Was 21.
OPPORTUNITY_DETAIL_QUERIES = 14
# Session, user, membership; the customer, its links, balance entries, product limits,
# hierarchy, portal users and roles, the invite form's contacts; its quotations and its orders
# (as above); addresses, contacts; the timeline's entries, their subtypes, the field history
# (its assignees come from the cached lists). A customer from a lead and an opportunity reads
# those too (a query each). Was 23.
CUSTOMER_DETAIL_QUERIES = 18


def _count(client, url) -> tuple[int, str]:
    client.get(url)  # sessions and caches warm
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def _grow(company, owner, member, *, documents: int, rows: int, customer=None) -> None:
    for _ in range(rows):
        AddressLinkFactory(company=company, owner=owner)
        ContactLinkFactory(company=company, owner=owner)
        NoteFactory(company=company, owner=owner)
    for _ in range(documents):
        if customer is None:
            services.quotation_create(opportunity=owner, actor=member)
        else:
            services.quotation_create(customer=customer, actor=member)
            services.order_create(customer=customer, actor=member)


def test_the_opportunity_page_reads_a_fixed_number_of_queries(
    company, member, member_client, opportunity
):
    url = opportunity.get_absolute_url()
    _grow(company, opportunity, member, documents=1, rows=1)
    few, _html = _count(member_client, url)
    _grow(company, opportunity, member, documents=12, rows=12)
    many, html = _count(member_client, url)
    assert few == many <= OPPORTUNITY_DETAIL_QUERIES
    assert 'Quotations <span class="muted">(13)</span>' in html


def test_the_customer_page_reads_a_fixed_number_of_queries(
    company, member, member_client, defaults
):
    customer = CustomerFactory(company=company)
    url = customer.get_absolute_url()
    _grow(company, customer, member, documents=1, rows=1, customer=customer)
    few, _html = _count(member_client, url)
    _grow(company, customer, member, documents=12, rows=12, customer=customer)
    many, html = _count(member_client, url)
    assert few == many <= CUSTOMER_DETAIL_QUERIES
    assert 'Sales orders <span class="muted">(13)</span>' in html
