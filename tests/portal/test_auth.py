"""The portal's own sign-in, its own session, and the wall between it and the staff pages."""

import re

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customers import portal_users
from customers.models import CustomerRole, CustomerUser
from portal.auth import PORTAL_SESSION_COOKIE
from tests.conftest import login_as
from tests.factories import (
    PORTAL_PASSWORD,
    CustomerFactory,
    CustomerGroupFactory,
    CustomerUserFactory,
)
from tests.portal.conftest import portal_sign_in

pytestmark = pytest.mark.django_db


def test_the_buyer_signs_in_and_sees_the_home_page(buyer_client, buyer):
    page = buyer_client.get(reverse("portal:home"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Kopi Nusantara" in html
    assert "Welcome, Bea" in html
    assert PORTAL_SESSION_COOKIE in buyer_client.cookies
    buyer.refresh_from_db()
    assert buyer.last_login is not None


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(client, buyer):
    wrong = client.post(reverse("portal:login"), {"email": buyer.email, "password": "nope-nope"})
    unknown = client.post(
        reverse("portal:login"), {"email": "nobody@example.com", "password": "nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 200
    assert "The e-mail or the password is wrong." in wrong.content.decode()
    assert "The e-mail or the password is wrong." in unknown.content.decode()
    assert client.get(reverse("portal:home")).status_code == 302


def test_sign_in_is_throttled_after_five_wrong_passwords(client, buyer, settings):
    settings.AXES_FAILURE_LIMIT = 5
    for _ in range(5):
        client.post(reverse("portal:login"), {"email": buyer.email, "password": "wrong-one"})
    locked = client.post(
        reverse("portal:login"), {"email": buyer.email, "password": PORTAL_PASSWORD}
    )
    assert locked.status_code == 429
    assert "Too many wrong passwords" in locked.content.decode()


def test_a_deactivated_user_cannot_sign_in_and_loses_the_session(buyer_client, buyer, member):
    portal_users.customer_user_deactivate(user=buyer, actor=member)
    assert buyer_client.get(reverse("portal:home")).status_code == 302
    again = buyer_client.post(
        reverse("portal:login"), {"email": buyer.email, "password": PORTAL_PASSWORD}
    )
    assert "The e-mail or the password is wrong." in again.content.decode()


def test_a_group_without_portal_login_is_refused_with_its_reason(company, client):
    group = CustomerGroupFactory(company=company, name="Walk-in", portal_login=False)
    user = CustomerUserFactory(customer=CustomerFactory(company=company, customer_group=group))
    page = client.post(reverse("portal:login"), {"email": user.email, "password": PORTAL_PASSWORD})
    assert page.status_code == 403
    assert "Customers of the group “Walk-in” cannot use the Acme Trading portal" in (
        page.content.decode()
    )
    assert client.get(reverse("portal:home")).status_code == 302


def test_the_same_address_at_two_companies_chooses_the_company(company, other_company, client):
    from django_scopes import scopes_disabled

    CustomerUserFactory(customer=CustomerFactory(company=company), email="sam@shop.example")
    with scopes_disabled():
        theirs = CustomerUserFactory(
            customer=CustomerFactory(company=other_company), email="sam@shop.example"
        )
    form = {"email": "sam@shop.example", "password": PORTAL_PASSWORD}
    page = client.post(reverse("portal:login"), form)
    assert "Sign in to" in page.content.decode()
    assert "Globex Supplies" in page.content.decode()
    signed_in = client.post(reverse("portal:login"), {**form, "company": other_company.pk})
    assert signed_in.status_code == 302
    home = client.get(reverse("portal:home"))
    assert theirs.customer.name in home.content.decode()


def test_a_staff_session_does_not_open_the_portal(client, member, company):
    login_as(client, member, company)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


def test_a_customer_user_on_a_staff_page_is_sent_to_the_portal(buyer_client):
    for url in (reverse("crm:dashboard"), reverse("customers:customer_list"), "/admin/"):
        response = buyer_client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("portal:login"), url
    # ...whose login page, for a signed-in user, is the portal's home.
    assert buyer_client.get(reverse("portal:login"))["Location"] == "/portal/"


def test_staff_and_portal_sessions_live_side_by_side(client, member, company, buyer):
    login_as(client, member, company)
    portal_sign_in(client, buyer)
    assert client.get(reverse("crm:dashboard")).status_code == 200
    assert client.get(reverse("portal:home")).status_code == 200
    client.post(reverse("portal:logout"))
    assert client.get(reverse("crm:dashboard")).status_code == 200
    assert client.get(reverse("portal:home")).status_code == 302


def _link(message) -> str:
    return re.search(r"http://testserver(/portal/\S+)", message.body).group(1)


def test_an_invitation_lets_the_person_choose_a_password_once(
    company, customer, member, django_capture_on_commit_callbacks
):
    buyer_role = portal_users.customer_roles_ensure(company)[1]
    with django_capture_on_commit_callbacks(execute=True):
        user = portal_users.customer_user_invite(
            customer=customer,
            email="New.Buyer@Kopi.example",
            last_name="Baru",
            first_name="Budi",
            roles=[buyer_role],
            actor=member,
            base_url="http://testserver/",
        )
    assert user.email == "new.buyer@kopi.example"
    assert not user.has_password
    (message,) = mail.outbox
    assert message.to == ["new.buyer@kopi.example"]
    link = _link(message)
    guest = Client()
    assert "You sign in as new.buyer@kopi.example" in guest.get(link).content.decode()
    weak = guest.post(link, {"password1": "12345678", "password2": "12345678"})
    assert "entirely numeric" in weak.content.decode()
    done = guest.post(link, {"password1": "kopi-tubruk-77", "password2": "kopi-tubruk-77"})
    assert done["Location"] == reverse("portal:home")
    assert guest.get(reverse("portal:home")).status_code == 200
    # The link worked once.
    again = Client().get(link)
    assert again.status_code == 400
    assert "This link no longer works" in again.content.decode()


def test_an_invitation_expires_after_seven_days(
    company, customer, member, django_capture_on_commit_callbacks
):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            portal_users.customer_user_invite(
                customer=customer,
                email="late@kopi.example",
                last_name="Late",
                roles=portal_users.customer_roles_ensure(company)[2:],
                actor=member,
                base_url="http://testserver/",
            )
        link = _link(mail.outbox[0])
        clock.shift(timezone.timedelta(days=7, minutes=1))
        assert Client().get(link).status_code == 400


def test_password_reset_sends_a_link_only_to_a_known_address_and_says_the_same(client, buyer):
    known = client.post(reverse("portal:password_reset"), {"email": buyer.email})
    unknown = client.post(reverse("portal:password_reset"), {"email": "ghost@example.com"})
    assert known.status_code == unknown.status_code == 200

    def strip(page, email):
        # Each page's CSRF token (the language switcher's form) is masked anew: not a tell.
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.content.decode())
        return html.replace(email, "")

    assert strip(known, buyer.email) == strip(unknown, "ghost@example.com")
    (message,) = mail.outbox
    link = _link(message)
    done = Client().post(link, {"password1": "new-secret-77", "password2": "new-secret-77"})
    assert done.status_code == 302
    # The old password no longer works; the new one does.
    assert not portal_users.customer_user_authenticate(buyer.email, PORTAL_PASSWORD)
    assert portal_users.customer_user_authenticate(buyer.email, "new-secret-77")


def test_changing_the_password_ends_other_sessions(buyer_client, buyer):
    portal_users.customer_user_set_password(user=buyer, password="another-secret-9")
    assert buyer_client.get(reverse("portal:home")).status_code == 302


def test_an_invitation_needs_a_role_of_the_company_or_the_customer(company, customer, member):
    other_customer = CustomerFactory(company=company)
    theirs = CustomerRole.objects.create(company=company, customer=other_customer, name="Boss")
    from crm.errors import DomainError

    with pytest.raises(DomainError, match="Choose roles of the company or of this customer"):
        portal_users.customer_user_invite(
            customer=customer, email="x@kopi.example", last_name="X", roles=[theirs], actor=member
        )
    assert not CustomerUser.objects.filter(email="x@kopi.example").exists()


def test_signing_in_works_outside_any_company_scope(company, client):
    """A real request to the sign-in page has no company scope yet (the tests' own requests run
    inside the ``company`` fixture's): recording the last login must not need one."""
    from django_scopes.state import state

    user = CustomerUserFactory(customer=CustomerFactory(company=company))
    outside = state.set({})  # no scope at all, as a request starts
    try:
        response = client.post(
            reverse("portal:login"), {"email": user.email, "password": PORTAL_PASSWORD}
        )
    finally:
        state.reset(outside)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.last_login is not None


def test_a_customer_users_browser_may_still_send_a_public_web_form(buyer_client, company):
    from leads.models import Lead, WebForm

    form = WebForm.objects.create(company=company, name="Contact us")
    sent = buyer_client.post(
        reverse("webforms:submit", args=[form.key]), {"last_name": "Lee", "email": "l@x.example"}
    )
    assert sent.status_code == 200
    assert Lead.objects.filter(email="l@x.example").exists()
    # ...while the staff's own sign-in pages send them back to the portal.
    assert buyer_client.get(reverse("password_reset"))["Location"] == reverse("portal:login")
