import pytest
from django.db import IntegrityError
from django_scopes import scopes_disabled

from addressbook import selectors, services
from addressbook.models import Address, AddressLink, Contact, ContactLink
from addressbook.owners import owner_models, resolve_owner
from crm.errors import DomainError
from crm.sample.demo import seed_company
from tests.factories import AddressFactory, AddressLinkFactory, ContactFactory, MembershipFactory


def test_first_link_becomes_primary_and_set_primary_keeps_exactly_one(company, member):
    links = [
        services.address_link(
            company=company, address=AddressFactory(company=company), owner=company, actor=member
        )
        for _ in range(3)
    ]
    assert [link.is_primary for link in links] == [True, False, False]

    services.address_set_primary(link=links[2], actor=member)

    primaries = AddressLink.objects.filter(company=company, is_primary=True)
    assert list(primaries) == [links[2]]


def test_linking_with_is_primary_moves_the_primary(company, member):
    first = services.contact_link(
        company=company, contact=ContactFactory(company=company), owner=company, actor=member
    )
    second = services.contact_link(
        company=company,
        contact=ContactFactory(company=company),
        owner=company,
        is_primary=True,
        actor=member,
    )
    first.refresh_from_db()
    assert second.is_primary and not first.is_primary


def test_the_database_refuses_two_primaries(company):
    AddressLinkFactory(company=company, is_primary=True)
    with pytest.raises(IntegrityError):
        AddressLinkFactory(company=company, is_primary=True)


def test_linking_twice_to_the_same_owner_is_refused(company, member):
    address = AddressFactory(company=company)
    services.address_link(company=company, address=address, owner=company, actor=member)
    with pytest.raises(DomainError, match="already linked"):
        services.address_link(company=company, address=address, owner=company, actor=member)
    assert AddressLink.objects.count() == 1


def test_another_companys_address_cannot_be_linked(company, other_company, member):
    with scopes_disabled():
        foreign = AddressFactory(company=other_company)
    with pytest.raises(DomainError):
        services.address_link(company=company, address=foreign, owner=company, actor=member)
    assert AddressLink.objects.count() == 0


def test_deleting_a_linked_address_is_refused_with_the_count(company, member, membership_owner):
    address = AddressFactory(company=company)
    AddressLinkFactory(company=company, address=address)
    AddressLinkFactory(company=company, address=address, owner=membership_owner)
    with pytest.raises(DomainError, match="still linked to 2 records"):
        services.address_delete(address=address, actor=member)
    assert Address.objects.filter(pk=address.pk).exists()
    assert AddressLink.objects.count() == 2


def test_deleting_an_unlinked_contact_works(company, member):
    contact = ContactFactory(company=company)
    services.contact_delete(contact=contact, actor=member)
    assert not Contact.objects.exists()


def test_deleting_an_owner_deletes_its_links_but_not_the_address(company, membership_owner):
    link = AddressLinkFactory(company=company, owner=membership_owner)
    kept = AddressLinkFactory(company=company, address=link.address)
    membership_owner.delete()
    assert list(AddressLink.objects.all()) == [kept]
    assert Address.objects.filter(pk=link.address_id).exists()


def test_linked_records_are_fetched_once_per_type(
    company, membership_owner, django_assert_num_queries
):
    address = AddressFactory(company=company)
    AddressLinkFactory(company=company, address=address)
    for _ in range(5):
        AddressLinkFactory(
            company=company, address=address, owner=MembershipFactory(company=company)
        )
    # links, memberships (company needs none)
    with django_assert_num_queries(2):
        records = selectors.address_linked_records(company=company, address=address)
    assert len(records) == 6
    assert {type(r.owner).__name__ for r in records} == {"Company", "Membership"}


def test_owner_models_skip_models_that_are_not_installed():
    labels = [model._meta.label_lower for model in owner_models()]
    assert "crm.company" in labels
    # crm.salespartner is registered too; it is listed only once its model exists.
    assert all(label != "crm.nosuchmodel" for label in labels)


def test_resolve_owner_only_finds_the_request_companys_rows(rf, company, other_company):
    from django.http import Http404

    request = rf.get("/")
    request.company = company
    assert resolve_owner(request, "crm.company", company.pk) == company
    with pytest.raises(Http404):
        resolve_owner(request, "crm.company", other_company.pk)
    with pytest.raises(Http404):
        resolve_owner(request, "auth.user", 1)


def test_demo_seeder_is_rerunnable(company):
    seed_company(company)
    counts = (Address.objects.count(), Contact.objects.count(), AddressLink.objects.count())
    seed_company(company)
    assert counts == (
        Address.objects.count(),
        Contact.objects.count(),
        AddressLink.objects.count(),
    )
    assert counts[0] >= 5 and ContactLink.objects.exists()


def test_registered_owner_admins_get_the_link_inlines(client, company):
    from django.contrib import admin
    from django.urls import reverse

    from addressbook.admin import AddressLinkInline, ContactLinkInline
    from crm.models import Company
    from tests.conftest import login_as
    from tests.factories import UserFactory

    inlines = admin.site._registry[Company].inlines
    assert AddressLinkInline in inlines and ContactLinkInline in inlines
    AddressLinkFactory(company=company)
    superuser = UserFactory(is_staff=True, is_superuser=True)
    login_as(client, superuser, company)
    assert client.get(reverse("admin:crm_company_change", args=[company.pk])).status_code == 200
    assert client.get(reverse("admin:addressbook_address_changelist")).status_code == 200
    assert client.get(reverse("admin:addressbook_contact_changelist")).status_code == 200


def test_invalid_fields_are_a_domain_error_and_write_nothing(company, member):
    with pytest.raises(DomainError, match="two-letter"):
        services.address_create_and_link(
            company=company,
            owner=company,
            fields={"street": "1 Main St", "city": "Berlin", "country": "Germany"},
            actor=member,
        )
    assert not Address.objects.exists() and not AddressLink.objects.exists()
