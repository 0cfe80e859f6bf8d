"""Demo addresses and contacts, linked to the company and to any other owner rows that exist."""

import random

from addressbook import services
from addressbook.models import Address, AddressLink
from addressbook.owners import COMPANY_LABEL, owner_models
from crm.models import Company
from crm.sample.demo_values import email_local_part, region_phone

ADDRESSES = [
    {
        "label": "Head office",
        "street": "Friedrichstraße 123",
        "postal_code": "10117",
        "city": "Berlin",
        "country": "DE",
    },
    {
        "label": "Warehouse",
        "street": "Hafenweg 8",
        "postal_code": "20457",
        "city": "Hamburg",
        "country": "DE",
    },
    {
        "label": "",
        "street": "12 Rue de Rivoli",
        "postal_code": "75004",
        "city": "Paris",
        "country": "FR",
    },
    {
        "label": "",
        "street": "221B Baker Street",
        "postal_code": "NW1 6XE",
        "city": "London",
        "country": "GB",
    },
    {
        "label": "",
        "street": "Keizersgracht 452",
        "postal_code": "1016 GD",
        "city": "Amsterdam",
        "country": "NL",
    },
    {
        "label": "",
        "street": "Via Roma 15",
        "postal_code": "20121",
        "city": "Milano",
        "region": "Lombardia",
        "country": "IT",
    },
    {
        "label": "",
        "street": "1600 Amphitheatre Parkway",
        "street2": "Building 4",
        "postal_code": "94043",
        "city": "Mountain View",
        "region": "CA",
        "country": "US",
    },
    {
        "label": "",
        "street": "Calle de Alcalá 50",
        "postal_code": "28014",
        "city": "Madrid",
        "country": "ES",
    },
    {
        "label": "",
        "street": "Jl. Sudirman Kav. 52",
        "postal_code": "12190",
        "city": "Jakarta",
        "region": "DKI Jakarta",
        "country": "ID",
    },
    {
        "label": "",
        "street": "Mariahilfer Straße 77",
        "postal_code": "1060",
        "city": "Wien",
        "country": "AT",
    },
]

# first name, last name, job title, role, the country their phone number is in
CONTACTS = [
    ("Anna", "Schmidt", "Head of Purchasing", "Purchasing", "DE"),
    ("Louis", "Martin", "Accountant", "Accounts payable", "FR"),
    ("Emma", "Johnson", "Office Manager", "Reception", "GB"),
    ("Pieter", "de Vries", "Logistics Lead", "Deliveries", "NL"),
    ("Giulia", "Rossi", "CEO", "Decision maker", "IT"),
    ("Carlos", "García", "Sales Director", "Sales", "ES"),
    ("Siti", "Rahayu", "Procurement Officer", "Purchasing", "ID"),
    ("Jonas", "Huber", "IT Administrator", "Technical contact", "AT"),
]


def seed_addressbook(company: Company, rnd: random.Random) -> None:
    if Address.objects.filter(company=company).exists():
        return
    addresses = [
        services.address_create(company=company, fields=fields, actor=None) for fields in ADDRESSES
    ]
    contacts = []
    for first, last, title, role, region in CONTACTS:
        contact = services.contact_create(
            company=company,
            fields={
                "first_name": first,
                "last_name": last,
                "job_title": title,
                "email": f"{email_local_part(first, last)}@example.com",
                "phone": region_phone(region, rnd.randint(2000000, 9999999)),
            },
            actor=None,
        )
        contacts.append((contact, role))

    owners: list = [company]
    for model in owner_models():
        if model._meta.label_lower == COMPANY_LABEL:
            continue
        owners.extend(model.objects.filter(company=company).order_by("pk")[:6])

    # The company's own addresses and people.
    services.address_link(
        company=company,
        address=addresses[0],
        owner=company,
        purpose=AddressLink.Purpose.OFFICE,
        is_primary=True,
        actor=None,
    )
    services.address_link(
        company=company,
        address=addresses[1],
        owner=company,
        purpose=AddressLink.Purpose.SHIPPING,
        actor=None,
    )
    for contact, role in contacts[:2]:
        services.contact_link(
            company=company, contact=contact, owner=company, role=role, actor=None
        )
    # Every other owner gets an address and a contact; the first two share one address (a
    # partner's office that is also where its first customer sits).
    for index, owner in enumerate(owners[1:]):
        address = addresses[2 + index % (len(addresses) - 2)]
        services.address_link(
            company=company,
            address=address,
            owner=owner,
            purpose=rnd.choice(AddressLink.Purpose.values),
            actor=None,
        )
        contact, role = contacts[2 + index % (len(contacts) - 2)]
        services.contact_link(company=company, contact=contact, owner=owner, role=role, actor=None)
    if len(owners) > 2:
        services.address_link(
            company=company,
            address=addresses[2],
            owner=owners[2],
            purpose=AddressLink.Purpose.BILLING,
            actor=None,
        )
