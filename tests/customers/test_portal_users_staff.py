"""The staff's side of the customer portal: a customer's portal users (invite, roles, sign-in),
the company's customer roles, the contact page's portal line, and a group's portal content."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from crm.access import Action, Level, access_filter
from crm.errors import DomainError
from crm.models import Membership
from customers.models import CustomerRole, CustomerUser, GroupContent
from customers.portal_users import customer_role_save, customer_roles_ensure
from selling.models import Quotation
from selling.services import quotation_create
from tests.conftest import at_noon, login_as
from tests.crm.test_optimistic_locking import post_data
from tests.customers.test_group_settings import page_data
from tests.factories import (
    ContactFactory,
    ContactLinkFactory,
    CustomerFactory,
    CustomerGroupFactory,
    CustomerUserFactory,
    MembershipFactory,
    SalespersonFactory,
)

Role = Membership.Role


@pytest.fixture
def roles(company):
    return {role.key: role for role in customer_roles_ensure(company)}


@pytest.fixture
def retail(company):
    return CustomerFactory(company=company, name="Nordlicht Retail GmbH")


@pytest.fixture
def ben(company, retail):
    """A contact of the customer, who may become one of its portal users."""
    contact = ContactFactory(
        company=company, first_name="Ben", last_name="Brandt", email="ben@nordlicht.example"
    )
    ContactLinkFactory(company=company, owner=retail, contact=contact)
    return contact


@pytest.fixture
def manager_client(client, company):
    manager = MembershipFactory(company=company, role=Role.MANAGER).user
    return login_as(client, manager, company)


def invite_url(customer):
    return reverse("customers:portal_user_invite", args=[customer.pk])


def messages_of(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


# --- invite ------------------------------------------------------------------------------------


def test_inviting_a_contact_links_the_same_person_and_mails_the_link(
    manager_client, retail, ben, roles, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            invite_url(retail), {"contact": ben.pk, "roles": [roles["buyer"].pk]}, follow=True
        )
    assert response.status_code == 200
    user = CustomerUser.objects.get(customer=retail)
    assert user.contact == ben
    assert (user.email, user.first_name, user.last_name) == (
        "ben@nordlicht.example",
        "Ben",
        "Brandt",
    )
    assert list(user.roles.all()) == [roles["buyer"]]
    assert user.state == "invited"
    assert "Ben Brandt is invited" in messages_of(response)
    assert [message.to for message in mail.outbox] == [["ben@nordlicht.example"]]
    assert "/portal/" in mail.outbox[0].body
    assert "the link works once, for 7 days" in mail.outbox[0].body
    # Listed on the customer page, with the role and the status.
    page = response.content.decode()
    assert "Ben Brandt" in page and "Buyer" in page and "Invited" in page


def test_inviting_someone_typed_in(manager_client, retail, roles):
    response = manager_client.post(
        invite_url(retail),
        {
            "email": "Gina@Nordlicht.example",
            "first_name": "Gina",
            "last_name": "Gast",
            "roles": [roles["guest"].pk],
        },
    )
    assert response.status_code == 302
    user = CustomerUser.objects.get(customer=retail)
    assert user.email == "gina@nordlicht.example" and user.contact is None


def test_an_email_already_in_use_is_refused_and_nothing_is_written(
    manager_client, company, retail, roles
):
    other = CustomerFactory(company=company)
    CustomerUserFactory(customer=other, email="taken@example.com")
    before = CustomerUser.objects.count()
    response = manager_client.post(
        invite_url(retail),
        {"email": "taken@example.com", "last_name": "Twice", "roles": [roles["buyer"].pk]},
    )
    assert response.status_code == 200
    assert "Another customer user already has this e-mail." in response.content.decode()
    assert CustomerUser.objects.count() == before
    assert not CustomerUser.objects.filter(customer=retail).exists()
    assert not mail.outbox


def test_an_invitation_without_contact_or_email_says_what_to_fill(manager_client, retail, roles):
    response = manager_client.post(invite_url(retail), {"roles": [roles["buyer"].pk]})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["email"] == ["Pick a contact or enter the e-mail address."]
    assert errors["last_name"] == ["Pick a contact or enter the last name."]
    assert not CustomerUser.objects.exists()


def test_a_contact_who_already_signs_in_is_not_offered_again(manager_client, retail, ben, roles):
    CustomerUserFactory(customer=retail, contact=ben, email="ben@nordlicht.example")
    form = manager_client.get(invite_url(retail)).context["form"]
    assert ben not in form.fields["contact"].queryset
    response = manager_client.post(
        invite_url(retail), {"contact": ben.pk, "roles": [roles["buyer"].pk]}
    )
    assert "contact" in response.context["form"].errors
    assert CustomerUser.objects.count() == 1


def test_a_role_of_another_customer_cannot_be_given(manager_client, company, retail, roles):
    elsewhere = CustomerFactory(company=company)
    theirs = CustomerRole.objects.create(company=company, customer=elsewhere, name="Theirs")
    response = manager_client.post(
        invite_url(retail), {"email": "x@example.com", "last_name": "X", "roles": [theirs.pk]}
    )
    assert "roles" in response.context["form"].errors
    assert not CustomerUser.objects.exists()


def test_the_customer_page_offers_what_the_invitation_form_would(
    manager_client, company, other_company, retail, ben, roles
):
    """The page reads the invitation's contacts and roles in one query (``invite_choices``):
    the same rows in the same order as the form's querysets, none of another company's."""
    from customers.forms import PortalInviteForm

    ContactLinkFactory(
        company=company,
        owner=retail,
        contact=ContactFactory(company=company, first_name="Ada", last_name="Brandt"),
    )
    ContactLinkFactory(
        company=company,
        owner=retail,
        contact=ContactFactory(company=company, first_name="Zoe", last_name="Albers"),
    )
    signs_in = ContactFactory(company=company, first_name="Carl", last_name="Abel")
    ContactLinkFactory(company=company, owner=retail, contact=signs_in)
    CustomerUserFactory(customer=CustomerFactory(company=company), contact=signs_in)
    ContactLinkFactory(company=company, owner=CustomerFactory(company=company))  # not retail's
    CustomerRole.objects.create(company=company, customer=retail, name="Aa own")
    CustomerRole.objects.create(
        company=company, customer=CustomerFactory(company=company), name="B"
    )
    with scopes_disabled():
        ContactLinkFactory(company=other_company, owner=CustomerFactory(company=other_company))
        CustomerRole.objects.create(company=other_company, name="Theirs")

    form = manager_client.get(retail.get_absolute_url()).context["invite_form"]
    plain = PortalInviteForm(customer=retail)

    def options(field_name, of_form):
        return [(str(value), label) for value, label in of_form.fields[field_name].choices]

    assert options("contact", form) == options("contact", plain)
    assert [label for _value, label in options("contact", form)][1:] == [
        "Zoe Albers",
        "Ada Brandt",
        "Ben Brandt",
    ]
    assert options("roles", form) == options("roles", plain)
    assert len(options("roles", form)) == len(roles) + 1
    assert form.initial["roles"] == plain.initial["roles"] == [roles["buyer"].pk]


# --- who may ------------------------------------------------------------------------------------


@pytest.fixture
def sam_and_a_colleagues_customer(client, company, roles):
    """Sam, a salesperson, and a customer that belongs to a colleague outside Sam's team."""
    sam = MembershipFactory(company=company, role=Role.SALESPERSON).user
    SalespersonFactory(company=company, user=sam, name="Sam")
    colleague = SalespersonFactory(company=company, name="Dana")
    customer = CustomerFactory(company=company, salesperson=colleague)
    user = CustomerUserFactory(customer=customer)
    return login_as(client, sam, company), customer, user


def test_a_salesperson_without_the_edit_level_sees_no_form_and_gets_404(
    sam_and_a_colleagues_customer, roles
):
    client, customer, user = sam_and_a_colleagues_customer
    page = client.get(customer.get_absolute_url())
    assert page.status_code == 200
    assert "invite_form" not in page.context
    assert invite_url(customer) not in page.content.decode()
    # The users are listed, not linked.
    assert user.get_absolute_url() not in page.content.decode()
    assert str(user) in page.content.decode()
    posted = {"email": "new@example.com", "last_name": "New", "roles": [roles["buyer"].pk]}
    assert client.post(invite_url(customer), posted).status_code == 404
    assert client.get(user.get_absolute_url()).status_code == 404
    for name in ("portal_user_deactivate", "portal_user_resend"):
        url = reverse(f"customers:{name}", args=[user.pk])
        assert client.post(url).status_code == 404
    user.refresh_from_db()
    assert user.is_active
    assert not CustomerUser.objects.filter(email="new@example.com").exists()


def test_another_companys_customer_and_user_are_404(manager_client, other_company, retail, roles):
    with scopes_disabled(), scope(company=other_company):
        theirs = CustomerFactory(company=other_company)
        their_user = CustomerUserFactory(customer=theirs)
    assert manager_client.get(invite_url(theirs)).status_code == 404
    assert manager_client.get(their_user.get_absolute_url()).status_code == 404
    url = reverse("customers:portal_user_deactivate", args=[their_user.pk])
    assert manager_client.post(url).status_code == 404
    with scopes_disabled():
        their_user.refresh_from_db()
    assert their_user.is_active


# --- per user -----------------------------------------------------------------------------------


def test_changing_roles_deactivating_and_reactivating(manager_client, retail, roles):
    user = CustomerUserFactory(customer=retail, roles="guest")
    response = manager_client.post(
        user.get_absolute_url(), {"roles": [roles["buyer"].pk, roles["administrator"].pk]}
    )
    assert response.status_code == 302
    assert set(user.roles.all()) == {roles["buyer"], roles["administrator"]}

    response = manager_client.post(user.get_absolute_url(), {"roles": []})
    assert response.status_code == 200
    assert set(user.roles.all()) == {roles["buyer"], roles["administrator"]}

    manager_client.post(reverse("customers:portal_user_deactivate", args=[user.pk]))
    user.refresh_from_db()
    assert not user.is_active and user.state == "deactivated"
    manager_client.post(reverse("customers:portal_user_reactivate", args=[user.pk]))
    user.refresh_from_db()
    assert user.is_active and user.state == "active"


def test_the_invitation_is_resent_only_before_the_user_joined(manager_client, retail, roles):
    invited = CustomerUserFactory(customer=retail, password="!unusable")
    joined = CustomerUserFactory(customer=retail)
    response = manager_client.post(
        reverse("customers:portal_user_resend", args=[invited.pk]), follow=True
    )
    assert "sent again" in messages_of(response)
    assert [message.to for message in mail.outbox] == [[invited.email]]
    response = manager_client.post(
        reverse("customers:portal_user_resend", args=[joined.pk]), follow=True
    )
    assert "has already joined" in messages_of(response)
    assert len(mail.outbox) == 1


# --- the contact page's line ---------------------------------------------------------------------


def test_the_contact_page_offers_the_invitation_then_names_the_customer(
    manager_client, retail, ben, roles
):
    page = manager_client.get(ben.get_absolute_url()).content.decode()
    assert "Portal access" in page
    assert f"{invite_url(retail)}?contact={ben.pk}" in page

    CustomerUserFactory(customer=retail, contact=ben, email=ben.email)
    page = manager_client.get(ben.get_absolute_url()).content.decode()
    assert "Ben Brandt signs in to the portal for" in page
    assert "Nordlicht Retail GmbH" in page


def test_a_contact_of_no_customer_shows_no_portal_line(manager_client, company):
    loner = ContactFactory(company=company)
    assert "Portal access" not in manager_client.get(loner.get_absolute_url()).content.decode()


# --- the customer roles page --------------------------------------------------------------------


def roles_form(client):
    return post_data(client.get(reverse("customers:portal_roles")).context["form"])


def test_the_customer_roles_page_is_for_admins_only(client, company, roles):
    url = reverse("customers:portal_roles")
    for role in (Role.SALESPERSON, Role.MANAGER):
        login_as(client, MembershipFactory(company=company, role=role).user, company)
        assert client.get(url).status_code == 403
        assert client.post(url, {}).status_code == 403
        assert (
            client.post(reverse("customers:portal_role_create"), {"name": "X"}).status_code == 403
        )
        assert "portal-roles" not in client.get(reverse("crm:dashboard")).content.decode()
    assert not CustomerRole.objects.filter(name="X").exists()
    login_as(client, MembershipFactory(company=company, role=Role.ADMIN).user, company)
    assert client.get(url).status_code == 200
    assert url in client.get(reverse("crm:access_settings")).content.decode()
    assert url in client.get(reverse("crm:settings")).content.decode()


def test_a_changed_level_applies_to_the_customer_users_next_request(
    member_client, company, retail, roles
):
    buyer = CustomerUserFactory(customer=retail, roles="buyer")
    child = CustomerFactory(company=company, parent=retail)
    mine = quotation_create(customer=retail, actor=None)
    childs = quotation_create(customer=child, actor=None)

    def visible():
        fresh = CustomerUser.objects.get(pk=buyer.pk)  # a new request loads the user afresh
        return set(Quotation.objects.filter(access_filter(fresh, company, Quotation, Action.VIEW)))

    assert visible() == {mine}
    form = roles_form(member_client)
    field = f"selling__quotation--view--{roles['buyer'].pk}"
    assert form[field] == Level.TEAM
    form[field] = Level.COMPANY
    response = member_client.post(reverse("customers:portal_roles"), form)
    assert response.status_code == 302
    assert visible() == {mine, childs}

    form[field] = Level.NONE
    member_client.post(reverse("customers:portal_roles"), form)
    assert visible() == set()


def test_adding_and_deleting_a_company_role(member_client, company, retail, roles):
    response = member_client.post(
        reverse("customers:portal_role_create"), {"name": "Accountant"}, follow=True
    )
    assert "Accountant was added" in messages_of(response)
    accountant = CustomerRole.objects.get(name="Accountant", customer=None)
    # A new role reaches nothing until its levels are chosen.
    form = response.context["form"]
    assert form[f"selling__quotation--view--{accountant.pk}"].value() == Level.NONE

    response = member_client.post(
        reverse("customers:portal_role_create"), {"name": "Accountant "}, follow=True
    )
    assert "Another role already has this name." in messages_of(response)
    assert CustomerRole.objects.filter(customer=None, name="Accountant").count() == 1

    holder = CustomerUserFactory(customer=retail, roles=[accountant])
    delete_url = reverse("customers:portal_role_delete", args=[accountant.pk])
    response = member_client.post(delete_url, follow=True)
    assert "give them another role first" in messages_of(response)
    holder.set_roles([roles["guest"]])
    response = member_client.post(delete_url, follow=True)
    assert not CustomerRole.objects.filter(pk=accountant.pk).exists()

    predefined = reverse("customers:portal_role_delete", args=[roles["buyer"].pk])
    response = member_client.post(predefined, follow=True)
    assert "is predefined" in messages_of(response)
    assert CustomerRole.objects.filter(pk=roles["buyer"].pk).exists()


def test_customer_specific_roles_are_listed_with_their_customer_not_edited(
    member_client, company, retail, roles
):
    own = CustomerRole.objects.create(company=company, customer=retail, name="Buyer")
    response = member_client.get(reverse("customers:portal_roles"))
    page = response.content.decode()
    assert retail.get_absolute_url() in page
    assert all(f"--{own.pk}" not in name for name in response.context["form"].fields)
    # Nor deleted here.
    url = reverse("customers:portal_role_delete", args=[own.pk])
    assert member_client.post(url).status_code == 404


# --- a group's portal login and content ---------------------------------------------------------


def test_the_group_form_sets_portal_login(manager_client, company):
    group = CustomerGroupFactory(company=company, portal_login=True)
    url = reverse("customers:group_update", args=[group.pk])
    form = page_data(manager_client.get(url))
    form.pop("portal_login", None)  # an unchecked box is not posted
    response = manager_client.post(url, form)
    assert response.status_code == 302, response.context["form"].errors
    group.refresh_from_db()
    assert group.portal_login is False


def test_group_content_is_added_validated_changed_and_deleted(manager_client, company):
    group = CustomerGroupFactory(company=company)
    create = reverse("customers:group_content_create", args=[group.pk])
    with at_noon(datetime.date(2026, 12, 2)):
        response = manager_client.post(
            create,
            {
                "title": "Winter terms",
                "body": "Orders ship within two days.",
                "valid_from": "2026-12-10",
                "valid_until": "2026-12-01",
            },
        )
        assert response.status_code == 200
        assert "is before the first day" in str(response.context["form"].errors["valid_until"])
        assert not GroupContent.objects.exists()

        response = manager_client.post(
            create,
            {
                "title": "Winter terms",
                "body": "Orders ship within two days.",
                "valid_from": "2026-12-01",
                "valid_until": "2026-12-31",
            },
        )
        assert response.status_code == 302
        block = GroupContent.objects.get()
        assert block.customer_group == group and block.is_shown_on(datetime.date(2026, 12, 2))
        page = manager_client.get(reverse("customers:group_update", args=[group.pk]))
        assert "Winter terms" in page.content.decode()

        update = reverse("customers:group_content_update", args=[block.pk])
        manager_client.post(
            update, {"title": "Winter terms", "body": "Two days.", "valid_from": ""}
        )
        block.refresh_from_db()
        assert block.body == "Two days." and block.valid_from is None

        delete = reverse("customers:group_content_delete", args=[block.pk])
        assert manager_client.post(delete).status_code == 302
        assert not GroupContent.objects.exists()


def test_group_content_of_another_company_is_404(manager_client, company, other_company):
    with scopes_disabled():
        theirs = CustomerGroupFactory(company=other_company)
        block = GroupContent.objects.create(
            company=other_company, customer_group=theirs, title="T", body="B"
        )
    assert (
        manager_client.get(reverse("customers:group_content_update", args=[block.pk])).status_code
        == 404
    )
    delete = reverse("customers:group_content_delete", args=[block.pk])
    assert manager_client.post(delete).status_code == 404
    url = reverse("customers:group_content_create", args=[theirs.pk])
    assert manager_client.get(url).status_code == 404
    with scopes_disabled():
        assert GroupContent.objects.filter(pk=block.pk).exists()


def test_a_salesperson_cannot_edit_group_content(client, company):
    group = CustomerGroupFactory(company=company)
    login_as(client, MembershipFactory(company=company, role=Role.SALESPERSON).user, company)
    url = reverse("customers:group_content_create", args=[group.pk])
    assert client.post(url, {"title": "T", "body": "B"}).status_code == 403
    assert not GroupContent.objects.exists()


# --- query budgets ------------------------------------------------------------------------------


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_customer_page_costs_the_same_with_one_or_ten_portal_users(
    manager_client, company, retail, roles, django_assert_max_num_queries
):
    CustomerUserFactory(customer=retail, roles="buyer")
    ContactLinkFactory(company=company, owner=retail)
    few = _queries(manager_client, retail.get_absolute_url())
    for _n in range(9):
        CustomerUserFactory(customer=retail, roles=[roles["buyer"], roles["guest"]])
        ContactLinkFactory(company=company, owner=retail)
    with django_assert_max_num_queries(few):
        response = manager_client.get(retail.get_absolute_url())
    assert len(response.context["portal_users"]) == 10


def test_the_roles_page_costs_the_same_with_more_holders(
    member_client, company, retail, roles, django_assert_max_num_queries
):
    few = _queries(member_client, reverse("customers:portal_roles"))
    for _n in range(10):
        CustomerUserFactory(customer=CustomerFactory(company=company), roles="guest")
        CustomerRole.objects.create(company=company, customer=retail, name=f"Own {_n}")
    with django_assert_max_num_queries(few):
        member_client.get(reverse("customers:portal_roles"))


# --- the admin ----------------------------------------------------------------------------------


def test_the_admin_lists_the_companys_customer_users_and_never_their_password(
    client, company, other_company, retail, roles
):
    from django.contrib.auth.models import Permission

    staff = MembershipFactory(company=company, role=Role.ADMIN, user__is_staff=True).user
    staff.user_permissions.set(Permission.objects.all())
    login_as(client, staff, company)
    mine = CustomerUserFactory(customer=retail, email="mine@example.com", roles="buyer")
    with scopes_disabled(), scope(company=other_company):
        CustomerUserFactory(customer=CustomerFactory(company=other_company), email="theirs@x.io")
    listing = client.get(reverse("admin:customers_customeruser_changelist")).content.decode()
    assert "mine@example.com" in listing and "theirs@x.io" not in listing
    assert "Buyer" in listing
    change = client.get(reverse("admin:customers_customeruser_change", args=[mine.pk]))
    assert change.status_code == 200
    assert "password" not in change.context["adminform"].form.fields
    assert client.get(reverse("admin:customers_customeruser_add")).status_code == 403


def test_role_names_differ_by_more_than_case(company):
    customer_roles_ensure(company)
    before = CustomerRole.objects.count()
    with pytest.raises(DomainError, match="already has this name"):
        customer_role_save(company=company, name="BUYER", levels={}, actor=None)
    customer = CustomerFactory(company=company)
    customer_role_save(company=company, name="Approver", levels={}, actor=None, customer=customer)
    with pytest.raises(DomainError, match="already has this name"):
        customer_role_save(
            company=company, name="approver", levels={}, actor=None, customer=customer
        )
    assert CustomerRole.objects.count() == before + 1
