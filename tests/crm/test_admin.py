import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django_scopes import scopes_disabled

from crm.models import Membership
from tests.conftest import login_as, password_login
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def staff_client(client, company):
    user = MembershipFactory(company=company, role=Membership.Role.ADMIN, user__is_staff=True).user
    user.user_permissions.set(Permission.objects.all())
    return login_as(client, user, company)


def test_admin_lists_only_the_active_companys_members(staff_client, company, other_company):
    with scopes_disabled():
        outsider = MembershipFactory(company=other_company, user__username="outsider").user
    body = staff_client.get(reverse("admin:crm_membership_changelist")).content.decode()
    assert "outsider" not in body
    users = staff_client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert outsider.username not in users
    companies = staff_client.get(reverse("admin:crm_company_changelist")).content.decode()
    assert company.name in companies
    assert other_company.name not in companies


def test_admin_membership_form_offers_only_the_companys_people(
    staff_client, company, other_company
):
    with scopes_disabled():
        outsider = MembershipFactory(company=other_company, user__username="outsider").user
    form = staff_client.get(reverse("admin:crm_membership_add")).content.decode()
    assert "outsider" not in form
    response = staff_client.post(
        reverse("admin:crm_membership_add"), {"user": outsider.pk, "role": "salesperson"}
    )
    assert response.status_code == 200  # "select a valid choice"
    assert not Membership.objects.filter(user=outsider).exists()


def test_superuser_sees_every_company_to_switch_to(client, company, other_company):
    root = UserFactory(is_superuser=True, is_staff=True)
    login_as(client, root, company)
    body = client.get(reverse("admin:crm_company_changelist")).content.decode()
    assert company.name in body and other_company.name in body
    # ...but company-owned lists stay inside the active company.
    with scopes_disabled():
        MembershipFactory(company=other_company, user__username="elsewhere")
    assert (
        "elsewhere" not in client.get(reverse("admin:crm_membership_changelist")).content.decode()
    )


def test_admin_explains_a_duplicate_sku_instead_of_crashing(staff_client, company):
    from crm.models import Product
    from tests.factories import ProductFactory

    ProductFactory(company=company, sku="HW-DOCK-01")
    response = staff_client.post(
        reverse("admin:crm_product_add"),
        {"sku": "HW-DOCK-01", "name": "Dock", "unit_price": "10", "vat_rate": "20", "active": "on"},
    )
    assert response.status_code == 200
    assert "already has this SKU" in response.content.decode()
    assert Product.objects.filter(sku="HW-DOCK-01").count() == 1


def test_demo_owner_and_admin_can_work_in_the_admin(client, db):
    from django.core.management import call_command

    call_command("seed_demo")
    assert password_login(client, "gus", "demo-pass-2026")
    response = client.get(reverse("admin:crm_product_changelist"))
    assert response.status_code == 200
    # ...but not on accounts: only superusers edit users and their superuser flag.
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    client.logout()
    assert password_login(client, "sam", "demo-pass-2026")
    assert client.get(reverse("admin:index")).status_code == 302  # not staff
