"""Who may do what: salespeople work partners; managers and up run the catalog and the team."""

import pytest
from django.urls import reverse

from crm.models import Membership, Product, SalesPartner, Salesperson
from tests.conftest import login_as
from tests.factories import (
    MembershipFactory,
    OrganizationPartnerFactory,
    ProductFactory,
    SalespersonFactory,
)

DENIED = "Only the company&#x27;s managers, admins and owners can do this."


@pytest.fixture
def salesperson_client(client, company, salesperson_user):
    return login_as(client, salesperson_user, company)


@pytest.fixture
def manager_client(client, company):
    manager = MembershipFactory(company=company, role=Membership.Role.MANAGER).user
    return login_as(client, manager, company)


def manager_only_urls(company):
    product = ProductFactory(company=company)
    seller = SalespersonFactory(company=company)
    partner = OrganizationPartnerFactory(company=company)
    return [
        reverse("crm:product_create"),
        reverse("crm:product_update", args=[product.pk]),
        reverse("crm:product_delete", args=[product.pk]),
        reverse("crm:salesperson_create"),
        reverse("crm:salesperson_update", args=[seller.pk]),
        reverse("crm:partner_delete", args=[partner.pk]),
    ]


def test_a_salesperson_may_not_manage_the_catalog_team_or_delete_partners(
    salesperson_client, company
):
    urls = manager_only_urls(company)
    for url in urls:
        response = salesperson_client.get(url)
        assert response.status_code == 403, url
        assert DENIED in response.content.decode()
        assert salesperson_client.post(url, {"name": "Changed", "sku": "X-1"}).status_code == 403
    assert Product.objects.count() == 1
    assert Salesperson.objects.count() == 1
    assert SalesPartner.objects.count() == 1
    assert not Product.objects.filter(name="Changed").exists()


def test_a_salesperson_still_creates_and_edits_partners(salesperson_client, company):
    response = salesperson_client.post(
        reverse("crm:partner_create", args=["individual"]),
        {"first_name": "Ada", "last_name": "Lovelace", "commission_rate": "5"},
    )
    assert response.status_code == 302
    partner = SalesPartner.objects.get()
    response = salesperson_client.post(
        reverse("crm:partner_update", args=[partner.pk]),
        {"first_name": "Ada", "last_name": "King", "commission_rate": "5"},
    )
    assert response.status_code == 302


@pytest.mark.parametrize("role", [Membership.Role.MANAGER, Membership.Role.ADMIN])
def test_managers_and_up_may(client, company, role):
    user = MembershipFactory(company=company, role=role).user
    login_as(client, user, company)
    for url in manager_only_urls(company):
        assert client.get(url).status_code == 200, url


def test_a_manager_deletes_a_partner(manager_client, company):
    partner = OrganizationPartnerFactory(company=company)
    response = manager_client.post(reverse("crm:partner_delete", args=[partner.pk]))
    assert response.status_code == 302
    assert not SalesPartner.objects.exists()


def page_links(client, company):
    product = ProductFactory(company=company)
    seller = SalespersonFactory(company=company)
    partner = OrganizationPartnerFactory(company=company)
    pages = [
        reverse("crm:product_list"),
        product.get_absolute_url(),
        reverse("crm:salesperson_list"),
        seller.get_absolute_url(),
        partner.get_absolute_url(),
    ]
    html = "".join(client.get(url).content.decode() for url in pages)
    return {
        name: url in html
        for name, url in {
            "product_create": reverse("crm:product_create"),
            "product_update": reverse("crm:product_update", args=[product.pk]),
            "product_delete": reverse("crm:product_delete", args=[product.pk]),
            "salesperson_create": reverse("crm:salesperson_create"),
            "salesperson_update": reverse("crm:salesperson_update", args=[seller.pk]),
            "partner_update": reverse("crm:partner_update", args=[partner.pk]),
            "partner_delete": reverse("crm:partner_delete", args=[partner.pk]),
        }.items()
    }


def test_a_salesperson_sees_only_the_buttons_they_may_use(salesperson_client, company):
    links = page_links(salesperson_client, company)
    assert links.pop("partner_update")
    assert not any(links.values()), links


def test_a_manager_sees_every_button(manager_client, company):
    assert all(page_links(manager_client, company).values())


def test_the_empty_catalog_offers_no_add_button_to_a_salesperson(salesperson_client, company):
    html = salesperson_client.get(reverse("crm:product_list")).content.decode()
    assert reverse("crm:product_create") not in html
