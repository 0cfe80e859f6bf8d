"""The benchmark's detail pages: their records built as the scenario says, and every detail
page answers with the markers the load checks."""

from bench import data
from bench.config import make_config
from bench.scenarios import DETAIL_PAGES, pages_for
from crm.setup import company_defaults_apply
from customers.setup import customers_defaults_apply
from leads.setup import leads_defaults_apply
from selling.models import SalesOrder
from tests.conftest import login_as
from tests.factories import SalespersonFactory


def test_the_detail_records_and_their_pages(client, company, salesperson_user):
    company_defaults_apply(company)
    leads_defaults_apply(company)
    customers_defaults_apply(company)
    SalespersonFactory(company=company, user=salesperson_user)

    stored = {
        **data._detail_records(company, salesperson_user),
        **data.more_detail_records(company, salesperson_user),
    }

    assert set(data.MORE_DETAIL_KEYS) <= set(stored)
    order = SalesOrder.objects.get(pk=stored["order_id"])
    assert order.customer_id == stored["detail_customer_id"]
    assert order.items.count() == 10
    facts = data.CompanyFacts(
        label="small",
        slug=company.slug,
        company_id=company.pk,
        username=salesperson_user.username,
        salesperson_id=0,
        other_salesperson_id=0,
        **stored,
    )
    pages = {page.name: page for page in pages_for(facts, make_config(quick=True))}
    login_as(client, salesperson_user, company)
    for name in DETAIL_PAGES:
        response = client.get(pages[name].path)
        assert response.status_code == 200, name
        body = response.content.decode()
        assert all(marker in body for marker in pages[name].markers), (name, pages[name].markers)
