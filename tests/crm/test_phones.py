"""Phone numbers: typed as people dial them, read in the company's region, stored in E.164,
shown nationally at home and internationally abroad, linked as ``tel:+E164``; imports and the
API refuse what is no number; the data migration and ``check_phone_numbers`` for older rows."""

import io

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.template import Context, Template
from django.urls import reverse
from django_scopes import scope

from crm.imports.engine import run_import
from crm.imports.kinds import get_import_kind, guess_columns
from crm.imports.reading import read_table
from crm.models import Company
from crm.phones import (
    activate_region,
    display_phone,
    region_for_time_zone,
    stored_numbers_to_e164,
    to_e164,
)
from customers.models import Customer
from leads.models import Lead
from leads.webforms import web_form_submit
from tests.api.conftest import errors_of, make_key, token_client
from tests.conftest import login_as
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    LeadFactory,
    LeadSourceFactory,
    SalespersonFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def jakarta(company):
    """Company A dials from Indonesia."""
    company.phone_region = "ID"
    company.save(update_fields=["phone_region"])
    return company


def render(template: str, **context) -> str:
    return Template("{% load crm_tags %}" + template).render(Context(context))


# --- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "region", "stored"),
    [
        ("021 5550 1234", "ID", "+622155501234"),
        ("0812-3456-7890", "ID", "+6281234567890"),
        ("030 1234567", "DE", "+49301234567"),
        ("(030) 123-4567", "DE", "+49301234567"),
        # International input wins over the region, with "+" or "00".
        ("+49 30 1234567", "ID", "+49301234567"),
        ("0049 30 1234567", "ID", "+49301234567"),
        ("+62 21 5550 1234", "", "+622155501234"),
        ("", "ID", ""),
    ],
)
def test_a_typed_number_is_stored_in_e164(typed, region, stored):
    assert to_e164(typed, region=region) == stored


@pytest.mark.parametrize(
    ("typed", "region"),
    [("12", "ID"), ("call reception", "DE"), ("+49 30 1", "DE"), ("021 5550 1234", "")],
)
def test_what_is_no_number_is_refused_with_a_message_that_says_how(typed, region):
    with pytest.raises(ValidationError) as refused:
        to_e164(typed, region=region)
    message = refused.value.messages[0]
    assert typed in message and "country code" in message
    if region == "DE":
        assert "Germany" in message and "030" in message  # a national example of the region


def test_the_region_defaults_to_the_time_zones_country(company):
    assert region_for_time_zone("Asia/Jakarta") == "ID"
    assert region_for_time_zone("Europe/Berlin") == "DE"
    assert region_for_time_zone("UTC") == ""
    company.time_zone = "Asia/Jakarta"
    assert company.dialing_region == "ID"
    company.phone_region = "SG"
    assert company.dialing_region == "SG"  # the chosen region wins


# --- display ---------------------------------------------------------------------------------


def test_display_is_national_at_home_and_international_abroad():
    assert display_phone("+622155501234", region="ID") == "(021) 55501234"
    assert display_phone("+49301234567", region="ID") == "+49 30 1234567"
    assert display_phone("+49301234567", region="DE") == "030 1234567"
    assert display_phone("ask reception", region="DE") == "ask reception"


def test_the_phone_filter_links_tel_e164_in_the_active_region():
    activate_region("ID")
    assert render("{{ n|phone }}", n="+622155501234") == (
        '<a href="tel:+622155501234">(021) 55501234</a>'
    )
    assert render("{{ n|phone }}", n="+49301234567") == (
        '<a href="tel:+49301234567">+49 30 1234567</a>'
    )
    # Older text that is no number: shown (escaped), never linked.
    assert render("{{ n|phone }}", n="<b>ask</b>") == "&lt;b&gt;ask&lt;/b&gt;"
    assert render("{{ n|phone }}", n="") == ""
    assert render("{{ n|tel_href }}", n="0812 3456 7890") == "tel:+6281234567890"


# --- forms and pages -------------------------------------------------------------------------


def test_a_lead_typed_nationally_is_stored_in_e164_and_shown_nationally(client, member, jakarta):
    login_as(client, member, jakarta)
    response = client.post(
        reverse("leads:lead_create"), {"last_name": "Wijaya", "phone": "021 5550 1234"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    lead = Lead.objects.get(company=jakarta, last_name="Wijaya")
    assert lead.phone == "+622155501234"
    page = client.get(lead.get_absolute_url()).content.decode()
    assert '<a href="tel:+622155501234">(021) 55501234</a>' in page
    # The edit form offers the number as it is dialled at home.
    edit = client.get(reverse("leads:lead_update", args=[lead.pk])).content.decode()
    assert 'value="(021) 55501234"' in edit


def test_an_invalid_number_on_a_form_changes_nothing(client, member, jakarta):
    customer = CustomerFactory(company=jakarta, phone="+622155501234")
    login_as(client, member, jakarta)
    response = client.post(
        reverse("customers:customer_update", args=[customer.pk]),
        {"name": customer.name, "customer_type": customer.customer_type_id, "phone": "12345"},
    )
    assert response.status_code == 200
    assert "“12345” is not a phone number that can be dialled" in response.content.decode()
    customer.refresh_from_db()
    assert customer.phone == "+622155501234"


def test_a_contact_and_a_salesperson_are_read_in_the_region_too(client, member, jakarta):
    contact = ContactFactory(company=jakarta)
    login_as(client, member, jakarta)
    response = client.post(
        reverse("addressbook:contact_update", args=[contact.pk]),
        {
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "phone": "021 5550 1234",
            "mobile": "0812 3456 7890",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    contact.refresh_from_db()
    assert (contact.phone, contact.mobile) == ("+622155501234", "+6281234567890")


def test_the_company_settings_choose_the_region(client, member, company):
    login_as(client, member, company)
    form = {
        "name": company.name,
        "currency": company.currency,
        "default_vat_rate": "11",
        "language": "",
        "time_zone": "",
        "phone_region": "ID",
        "version": company.version,
    }
    response = client.post(reverse("crm:settings"), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    company.refresh_from_db()
    assert company.phone_region == "ID"
    refused = client.post(reverse("crm:settings"), {**form, "phone_region": "XX"})
    assert refused.status_code == 200
    company.refresh_from_db()
    assert company.phone_region == "ID"


def test_a_web_form_reads_the_visitors_number_in_the_companys_region(jakarta):
    from leads.models import WebForm

    form = WebForm.objects.create(
        company=jakarta, name="Contact us", source=LeadSourceFactory(company=jakarta)
    )
    submission, _ = web_form_submit(
        form=form, data={"last_name": "Santoso", "phone": "021 5550 1234"}, client="a"
    )
    assert submission.lead.phone == "+622155501234"
    refused, fields = web_form_submit(
        form=form, data={"last_name": "Santoso", "phone": "5"}, client="b"
    )
    assert refused.lead is None and "phone" in fields.errors
    assert Lead.objects.filter(company=jakarta).count() == 1


# --- imports and the API ---------------------------------------------------------------------


def test_an_import_stores_e164_and_reports_each_bad_number(jakarta):
    data = b"Last name,Phone\nWijaya,021 5550 1234\nSchulz,+49 30 1234567\nNobody,123\n"
    table = read_table(data, filename="leads.csv")
    kind = get_import_kind("leads")
    outcome = run_import(
        company=jakarta,
        kind=kind,
        table=table,
        columns=guess_columns(kind, table.headers),
        keep_good_rows=True,
    )
    phones = dict(Lead.objects.filter(company=jakarta).values_list("last_name", "phone"))
    assert phones == {"Wijaya": "+622155501234", "Schulz": "+49301234567"}
    [error] = outcome.errors
    assert (error.row, error.column, error.value) == (4, "Phone", "123")
    assert "not a phone number" in error.message


def test_an_import_updating_a_customer_checks_the_number_as_the_form_does(jakarta):
    existing = CustomerFactory(company=jakarta, name="Toko Maju", email="toko@example.com")
    kind_name = existing.customer_type.name
    data = f"Name,Customer type,E-mail,Phone\nToko Maju,{kind_name},toko@example.com,021 5550 1234\n".encode()
    table = read_table(data, filename="customers.csv")
    kind = get_import_kind("customers")
    outcome = run_import(
        company=jakarta,
        kind=kind,
        table=table,
        columns=guess_columns(kind, table.headers),
        duplicates="update",
    )
    assert outcome.errors == []
    customer = Customer.objects.get(company=jakarta, email="toko@example.com")
    assert (customer.phone, customer.phone_digits) == ("+622155501234", "622155501234")


def test_the_api_stores_e164_and_refuses_a_bad_number_in_the_error_shape(jakarta, member):
    api = token_client(make_key(jakarta, member))
    made = api.post(
        "/api/v1/leads/", {"last_name": "Wijaya", "phone": "021 5550 1234"}, format="json"
    )
    assert made.status_code == 201, made.json()
    assert made.json()["phone"] == "+622155501234"
    refused = api.post("/api/v1/leads/", {"last_name": "Lim", "phone": "12"}, format="json")
    assert refused.status_code == 400
    [error] = errors_of(refused)
    assert (error["field"], error["code"]) == ("phone", "invalid_phone")
    assert "country code" in error["message"]
    assert not Lead.objects.filter(company=jakarta, last_name="Lim").exists()


# --- stored data -----------------------------------------------------------------------------


def test_the_data_migration_converts_what_parses_and_keeps_the_rest(jakarta, other_company):
    other_company.phone_region = "DE"
    other_company.save(update_fields=["phone_region"])
    # Rows as stored before numbers were checked (written past any form).
    lead = LeadFactory(company=jakarta, phone="021 5550 1234")
    note = LeadFactory(company=jakarta, phone="ask reception")
    customer = CustomerFactory(company=jakarta, phone="0812 3456 7890")
    with scope(company=other_company):
        theirs = LeadFactory(company=other_company, phone="030 1234567")
    stored_numbers_to_e164(Company, Lead, ("phone",))
    stored_numbers_to_e164(Company, Customer, ("phone",), digits_field="phone_digits")
    for row in (lead, note, customer):
        row.refresh_from_db()
    with scope(company=other_company):
        theirs.refresh_from_db()
    assert lead.phone == "+622155501234"
    assert note.phone == "ask reception"
    assert (customer.phone, customer.phone_digits) == ("+6281234567890", "6281234567890")
    assert theirs.phone == "+49301234567"  # each company's own region


def test_the_migrations_run_the_conversion_with_the_historical_models(jakarta):
    """The migration modules' functions, given the app registry the way ``migrate`` does."""
    from importlib import import_module

    lead = LeadFactory(company=jakarta, phone="021 5550 1234")
    contact = ContactFactory(company=jakarta, phone="021 5550 1235", mobile="0812 3456 7890")
    person = SalespersonFactory(company=jakarta, phone="021 5550 1236")
    for module in (
        "crm.migrations.0014_company_phone_region_phones_e164",
        "addressbook.migrations.0006_contact_phones_e164",
        "leads.migrations.0008_lead_phone_e164",
        "customers.migrations.0017_customer_phone_e164",
    ):
        import_module(module).numbers_to_e164(apps, None)
    for row in (lead, contact, person):
        row.refresh_from_db()
    assert lead.phone == "+622155501234"
    assert (contact.phone, contact.mobile) == ("+622155501235", "+6281234567890")
    assert person.phone == "+622155501236"


def test_check_phone_numbers_lists_what_does_not_parse(jakarta):
    LeadFactory(company=jakarta, last_name="Good", phone="+622155501234")
    bad = LeadFactory(company=jakarta, first_name="", last_name="Odd", phone="ask reception")
    ContactFactory(company=jakarta, first_name="Sri", last_name="Dewi", mobile="12")
    out = io.StringIO()
    with pytest.raises(CommandError, match="2 phone numbers do not parse in Indonesia"):
        call_command("check_phone_numbers", "--company", jakarta.slug, stdout=out)
    listed = out.getvalue()
    assert f"#{bad.pk}" in listed and "ask reception" in listed
    assert "Sri Dewi" in listed and ": 12" in listed
    assert "+622155501234" not in listed
    bad.phone = "+622155501235"
    bad.save(update_fields=["phone"])
    out = io.StringIO()
    Lead.objects.filter(pk=bad.pk).update(phone="")
    from addressbook.models import Contact

    Contact.objects.filter(company=jakarta).update(mobile="")
    call_command("check_phone_numbers", "--company", jakarta.slug, stdout=out)
    assert "Every stored phone number parses in Indonesia." in out.getvalue()


def test_a_number_typed_nationally_finds_the_customer_with_it(jakarta):
    from customers.services import customer_duplicates

    existing = CustomerFactory(company=jakarta, name="Toko Maju", phone="+622155501234")
    [match] = customer_duplicates(company=jakarta, name="Someone else", phone="021 5550 1234")
    assert match.customer == existing and match.exact


# --- search ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "region", "term"),
    [
        ("021 5550 1234", "ID", "+622155501234"),
        ("(021) 5550-1234", "ID", "+622155501234"),
        ("+62 21 5550 1234", "", "+622155501234"),
        ("0062 21 5550 1234", "DE", "+622155501234"),
        ("021 5550", "ID", "+62215550"),  # a fragment keeps the start of the stored number
        ("5550 1234", "ID", "55501234"),
        ("030 1234567", "DE", "+49301234567"),
    ],
)
def test_a_search_typed_as_dialled_becomes_the_stored_form(typed, region, term):
    from crm.ui.search import phone_term

    assert phone_term(typed, region=region) == term


@pytest.mark.parametrize("typed", ["Wijaya", "12345", "55501234", "PO-2026 0001", "021-Jakarta"])
def test_a_search_that_is_no_phone_number_stays_as_typed(typed):
    from crm.ui.search import phone_term

    assert phone_term(typed, region="ID") == ""


def test_the_lead_list_finds_a_number_typed_nationally(member_client, jakarta):
    LeadFactory(company=jakarta, last_name="Wijaya", phone="+622155501234")
    LeadFactory(company=jakarta, last_name="Santoso", phone="+622155509999")
    for typed in ("021 5550 1234", "(021) 5550-1234", "+62 21 5550 1234", "021 5550 1"):
        response = member_client.get(reverse("leads:lead_list"), {"q": typed})
        assert [lead.last_name for lead in response.context["object_list"]] == ["Wijaya"], typed


def test_the_customer_list_and_the_search_box_find_a_number_typed_nationally(
    member_client, jakarta
):
    customer = CustomerFactory(company=jakarta, name="Kopi Nusantara", phone="+622155501234")
    CustomerFactory(company=jakarta, name="Teh Botol", phone="+622155509999")
    contact = ContactFactory(company=jakarta, last_name="Ani", mobile="+6281234567890")
    response = member_client.get(reverse("customers:customer_list"), {"q": "021 5550 1234"})
    assert [row.name for row in response.context["object_list"]] == ["Kopi Nusantara"]

    response = member_client.get("/search/", {"q": "021 5550 1234"})
    found = {
        group.label: [row["url"] for row in group.rows] for group in response.context["groups"]
    }
    assert found == {"Customers": [customer.get_absolute_url()]}
    response = member_client.get("/search/", {"q": "0812-3456-7890"})
    found = {
        group.label: [row["url"] for row in group.rows] for group in response.context["groups"]
    }
    assert found == {"Contacts": [contact.get_absolute_url()]}


def test_a_quotation_is_found_by_its_customers_number_typed_nationally(member_client, jakarta):
    from selling import services as selling

    customer = CustomerFactory(company=jakarta, name="Kopi Nusantara", phone="+622155501234")
    quotation = selling.quotation_create(customer=customer, actor=None)
    response = member_client.get("/search/", {"q": "(021) 5550 1234"})
    found = {
        group.label: [row["url"] for row in group.rows] for group in response.context["groups"]
    }
    assert found["Quotations"] == [quotation.get_absolute_url()]
    response = member_client.get(reverse("selling:quotation_list"), {"q": "(021) 5550 1234"})
    assert [row.pk for row in response.context["object_list"]] == [quotation.pk]
