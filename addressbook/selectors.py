"""Reads across addresses, contacts and their owners, planned to a fixed number of queries."""

from collections import defaultdict
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from addressbook.models import Address, AddressLink, Contact, ContactLink
from addressbook.owners import (
    COMPANY_LABEL,
    owner_label,
    owner_model_for,
    owner_queryset,
    owner_url,
)
from crm.models import Company


def _owner_filter(owner: models.Model) -> dict:
    model = owner_model_for(owner) or type(owner)
    return {"owner_type": ContentType.objects.get_for_model(model), "owner_id": owner.pk}


def address_links_for_owner(*, company: Company, owner: models.Model) -> QuerySet[AddressLink]:
    return AddressLink.objects.filter(company=company, **_owner_filter(owner)).select_related(
        "address"
    )


def contact_links_for_owner(*, company: Company, owner: models.Model) -> QuerySet[ContactLink]:
    return ContactLink.objects.filter(company=company, **_owner_filter(owner)).select_related(
        "contact"
    )


@dataclass(frozen=True)
class LinkedRecord:
    link: AddressLink | ContactLink
    owner: models.Model
    type_label: str
    url: str


def _linked_records(company: Company, links: list) -> list[LinkedRecord]:
    """The owners of ``links``: one query per owner type, never one per link."""
    ids_by_type: dict[int, set[int]] = defaultdict(set)
    for link in links:
        ids_by_type[link.owner_type_id].add(link.owner_id)
    owners: dict[tuple[int, int], models.Model] = {}
    for type_id, ids in ids_by_type.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model is None:
            continue  # the owner's app was removed; its links are orphans
        if model._meta.label_lower == COMPANY_LABEL:
            rows = {company.pk: company} if company.pk in ids else {}
        else:
            rows = owner_queryset(model, company).in_bulk(ids)
        for pk, row in rows.items():
            owners[(type_id, pk)] = row
    records = []
    for link in links:
        owner = owners.get((link.owner_type_id, link.owner_id))
        if owner is None:
            continue
        records.append(
            LinkedRecord(
                link=link,
                owner=owner,
                type_label=str(owner._meta.verbose_name).capitalize(),
                url=owner_url(owner),
            )
        )
    return records


def address_linked_records(*, company: Company, address: Address) -> list[LinkedRecord]:
    """Every record this address is linked to, with the link (purpose, primary)."""
    links = list(AddressLink.objects.filter(company=company, address=address))
    return _linked_records(company, links)


def contact_linked_records(*, company: Company, contact: Contact) -> list[LinkedRecord]:
    """Every record this contact is linked to, with the link (role, primary)."""
    links = list(ContactLink.objects.filter(company=company, contact=contact))
    return _linked_records(company, links)


__all__ = [
    "LinkedRecord",
    "address_linked_records",
    "address_links_for_owner",
    "contact_linked_records",
    "contact_links_for_owner",
    "owner_label",
]
