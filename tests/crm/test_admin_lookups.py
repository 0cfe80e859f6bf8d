"""The admin never lists a big table (customers, leads, opportunities, addresses, contacts) in a
select or a list filter, and its autocomplete answers from the active company only."""

import contextlib
import json
import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django_scopes import scope, scopes_disabled

from crm.sample.demo import seed_company
from tests.conftest import login_as
from tests.factories import (
    AddressFactory,
    CompanyFactory,
    ContactFactory,
    CustomerFactory,
    CustomerTypeFactory,
    LeadFactory,
    MembershipFactory,
    OpportunityFactory,
    OpportunityStageFactory,
    UserFactory,
)

MARK = "Zzbulk"  # in every bulk row's name: an option or filter link carrying it lists the table
BULK = 45


def staff_of(company, **user):
    with scopes_disabled():
        staff = MembershipFactory(company=company, role="owner", user__is_staff=True, **user).user
    staff.user_permissions.set(Permission.objects.all())
    return staff


def add_bulk_rows(company):
    with scope(company=company):
        kind = CustomerTypeFactory(company=company)
        stage = OpportunityStageFactory(company=company)
        for n in range(BULK):
            CustomerFactory(company=company, customer_type=kind, name=f"{MARK} customer {n}")
            lead = LeadFactory(company=company, organization_name=f"{MARK} lead {n}")
            OpportunityFactory(company=company, lead=lead, stage=stage, title=f"{MARK} deal {n}")
            AddressFactory(company=company, label=f"{MARK} site {n}")
            ContactFactory(company=company, last_name=f"{MARK} {n}", job_title=f"{MARK} role {n}")


def admin_pages(company):
    """Changelist, add and change pages of every admin model of the company's data."""
    for model in admin.site._registry:
        opts = model._meta
        owned = any(f.name == "company" for f in opts.get_fields())
        if not owned:
            continue
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        yield reverse(f"{prefix}_changelist")
        with contextlib.suppress(NoReverseMatch):
            yield reverse(f"{prefix}_add")
        with scope(company=company):
            first = model.objects.filter(company=company).order_by("pk").first()
        if first is not None:
            yield reverse(f"{prefix}_change", args=[first.pk])


def listed_bulk_rows(html: str) -> int:
    """The most bulk rows any one select or list filter on the page shows."""
    most = 0
    for select in re.findall(r"<select\b.*?</select>", html, re.S):
        most = max(most, len(re.findall(rf"<option[^>]*>[^<]*{MARK}", select)))
    for block in re.findall(r"<details data-filter-title=.*?</details>", html, re.S):
        most = max(most, block.count(MARK))
    return most


@pytest.mark.django_db
def test_no_admin_page_lists_a_big_table(client):
    with scopes_disabled():
        company = CompanyFactory(name="Big Company", slug="big")
    seed_company(company)
    add_bulk_rows(company)
    login_as(client, staff_of(company), company)
    checked = []
    with scopes_disabled():
        urls = list(admin_pages(company))
    for url in urls:
        response = client.get(url, follow=True)
        if response.status_code == 403:
            continue  # no add page (documents are made by the services)
        assert response.status_code == 200, url
        assert listed_bulk_rows(response.content.decode()) <= 1, f"{url} lists a big table"
        checked.append(url)
    # The pages where it used to matter were among them.
    assert {
        reverse("admin:customers_customer_add"),
        reverse("admin:addressbook_contact_changelist"),
        reverse("admin:leads_wishlistitem_add"),
        reverse("admin:leads_opportunity_add"),
    } <= set(checked)


def autocomplete(client, app_label, model_name, field_name, term):
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": app_label,
            "model_name": model_name,
            "field_name": field_name,
            "term": term,
        },
    )
    assert response.status_code == 200, response.content
    return {row["text"] for row in json.loads(response.content)["results"]}


AUTOCOMPLETE_FIELDS = [
    ("customers", "customer", "parent"),
    ("selling", "quotation", "customer"),
    ("selling", "salesorder", "quotation"),
    ("addressbook", "addresslink", "address"),
    ("addressbook", "contactlink", "contact"),
]


@pytest.mark.django_db
def test_admin_autocomplete_answers_from_the_active_company_only(client):
    with scopes_disabled():
        a = CompanyFactory(name="Company A", slug="a")
        b = CompanyFactory(name="Company B", slug="b")
    for company, letter in ((a, "A"), (b, "B")):
        with scope(company=company):
            CustomerFactory(company=company, name=f"Sharedname {letter}")
            AddressFactory(company=company, label=f"Sharedname {letter}")
            ContactFactory(company=company, last_name=f"Sharedname {letter}", first_name="")
    seed_company(b)  # a quotation and an order to search for
    with scope(company=b):
        from selling.models import Quotation

        b_number = Quotation.objects.filter(company=b).order_by("pk").first().number

    # B's staff (every permission) and a superuser working in B: only B's rows come back.
    intruder = staff_of(b)
    root = UserFactory(is_superuser=True, is_staff=True)
    for user in (intruder, root):
        browser = login_as(Client(), user, b)
        for app_label, model_name, field_name in AUTOCOMPLETE_FIELDS:
            if model_name == "salesorder":
                assert autocomplete(browser, app_label, model_name, field_name, "QTN") >= {b_number}
                continue
            texts = autocomplete(browser, app_label, model_name, field_name, "sharedname")
            assert texts, (model_name, field_name)
            assert all("Sharedname B" in text for text in texts), (model_name, texts)

    # A's staff searching B's quotation number finds nothing.
    browser = login_as(Client(), staff_of(a), a)
    assert autocomplete(browser, "selling", "salesorder", "quotation", b_number) == set()
    assert autocomplete(browser, "customers", "customer", "parent", "sharedname") == {
        "Sharedname A"
    }


@pytest.mark.django_db
def test_salesperson_admin_offers_only_the_companys_members(client):
    with scopes_disabled():
        a = CompanyFactory(name="Company A", slug="a")
        b = CompanyFactory(name="Company B", slug="b")
        MembershipFactory(company=b, user__username="elsewhere")
        member = MembershipFactory(company=a, user__username="colleague").user
    login_as(client, staff_of(a), a)
    html = client.get(reverse("admin:crm_salesperson_add")).content.decode()
    assert "colleague" in html and "elsewhere" not in html
    with scopes_disabled():
        outsider = MembershipFactory(company=b).user
    response = client.post(
        reverse("admin:crm_salesperson_add"), {"name": "X", "user": outsider.pk, "is_active": "on"}
    )
    assert response.status_code == 200  # "select a valid choice": nothing saved
    response = client.post(
        reverse("admin:crm_salesperson_add"), {"name": "Y", "user": member.pk, "is_active": "on"}
    )
    assert response.status_code == 302
