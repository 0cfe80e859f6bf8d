"""Reads across addresses, contacts and their owners, planned to a fixed number of queries."""

from collections import defaultdict
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
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


# What a panel row shows of each linked address or contact (its ``__str__``, the contact's
# e-mail, phone and job title), and what orders the links (``AddressLink.Meta.ordering``: the
# purpose; contacts: none besides the primary flag and the id).
_PANEL_COLUMNS = {
    "address": (AddressLink, ("label", "street", "postal_code", "city", "country"), "purpose"),
    "contact": (ContactLink, ("first_name", "last_name", "job_title", "email", "phone"), ""),
}


def _panel_links_sql() -> str:
    """The UNION ALL that ``links_for_owner_both`` runs, as the ORM writes it for the two
    ``values_list`` querysets (the columns of ``_PANEL_COLUMNS``, the links' own order), written
    here once per process: building and compiling the two querysets was most of what both
    panels cost a page. Its parameters: the company, the owner type and the owner id, twice."""
    quote = connection.ops.quote_name
    parts = []
    for name, (link_model, columns, order) in _PANEL_COLUMNS.items():
        target_model = link_model._meta.get_field(name).related_model
        badge = "purpose" if link_model is AddressLink else "role"
        sort_badge = f"k.{quote(order)}" if order else "''"
        selected = ", ".join(f"t.{quote(column)}" for column in columns)
        parts.append(
            f"SELECT '{name}' AS kind, k.{quote('is_primary')}, {sort_badge} AS sort_badge,"
            f" k.{quote('id')}, k.{quote(badge)}, k.{quote(name + '_id')}, {selected}"
            f" FROM {quote(link_model._meta.db_table)} k"
            f" INNER JOIN {quote(target_model._meta.db_table)} t"
            f" ON k.{quote(name + '_id')} = t.{quote('id')}"
            f" WHERE k.{quote('company_id')} = %s AND k.{quote('owner_type_id')} = %s"
            f" AND k.{quote('owner_id')} = %s"
        )
    return " UNION ALL ".join(parts) + " ORDER BY 1 ASC, 2 DESC, 3 ASC, 4 ASC"


def links_for_owner_both(
    *, company: Company, owner: models.Model
) -> tuple[list[AddressLink], list[ContactLink]]:
    """The owner's address links with their addresses and its contact links with their
    contacts, in one query (a UNION ALL of the two, each row with what its panel shows), each
    list in its own order, as ``address_links_for_owner`` and ``contact_links_for_owner`` give
    them. The addresses and contacts carry only those columns (the others load when read).
    The query is bound to ``company`` by its parameters (``_panel_links_sql``)."""
    owner_type_id = _owner_filter(owner)["owner_type"].pk
    sql = _PANEL_SQL.get(connection.vendor)
    if sql is None:
        sql = _PANEL_SQL[connection.vendor] = _panel_links_sql()
    params = (company.pk, owner_type_id, owner.pk) * 2
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found: dict[str, list] = {"address": [], "contact": []}
    db = connection.alias
    for kind, is_primary, _sort, pk, badge, target_id, *values in rows:
        link_model, columns, _order = _PANEL_COLUMNS[kind]
        target_model = link_model._meta.get_field(kind).related_model
        target = target_model.from_db(
            db, ["id", "company_id", *columns], [target_id, company.pk, *values]
        )
        link = link_model.from_db(
            db,
            [
                "id",
                "company_id",
                "owner_type_id",
                "owner_id",
                "is_primary",
                f"{kind}_id",
                "purpose" if kind == "address" else "role",
            ],
            [pk, company.pk, owner_type_id, owner.pk, bool(is_primary), target_id, badge],
        )
        link_model._meta.get_field(kind).set_cached_value(link, target)
        found[kind].append(link)
    return found["address"], found["contact"]


_PANEL_SQL: dict[str, str] = {}


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
    "links_for_owner_both",
    "owner_label",
]
