"""The lead and customer lists counted off the figures the database keeps per (salesperson,
status) (``crm.kept_figures.list_counts``, ``crm.ui.pagination``): every write path keeps them
equal to the rows, each company's apart, verify_figures repairs a wrong one, and the lists show
the count the rows would give."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from crm.kept_figures import list_count_check
from customers.kept import CUSTOMER_COUNTS
from customers.models import Customer, CustomerCountFigure
from customers.services import customer_assign_salesperson, customer_delete, customer_set_status
from leads.kept import LEAD_COUNTS
from leads.models import Lead, LeadCountFigure
from leads.services import lead_assign_salesperson, lead_delete, lead_set_status
from tests.factories import CustomerFactory, LeadFactory, SalespersonFactory

KINDS = {
    "lead": (LEAD_COUNTS, Lead, LeadCountFigure),
    "customer": (CUSTOMER_COUNTS, Customer, CustomerCountFigure),
}


def agree(company, kind: str) -> bool:
    kept, model, _figures = KINDS[kind]
    counted = {}
    for person, status in model.objects.filter(company=company).values_list(
        "salesperson_id", "status"
    ):
        counted[(person, status)] = (counted.get((person, status), (0,))[0] + 1,)
    return kept.stored(company) == counted


@pytest.fixture
def people(company):
    return [SalespersonFactory(company=company, name=name) for name in ("Ana", "Budi")]


def test_the_triggers_are_installed(db):
    assert LEAD_COUNTS.installed(connection) and CUSTOMER_COUNTS.installed(connection)


def test_every_write_path_keeps_the_lead_counts(company, member, people):
    ana, budi = people
    first = LeadFactory(company=company, salesperson=ana)
    LeadFactory(company=company)
    assert LEAD_COUNTS.stored(company) == {(ana.pk, "new"): (1,), (None, "new"): (1,)}
    Lead.objects.bulk_create(
        Lead(company=company, last_name=f"Bulk {n}", salesperson=budi, email=f"b{n}@example.com")
        for n in range(4)
    )
    assert agree(company, "lead")
    lead_set_status(lead=first, status="contacted", actor=member)
    lead_assign_salesperson(lead=first, salesperson=budi, actor=member)
    assert agree(company, "lead")
    Lead.objects.filter(company=company, salesperson=budi).update(
        salesperson=ana, status="qualified"
    )
    Lead.objects.filter(company=company).update(last_name="Renamed")
    assert agree(company, "lead")
    lead_delete(lead=Lead.objects.filter(company=company).first(), actor=member)
    Lead.objects.filter(company=company, salesperson=None).delete()
    assert agree(company, "lead")
    assert LEAD_COUNTS.stored(company) == {(ana.pk, "qualified"): (4,)}


def test_every_write_path_keeps_the_customer_counts(company, member, people):
    ana, budi = people
    first = CustomerFactory(company=company, salesperson=ana)
    CustomerFactory(company=company)
    assert CUSTOMER_COUNTS.stored(company) == {(ana.pk, "active"): (1,), (None, "active"): (1,)}
    customer_type = first.customer_type
    Customer.objects.bulk_create(
        Customer(company=company, name=f"Bulk {n}", customer_type=customer_type, salesperson=budi)
        for n in range(3)
    )
    assert agree(company, "customer")
    customer_assign_salesperson(customer=first, salesperson=budi, actor=member)
    customer_set_status(customer=first, status="on_hold", actor=member, reason="Unpaid")
    assert agree(company, "customer")
    Customer.objects.filter(company=company, salesperson=budi).update(salesperson=ana)
    assert agree(company, "customer")
    customer_delete(
        customer=Customer.objects.filter(company=company, salesperson=None).get(), actor=member
    )
    assert agree(company, "customer")
    assert CUSTOMER_COUNTS.stored(company) == {(ana.pk, "active"): (3,), (ana.pk, "on_hold"): (1,)}


def test_the_counts_stay_in_their_company(company, other_company):
    LeadFactory(company=company)
    with scope(company=other_company):
        LeadFactory.create_batch(2, company=other_company)
        assert LeadCountFigure.objects.get().row_count == 2
    assert LeadCountFigure.objects.get().row_count == 1


@pytest.mark.parametrize("kind", ["lead", "customer"])
def test_verify_figures_repairs_a_wrong_count(company, kind):
    kept, _model, figures = KINDS[kind]
    if kind == "lead":
        LeadFactory(company=company)
    else:
        CustomerFactory(company=company)
    figures.objects.filter(company=company).update(row_count=5)
    only = f"{kind}_count_figures"
    args = ("verify_figures", "--company", company.slug, "--only", only)
    with pytest.raises(CommandError, match="1 row"):
        call_command(*args, stdout=StringIO())
    call_command(*args, "--fix", stdout=StringIO())
    assert agree(company, kind)


def test_a_wrong_count_names_the_salesperson_and_both_figures(company, people):
    LeadFactory(company=company, salesperson=people[0])
    LeadCountFigure.objects.filter(company=company).update(row_count=3)
    _count, find = list_count_check(LEAD_COUNTS, Lead)
    [difference] = find(company, lambda: None)
    assert difference.problems == ["Ana: 3 stored, 1 counted"]


# --- the lists ------------------------------------------------------------------------------------


def _list(client, name, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(name), params)
    assert response.status_code == 200
    return response, " ".join(q["sql"] for q in captured)


@pytest.mark.parametrize(
    ("params", "expected"),
    [({}, 5), ({"status": "contacted"}, 2), ({"salesperson": "ana"}, 3), ({"owner": "mine"}, 3)],
)
def test_the_lead_list_counts_off_the_figures(
    client, company, salesperson_user, people, other_company, params, expected
):
    from tests.conftest import login_as

    ana, _budi = people
    ana.user = salesperson_user
    ana.save()
    LeadFactory.create_batch(2, company=company, salesperson=ana, status="contacted")
    LeadFactory(company=company, salesperson=ana)
    LeadFactory.create_batch(2, company=company)
    with scopes_disabled():
        LeadFactory.create_batch(3, company=other_company)
    login_as(client, salesperson_user, company)
    params.setdefault("owner", "all")
    params = {k: (ana.pk if v == "ana" else v) for k, v in params.items()}
    response, sql = _list(client, "leads:lead_list", **params)
    paginator = response.context["page_obj"].paginator
    assert (paginator.count, paginator.is_capped) == (expected, False)
    assert len(response.context["object_list"]) == expected
    assert "leads_leadcountfigure" in sql and "bounded_rows" not in sql


def test_the_customer_list_counts_off_the_figures_and_says_more_than_past_the_limit(
    member_client, company, people, settings
):
    settings.LIST_COUNT_LIMIT = 3
    CustomerFactory.create_batch(4, company=company, salesperson=people[0])
    CustomerFactory(company=company, on_hold=True)
    response, sql = _list(member_client, "customers:customer_list")
    paginator = response.context["page_obj"].paginator
    assert (paginator.count, paginator.is_capped) == (3, True)
    assert "1–3 of more than 3" in response.text
    assert "customers_customercountfigure" in sql and "bounded_rows" not in sql
    response, sql = _list(member_client, "customers:customer_list", status="on_hold")
    assert response.context["page_obj"].paginator.count == 1
    # A filter the figures do not key (the type): the rows are counted.
    response, sql = _list(
        member_client,
        "customers:customer_list",
        customer_type=Customer.objects.first().customer_type_id,
    )
    assert "bounded_rows" in sql and "customers_customercountfigure" not in sql
    assert response.context["page_obj"].paginator.count == 1
