"""The opportunity and customer pages read a fixed number of queries, however many quotations,
orders, addresses, contacts and timeline entries they show (issue 17): the "Next step" box and
the "Quotations and orders" panel share one read of the documents, each list carries its count."""

from django.db import connection
from django.db.models import Prefetch
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from customers.services import opportunity_convert_to_customer
from leads.models import Opportunity
from selling import services
from selling.models import Quotation
from selling.selectors import prefetch_present
from tests.factories import (
    AddressLinkFactory,
    ContactLinkFactory,
    CustomerFactory,
    NoteFactory,
)

# Session, user, membership; the opportunity (with whether it has a wish list: it has two items
# here, read in one query; an empty one is not read), its stage history;
# its quotations
# and its orders (each with their count and the one under way: the box and the panel read them
# once, where they read them twice and counted apart); its customer link (once, where three
# panels read it); addresses and contacts (one query for both panels); the timeline's entries,
# their subtypes (the people a task may be assigned to come from the cached lists). Was 21, then
# 14 with addresses and contacts apart and the field history, which is now read only when the
# date of the newest change, read with the entries, says one may be among them (these records
# were never changed; a changed one reads it: one more). Was 12 with the empty wish list read.
# The wish list is priced as its quotation will be: this prospect's customer type (the one it
# would become) gives its discount, one query (was 11 at catalog prices).
OPPORTUNITY_DETAIL_QUERIES = 12
# Session, user, membership; the customer, its links, balance entries, product limits,
# hierarchy, portal users and roles, the invite form's contacts; its quotations and its orders
# (as above); addresses and contacts (one query); the timeline's entries, their subtypes (its
# assignees come from the cached lists). Was 23, then 18 with addresses and contacts apart and
# the field history (read as above).
CUSTOMER_DETAIL_QUERIES = 16


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


# An opportunity of a customer in a group, measured: session, user, membership; the opportunity,
# its wish list, its customer link (read once for the page), the customer with its type and
# group and the group's price list (both for pricing the wish list, however long); its stage
# history, quotations, orders, addresses and contacts, timeline entries and subtypes; its field
# history, twice (converting it to the customer changed it).
GROUPED_OPPORTUNITY_DETAIL_QUERIES = 16


def test_the_opportunity_page_prices_its_wish_list_in_a_fixed_number_of_queries(
    company, member, member_client, opportunity
):
    from customers.services import product_price_set
    from tests.factories import CustomerGroupFactory, ProductFactory, WishListItemFactory

    group = CustomerGroupFactory(company=company, name="Wholesale", discount_percent=10)
    customer = opportunity_convert_to_customer(opportunity=opportunity, actor=member)
    Customer.objects.filter(company=company, pk=customer.pk).update(customer_group=group)
    url = opportunity.get_absolute_url()

    def add_wishes(count: int) -> None:
        for _ in range(count):
            product = ProductFactory(company=company)
            product_price_set(group=group, product=product, unit_price=product.unit_price - 1)
            WishListItemFactory(
                company=company, lead=None, opportunity=opportunity, product=product
            )

    add_wishes(1)
    few, html = _count(member_client, url)
    listed = '<small class="muted">catalog '  # beneath a group's price: the catalog's
    assert html.count(listed) == 1
    add_wishes(12)
    many, html = _count(member_client, url)
    assert html.count(listed) == 13
    assert few == many <= GROUPED_OPPORTUNITY_DETAIL_QUERIES


# A customer converted from an opportunity (which came from a lead), under a parent: its
# parent, lead and opportunity come from the ancestors' walk and its links, which the page
# reads anyway; the wish list of where it came from and the ancestors' walk are the two more.
# Was 24: the parent, the lead and the opportunity were read apart, a query each.
CONVERTED_CHILD_DETAIL_QUERIES = CUSTOMER_DETAIL_QUERIES + 2


def test_a_converted_child_customer_page_reads_its_origin_without_queries_of_its_own(
    company, member, member_client, opportunity
):
    parent = CustomerFactory(company=company, name="Nordwind Holding")
    customer = opportunity_convert_to_customer(opportunity=opportunity, actor=member)
    Customer.objects.filter(company=company, pk=customer.pk).update(parent=parent)
    count, html = _count(member_client, customer.get_absolute_url())
    assert count <= CONVERTED_CHILD_DETAIL_QUERIES
    assert f'<a href="{parent.get_absolute_url()}">Nordwind Holding</a>' in html
    assert f'<a href="{opportunity.get_absolute_url()}">{opportunity}</a>' in html
    assert f'<a href="{opportunity.lead.get_absolute_url()}">{opportunity.lead}</a>' in html


def test_prefetch_present_reads_only_the_relations_a_record_has(
    company, member, opportunity, django_assert_num_queries
):
    def read(quotation_id):
        quotation = Quotation.objects.get(company=company, pk=quotation_id)
        prefetch_present(
            quotation, Prefetch("opportunity", Opportunity.objects.filter(company=company))
        )
        return quotation

    bare = services.quotation_create(customer=CustomerFactory(company=company), actor=member)
    for_opportunity = services.quotation_create(opportunity=opportunity, actor=member)
    with django_assert_num_queries(1):  # the quotation alone
        without = read(bare.pk)
    with django_assert_num_queries(2):  # the quotation, its opportunity
        with_one = read(for_opportunity.pk)
    with django_assert_num_queries(0):
        assert without.opportunity is None
        assert with_one.opportunity == opportunity
