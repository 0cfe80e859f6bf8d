"""The address and contact lookups: the address book's own search, the active company's rows,
at most 20, in a fixed number of queries; the link forms validate against the company."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from addressbook.forms import AddressLinkForm, ContactLinkForm
from tests.factories import AddressFactory, ContactFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def labels(client, url_name, text) -> list[str]:
    response = client.get(reverse(url_name), {"q": text}, **HTMX)
    assert response.status_code == 200
    return re.findall(r'<option value="\d+">([^<]*)</option>', response.content.decode())


def test_address_lookup_by_street_city_or_postal_code(member_client, company, other_company):
    AddressFactory(company=company, street="Hauptstraße 5", postal_code="10115", city="Berlin")
    AddressFactory(
        company=company, street="Rue de Rivoli 1", postal_code="75001", city="Paris", country="FR"
    )
    with scopes_disabled():
        AddressFactory(company=other_company, street="Hauptstraße 9", city="Berlin")
    url_name = "addressbook:address_lookup"
    assert labels(member_client, url_name, "hauptstr") == ["Hauptstraße 5, 10115 Berlin, Germany"]
    assert labels(member_client, url_name, "75001") == ["Rue de Rivoli 1, 75001 Paris, France"]
    assert labels(member_client, url_name, "paris rivoli") == [
        "Rue de Rivoli 1, 75001 Paris, France"
    ]
    assert len(labels(member_client, url_name, "berlin")) == 1  # never the other company's


def test_contact_lookup_by_name_email_or_phone(member_client, company, other_company):
    ContactFactory(
        company=company, first_name="Lena", last_name="Krüger", job_title="", email="lena@k.io"
    )
    ContactFactory(company=company, first_name="Tom", last_name="Berg", phone="+49 30 4711")
    with scopes_disabled():
        ContactFactory(company=other_company, first_name="Lena", last_name="Krüger")
    url_name = "addressbook:contact_lookup"
    assert labels(member_client, url_name, "krüger") == ["Lena Krüger · lena@k.io"]
    assert labels(member_client, url_name, "lena@k") == ["Lena Krüger · lena@k.io"]
    assert labels(member_client, url_name, "4711") == ["Tom Berg · Buyer"]


@pytest.mark.parametrize(
    ("url_name", "factory"),
    [
        ("addressbook:address_lookup", AddressFactory),
        ("addressbook:contact_lookup", ContactFactory),
    ],
)
def test_lookups_stop_at_twenty_with_a_fixed_query_count(member_client, company, url_name, factory):
    def queries() -> tuple[int, list[str]]:
        with CaptureQueriesContext(connection) as captured:
            found = labels(
                member_client, url_name, "example.com" if factory is ContactFactory else "berlin"
            )
        return len(captured), found

    factory.create_batch(3, company=company)
    member_client.get(reverse(url_name), {"q": "warm"}, **HTMX)
    few, found = queries()
    assert len(found) == 3
    factory.create_batch(30, company=company)
    many, found = queries()
    assert (many, len(found)) == (few, 20)
    assert few <= 5


def test_link_forms_refuse_another_companys_row(company, other_company):
    mine = AddressFactory(company=company)
    with scopes_disabled():
        theirs = AddressFactory(company=other_company)
        their_contact = ContactFactory(company=other_company)
    form = AddressLinkForm({"address": mine.pk, "purpose": "office"}, company=company)
    assert form.is_valid(), form.errors
    form = AddressLinkForm({"address": theirs.pk, "purpose": "office"}, company=company)
    assert "address" in form.errors
    form = ContactLinkForm({"contact": their_contact.pk}, company=company)
    assert "contact" in form.errors
    # Rendered, the field shows the chosen row only, never the address book.
    AddressFactory.create_batch(5, company=company)
    html = str(AddressLinkForm(initial={"address": mine.pk}, company=company)["address"])
    assert html.count("<option") == 2
