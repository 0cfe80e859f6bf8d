import pytest
from django.db import IntegrityError
from django.urls import reverse
from django_scopes import ScopeError, scope, scopes_disabled

from crm.models import Membership
from crm.tenancy import SESSION_KEY
from tests.conftest import login_as
from tests.factories import CompanyFactory, MembershipFactory, UserFactory


@pytest.mark.django_db
def test_query_on_company_owned_model_outside_a_scope_raises():
    with scopes_disabled():
        MembershipFactory()
    with pytest.raises(ScopeError):
        list(Membership.objects.all())


def test_scoped_query_sees_only_its_company(company, other_company):
    mine = MembershipFactory(company=company)
    with scopes_disabled():
        MembershipFactory(company=other_company)
    assert list(Membership.objects.all()) == [mine]
    with scope(company=other_company):
        assert mine not in Membership.objects.all()


def test_pages_require_login(client, company):
    response = client.get(reverse("crm:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_and_password_reset_are_public(client, db):
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("password_reset")).status_code == 200


def test_dashboard_shows_the_active_company(member_client, company):
    response = member_client.get(reverse("crm:dashboard"))
    assert response.status_code == 200
    assert company.name in response.content.decode()


def test_user_without_company_is_told_what_to_do(client, user_without_company):
    client.force_login(user_without_company)
    response = client.get(reverse("crm:dashboard"))
    assert response.status_code == 403
    assert "not a member of any company" in response.content.decode()


def test_switch_to_a_company_the_user_belongs_to(client, company, other_company):
    user = MembershipFactory(company=company).user
    with scopes_disabled():
        MembershipFactory(company=other_company, user=user)
    login_as(client, user, company)
    response = client.post(reverse("crm:switch_company"), {"company": other_company.pk})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == other_company.pk
    assert other_company.name in client.get(reverse("crm:dashboard")).content.decode()


def test_switch_to_a_foreign_company_is_a_404_and_changes_nothing(
    member_client, company, other_company
):
    response = member_client.post(reverse("crm:switch_company"), {"company": other_company.pk})
    assert response.status_code == 404
    assert member_client.session[SESSION_KEY] == company.pk


def test_superuser_may_switch_to_any_company(client, company, other_company):
    admin = UserFactory(is_superuser=True, is_staff=True)
    login_as(client, admin, company)
    response = client.post(reverse("crm:switch_company"), {"company": other_company.pk})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == other_company.pk


def test_stale_session_company_falls_back_to_a_membership(client, company, other_company):
    user = MembershipFactory(company=company).user
    login_as(client, user, other_company)  # session names a company the user is not in
    response = client.get(reverse("crm:dashboard"))
    assert response.status_code == 200
    assert client.session[SESSION_KEY] == company.pk


def test_settings_are_for_admins_only(client, company, salesperson_user):
    login_as(client, salesperson_user, company)
    assert client.get(reverse("crm:settings")).status_code == 403


def test_settings_reject_a_bad_currency_and_keep_the_old(member_client, company):
    response = member_client.post(
        reverse("crm:settings"), {"name": "Acme", "currency": "eur", "default_vat_rate": "19"}
    )
    assert response.status_code == 200
    assert "three-letter" in response.content.decode()
    company.refresh_from_db()
    assert company.currency == "EUR"


def test_each_company_slug_is_unique(db):
    CompanyFactory(slug="same")
    with pytest.raises(IntegrityError):
        CompanyFactory(slug="same")
