from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django_scopes import scopes_disabled

from crm.models import OrganizationPartner, SalesPartner
from tests.factories import OrganizationPartnerFactory, ProductFactory, SalespersonFactory


def staff(user):
    user.is_staff = True
    user.is_superuser = True
    user.save()
    return user


def test_admin_lists_only_the_active_company(member_client, member, company, other_company):
    staff(member)
    OrganizationPartnerFactory(company=company, organization_name="Ours Org")
    ProductFactory(company=company, name="Ours Product")
    SalespersonFactory(company=company, name="Ours Seller")
    with scopes_disabled():
        OrganizationPartnerFactory(company=other_company, organization_name="Theirs Org")
        ProductFactory(company=other_company, name="Theirs Product")
        SalespersonFactory(company=other_company, name="Theirs Seller")
    for model in ("salespartner", "product", "salesperson"):
        content = member_client.get(reverse(f"admin:crm_{model}_changelist")).content.decode()
        assert "Ours" in content
        assert "Theirs" not in content


def test_admin_adds_a_partner_into_the_active_company(member_client, member, company):
    staff(member)
    ct = ContentType.objects.get_for_model(OrganizationPartner)
    response = member_client.post(
        reverse("admin:crm_salespartner_add") + f"?ct_id={ct.pk}",
        {
            "organization_name": "Admin Org",
            "name": "Admin Org",
            "commission_rate": "4",
            "is_active": "on",
            "ct_id": ct.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    partner = SalesPartner.objects.get()
    assert partner.company == company
    assert isinstance(partner, OrganizationPartner)
