"""The names a quotation or order is searched by, stored on it (selling.party_names): right after
every write that changes them, whatever it comes from, and checked by verify_figures."""

import html
import re

import pytest
from django.urls import reverse

from crm.imports.engine import run_import
from crm.imports.kinds import get_import_kind, guess_columns
from crm.imports.reading import read_table
from crm.models import Membership
from crm.ui.global_search import search_everything
from customers import services as customer_services
from leads import services as lead_services
from selling import services
from selling.filters import QuotationFilter
from selling.models import Quotation
from tests.api.conftest import make_key, token_client
from tests.conftest import login_as
from tests.factories import MembershipFactory
from tests.stored_names import expected_of, names_of

pytestmark = pytest.mark.django_db


def found_by(company, user, term) -> dict[str, list[str]]:
    groups = search_everything(term, company=company, user=user, per_group=10)
    return {group.kind.key: [row["title"] for row in group.rows] for group in groups}


@pytest.fixture
def owner(company):
    return MembershipFactory(company=company, role=Membership.Role.OWNER).user


@pytest.fixture
def quoted(opportunity, owner):
    """A quotation for the opportunity "Nordwind fleet", which has no customer yet."""
    return services.quotation_create(opportunity=opportunity, actor=owner)


@pytest.fixture
def ordered(company, owner, opportunity):
    """The opportunity's quotation, accepted, and its order, which made the customer (in the
    same transaction, the quotation read before the customer existed)."""
    quotation = services.quotation_create(opportunity=opportunity, actor=owner)
    services.quotation_send(quotation=quotation, actor=owner)
    services.quotation_accept(quotation=quotation, actor=owner)
    order = services.order_from_quotation(quotation=quotation, actor=owner)
    customer = order.customer
    customer.refresh_from_db()
    customer.name, customer.email = "Brightwater Ltd", "buy@bright.example"
    customer_services.customer_save(customer=customer, actor=owner)
    return customer, Quotation.objects.get(pk=quotation.pk), order


def test_a_new_quotation_stores_its_opportunitys_title(quoted, company, owner):
    assert "Nordwind fleet" in names_of(quoted)
    assert names_of(quoted) == expected_of(quoted)
    assert found_by(company, owner, "wind fle")["selling.quotation"] == [quoted.number]


def test_the_order_that_made_the_customer_stores_its_name(opportunity, company, owner):
    quotation = services.quotation_create(opportunity=opportunity, actor=owner)
    services.quotation_send(quotation=quotation, actor=owner)
    services.quotation_accept(quotation=quotation, actor=owner)
    order = services.order_from_quotation(quotation=quotation, actor=owner)
    name = order.customer.name
    assert name and name in names_of(order) and name in names_of(quotation)
    assert names_of(order) == expected_of(order)
    assert names_of(quotation) == expected_of(quotation)


def test_a_renamed_customer_is_found_with_its_documents(ordered, company, owner):
    customer, quotation, order = ordered
    assert names_of(order) == expected_of(order)
    assert "Brightwater Ltd" in names_of(order) and "buy@bright.example" in names_of(order)
    found = found_by(company, owner, "brightwat")
    assert found["selling.quotation"] == [quotation.number]
    assert found["selling.salesorder"] == [order.number]


def test_renaming_the_customer_renames_its_documents(ordered, company, owner):
    customer, quotation, order = ordered
    customer.name = "Clearwater Ltd"
    customer_services.customer_save(customer=customer, actor=owner)
    assert "Clearwater Ltd" in names_of(quotation) and "Clearwater Ltd" in names_of(order)
    assert "Brightwater" not in names_of(quotation) + names_of(order)
    assert found_by(company, owner, "brightwat") == {}


def test_renaming_the_opportunity_renames_its_quotations(quoted, opportunity, owner):
    opportunity.title = "Southwind vans"
    lead_services.opportunity_save(opportunity=opportunity, actor=owner)
    assert "Southwind vans" in names_of(quoted)
    assert "Nordwind fleet" not in names_of(quoted)


def test_the_opportunitys_new_customer_finds_its_quotations(quoted, opportunity, company, owner):
    customer = customer_services.opportunity_convert_to_customer(
        opportunity=opportunity, actor=owner, fields={"name": "Harbour Freight"}
    )
    assert customer.name == "Harbour Freight"
    assert found_by(company, owner, "harbour")["selling.quotation"] == [quoted.number]
    # Renamed later, through its link to the opportunity.
    customer.refresh_from_db()
    customer.name = "Quayside Freight"
    customer_services.customer_save(customer=customer, actor=owner)
    assert names_of(quoted) == expected_of(quoted)
    assert "Quayside Freight" in names_of(quoted)


def test_the_list_search_finds_the_same_documents(ordered, company):
    customer, quotation, order = ordered
    found = QuotationFilter(
        {"q": "bright.example"}, queryset=Quotation.objects.filter(company=company)
    ).qs
    assert list(found) == [quotation]


# --- the other write paths: admin, API, import (the rest: test_stored_names) ------------------


@pytest.fixture
def staff(company):
    from django.contrib.auth.models import Permission

    user = MembershipFactory(company=company, role=Membership.Role.ADMIN, user__is_staff=True).user
    user.user_permissions.set(Permission.objects.all())
    return user


def _form_values(page: str) -> dict:
    """What the admin's change form would post as it stands: inputs, chosen options, text."""
    values = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or re.search(r'type="(submit|button|file)"', tag):
            continue
        if re.search(r'type="checkbox"', tag) and "checked" not in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        values[name.group(1)] = html.unescape(value.group(1)) if value else ""
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        values[name] = html.unescape(chosen.group(1)) if chosen else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        values[name] = html.unescape(body.strip("\n"))
    return values


def test_an_admin_rename_renames_the_documents(ordered, client, staff, company):
    customer, quotation, order = ordered
    staff_client = login_as(client, staff, company)
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    data = _form_values(staff_client.get(url).content.decode())
    # The customer's address and contact links are left out: only the customer's own fields.
    data = {
        name: ("0" if name.endswith(("-TOTAL_FORMS", "-INITIAL_FORMS")) else value)
        for name, value in data.items()
        if "-" not in name or name.endswith("_FORMS")
    }
    data["name"] = "Admin Renamed Ltd"
    response = staff_client.post(url, data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors,
        [formset.formset.errors for formset in response.context["inline_admin_formsets"]],
    )
    assert "Admin Renamed Ltd" in names_of(quotation)
    assert "Admin Renamed Ltd" in names_of(order)


def test_an_api_rename_renames_the_documents(ordered, company, member):
    customer, quotation, order = ordered
    api = token_client(make_key(company, member))
    response = api.patch(
        f"/api/v1/customers/{customer.pk}/", {"email": "orders@api.example"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert "orders@api.example" in names_of(quotation)
    assert "orders@api.example" in names_of(order)


def test_an_import_updating_the_customer_renames_the_documents(ordered, company):
    customer, quotation, order = ordered
    kind = get_import_kind("customers")
    table = read_table(
        b"Name,Type,E-mail\nImported Name GmbH,"
        + customer.customer_type.name.encode()
        + b",buy@bright.example\n",
        filename="customers.csv",
    )
    outcome = run_import(
        company=company,
        kind=kind,
        table=table,
        columns=guess_columns(kind, table.headers),
        duplicates="update",
    )
    assert outcome.updated == 1, outcome
    assert "Imported Name GmbH" in names_of(quotation)
    assert "Imported Name GmbH" in names_of(order)
