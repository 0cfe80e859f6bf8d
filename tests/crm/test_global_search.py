"""The top bar's search box (crm.views.search, crm.ui.global_search): one term, every kind of
record, grouped; only the active company's rows, only those the user may view; one query per
kind however many rows match."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from crm.access import Action, Level
from crm.access.services import role_access_levels_save
from crm.models import Membership
from crm.ui import global_search
from customers.setup import customers_defaults_apply
from leads.setup import leads_defaults_apply
from selling import services as selling
from tests.conftest import login_as
from tests.factories import (
    AddressFactory,
    ContactFactory,
    CustomerFactory,
    LeadFactory,
    MembershipFactory,
    OpportunityFactory,
    ProductFactory,
    SalespersonFactory,
)

SEARCH = "/search/"
HTMX = {"HTTP_HX_REQUEST": "true"}
KINDS = [
    "Leads",
    "Opportunities",
    "Customers",
    "Contacts",
    "Addresses",
    "Quotations",
    "Sales orders",
]


def quasar_records(company, *, salesperson=None, suffix=""):
    """One record of each kind that "quasar" finds, the documents through their customer."""
    lead = LeadFactory(
        company=company,
        first_name="Zephyrine",
        last_name=f"Marlowe{suffix}",
        organization_name="Quasar Tools",
        salesperson=salesperson,
    )
    opportunity = OpportunityFactory(
        company=company, lead=lead, title=f"Quasar fleet{suffix}", salesperson=salesperson
    )
    customer = CustomerFactory(
        company=company, name=f"Quasar Holdings{suffix}", salesperson=salesperson
    )
    contact = ContactFactory(company=company, first_name="Ilse", last_name=f"Quasarova{suffix}")
    address = AddressFactory(company=company, street=f"{suffix}1 Main Street", city="Quasarburg")
    quotation = selling.quotation_create(customer=customer, actor=None)
    selling.document_lines_save(
        document=quotation,
        actor=None,
        lines=[
            selling.LineInput(
                product=ProductFactory(company=company, unit_price=Decimal("10.00")),
                quantity=Decimal("1"),
            )
        ],
    )
    order = selling.order_create(customer=customer, actor=None)
    return {
        "Leads": lead,
        "Opportunities": opportunity,
        "Customers": customer,
        "Contacts": contact,
        "Addresses": address,
        "Quotations": quotation,
        "Sales orders": order,
    }


@pytest.fixture
def world(company):
    leads_defaults_apply(company)
    customers_defaults_apply(company)
    LeadFactory(company=company, first_name="Otto", last_name="Unrelated", organization_name="")
    return quasar_records(company)


def groups_of(response) -> dict[str, list[str]]:
    return {group.label: [row["url"] for row in group.rows] for group in response.context["groups"]}


def test_one_term_finds_every_kind_grouped_in_order(member_client, world):
    response = member_client.get(SEARCH, {"q": "quasar"})
    assert response.status_code == 200
    found = groups_of(response)
    assert list(found) == KINDS
    for kind, record in world.items():
        assert found[kind] == [record.get_absolute_url()]
    page = response.content.decode()
    assert "<h1>Search</h1>" in page
    headings = re.findall(r'<h2 class="search-group-heading" id="[^"]+">([^<]+) <span', page)
    assert headings == KINDS
    assert "Otto" not in page


def test_every_word_must_match_and_related_rows_count(member_client, world):
    # An opportunity is found by its lead's name, as on its list.
    found = groups_of(member_client.get(SEARCH, {"q": "zephyrine fleet"}))
    assert found == {"Opportunities": [world["Opportunities"].get_absolute_url()]}
    # The longer word in its own title and its lead's name, the shorter only in its lead's name.
    found = groups_of(member_client.get(SEARCH, {"q": "quasar zeph"}))
    assert found["Opportunities"] == [world["Opportunities"].get_absolute_url()]
    assert found["Leads"] == [world["Leads"].get_absolute_url()]
    # A document by its number.
    number = world["Sales orders"].number
    found = groups_of(member_client.get(SEARCH, {"q": number}))
    assert world["Sales orders"].get_absolute_url() in found["Sales orders"]


def test_another_companys_records_are_never_found(client, company, world, other_company):
    with scopes_disabled(), scope(company=other_company):
        leads_defaults_apply(other_company)
        customers_defaults_apply(other_company)
        theirs = quasar_records(other_company, suffix="B")
        intruder = MembershipFactory(company=other_company, role=Membership.Role.OWNER).user
    login_as(client, intruder, other_company)
    response = client.get(SEARCH, {"q": "quasar"})
    found = groups_of(response)
    assert list(found) == KINDS
    for kind, record in theirs.items():
        assert found[kind] == [record.get_absolute_url()]
    page = response.content.decode()
    for record in world.values():
        assert record.get_absolute_url() not in page
    assert "Marlowe<" not in page and "Quasar Holdings<" not in page


def test_staff_see_only_the_records_their_level_lets_them_view(client, company, world):
    owner = MembershipFactory(company=company, role=Membership.Role.OWNER).user
    seller = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
    mine = SalespersonFactory(company=company, user=seller)
    colleague = SalespersonFactory(company=company)
    my_records = quasar_records(company, salesperson=mine, suffix="Mine")
    their_records = quasar_records(company, salesperson=colleague, suffix="Theirs")
    role_access_levels_save(
        company=company,
        levels={
            ("leads.lead", Action.VIEW, Membership.Role.SALESPERSON): Level.OWN,
            ("leads.opportunity", Action.VIEW, Membership.Role.SALESPERSON): Level.OWN,
            ("customers.customer", Action.VIEW, Membership.Role.SALESPERSON): Level.NONE,
        },
        actor=owner,
    )
    login_as(client, seller, company)
    found = groups_of(client.get(SEARCH, {"q": "quasar"}))
    # Own and unassigned leads and opportunities; no customers at all.
    for kind in ("Leads", "Opportunities"):
        assert my_records[kind].get_absolute_url() in found[kind]
        assert world[kind].get_absolute_url() in found[kind]  # nobody's: everyone's
        assert their_records[kind].get_absolute_url() not in found[kind]
    assert "Customers" not in found
    # Kinds without a narrower level stay whole.
    assert their_records["Sales orders"].get_absolute_url() in found["Sales orders"]


@pytest.mark.parametrize("query", ["", "  ", "q", "qu", "qu as"])
def test_a_search_too_short_asks_for_more(member_client, world, query):
    response = member_client.get(SEARCH, {"q": query})
    assert response.status_code == 200
    assert response.context["groups"] == []
    assert "Type a word of at least 3 characters to search." in response.content.decode()


def test_a_short_word_beside_a_longer_one_narrows_the_search(member_client, world):
    # Two-letter names are common ("Li", "Wu"): with a longer word they are searched too.
    found = groups_of(member_client.get(SEARCH, {"q": "qu quasar"}))
    assert world["Leads"].get_absolute_url() in found["Leads"]
    assert "Leads" not in groups_of(member_client.get(SEARCH, {"q": "zz quasar"}))


def test_nothing_found_names_the_search(member_client, world):
    response = member_client.get(SEARCH, {"q": "xylophone"})
    assert response.context["groups"] == []
    assert "Nothing found for “xylophone”." in response.content.decode()


def test_the_page_works_without_javascript_and_htmx_gets_only_the_results(member_client, world):
    page = member_client.get(SEARCH, {"q": "quasar"}).content.decode()
    # The top bar's box is a plain form that submits here, and keeps the search.
    assert 'role="search"' in page and f'action="{SEARCH}"' in page
    assert 'name="q"' in page and 'value="quasar"' in page
    assert '<label for="global-search-input"' in page
    fragment = member_client.get(SEARCH, {"q": "quasar"}, **HTMX).content.decode()
    assert "<html" not in fragment and "<h1>" not in fragment
    assert world["Customers"].get_absolute_url() in fragment
    assert f'href="{SEARCH}?q=quasar"' in fragment  # "Show all results": the page


def test_the_box_is_on_every_staff_page(member_client, world):
    page = member_client.get(reverse("leads:lead_list")).content.decode()
    assert 'role="search"' in page and 'hx-get="/search/"' in page


def test_counts_stop_at_the_cap_and_link_to_the_filtered_list(
    member_client, company, world, monkeypatch
):
    monkeypatch.setattr(global_search, "COUNT_CAP", 3)
    for number in range(6):
        LeadFactory(company=company, first_name="Quasimodo", last_name=f"Nr{number}")
    response = member_client.get(SEARCH, {"q": "quasi"})
    (group,) = response.context["groups"]
    assert group.label == "Leads"
    assert group.count_label == "3+"
    page = response.content.decode()
    assert "See all 3+ in the list of leads" in page
    assert group.list_url == "/leads/?q=quasi&owner=all"
    # The list the link opens finds them all.
    listed = member_client.get(group.list_url)
    assert listed.status_code == 200
    assert listed.content.decode().count("Quasimodo") >= 6


def test_past_the_cap_the_rows_shown_are_matches_in_the_kinds_order(
    member_client, company, world, monkeypatch
):
    """The cap is applied before the order (a bounded query at any size): past it, the group
    shows matches, newest first among those the database delivered; under it, all of them."""
    monkeypatch.setattr(global_search, "COUNT_CAP", 3)
    leads = [
        LeadFactory(company=company, first_name="Quillon", last_name=f"Nr{number}")
        for number in range(5)
    ]
    (group,) = member_client.get(SEARCH, {"q": "quillon"}).context["groups"]
    assert group.count_label == "3+"
    shown = [row["url"] for row in group.rows]
    assert len(shown) == 3
    assert set(shown) <= {lead.get_absolute_url() for lead in leads}
    newest_first = [
        lead.get_absolute_url()
        for lead in sorted(leads, key=lambda lead: (lead.created_at, lead.pk), reverse=True)
    ]
    assert shown == [url for url in newest_first if url in shown]
    # Three, the cap itself: every one of them, in the kind's order.
    gone = {leads[0].get_absolute_url(), leads[1].get_absolute_url()}
    leads[0].delete()
    leads[1].delete()
    (group,) = member_client.get(SEARCH, {"q": "quillon"}).context["groups"]
    assert group.count_label == "3"
    assert [row["url"] for row in group.rows] == [url for url in newest_first if url not in gone]


def test_a_row_found_by_its_own_words_and_its_leads_counts_once(
    member_client, company, world, monkeypatch
):
    """Opportunities are searched in capped parts (own title, the lead's document): a part that
    reaches the cap proves "3+"; below it, a row both parts find is one row."""
    monkeypatch.setattr(global_search, "COUNT_CAP", 3)

    def opportunity(title: str, lead_name: str):
        lead = LeadFactory(company=company, first_name=lead_name, last_name="Lane")
        return OpportunityFactory(company=company, lead=lead, title=title)

    both = [opportunity("Quodlibet deal", "Quodlibet") for _ in range(2)]
    found = {
        group.label: group
        for group in member_client.get(SEARCH, {"q": "quodlibet"}).context["groups"]
    }
    assert found["Opportunities"].count_label == "2"
    assert sorted(row["url"] for row in found["Opportunities"].rows) == sorted(
        record.get_absolute_url() for record in both
    )
    # Two more, found only through their lead: four in all, past the cap of three.
    through_lead = [opportunity("Plain deal", "Quodlibet") for _ in range(2)]
    found = {
        group.label: group
        for group in member_client.get(SEARCH, {"q": "quodlibet"}).context["groups"]
    }
    assert found["Opportunities"].count_label == "3+"
    assert {row["url"] for row in found["Opportunities"].rows} <= {
        record.get_absolute_url() for record in both + through_lead
    }


def test_a_few_matches_have_no_see_all_link(member_client, world):
    response = member_client.get(SEARCH, {"q": "quasar"})
    assert "See all" not in response.content.decode()
    assert [group.count_label for group in response.context["groups"]] == ["1"] * len(KINDS)


def _queries(client, query: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(SEARCH, {"q": query})
    assert response.status_code == 200
    return len(captured)


def test_one_query_per_kind_however_many_rows_match(member_client, company, world):
    member_client.get(SEARCH, {"q": "quasar"})  # the session and caches settle
    few = _queries(member_client, "quasar")
    for number in range(12):
        quasar_records(company, salesperson=SalespersonFactory(company=company), suffix=str(number))
    many = _queries(member_client, "quasar")
    assert many == few
    # Session, user, membership, salesperson row: the rest is one query per kind.
    assert many <= len(KINDS) + 6
    # The panel costs the same.
    with CaptureQueriesContext(connection) as captured:
        member_client.get(SEARCH, {"q": "quasar"}, **HTMX)
    assert len(captured) == many


def test_a_search_too_short_asks_the_database_nothing_about_records(member_client, world):
    with CaptureQueriesContext(connection) as captured:
        member_client.get(SEARCH, {"q": "qu"})
    tables = " ".join(query["sql"] for query in captured.captured_queries)
    for table in ("leads_lead", "customers_customer", "selling_salesorder", "addressbook_"):
        assert table not in tables


def test_signed_out_visitors_are_sent_to_sign_in(client, world):
    response = client.get(SEARCH, {"q": "quasar"})
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_kinds_are_registered_by_their_apps():
    assert [kind.key for kind in global_search.search_kinds()] == [
        "leads.lead",
        "leads.opportunity",
        "customers.customer",
        "addressbook.contact",
        "addressbook.address",
        "selling.quotation",
        "selling.salesorder",
    ]


@pytest.mark.parametrize(
    "query", ["quasar", "zephyrine fleet", "quasar zeph", "holdings", "SO-", "main quasarburg"]
)
def test_each_kind_finds_what_its_lists_search_finds(company, world, member, query):
    """The box asks related rows through a union (crm.ui.global_search); the list through an OR
    (crm.ui.search.matching): the same rows either way."""
    from crm.ui.search import matching

    # A quotation found only through its opportunity (it has no customer yet).
    selling.quotation_create(opportunity=world["Opportunities"], actor=None)
    terms = query.split()
    for kind in global_search.search_kinds():
        rows = kind.model.objects.filter(company=company)
        listed = matching(
            rows,
            terms,
            fields=kind.filterset.search_fields,
            related=kind.filterset.search_related,
            company=company,
        )
        boxed = global_search._matches(kind, terms, company=company, user=member)
        assert set(boxed.values_list("pk", flat=True)) == set(listed.values_list("pk", flat=True))
        # The bounded query the box runs finds the same rows, while they are fewer than the cap.
        shown = global_search._shown(kind, terms, company=company, user=member)
        assert {row.pk for row in shown} == set(listed.values_list("pk", flat=True))


def test_a_quotation_is_found_by_the_customer_its_opportunity_became(member_client, company, world):
    """The quotation's own customer is empty (quoted before the deal became a customer): the
    box finds it through the opportunity's customer link, asked hop by hop."""
    from customers.services import opportunity_convert_to_customer

    lead = LeadFactory(company=company, first_name="Ada", last_name="Plain", organization_name="")
    opportunity = OpportunityFactory(company=company, lead=lead, title="Plain deal")
    quotation = selling.quotation_create(opportunity=opportunity, actor=None)
    customer = CustomerFactory(company=company, name="Nebulon Traders")
    opportunity_convert_to_customer(opportunity=opportunity, customer=customer, actor=None)
    type(quotation).objects.filter(pk=quotation.pk).update(customer=None)

    found = groups_of(member_client.get(SEARCH, {"q": "nebulon"}))
    assert found["Quotations"] == [quotation.get_absolute_url()]
    found = groups_of(member_client.get(SEARCH, {"q": "nebulon trad"}))
    assert found["Quotations"] == [quotation.get_absolute_url()]
    # Another quotation of the world, by its own customer, is not swept in.
    assert world["Quotations"].get_absolute_url() not in found["Quotations"]


def test_only_the_rows_shown_are_fetched_and_the_rest_are_counted(member_client, company, world):
    """Twelve matches: the page shows ten, the panel five, both count twelve, and each kind's
    query asks the database for no more rows than it shows."""
    leads = [
        LeadFactory(company=company, first_name="Quenby", last_name=f"Nr{number}")
        for number in range(12)
    ]
    newest_first = [
        lead.get_absolute_url()
        for lead in sorted(leads, key=lambda lead: (lead.created_at, lead.pk), reverse=True)
    ]
    for headers, shown in (({}, 10), (HTMX, 5)):
        with CaptureQueriesContext(connection) as captured:
            response = member_client.get(SEARCH, {"q": "quenby"}, **headers)
        (group,) = response.context["groups"]
        assert group.count_label == "12"
        assert group.has_more
        assert [row["url"] for row in group.rows] == newest_first[:shown]
        (query,) = [q["sql"] for q in captured.captured_queries if 'FROM "leads_lead"' in q["sql"]]
        assert query.endswith(f"LIMIT {shown}")


def test_on_postgresql_the_capped_rows_are_read_where_their_part_found_them(member_client, world):
    """By their addresses in the table (a TID scan), not looked up again by key."""
    if connection.vendor != "postgresql":
        pytest.skip("ctid is PostgreSQL's: set DATABASE_URL to check it")
    with CaptureQueriesContext(connection) as captured:
        response = member_client.get(SEARCH, {"q": "quasar"})
    grouped = [
        query["sql"] for query in captured.captured_queries if global_search.FOUND in query["sql"]
    ]
    assert len(grouped) == len(KINDS)
    assert all(".ctid = ANY(ARRAY(SELECT U0.ctid " in sql for sql in grouped)
    assert [group.count_label for group in response.context["groups"]] == ["1"] * len(KINDS)
