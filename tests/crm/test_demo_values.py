"""The demo's e-mail addresses and phone numbers read as the people's own: accents folded as a
company writes them, numbers valid in the person's country (``crm.sample.demo_values``)."""

from collections import Counter

import phonenumbers
import pytest
from django.core.validators import validate_email
from django_scopes import scope

from addressbook.demo import CONTACTS
from addressbook.models import Contact
from crm.models import IndividualPartner, OrganizationPartner, Salesperson
from crm.sample.demo import ensure_demo_companies, seed_company
from crm.sample.demo_reference import INDIVIDUALS, ORGANIZATIONS
from crm.sample.demo_values import email_domain_label, email_local_part, region_phone
from customers.demo import DIRECT
from customers.models import Customer
from leads.demo import PEOPLE
from leads.models import Lead
from tests.conftest import rows_shared_by_module


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The American demo company (its own team dials from the US), seeded once for the module:
    its people, customers and partners are the same as the German one's."""
    with rows_shared_by_module(django_db_blocker), django_db_blocker.unblock():
        _northwind, globex = ensure_demo_companies()
        seed_company(globex)
        yield globex


def letters(text: str) -> int:
    return sum(character.isalpha() for character in text)


def is_valid_in(phone: str, region: str) -> bool:
    return phonenumbers.is_valid_number_for_region(phonenumbers.parse(phone), region)


def test_accented_names_are_transliterated_not_dropped():
    assert email_local_part("Lena", "Krüger") == "lena.krueger"
    assert email_local_part("Jörg", "Strauß") == "joerg.strauss"
    assert email_local_part("Chloé", "Lefèvre") == "chloe.lefevre"
    assert email_local_part("Elif", "Yılmaz") == "elif.yilmaz"
    assert email_local_part("Ana", "Kovač") == "ana.kovac"
    assert email_local_part("Paweł") == "pawel"
    assert email_domain_label("Café Amsel") == "cafe"
    assert email_domain_label("Krüger Bäckerei GmbH") == "krueger"
    assert email_domain_label("PT Lestari Makmur") == "lestari"


@pytest.mark.parametrize("region", ["DE", "GB", "US", "ID", "IT", "FR", "SE", "TR", "JP", "CH"])
def test_a_region_phone_is_a_valid_number_of_that_region_in_e164(region):
    numbers = {region_phone(region, draw) for draw in range(2_000_000, 2_000_040)}
    assert len(numbers) > 20  # varied, not one number
    for number in numbers:
        assert is_valid_in(number, region), number
        parsed = phonenumbers.parse(number)
        assert number == phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    assert region_phone(region, 4_567_890) == region_phone(region, 4_567_890)  # reproducible


def test_demo_leads_mail_and_phone_as_people_in_their_country(db, demo):
    with scope(company=demo):
        leads = {(lead.first_name, lead.last_name): lead for lead in Lead.objects.all()}
    leads = {(first, last): leads[(first, last)] for first, last, *_ in PEOPLE}
    assert leads[("Lena", "Krüger")].email == "lena.krueger@krueger.example.com"
    assert leads[("Elif", "Yılmaz")].email.startswith("elif.yilmaz@")
    assert leads[("Ana", "Kovač")].email.startswith("ana.kovac@")
    for first, last, _organization, region in PEOPLE:
        lead = leads[(first, last)]
        validate_email(lead.email)
        local = lead.email.split("@")[0]
        # Every letter of the name is in the address (an umlaut as two), none dropped.
        assert letters(local) >= letters(first + last), lead.email
        assert local.isascii()
        assert is_valid_in(lead.phone, region), (first, last, lead.phone)
    calling_codes = Counter(phonenumbers.parse(lead.phone).country_code for lead in leads.values())
    assert len(calling_codes) >= 8
    assert calling_codes[49] < len(leads) / 2  # German numbers for German people only


def test_every_demo_address_is_valid_and_every_phone_valid_in_its_country(db, demo):
    contact_regions = {(first, last): region for first, last, _t, _r, region in CONTACTS}
    customer_regions = {name: region for name, *_rest, region in DIRECT}
    individual_regions = {(first, last): region for first, last, _rate, region in INDIVIDUALS}
    organization_regions = {name: region for name, *_rest, region in ORGANIZATIONS}
    company = demo
    assert company.phone_region == "US"
    with scope(company=company):
        for contact in Contact.objects.filter(first_name__in=[f for f, *_ in CONTACTS]):
            region = contact_regions.get((contact.first_name, contact.last_name))
            if region:
                validate_email(contact.email)
                assert is_valid_in(contact.phone, region), (contact, contact.phone)
        for customer in Customer.objects.filter(name__in=customer_regions):
            validate_email(customer.email)
            assert is_valid_in(customer.phone, customer_regions[customer.name]), customer
        cafe = Customer.objects.get(name="Café Amsel")
        assert cafe.email == "info@cafe.example.com"
        for partner in IndividualPartner.objects.all():
            validate_email(partner.email)
            region = individual_regions[(partner.first_name, partner.last_name)]
            assert is_valid_in(partner.phone, region), partner
        for partner in OrganizationPartner.objects.all():
            validate_email(partner.email)
            assert is_valid_in(partner.phone, organization_regions[partner.name]), partner
        for person in Salesperson.objects.all():
            validate_email(person.email)
            # The sales team's own numbers are the company's country's.
            assert is_valid_in(person.phone, company.phone_region), (company, person.phone)
        assert Salesperson.objects.get(name="Tomás Ortega").email == "tomas@globex.example.com"
        for contact in Contact.objects.exclude(email=""):
            validate_email(contact.email)
            name = contact.first_name + contact.last_name
            assert letters(contact.email.split("@")[0]) >= letters(name), contact.email
