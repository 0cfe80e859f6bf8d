"""The customer's user administration on the portal: users, invitations, roles."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from crm.access import Action, Level, portal_record_types
from crm.errors import DomainError
from customers import portal_users
from customers.models import CustomerRole, CustomerRolePermission, CustomerUser
from portal.forms_users import level_field_name
from tests.factories import PORTAL_PASSWORD, CustomerFactory, CustomerUserFactory
from tests.portal.conftest import portal_sign_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-new-secret-2026"


@pytest.fixture
def holding(company):
    return CustomerFactory(company=company, name="Nordlicht Holding")


@pytest.fixture
def retail(company, holding):
    return CustomerFactory(company=company, name="Nordlicht Retail", parent=holding)


@pytest.fixture
def anna(holding):
    return CustomerUserFactory(
        customer=holding, email="anna@nordlicht.example", first_name="Anna", roles="administrator"
    )


@pytest.fixture
def anna_client(client, anna):
    return portal_sign_in(client, anna)


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _role(company, key):
    return CustomerRole.objects.get(company=company, customer=None, key=key)


def _role_data(name, **extra):
    """A role form as the browser sends it: every level, None unless changed."""
    data = {"name": name, **extra}
    for record_type in portal_record_types():
        for action in record_type.actions:
            data[level_field_name(record_type.label, action)] = Level.NONE
    return data


def _department_admin(company, customer):
    """An administrator whose levels on users stop at their own customer (Department)."""
    role = portal_users.customer_role_save(
        company=company,
        name="Local admin",
        customer=customer,
        actor=None,
        levels={
            ("customers.customeruser", Action.VIEW): Level.TEAM,
            ("customers.customeruser", Action.EDIT): Level.TEAM,
            ("customers.customeruser", Action.DELETE): Level.TEAM,
            ("selling.quotation", Action.VIEW): Level.TEAM,
        },
    )
    return CustomerUserFactory(customer=customer, roles=[role])


def test_a_buyer_has_no_user_administration(buyer_client):
    for name in ("portal:users", "portal:user_invite", "portal:roles", "portal:role_create"):
        assert buyer_client.get(reverse(name)).status_code == 404
    assert "Users" not in _text(buyer_client.get(reverse("portal:home")))


def test_the_administrator_invites_a_buyer_who_signs_in(
    anna_client, company, holding, django_capture_on_commit_callbacks
):
    page = anna_client.get(reverse("portal:user_invite"))
    assert page.status_code == 200
    buyer_role = _role(company, "buyer")
    with django_capture_on_commit_callbacks(execute=True):
        with_commit = anna_client.post(
            reverse("portal:user_invite"),
            {
                "email": "Ben@Nordlicht.example",
                "first_name": "Ben",
                "last_name": "Becker",
                "customer": holding.pk,
                "roles": [buyer_role.pk],
            },
        )
    assert with_commit.status_code == 302
    ben = CustomerUser.objects.get(email="ben@nordlicht.example")
    assert list(ben.roles.all()) == [buyer_role]
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    listed = _text(anna_client.get(reverse("portal:users")))
    assert "Ben Becker" in listed and "Invited" in listed

    browser = Client()
    form = browser.get(link)
    assert form.status_code == 200
    done = browser.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    home = browser.get(reverse("portal:home"))
    assert home.status_code == 200
    assert "Welcome, Ben" in _text(home)
    assert browser.get(reverse("portal:catalog")).status_code == 200
    assert browser.get(reverse("portal:users")).status_code == 404


def test_an_invitation_with_a_known_email_or_no_role_changes_nothing(
    anna_client, anna, holding, company
):
    before = CustomerUser.objects.count()
    taken = anna_client.post(
        reverse("portal:user_invite"),
        {
            "email": anna.email,
            "last_name": "Again",
            "customer": holding.pk,
            "roles": [_role(company, "guest").pk],
        },
    )
    assert taken.status_code == 200
    assert "Another customer user already has this e-mail." in _text(taken)
    no_role = anna_client.post(
        reverse("portal:user_invite"),
        {"email": "x@example.com", "last_name": "X", "customer": holding.pk},
    )
    assert no_role.status_code == 200
    assert CustomerUser.objects.count() == before
    assert mail.outbox == []


def test_another_customers_users_are_404(anna_client, company):
    stranger = CustomerUserFactory(customer=CustomerFactory(company=company))
    for name in ("portal:user_detail",):
        assert anna_client.get(reverse(name, args=[stranger.pk])).status_code == 404
    for name in ("portal:user_roles", "portal:user_resend", "portal:user_deactivate"):
        assert anna_client.post(reverse(name, args=[stranger.pk])).status_code == 404
    stranger.refresh_from_db()
    assert stranger.is_active


def test_another_companys_user_is_404(anna_client, other_company):
    from django_scopes import scope

    with scope(company=other_company):
        elsewhere = CustomerUserFactory(customer=CustomerFactory(company=other_company))
    assert anna_client.get(reverse("portal:user_detail", args=[elsewhere.pk])).status_code == 404


def test_a_childs_user_is_reached_at_corporate_only(client, company, holding, retail, anna):
    ben = CustomerUserFactory(customer=retail, first_name="Ben", last_name="Retail")
    portal_sign_in(client, anna)
    listed = _text(client.get(reverse("portal:users")))
    assert "Ben Retail" in listed and "Nordlicht Retail" in listed  # the customer column
    assert client.get(reverse("portal:user_detail", args=[ben.pk])).status_code == 200

    local = _department_admin(company, holding)
    other = Client()
    portal_sign_in(other, local)
    assert "Ben Retail" not in _text(other.get(reverse("portal:users")))
    assert other.get(reverse("portal:user_detail", args=[ben.pk])).status_code == 404
    assert other.post(reverse("portal:user_deactivate", args=[ben.pk])).status_code == 404
    ben.refresh_from_db()
    assert ben.is_active


def test_roles_change_and_a_user_is_deactivated_and_reactivated(
    anna_client, company, holding, anna
):
    ben = CustomerUserFactory(customer=holding, first_name="Ben")
    guest = _role(company, "guest")
    response = anna_client.post(reverse("portal:user_roles", args=[ben.pk]), {"roles": [guest.pk]})
    assert response.status_code == 302
    assert list(ben.roles.all()) == [guest]
    anna_client.post(reverse("portal:user_deactivate", args=[ben.pk]))
    ben.refresh_from_db()
    assert not ben.is_active
    assert "Deactivated" in _text(anna_client.get(reverse("portal:users")))
    anna_client.post(reverse("portal:user_reactivate", args=[ben.pk]))
    ben.refresh_from_db()
    assert ben.is_active
    # Anna cannot deactivate herself; the service says so and nothing changes.
    anna_client.post(reverse("portal:user_deactivate", args=[anna.pk]))
    anna.refresh_from_db()
    assert anna.is_active


def test_the_invitation_is_sent_again_until_the_user_joins(anna_client, holding, company):
    invited = portal_users.customer_user_invite(
        customer=holding, email="new@example.com", last_name="New", roles=[_role(company, "guest")],
        actor=None,
    )  # fmt: skip
    anna_client.post(reverse("portal:user_resend", args=[invited.pk]))
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@example.com"]
    joined = CustomerUserFactory(customer=holding)
    response = anna_client.post(reverse("portal:user_resend", args=[joined.pk]), follow=True)
    assert "has already joined the portal" in _text(response)
    assert len(mail.outbox) == 1


def test_the_administrator_makes_a_customer_role_within_their_own_levels(
    anna_client, company, holding
):
    listed = _text(anna_client.get(reverse("portal:roles")))
    assert "Administrator" in listed and "Corporate" in listed
    form = anna_client.get(reverse("portal:role_create"))
    assert form.status_code == 200
    data = _role_data("Purchaser", description="Buys for the holding")
    data["level__selling__quotation__edit"] = Level.TEAM
    created = anna_client.post(reverse("portal:role_create"), data)
    assert created.status_code == 302, _text(created)[:3000]
    role = CustomerRole.objects.get(name="Purchaser")
    assert role.customer == holding
    assert portal_users.role_levels(role)[("selling.quotation", Action.EDIT)] == Level.TEAM
    # The company's roles are read-only: no edit page for them.
    buyer_role = _role(company, "buyer")
    assert anna_client.get(reverse("portal:role_edit", args=[buyer_role.pk])).status_code == 404
    # Another customer's own role is a 404 too.
    theirs = portal_users.customer_role_save(
        company=company, name="Theirs", levels={}, actor=None,
        customer=CustomerFactory(company=company),
    )  # fmt: skip
    assert anna_client.get(reverse("portal:role_edit", args=[theirs.pk])).status_code == 404
    assert anna_client.post(reverse("portal:role_delete", args=[theirs.pk])).status_code == 404
    anna_client.post(reverse("portal:role_delete", args=[role.pk]))
    assert not CustomerRole.objects.filter(pk=role.pk).exists()


def test_role_levels_are_capped_at_the_administrators_own(client, company, holding):
    local = _department_admin(company, holding)
    portal_sign_in(client, local)
    # Corporate is above their Department: the form does not offer it and refuses it.
    data = _role_data("Too wide")
    data["level__customers__customeruser__view"] = Level.COMPANY
    refused = client.post(reverse("portal:role_create"), data)
    assert refused.status_code == 200
    assert "Choose a level up to your own" in _text(refused)
    assert not CustomerRole.objects.filter(name="Too wide").exists()
    # The service refuses it too, whoever calls it.
    with pytest.raises(DomainError, match="your own level there is Department"):
        portal_users.customer_role_save(
            company=company,
            name="Too wide",
            customer=holding,
            actor=local,
            levels={("customers.customeruser", Action.VIEW): Level.COMPANY},
        )
    # A permission they lack entirely (gift cards) cannot be given at all.
    with pytest.raises(DomainError, match="your own level there is None"):
        portal_users.customer_role_save(
            company=company,
            name="Redeemer",
            customer=holding,
            actor=local,
            levels={("customers.balanceentry", Action.EDIT): Level.TEAM},
        )
    fine = portal_users.customer_role_save(
        company=company,
        name="Viewer",
        customer=holding,
        actor=local,
        levels={("customers.customeruser", Action.VIEW): Level.TEAM},
    )
    assert CustomerRolePermission.objects.filter(role=fine).count() == 1


def test_a_portal_admin_cannot_change_another_customers_role(company, holding, anna):
    theirs = portal_users.customer_role_save(
        company=company, name="Theirs", levels={}, actor=None,
        customer=CustomerFactory(company=company),
    )  # fmt: skip
    with pytest.raises(DomainError, match="your own customer"):
        portal_users.customer_role_save(
            company=company, name="Mine now", levels={}, actor=anna, role=theirs
        )
    with pytest.raises(DomainError, match="your own customer"):
        portal_users.customer_role_delete(role=theirs, actor=anna)


def test_user_list_query_budget_does_not_grow(
    anna_client, holding, retail, django_assert_max_num_queries
):
    CustomerUserFactory(customer=retail)
    with django_assert_max_num_queries(20) as few:
        anna_client.get(reverse("portal:users"))
    for n in range(10):
        CustomerUserFactory(customer=retail if n % 2 else holding, roles="guest")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert anna_client.get(reverse("portal:users")).status_code == 200


@pytest.mark.parametrize("name", ["portal:roles", "portal:user_invite"])
def test_role_and_invite_pages_have_a_fixed_query_budget(
    anna_client, company, holding, name, django_assert_max_num_queries
):
    with django_assert_max_num_queries(20) as few:
        anna_client.get(reverse(name))
    for n in range(5):
        portal_users.customer_role_save(
            company=company, name=f"Role {n}", levels={}, actor=None, customer=holding
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert anna_client.get(reverse(name)).status_code == 200


def test_a_password_sign_in_still_works_for_the_admin(client, anna):
    response = client.post(
        reverse("portal:login"), {"email": anna.email, "password": PORTAL_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("portal:users")).status_code == 200


def test_a_department_admin_cannot_hand_out_a_wider_role(client, company, holding):
    portal_users.customer_roles_ensure(company)
    local = _department_admin(company, holding)
    administrator = _role(company, "administrator")
    # Not offered on the invitation form...
    portal_sign_in(client, local)
    form = _text(client.get(reverse("portal:user_invite")))
    assert "Administrator" not in form and "Local admin" in form
    # ...and refused when posted, for a new user and for themselves.
    refused = client.post(
        reverse("portal:user_invite"),
        {"email": "up@example.com", "last_name": "Up", "customer": holding.pk,
         "roles": [administrator.pk]},
    )  # fmt: skip
    assert "gives more than you have yourself" in _text(refused)
    assert not CustomerUser.objects.filter(email="up@example.com").exists()
    response = client.post(
        reverse("portal:user_roles", args=[local.pk]),
        {"roles": [administrator.pk, *local.roles.values_list("pk", flat=True)]},
        follow=True,
    )
    assert "gives more than you have yourself" in _text(response)
    assert not local.roles.filter(pk=administrator.pk).exists()


def test_a_role_the_user_holds_may_stay_when_others_change(company, holding):
    local = _department_admin(company, holding)
    anna_like = CustomerUserFactory(customer=holding, roles="administrator")
    viewer = portal_users.customer_role_save(
        company=company,
        name="Viewer",
        customer=holding,
        actor=None,
        levels={("customers.customeruser", Action.VIEW): Level.OWN},
    )
    portal_users.customer_user_set_roles(
        user=anna_like, roles=[*anna_like.roles.all(), viewer], actor=local, within=holding
    )
    assert set(anna_like.roles.values_list("name", flat=True)) == {"Administrator", "Viewer"}


def test_the_predefined_roles_and_the_home_tab_read_in_indonesian(anna_client, company):
    """Stored in English by the migration, the predefined roles read in the reader's language;
    the home tab is "Beranda" (a home address stays "Rumah")."""
    portal_users.customer_roles_ensure(company)
    html = _text(anna_client.get(reverse("portal:roles"), HTTP_ACCEPT_LANGUAGE="id"))
    assert "Pembeli<br>" in html and "Tamu<br>" in html
    assert "Buyer<br>" not in html and "Guest<br>" not in html
    assert ">Beranda<" in html and "Rumah" not in html
    # A role the company renamed keeps its name in every language.
    buyer = _role(company, "buyer")
    buyer.name = "Einkauf"
    buyer.save()
    html = _text(anna_client.get(reverse("portal:roles"), HTTP_ACCEPT_LANGUAGE="id"))
    assert "Einkauf<br>" in html and "Pembeli<br>" not in html
    assert CustomerRole.objects.get(pk=buyer.pk).name == "Einkauf"


def test_predefined_role_names_are_stored_as_made_and_shown_translated(company):
    from django.utils import translation

    portal_users.customer_roles_ensure(company)
    guest = _role(company, "guest")
    assert guest.name == "Guest"
    with translation.override("id"):
        assert str(guest) == guest.shown_name == "Tamu"
    with translation.override("en"):
        assert str(guest) == "Guest"
    # Made while the active language was Indonesian: shown in English to an English reader.
    guest.name = "Tamu"
    with translation.override("en"):
        assert guest.shown_name == "Guest"
