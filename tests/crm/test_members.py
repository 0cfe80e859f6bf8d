from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django_scopes import scopes_disabled

from crm.models import Membership
from tests.conftest import login_as
from tests.factories import MembershipFactory, UserFactory


def test_admin_adds_a_new_person_who_gets_a_password_link(
    member_client, company, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(
            reverse("crm:member_add"), {"email": "New.Person@example.com", "role": "manager"}
        )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="new.person@example.com")
    assert membership.role == Membership.Role.MANAGER
    assert len(mail.outbox) == 1
    assert "new.person@example.com" in mail.outbox[0].to


def test_adding_an_existing_member_again_is_explained(member_client, company):
    existing = MembershipFactory(company=company).user
    response = member_client.post(
        reverse("crm:member_add"), {"email": existing.email, "role": "manager"}
    )
    assert response.status_code == 200
    assert "already a member" in response.content.decode()
    assert Membership.objects.filter(user=existing).count() == 1


def test_existing_account_from_another_company_joins_without_a_new_user(
    member_client, other_company
):
    with scopes_disabled():
        outsider = MembershipFactory(company=other_company).user
    users = get_user_model().objects.count()
    member_client.post(reverse("crm:member_add"), {"email": outsider.email, "role": "salesperson"})
    assert get_user_model().objects.count() == users
    assert Membership.objects.filter(user=outsider).exists()


def test_the_last_owner_cannot_be_demoted_or_removed(client, company):
    owner = MembershipFactory(company=company, role=Membership.Role.OWNER)
    login_as(client, owner.user, company)
    response = client.post(
        reverse("crm:member_role", args=[owner.pk]), {"role": "salesperson"}, follow=True
    )
    assert "at least one owner" in response.content.decode()
    client.post(reverse("crm:member_remove", args=[owner.pk]))
    owner.refresh_from_db()
    assert owner.role == Membership.Role.OWNER


def test_admin_changes_a_role_and_removes_a_member(member_client, company):
    other = MembershipFactory(company=company, role=Membership.Role.SALESPERSON)
    member_client.post(reverse("crm:member_role", args=[other.pk]), {"role": "manager"})
    other.refresh_from_db()
    assert other.role == Membership.Role.MANAGER
    member_client.post(reverse("crm:member_remove", args=[other.pk]))
    assert not Membership.objects.filter(pk=other.pk).exists()


def test_salespeople_cannot_manage_members(client, company, salesperson_user):
    login_as(client, salesperson_user, company)
    assert (
        client.post(
            reverse("crm:member_add"), {"email": "x@example.com", "role": "owner"}
        ).status_code
        == 403
    )
    assert not get_user_model().objects.filter(email="x@example.com").exists()


def test_another_companys_membership_is_a_404(member_client, other_company):
    with scopes_disabled():
        foreign = MembershipFactory(company=other_company)
    assert member_client.post(reverse("crm:member_remove", args=[foreign.pk])).status_code == 404
    with scopes_disabled():
        assert Membership.objects.filter(pk=foreign.pk).exists()


def test_settings_page_lists_members(member_client, company):
    MembershipFactory(company=company, user=UserFactory(username="zoe"))
    assert "zoe" in member_client.get(reverse("crm:settings")).content.decode()


def test_an_admin_cannot_make_themselves_owner_or_touch_the_owner(client, company):
    owner = MembershipFactory(company=company, role=Membership.Role.OWNER)
    admin = MembershipFactory(company=company, role=Membership.Role.ADMIN)
    login_as(client, admin.user, company)
    response = client.post(
        reverse("crm:member_role", args=[admin.pk]), {"role": "owner"}, follow=True
    )
    assert "Only an owner" in response.content.decode()
    client.post(reverse("crm:member_role", args=[owner.pk]), {"role": "salesperson"})
    client.post(reverse("crm:member_remove", args=[owner.pk]))
    response = client.post(
        reverse("crm:member_add"), {"email": "crony@example.com", "role": "owner"}
    )
    assert "Only an owner" in response.content.decode()
    admin.refresh_from_db()
    owner.refresh_from_db()
    assert (admin.role, owner.role) == (Membership.Role.ADMIN, Membership.Role.OWNER)
    assert not get_user_model().objects.filter(email="crony@example.com").exists()


def test_an_admin_still_manages_everyone_else(client, company):
    MembershipFactory(company=company, role=Membership.Role.OWNER)
    admin = MembershipFactory(company=company, role=Membership.Role.ADMIN)
    seller = MembershipFactory(company=company, role=Membership.Role.SALESPERSON)
    login_as(client, admin.user, company)
    client.post(reverse("crm:member_role", args=[seller.pk]), {"role": "admin"})
    seller.refresh_from_db()
    assert seller.role == Membership.Role.ADMIN
    seller.user.refresh_from_db()
    assert seller.user.is_staff  # admins may open the admin...
    client.post(reverse("crm:member_role", args=[seller.pk]), {"role": "salesperson"})
    seller.user.refresh_from_db()
    assert not seller.user.is_staff  # ...and lose it with the role


def test_an_owner_hands_over_ownership(client, company):
    owner = MembershipFactory(company=company, role=Membership.Role.OWNER)
    successor = MembershipFactory(company=company, role=Membership.Role.ADMIN)
    login_as(client, owner.user, company)
    client.post(reverse("crm:member_role", args=[successor.pk]), {"role": "owner"})
    client.post(reverse("crm:member_role", args=[owner.pk]), {"role": "admin"})
    successor.refresh_from_db()
    owner.refresh_from_db()
    assert (successor.role, owner.role) == (Membership.Role.OWNER, Membership.Role.ADMIN)
