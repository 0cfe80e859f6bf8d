"""Every write to the address book: create, link, unlink, set primary, delete."""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from addressbook.models import Address, AddressLink, Contact, ContactLink
from addressbook.owners import is_owner, owner_model_for
from crm.errors import DomainError, validate_or_raise
from crm.models import Company

# Who did it: the request user, or None for demo data and commands. Kept for the activity log.
Actor = AbstractBaseUser | None

ADDRESS_FIELDS = ("label", "street", "street2", "postal_code", "city", "region", "country")
CONTACT_FIELDS = ("first_name", "last_name", "job_title", "email", "phone", "mobile", "notes")


def _owner_keys(owner: models.Model) -> dict[str, Any]:
    model = owner_model_for(owner)
    if model is None:
        raise DomainError(_("Addresses and contacts cannot be linked to this kind of record."))
    return {"owner_type": ContentType.objects.get_for_model(model), "owner_id": owner.pk}


def _check_owner_company(*, company: Company, owner: models.Model) -> None:
    owner_company_id = owner.pk if isinstance(owner, Company) else owner.company_id
    if owner_company_id != company.pk or not is_owner(owner):
        raise DomainError(_("This record does not belong to your company."))


def _link(
    *,
    link_model: type[AddressLink] | type[ContactLink],
    company: Company,
    owner: models.Model,
    target_field: str,
    target: Address | Contact,
    is_primary: bool,
    extra: dict[str, Any],
) -> AddressLink | ContactLink:
    _check_owner_company(company=company, owner=owner)
    if target.company_id != company.pk:
        raise DomainError(_("This record does not belong to your company."))
    keys = _owner_keys(owner)
    siblings = link_model.objects.select_for_update().filter(company=company, **keys)
    # Lock the owner's links so two people linking at once cannot both become primary.
    existing = list(siblings)
    if any(getattr(link, f"{target_field}_id") == target.pk for link in existing):
        raise DomainError(
            _("%(target)s is already linked to %(owner)s.") % {"target": target, "owner": owner}
        )
    # The first address or contact of an owner is its primary one.
    make_primary = is_primary or not any(link.is_primary for link in existing)
    if make_primary:
        siblings.filter(is_primary=True).update(is_primary=False)
    return link_model.objects.create(
        company=company, is_primary=make_primary, **{target_field: target}, **keys, **extra
    )


def _clean_fields(allowed: tuple[str, ...], fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise DomainError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    return fields


def _validate(row: Address | Contact) -> None:
    """Model validation as the one domain error, for callers without a form (commands, API)."""
    validate_or_raise(row)


@transaction.atomic
def address_create(*, company: Company, fields: dict[str, Any], actor: Actor) -> Address:
    address = Address(company=company, **_clean_fields(ADDRESS_FIELDS, fields))
    _validate(address)
    address.save()
    return address


@transaction.atomic
def address_update(*, address: Address, fields: dict[str, Any], actor: Actor) -> Address:
    for name, value in _clean_fields(ADDRESS_FIELDS, fields).items():
        setattr(address, name, value)
    _validate(address)
    address.save()
    return address


@transaction.atomic
def address_link(
    *,
    company: Company,
    address: Address,
    owner: models.Model,
    purpose: str = AddressLink.Purpose.OFFICE,
    is_primary: bool = False,
    actor: Actor,
) -> AddressLink:
    """Link an existing address to ``owner``; refused if it is linked there already."""
    if purpose not in AddressLink.Purpose.values:
        raise DomainError(_("Choose a purpose from the list."))
    return _link(
        link_model=AddressLink,
        company=company,
        owner=owner,
        target_field="address",
        target=address,
        is_primary=is_primary,
        extra={"purpose": purpose},
    )


@transaction.atomic
def address_create_and_link(
    *,
    company: Company,
    owner: models.Model,
    fields: dict[str, Any],
    purpose: str = AddressLink.Purpose.OFFICE,
    is_primary: bool = False,
    actor: Actor,
) -> AddressLink:
    _check_owner_company(company=company, owner=owner)
    address = address_create(company=company, fields=fields, actor=actor)
    return address_link(
        company=company,
        address=address,
        owner=owner,
        purpose=purpose,
        is_primary=is_primary,
        actor=actor,
    )


def _delete_unless_linked(*, row: Address | Contact, link_model, target_field: str) -> None:
    """Delete an address or contact that no record uses any more; refused while it is linked."""
    row = type(row).objects.select_for_update().get(pk=row.pk, company=row.company_id)
    linked = link_model.objects.filter(company=row.company_id, **{target_field: row}).count()
    if linked:
        raise DomainError(
            ngettext(
                "%(object)s cannot be deleted: it is still linked to %(count)d record. "
                "Unlink it first.",
                "%(object)s cannot be deleted: it is still linked to %(count)d records. "
                "Unlink it first.",
                linked,
            )
            % {"object": row, "count": linked},
            code="linked",
        )
    row.delete()


@transaction.atomic
def address_delete(*, address: Address, actor: Actor) -> None:
    _delete_unless_linked(row=address, link_model=AddressLink, target_field="address")


@transaction.atomic
def contact_create(*, company: Company, fields: dict[str, Any], actor: Actor) -> Contact:
    contact = Contact(company=company, **_clean_fields(CONTACT_FIELDS, fields))
    _validate(contact)
    contact.save()
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, fields: dict[str, Any], actor: Actor) -> Contact:
    for name, value in _clean_fields(CONTACT_FIELDS, fields).items():
        setattr(contact, name, value)
    _validate(contact)
    contact.save()
    return contact


@transaction.atomic
def contact_link(
    *,
    company: Company,
    contact: Contact,
    owner: models.Model,
    role: str = "",
    is_primary: bool = False,
    actor: Actor,
) -> ContactLink:
    """Link an existing contact to ``owner`` with a role; refused if it is linked there already."""
    return _link(
        link_model=ContactLink,
        company=company,
        owner=owner,
        target_field="contact",
        target=contact,
        is_primary=is_primary,
        extra={"role": role.strip()},
    )


@transaction.atomic
def contact_create_and_link(
    *,
    company: Company,
    owner: models.Model,
    fields: dict[str, Any],
    role: str = "",
    is_primary: bool = False,
    actor: Actor,
) -> ContactLink:
    _check_owner_company(company=company, owner=owner)
    contact = contact_create(company=company, fields=fields, actor=actor)
    return contact_link(
        company=company, contact=contact, owner=owner, role=role, is_primary=is_primary, actor=actor
    )


@transaction.atomic
def contact_delete(*, contact: Contact, actor: Actor) -> None:
    _delete_unless_linked(row=contact, link_model=ContactLink, target_field="contact")


@transaction.atomic
def link_unlink(*, link: AddressLink | ContactLink, actor: Actor) -> None:
    """Remove one link; the address or contact and its other links stay."""
    type(link).objects.filter(company=link.company_id, pk=link.pk).delete()


@transaction.atomic
def link_set_primary(*, link: AddressLink | ContactLink, actor: Actor) -> AddressLink | ContactLink:
    """Make ``link`` its owner's primary one, clearing the previous primary in the same
    transaction (the conditional unique constraint would refuse two)."""
    siblings = (
        type(link)
        .objects.select_for_update()
        .filter(company=link.company_id, owner_type=link.owner_type_id, owner_id=link.owner_id)
    )
    locked = {row.pk: row for row in siblings}
    if link.pk not in locked:
        raise DomainError(_("This link no longer exists."))
    siblings.filter(is_primary=True).exclude(pk=link.pk).update(is_primary=False)
    siblings.filter(pk=link.pk).update(is_primary=True)
    link.is_primary = True
    return link


# The same operations under the names the other apps look for.
address_unlink = contact_unlink = link_unlink
address_set_primary = contact_set_primary = link_set_primary


@transaction.atomic
def links_copy(
    *, company: Company, source: models.Model, target: models.Model, actor: Actor
) -> int:
    """Link every address and contact of ``source`` to ``target`` too: the same rows, new links.

    This is what a conversion does (lead -> opportunity -> customer), so an address corrected on
    the customer is corrected everywhere. Rows ``target`` already has are skipped; ``target``
    keeps its own primary if it has one, else the source's primary (or first) row becomes it.
    Returns how many links were made.
    """
    _check_owner_company(company=company, owner=source)
    _check_owner_company(company=company, owner=target)
    made = 0
    for link_model, target_field, extra_fields in (
        (AddressLink, "address", ("purpose",)),
        (ContactLink, "contact", ("role",)),
    ):
        target_keys = _owner_keys(target)
        existing = list(
            link_model.objects.select_for_update().filter(company=company, **target_keys)
        )
        have = {getattr(link, f"{target_field}_id") for link in existing}
        has_primary = any(link.is_primary for link in existing)
        new_links = []
        for link in link_model.objects.filter(company=company, **_owner_keys(source)).order_by(
            "-is_primary", "pk"
        ):
            row_id = getattr(link, f"{target_field}_id")
            if row_id in have:
                continue
            have.add(row_id)
            # As when linking by hand, an owner's first address or contact is its primary one.
            primary = not has_primary
            has_primary = True
            new_links.append(
                link_model(
                    company=company,
                    is_primary=primary,
                    **{f"{target_field}_id": row_id},
                    **target_keys,
                    **{name: getattr(link, name) for name in extra_fields},
                )
            )
        link_model.objects.bulk_create(new_links)
        made += len(new_links)
    return made
