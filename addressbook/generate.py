"""Generated addresses and contacts, for the generators of the apps that own them.

``AddressBookRows`` makes an owner's own address and contact rows with their links (the first
of each is the primary one, as when linking by hand), or links rows another owner already has:
what a conversion does (``addressbook.services.links_copy``), so a lead, its opportunity and its
customer share the same rows. The rows wait in memory until ``flush``; call it once per batch.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models

from addressbook.models import Address, AddressLink, Contact, ContactLink
from crm.sample.generate import GenerationRun
from crm.sample.generate_values import (
    ADDRESS_LABELS,
    CONTACT_ROLES,
    JOB_TITLES,
    SECOND_LINES,
    City,
    Country,
    mobile_number,
    personal_email,
    phone_number,
    pick,
    postcode,
    street_line,
    work_email,
)

ADDRESS_COLUMNS = (
    "id", "company_id", "label", "street", "street2", "postal_code", "city", "region", "country",
    "created_at", "updated_at",
)  # fmt: skip
CONTACT_COLUMNS = (
    "id", "company_id", "first_name", "last_name", "job_title", "email", "phone", "mobile",
    "notes", "created_at", "updated_at",
)  # fmt: skip
ADDRESS_LINK_COLUMNS = (
    "company_id", "owner_type_id", "owner_id", "address_id", "purpose", "is_primary", "created_at",
)  # fmt: skip
CONTACT_LINK_COLUMNS = (
    "company_id", "owner_type_id", "owner_id", "contact_id", "role", "is_primary", "created_at",
)  # fmt: skip

# Countries whose addresses usually carry a region or state.
_REGION_COUNTRIES = frozenset({"US", "CH", "IT", "ES"})
_BUSINESS_PURPOSES = (
    AddressLink.Purpose.OFFICE,
    AddressLink.Purpose.BILLING,
    AddressLink.Purpose.SHIPPING,
    AddressLink.Purpose.OTHER,
)
_PRIVATE_PURPOSES = (
    AddressLink.Purpose.HOME,
    AddressLink.Purpose.SHIPPING,
    AddressLink.Purpose.BILLING,
    AddressLink.Purpose.OTHER,
)


@dataclass(frozen=True)
class Party:
    """Who owns the rows, so that they fit: a person, maybe at an organization."""

    country: Country
    city: City
    first_name: str
    last_name: str
    email: str
    phone: str
    organization: str = ""  # empty for a private person
    domain: str = ""  # the organization's, for colleagues' e-mail addresses


@dataclass(frozen=True)
class Book:
    """The rows an owner got, primary first: ``(address id, purpose)`` and ``(contact id, role)``."""

    addresses: tuple[tuple[int, str], ...]
    contacts: tuple[tuple[int, str], ...]


class AddressBookRows:
    def __init__(self, run: GenerationRun, *, stream: str) -> None:
        self.run = run
        self.rng = run.random(stream)
        self.company_id = run.company.pk
        self.per_record = run.plan.addresses_per_record
        self._owner_types: dict[type[models.Model], int] = {}
        self.addresses: list[tuple] = []
        self.contacts: list[tuple] = []
        self.address_links: list[tuple] = []
        self.contact_links: list[tuple] = []

    def _owner_type_id(self, model: type[models.Model]) -> int:
        if model not in self._owner_types:
            owner_type = ContentType.objects.get_for_model(model)
            self.run.keep(ContentType.objects.filter(pk=owner_type.pk))
            self._owner_types[model] = owner_type.pk
        return self._owner_types[model]

    def add(
        self,
        owner_model: type[models.Model],
        owner_id: int,
        party: Party,
        *,
        created_at: datetime.datetime,
    ) -> Book:
        """``addresses_per_record`` new addresses and contacts for the owner, linked to it."""
        rng = self.rng
        count = self.per_record
        business = bool(party.organization)
        purposes = _BUSINESS_PURPOSES if business else _PRIVATE_PURPOSES
        address_ids = self.run.ids(Address)
        contact_ids = self.run.ids(Contact)
        addresses = []
        contacts = []
        country = party.country
        for index in range(count):
            city = party.city if index == 0 or rng.random() < 0.3 else pick(rng, country.cities)
            if business:
                label = "Head office" if index == 0 and rng.random() < 0.3 else ""
                if index:
                    label = pick(rng, ADDRESS_LABELS)
            else:
                label = ""
            address_id = address_ids.take()
            self.addresses.append(
                (
                    address_id,
                    self.company_id,
                    label,
                    street_line(rng, country),
                    pick(rng, SECOND_LINES),
                    postcode(rng, country, city),
                    city.name,
                    city.region if country.code in _REGION_COUNTRIES else "",
                    country.code,
                    created_at,
                    created_at,
                )
            )
            addresses.append((address_id, purposes[index % len(purposes)]))

            if index == 0:
                first, last, email, phone = (
                    party.first_name,
                    party.last_name,
                    party.email,
                    party.phone,
                )
                role = pick(rng, ("Decision maker", "Management")) if business else ""
            else:
                first, last = pick(rng, country.first_names), pick(rng, country.last_names)
                if business:
                    email = work_email(first, last, party.domain)
                else:
                    email = personal_email(rng, first, last)
                phone = phone_number(rng, country, city)
                role = pick(rng, CONTACT_ROLES) if business else "Alternate contact"
            contact_id = contact_ids.take()
            self.contacts.append(
                (
                    contact_id,
                    self.company_id,
                    first,
                    last,
                    pick(rng, JOB_TITLES) if business else "",
                    email,
                    phone,
                    mobile_number(rng, country) if rng.random() < 0.4 else "",
                    "",
                    created_at,
                    created_at,
                )
            )
            contacts.append((contact_id, role))
        book = Book(tuple(addresses), tuple(contacts))
        self.link(owner_model, owner_id, book, created_at=created_at)
        return book

    def link(
        self,
        owner_model: type[models.Model],
        owner_id: int,
        book: Book,
        *,
        created_at: datetime.datetime,
    ) -> None:
        """Link the rows of ``book`` to the owner too: new link rows, the same addresses and
        contacts, the first of each primary (as ``links_copy`` does for an owner with none)."""
        owner_type_id = self._owner_type_id(owner_model)
        company_id = self.company_id
        for index, (address_id, purpose) in enumerate(book.addresses):
            self.address_links.append(
                (company_id, owner_type_id, owner_id, address_id, purpose, index == 0, created_at)
            )
        for index, (contact_id, role) in enumerate(book.contacts):
            self.contact_links.append(
                (company_id, owner_type_id, owner_id, contact_id, role, index == 0, created_at)
            )

    def flush(self) -> None:
        """Write the rows made since the last flush: addresses and contacts before their links."""
        run = self.run
        run.write(Address, ADDRESS_COLUMNS, self.addresses)
        run.write(Contact, CONTACT_COLUMNS, self.contacts)
        run.write(AddressLink, ADDRESS_LINK_COLUMNS, self.address_links)
        run.write(ContactLink, CONTACT_LINK_COLUMNS, self.contact_links)
        self.addresses, self.contacts, self.address_links, self.contact_links = [], [], [], []
