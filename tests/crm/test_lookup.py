"""Choosing a customer by lookup (crm.ui.lookup): the forms and filters never list the table, the
endpoint answers with at most 20 of the active company's matches in a fixed number of queries,
and without JavaScript the typed text is searched when the form is sent."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from crm.ui.lookup import LIMIT, LookupField, LookupValue
from customers.lookups import CUSTOMERS
from customers.models import Customer
from selling import services
from selling.models import Quotation, SalesOrder
from tests.conftest import login_as
from tests.factories import CustomerFactory, CustomerTypeFactory

LOOKUP_URL = "customers:customer_lookup"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def customer_type(company):
    return CustomerTypeFactory(company=company)


@pytest.fixture
def many(company, customer_type):
    """Sixty customers "Bulk 00" to "Bulk 59": a page listing them all would show sixty options.
    (No e-mail, so a search for digits finds names only.)"""
    return [
        CustomerFactory(
            company=company, customer_type=customer_type, name=f"Bulk {n:02d}", email=""
        )
        for n in range(60)
    ]


def bulk_names(digits: str) -> list[str]:
    """What the list search finds for "bulk <digits>": every word must match."""
    return [f"Bulk {n:02d}" for n in range(60) if digits in f"{n:02d}"]


def select_options(html: str, name: str) -> list[tuple[str, str]]:
    """(value, label) of every option of the select named ``name``."""
    match = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no select named {name}"
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', match.group(1))


def lookup(client, text, **params):
    return client.get(reverse(LOOKUP_URL), {"q": text, **params}, **HTMX)


def option_values(response) -> list[str]:
    return re.findall(r'<option value="([^"]*)"', response.content.decode())


# --- the forms and filters never list every customer ---------------------------------------------


@pytest.mark.parametrize(
    "url_name",
    ["selling:quotation_create", "selling:order_create", "customers:customer_create"],
)
def test_forms_show_only_the_empty_option_and_the_chosen_one(
    member_client, company, many, url_name
):
    field = "parent" if url_name == "customers:customer_create" else "customer"
    html = member_client.get(reverse(url_name)).content.decode()
    assert len(select_options(html, field)) == 1  # the empty option
    assert "Bulk 00" not in html and "Bulk 59" not in html
    assert f'name="{field}_search"' in html


def test_a_preselected_customer_is_the_only_row_shown(member_client, many):
    chosen = many[30]
    url = reverse("selling:quotation_create")
    html = member_client.get(url, {"customer": chosen.pk}).content.decode()
    options = select_options(html, "customer")
    assert options == [("", "Choose a customer"), (str(chosen.pk), "Bulk 30")]
    assert f'<option value="{chosen.pk}" selected>' in html


def test_the_customer_edit_page_shows_its_parent_only(member_client, company, many):
    child = CustomerFactory(company=company, customer_type=many[0].customer_type, parent=many[7])
    html = member_client.get(reverse("customers:customer_update", args=[child.pk])).content
    options = select_options(html.decode(), "parent")
    assert options == [("", "No parent"), (str(many[7].pk), "Bulk 07")]


@pytest.mark.parametrize("url_name", ["selling:quotation_list", "selling:order_list"])
def test_list_filters_show_the_chosen_customer_by_name(
    member_client, company, member, many, url_name
):
    chosen = many[12]
    services.quotation_create(customer=chosen, actor=member)
    services.order_create(customer=chosen, actor=member)
    url = reverse(url_name)
    html = member_client.get(url).content.decode()
    assert select_options(html, "customer") == [("", "Any customer")]
    response = member_client.get(url, {"customer": chosen.pk})
    html = response.content.decode()
    assert select_options(html, "customer") == [("", "Any customer"), (str(chosen.pk), "Bulk 12")]
    assert len(response.context["object_list"]) == 1


def test_the_filter_takes_a_single_match_of_the_typed_text(member_client, company, member, many):
    services.quotation_create(customer=many[3], actor=member)
    services.quotation_create(customer=many[4], actor=member)
    url = reverse("selling:quotation_list")
    response = member_client.get(url, {"customer": "", "customer_search": "bulk 04"})
    assert [q.customer for q in response.context["object_list"]] == [many[4]]
    # Several matches: nothing is filtered by customer, the matches are offered.
    response = member_client.get(url, {"customer": "", "customer_search": "bulk 0"})
    assert len(response.context["object_list"]) == 2
    html = response.content.decode()
    assert [label for _, label in select_options(html, "customer")[1:]] == bulk_names("0")
    assert "pick one in the list" in html
    # The htmx table swap still answers with the table alone, filtered.
    response = member_client.get(url, {"customer": many[3].pk}, **HTMX)
    assert [q.customer for q in response.context["object_list"]] == [many[3]]
    assert "<html" not in response.content.decode()


# --- the endpoint --------------------------------------------------------------------------------


def test_lookup_answers_matches_in_order(member_client, company, customer_type):
    for name in ("Müller Zimmerei", "Bäckerei Krüger", "Krüger Metallbau"):
        CustomerFactory(company=company, customer_type=customer_type, name=name)
    CustomerFactory(company=company, name="Otto", email="kontakt@krueger.example")
    CustomerFactory(company=company, name="Paula", email="", phone="+49 30 555 0199")
    response = lookup(member_client, "krüger")
    html = response.content.decode()
    assert response.status_code == 200
    labels = re.findall(r'<option value="\d+">([^<]*)</option>', html)
    assert [label.split(" · ")[0] for label in labels] == ["Bäckerei Krüger", "Krüger Metallbau"]
    assert 'label="2 matches"' in html
    # The same fields as the customer list's search: e-mail and phone too.
    assert "Otto · kontakt@krueger.example" in lookup(member_client, "kontakt@").content.decode()
    assert "Paula · +49 30 555 0199" in lookup(member_client, "555 0199").content.decode()


def test_lookup_never_returns_another_companys_rows(
    member_client, other_member, company, other_company, customer_type
):
    mine = CustomerFactory(company=company, customer_type=customer_type, name="Shared Name Alpha")
    with scopes_disabled():
        theirs = CustomerFactory(company=other_company, name="Shared Name Bravo")
    assert option_values(lookup(member_client, "shared name")) == [str(mine.pk)]
    # A member of the other company, searching the same words, finds only its own row.
    intruder = login_as(Client(), other_member, other_company)
    with scopes_disabled():
        assert option_values(lookup(intruder, "shared name")) == [str(theirs.pk)]
        assert option_values(lookup(intruder, "alpha")) == []


def test_lookup_stops_at_the_limit_and_says_so(member_client, many):
    response = lookup(member_client, "bulk")
    assert len(option_values(response)) == LIMIT == 20
    assert "More than 20 matches: type more letters." in response.content.decode()
    assert len(option_values(lookup(member_client, "bulk 1"))) == len(bulk_names("1")) == 15


def test_lookup_narrowing_and_empty_text(member_client, company, customer_type):
    CustomerFactory(company=company, customer_type=customer_type, name="Kept Active")
    CustomerFactory(company=company, customer_type=customer_type, name="Kept Gone", inactive=True)
    assert len(option_values(lookup(member_client, "kept"))) == 2
    assert len(option_values(lookup(member_client, "kept", only="active"))) == 1
    # An unknown narrowing is no filter at all, never an arbitrary one.
    assert len(option_values(lookup(member_client, "kept", only="is_active"))) == 2
    assert option_values(lookup(member_client, "")) == []
    assert " hidden" in lookup(member_client, "").content.decode()


def test_lookup_reads_the_widgets_own_parameter(member_client, company, customer_type):
    kept = CustomerFactory(company=company, customer_type=customer_type, name="Widget Param")
    response = member_client.get(
        reverse(LOOKUP_URL),
        {"field": "customer_search", "customer_search": "widget", "only": "active"},
        **HTMX,
    )
    assert option_values(response) == [str(kept.pk)]
    # Only a lookup box's parameter: ``field`` cannot point the search at another parameter.
    response = member_client.get(
        reverse(LOOKUP_URL), {"field": "csrfmiddlewaretoken", "csrfmiddlewaretoken": "w"}, **HTMX
    )
    assert option_values(response) == []


def test_lookup_opened_in_a_browser_is_the_list_search(member_client):
    response = member_client.get(reverse(LOOKUP_URL), {"q": "krüger"})
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:customer_list") + "?q=kr%C3%BCger"


def test_lookup_query_count_does_not_grow_with_rows(member_client, company, customer_type):
    def queries(text) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = lookup(member_client, text, only="active")
        assert response.status_code == 200
        return len(captured)

    for n in range(3):
        CustomerFactory(company=company, customer_type=customer_type, name=f"Grow {n}")
    lookup(member_client, "warm")  # per-process caches (sessions, content types)
    few = queries("grow")
    for n in range(3, 40):
        CustomerFactory(company=company, customer_type=customer_type, name=f"Grow {n}")
    assert queries("grow") == few
    # Session, user, membership and the search itself: no query per match.
    assert few <= 5


# --- without JavaScript: the typed text is searched when the form is sent -------------------------


def test_no_js_round_trip_creates_the_quotation(member_client, company, many):
    url = reverse("selling:quotation_create")
    response = member_client.post(url, {"customer": "", "customer_search": "bulk 2"})
    assert response.status_code == 200
    assert not Quotation.objects.exists()
    html = response.content.decode()
    assert "Several match “bulk 2”: pick one in the list" in html
    options = select_options(html, "customer")
    assert [label for _, label in options[1:]] == bulk_names("2")
    assert 'value="bulk 2"' in html  # the text stays in the box
    picked = many[25]
    response = member_client.post(url, {"customer": picked.pk, "customer_search": "bulk 2"})
    quotation = Quotation.objects.get()
    assert quotation.customer == picked
    assert response["Location"] == quotation.get_absolute_url()


def test_no_js_single_match_is_taken_directly(member_client, many):
    url = reverse("selling:order_create")
    response = member_client.post(
        url, {"customer": "", "customer_search": "BULK 42", "order_date": "2026-03-02"}
    )
    order = SalesOrder.objects.get()
    assert order.customer == many[42]
    assert response["Location"] == order.get_absolute_url()


def test_no_js_too_many_or_no_matches(member_client, many):
    url = reverse("selling:quotation_create")
    response = member_client.post(url, {"customer": "", "customer_search": "bulk"})
    html = response.content.decode()
    assert "More than 20 match “bulk”: type more letters" in html
    assert len(select_options(html, "customer")) == 1 + LIMIT
    response = member_client.post(url, {"customer": "", "customer_search": "nobody here"})
    html = response.content.decode()
    assert "Nothing matches “nobody here”" in html
    assert len(select_options(html, "customer")) == 1
    assert not Quotation.objects.exists()


def test_no_js_a_new_text_replaces_the_earlier_choice(member_client, company, many):
    """The parent was Bulk 07; typing another name searches again instead of keeping it."""
    child = CustomerFactory(company=company, customer_type=many[0].customer_type, parent=many[7])
    url = reverse("customers:customer_update", args=[child.pk])
    data = {"name": child.name, "customer_type": child.customer_type_id}
    response = member_client.post(url, {**data, "parent": many[7].pk, "parent_search": "bulk 33"})
    child.refresh_from_db()
    assert child.parent == many[33]
    assert response.status_code == 302
    # An empty box keeps the chosen parent as it is.
    member_client.post(url, {**data, "parent": many[33].pk, "parent_search": ""})
    child.refresh_from_db()
    assert child.parent == many[33]


def test_no_js_text_never_reaches_another_companys_rows(member_client, other_company, many):
    with scopes_disabled():
        foreign = CustomerFactory(company=other_company, name="Foreign Unique")
    url = reverse("selling:quotation_create")
    response = member_client.post(url, {"customer": "", "customer_search": "foreign unique"})
    assert "Nothing matches" in response.content.decode()
    response = member_client.post(
        url, {"customer": foreign.pk, "customer_search": "foreign unique"}
    )
    html = response.content.decode()
    assert "Foreign Unique" not in html
    assert str(foreign.pk) not in [value for value, _ in select_options(html, "customer")]
    assert not Quotation.objects.exists()


def test_another_companys_id_is_not_one_of_the_choices(member_client, other_company, many):
    with scopes_disabled():
        foreign = CustomerFactory(company=other_company)
    response = member_client.post(reverse("selling:quotation_create"), {"customer": foreign.pk})
    errors = response.context["form"].errors["customer"]
    assert errors == ["Select a valid choice. That choice is not one of the available choices."]
    # The chosen id is not shown either: the select holds the empty option only.
    assert len(select_options(response.content.decode(), "customer")) == 1


def test_an_inactive_customer_cannot_be_typed_into_a_quotation(member_client, company, many):
    gone = CustomerFactory(company=company, customer_type=many[0].customer_type, name="Gone Ltd")
    Customer.objects.filter(pk=gone.pk).update(status=Customer.Status.INACTIVE)
    url = reverse("selling:quotation_create")
    response = member_client.post(url, {"customer": "", "customer_search": "gone ltd"})
    assert "Nothing matches" in response.content.decode()
    response = member_client.post(url, {"customer": gone.pk, "customer_search": "gone"})
    assert "Nothing matches" in response.content.decode()
    assert not Quotation.objects.exists()


def test_the_parent_still_refuses_itself_and_a_descendant(member_client, company, many):
    holding, child = many[0], many[1]
    child.parent = holding
    child.save()
    url = reverse("customers:customer_update", args=[holding.pk])
    data = {"name": holding.name, "customer_type": holding.customer_type_id}
    response = member_client.post(url, {**data, "parent": holding.pk})
    assert "parent" in response.context["form"].errors  # itself is not offered
    response = member_client.post(url, {**data, "parent": "", "parent_search": child.name})
    assert "hierarchy" in str(response.context["form"].non_field_errors())
    holding.refresh_from_db()
    assert holding.parent is None


# --- the field on its own --------------------------------------------------------------------------


def test_field_validates_like_a_model_choice_field(company, many):
    field = LookupField(CUSTOMERS, only="active")
    field.queryset = Customer.objects.filter(company=company)
    assert field.clean(LookupValue(str(many[5].pk))) == many[5]
    assert field.clean(str(many[5].pk)) == many[5]  # a plain id, as tests and scripts send
    with pytest.raises(Exception, match="required"):
        field.clean(LookupValue(""))
    Customer.objects.filter(pk=many[6].pk).update(status=Customer.Status.INACTIVE)
    with pytest.raises(Exception, match="not one of the available choices"):
        field.clean(str(many[6].pk))
    # Rendering never lists the queryset: at most the chosen row's one query.
    with CaptureQueriesContext(connection) as captured:
        html = field.widget.render("customer", str(many[5].pk), {"id": "id_customer"})
    assert len(captured) == 1
    assert html.count("<option") == 2
