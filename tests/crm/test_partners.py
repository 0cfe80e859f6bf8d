from decimal import Decimal

from django.urls import reverse
from django_scopes import scopes_disabled

from crm.models import IndividualPartner, OrganizationPartner, SalesPartner
from tests.crm.helpers import count_queries
from tests.factories import IndividualPartnerFactory, OrganizationPartnerFactory


def test_create_an_individual_partner(member_client, company):
    response = member_client.post(
        reverse("crm:partner_create", args=["individual"]),
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.com",
            "commission_rate": "7.5",
            "is_active": "on",
        },
    )
    partner = SalesPartner.objects.get()
    assert response.status_code == 302
    assert isinstance(partner, IndividualPartner)
    assert partner.name == "Ada Lovelace"
    assert partner.commission_rate == Decimal("7.50")
    assert partner.company == company


def test_create_an_organization_partner(member_client, company):
    response = member_client.post(
        reverse("crm:partner_create", args=["organization"]),
        {
            "organization_name": "Initech GmbH",
            "tax_id": "DE123",
            "website": "https://initech.example.com",
            "name": "Ignored",
            "commission_rate": "12",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    partner = SalesPartner.objects.get()
    assert isinstance(partner, OrganizationPartner)
    assert partner.name == "Initech GmbH"
    assert partner.tax_id == "DE123"


def test_unknown_partner_kind_is_a_404(member_client, company):
    assert member_client.get(reverse("crm:partner_create", args=["robot"])).status_code == 404


def test_commission_over_100_is_a_field_error_and_writes_nothing(member_client, company):
    response = member_client.post(
        reverse("crm:partner_create", args=["individual"]),
        {"first_name": "Too", "last_name": "Greedy", "commission_rate": "150"},
    )
    assert response.status_code == 200
    assert "commission_rate" in response.context["form"].errors
    assert not SalesPartner.objects.exists()


def test_edit_uses_the_subtype_form(member_client, company):
    partner = OrganizationPartnerFactory(company=company, organization_name="Old Org")
    url = reverse("crm:partner_update", args=[partner.pk])
    assert "organization_name" in member_client.get(url).context["form"].fields
    response = member_client.post(
        url,
        {"organization_name": "New Org", "commission_rate": "3"},
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.organization_name == "New Org"
    assert partner.commission_rate == Decimal("3")


def assert_renamed(client, partner, data, new_name):
    url = reverse("crm:partner_update", args=[partner.pk])
    assert "name" not in client.get(url).context["form"].fields
    response = client.post(url, {**data, "commission_rate": "3"})
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.name == new_name
    assert new_name in client.get(partner.get_absolute_url()).content.decode()
    assert new_name in client.get(reverse("crm:partner_list")).content.decode()


def test_renaming_an_organization_renames_its_display_name(member_client, company):
    partner = OrganizationPartnerFactory(company=company, organization_name="QA Org GmbH")
    assert partner.name == "QA Org GmbH"
    assert_renamed(
        member_client, partner, {"organization_name": "QA Org Renamed"}, "QA Org Renamed"
    )


def test_renaming_an_individual_renames_its_display_name(member_client, company):
    partner = IndividualPartnerFactory(company=company, first_name="Ada", last_name="Lovelace")
    assert_renamed(member_client, partner, {"first_name": "Ada", "last_name": "King"}, "Ada King")


def test_a_base_class_save_keeps_the_display_name(company):
    partner = OrganizationPartnerFactory(company=company, organization_name="Kept GmbH")
    base = SalesPartner.objects.non_polymorphic().get(pk=partner.pk)
    base.phone = "+49 1"
    base.save()
    partner.refresh_from_db()
    assert partner.name == "Kept GmbH"


def test_the_partner_forms_do_not_ask_for_a_display_name(member_client, company):
    for kind in ("individual", "organization"):
        response = member_client.get(reverse("crm:partner_create", args=[kind]))
        assert "name" not in response.context["form"].fields
        assert "Display name" not in response.content.decode()


def test_detail_shows_subtype_fields(member_client, company, django_assert_max_num_queries):
    partner = OrganizationPartnerFactory(company=company, tax_id="NL999")
    # 12, and one for the commission panel that selling adds (selling.panels).
    with django_assert_max_num_queries(13):
        response = member_client.get(partner.get_absolute_url())
    assert "NL999" in response.content.decode()


def test_delete_a_partner(member_client, company):
    partner = IndividualPartnerFactory(company=company)
    response = member_client.post(reverse("crm:partner_delete", args=[partner.pk]))
    assert response.status_code == 302
    assert not SalesPartner.objects.exists()


def test_list_shows_both_kinds_filters_and_searches(member_client, company, other_company):
    person = IndividualPartnerFactory(
        company=company, first_name="Pia", last_name="Person", phone="+1 555 777"
    )
    org = OrganizationPartnerFactory(
        company=company, organization_name="Orga Inc", email="hi@orga.example"
    )
    inactive = OrganizationPartnerFactory(
        company=company, organization_name="Old Org", is_active=False
    )
    with scopes_disabled():
        OrganizationPartnerFactory(company=other_company, organization_name="Not Ours")
    url = reverse("crm:partner_list")

    def names(query=None):
        return {p.name for p in member_client.get(url, query or {}).context["object_list"]}

    assert names() == {person.name, org.name, inactive.name}
    assert names({"kind": "individual"}) == {person.name}
    assert names({"kind": "organization", "is_active": "true"}) == {org.name}
    assert names({"q": "orga.example"}) == {org.name}
    assert names({"q": "555 777"}) == {person.name}
    content = member_client.get(url).content.decode()
    assert "Individual" in content and "Organization" in content


def test_list_sorts_by_commission(member_client, company):
    IndividualPartnerFactory(
        company=company, first_name="Mid", last_name="", commission_rate=Decimal("5")
    )
    IndividualPartnerFactory(
        company=company, first_name="High", last_name="", commission_rate=Decimal("9")
    )
    OrganizationPartnerFactory(
        company=company, organization_name="Low", commission_rate=Decimal("1")
    )
    rows = member_client.get(reverse("crm:partner_list"), {"sort": "-commission"}).context[
        "object_list"
    ]
    assert [p.name for p in rows] == ["High", "Mid", "Low"]


def test_list_query_count_does_not_grow_with_rows(member_client, company):
    url = reverse("crm:partner_list")
    IndividualPartnerFactory.create_batch(3, company=company)
    OrganizationPartnerFactory.create_batch(2, company=company)
    few = count_queries(member_client, url)
    IndividualPartnerFactory.create_batch(20, company=company)
    OrganizationPartnerFactory.create_batch(25, company=company)
    assert count_queries(member_client, url) == few


def test_another_company_partner_is_a_404(other_client, company):
    partner = IndividualPartnerFactory(company=company)
    for name in ("crm:partner_detail", "crm:partner_update", "crm:partner_delete"):
        assert other_client.get(reverse(name, args=[partner.pk])).status_code == 404
    assert other_client.post(reverse("crm:partner_delete", args=[partner.pk])).status_code == 404
    assert SalesPartner.objects.filter(pk=partner.pk).exists()
