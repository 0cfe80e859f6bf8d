"""Rough edges a first day at the desk found: phone links that dial abroad, and a menu that
offers only what the user may open."""

import pytest
from django.urls import reverse

from crm.models import Membership
from crm.templatetags.crm_tags import tel_href
from tests.conftest import login_as
from tests.factories import CustomerFactory, LeadFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("phone", "href"),
    [
        ("+62 21 5550 1234", "tel:+622155501234"),
        ("0049 30 1234567", "tel:+49301234567"),
        ("(030) 123-4567", ""),  # national, and no company region to read it in
        ("", ""),
        ("n/a", ""),
    ],
)
def test_a_phone_link_keeps_the_international_prefix(phone, href):
    assert tel_href(phone) == href


def test_record_pages_link_phones_that_dial(client, company):
    owner = MembershipFactory(company=company, role=Membership.Role.OWNER).user
    customer = CustomerFactory(company=company, phone="+62 21 5550 1234")
    lead = LeadFactory(company=company, phone="+49 30 1234567")
    login_as(client, owner, company)
    assert 'href="tel:+622155501234"' in client.get(customer.get_absolute_url()).content.decode()
    assert 'href="tel:+49301234567"' in client.get(lead.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        (Membership.Role.SALESPERSON, False),
        (Membership.Role.MANAGER, False),
        (Membership.Role.ADMIN, True),
        (Membership.Role.OWNER, True),
    ],
)
def test_settings_is_in_the_menu_of_those_who_may_open_it(client, company, role, shown):
    user = MembershipFactory(company=company, role=role).user
    login_as(client, user, company)
    settings_url = reverse("crm:settings")
    menu = client.get(reverse("crm:dashboard")).content.decode()
    assert (f'href="{settings_url}"' in menu) is shown
    assert client.get(settings_url).status_code == (200 if shown else 403)
