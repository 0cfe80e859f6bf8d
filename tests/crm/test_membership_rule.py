"""One rule for memberships on every path that writes one: the members page, the Django admin
(add, change, delete, the bulk action) and the services the commands call. Only an owner grants,
changes or removes the owner role, and a company always keeps an owner."""

import contextlib
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from crm import services
from crm.errors import DomainError
from crm.models import Membership
from tests.conftest import login_as
from tests.factories import MembershipFactory, UserFactory

OWNER, ADMIN, SALESPERSON = (
    Membership.Role.OWNER,
    Membership.Role.ADMIN,
    Membership.Role.SALESPERSON,
)


@dataclass
class Path:
    """One way to write a membership, driven as a user would drive it."""

    name: str
    # The admin's add form offers only accounts already in the company (staff add newcomers by
    # e-mail on the members page), so through it a stranger cannot be added at all.
    adds_newcomers: bool = True

    def grant(self, client, actor, company, user, role):
        raise NotImplementedError

    def change(self, client, actor, membership, role):
        raise NotImplementedError

    def remove(self, client, actor, membership):
        raise NotImplementedError


class MembersPage(Path):
    def grant(self, client, actor, company, user, role):
        client.post(reverse("crm:member_add"), {"email": user.email, "role": role})

    def change(self, client, actor, membership, role):
        client.post(reverse("crm:member_role", args=[membership.pk]), {"role": role})

    def remove(self, client, actor, membership):
        client.post(reverse("crm:member_remove", args=[membership.pk]))


class DjangoAdmin(Path):
    def grant(self, client, actor, company, user, role):
        client.post(reverse("admin:crm_membership_add"), {"user": user.pk, "role": role})

    def change(self, client, actor, membership, role):
        url = reverse("admin:crm_membership_change", args=[membership.pk])
        client.post(url, {"user": membership.user_id, "role": role})

    def remove(self, client, actor, membership):
        client.post(reverse("admin:crm_membership_delete", args=[membership.pk]), {"post": "yes"})


class AdminBulkAction(DjangoAdmin):
    def remove(self, client, actor, membership):
        client.post(
            reverse("admin:crm_membership_changelist"),
            {"action": "remove_members", "_selected_action": [membership.pk]},
        )


class Services(Path):
    """What commands, the API and admin actions call."""

    def grant(self, client, actor, company, user, role):
        with contextlib.suppress(DomainError):
            services.membership_grant(company=company, user=user, role=role, actor=actor)

    def change(self, client, actor, membership, role):
        with contextlib.suppress(DomainError):
            services.membership_change_role(membership=membership, role=role, actor=actor)

    def remove(self, client, actor, membership):
        with contextlib.suppress(DomainError):
            services.membership_remove(membership=membership, actor=actor)


PATHS = [
    MembersPage("members page"),
    DjangoAdmin("admin", adds_newcomers=False),
    AdminBulkAction("admin bulk action", adds_newcomers=False),
    Services("services"),
]


def _member(company, role):
    membership = MembershipFactory(
        company=company, role=role, user__is_staff=role in (OWNER, ADMIN)
    )
    if role in (OWNER, ADMIN):
        services.staff_access_sync(user=membership.user)
    return membership


def _roles(company):
    return dict(Membership.objects.filter(company=company).values_list("user_id", "role"))


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_an_admin_cannot_take_the_company_over(path, client, company):
    owner = _member(company, OWNER)
    admin = _member(company, ADMIN)
    seller = _member(company, SALESPERSON)
    newcomer = UserFactory()
    login_as(client, admin.user, company)
    before = _roles(company)

    path.change(client, admin.user, admin, OWNER)  # make himself owner
    path.change(client, admin.user, seller, OWNER)  # make a crony owner
    path.change(client, admin.user, owner, SALESPERSON)  # demote the owner
    path.remove(client, admin.user, owner)  # delete the owner's membership
    path.grant(client, admin.user, company, newcomer, OWNER)  # bring in a new owner

    assert _roles(company) == before


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_the_last_owner_stays(path, client, company):
    owner = _member(company, OWNER)
    login_as(client, owner.user, company)

    path.change(client, owner.user, owner, ADMIN)
    path.remove(client, owner.user, owner)

    owner.refresh_from_db()
    assert owner.role == OWNER


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_an_owner_hands_over_and_an_admin_manages_the_rest(path, client, company):
    owner = _member(company, OWNER)
    admin = _member(company, ADMIN)
    seller = _member(company, SALESPERSON)
    newcomer = UserFactory()
    login_as(client, owner.user, company)

    path.change(client, owner.user, admin, OWNER)
    path.change(client, owner.user, owner, ADMIN)  # no longer the last owner: allowed
    assert _roles(company)[admin.user_id] == OWNER
    assert _roles(company)[owner.user_id] == ADMIN

    login_as(client, owner.user, company)  # now an admin: everyone but owners
    path.change(client, owner.user, seller, Membership.Role.MANAGER)
    path.grant(client, owner.user, company, newcomer, SALESPERSON)
    assert _roles(company)[seller.user_id] == Membership.Role.MANAGER
    assert _roles(company).get(newcomer.pk) == (SALESPERSON if path.adds_newcomers else None)
    path.remove(client, owner.user, seller)
    assert seller.user_id not in _roles(company)


def test_the_admin_explains_a_refused_role_and_hides_the_owners_delete(client, company):
    owner = _member(company, OWNER)
    admin = _member(company, ADMIN)
    login_as(client, admin.user, company)

    response = client.post(reverse("admin:crm_membership_change", args=[admin.pk]), {"role": OWNER})
    assert response.status_code == 200
    assert "Only an owner can grant, change or remove the owner role." in response.content.decode()

    assert client.get(reverse("admin:crm_membership_delete", args=[owner.pk])).status_code == 403
    response = client.post(
        reverse("admin:crm_membership_changelist"),
        {"action": "remove_members", "_selected_action": [owner.pk]},
        follow=True,
    )
    assert "Nobody was removed" in response.content.decode()
    # The user of a membership cannot be swapped (it would hand its role to someone else).
    form = client.get(reverse("admin:crm_membership_change", args=[admin.pk])).content.decode()
    assert 'name="user"' not in form


def test_a_salesperson_with_admin_permissions_still_cannot_manage_members(client, company):
    """Django permissions alone do not make someone a member manager: the role does."""
    _member(company, OWNER)
    seller = _member(company, SALESPERSON)
    seller.user.is_staff = True
    seller.user.save()
    seller.user.user_permissions.set(Permission.objects.filter(content_type__app_label="crm"))
    login_as(client, seller.user, company)
    before = _roles(company)
    response = client.post(
        reverse("admin:crm_membership_change", args=[seller.pk]), {"role": ADMIN}
    )
    assert "Only the company&#x27;s owners and admins can manage members." in (
        response.content.decode()
    )
    assert _roles(company) == before
