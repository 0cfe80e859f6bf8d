"""Customer pages: list, 360-degree page, forms, conversion pages, settings lists."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from customers.models import Customer, CustomerGroup, CustomerLink, CustomerType
from customers.setup import customers_defaults_apply
from leads.models import Lead, OpportunityStage
from leads.services import lead_convert_to_opportunity
from leads.setup import leads_defaults_apply
from tests.factories import (
    AddressLinkFactory,
    ContactFactory,
    ContactLinkFactory,
    CustomerFactory,
    CustomerGroupFactory,
    CustomerTypeFactory,
    LeadFactory,
    NoteFactory,
    OpportunityFactory,
    SalespersonFactory,
    WishListItemFactory,
)


@pytest.fixture
def defaults(company):
    leads_defaults_apply(company)
    customers_defaults_apply(company)


def queries_for(client, url) -> int:
    # The first view fills the company's cached choice lists; the budget is every view after.
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_customer_list_queries_do_not_grow_with_rows(member_client, company):
    group = CustomerGroupFactory(company=company)
    parent = CustomerFactory(company=company)

    def batch(count):
        CustomerFactory.create_batch(
            count,
            company=company,
            customer_group=group,
            parent=parent,
            salesperson=SalespersonFactory(company=company),
        )

    url = reverse("customers:customer_list")
    batch(5)
    member_client.get(url)  # warm per-process caches (content types, sessions)
    few = queries_for(member_client, url)
    batch(45)
    assert queries_for(member_client, url) == few


def test_the_list_names_each_customers_parent_as_the_relation_does(member_client, company):
    from customers.tables import _name

    parent = CustomerFactory(company=company, name="Holding & Co")
    child = CustomerFactory(company=company, name="Branch", parent=parent)
    response = member_client.get(reverse("customers:customer_list"))
    assert "part of Holding &amp; Co" in response.text
    listed = {row.pk: row for row in response.context["object_list"]}
    row = type("Row", (), {"url": child.get_absolute_url()})()
    # Read with the row (``parent_name``) or through the relation: the same cell.
    assert _name(listed[child.pk], row) == _name(Customer.objects.get(pk=child.pk), row)
    assert listed[parent.pk].parent_name is None


def test_customer_page_queries_do_not_grow(member_client, company, defaults):
    customer = CustomerFactory(company=company)

    def add_related(count):
        for _ in range(count):
            CustomerLink.objects.create(
                company=company,
                customer=customer,
                opportunity=OpportunityFactory(company=company, lead=LeadFactory(company=company)),
                lead=LeadFactory(company=company),
                kind="opened",
            )
            CustomerFactory(company=company, parent=customer)
            AddressLinkFactory(company=company, owner=customer)

    url = customer.get_absolute_url()
    add_related(1)
    member_client.get(url)
    few = queries_for(member_client, url)
    add_related(5)
    assert queries_for(member_client, url) == few


# What the customer page reads, with a parent, a child, a group with its own prices, a link,
# a portal user and the invitation form: session, user, membership; the customer (with its
# type, group, salesperson, partner and who put it on hold); its ancestors, its children and
# the roll-up of its tree; its links (with their leads and opportunities); its last balance
# entries; its group's and type's terms (one plain query; were two); its portal users and their
# roles; the invitation's contacts and roles (one plain query; were two); its quotations and
# orders; addresses and contacts; the timeline. It was 19 before the terms and the invitation
# were each read in one query.
CUSTOMER_DETAIL_QUERIES = 17


def test_the_customer_page_stays_within_its_query_budget(
    member_client, company, defaults, django_assert_max_num_queries
):
    from customers.models import BalanceEntry, GroupPrice
    from customers.portal_users import customer_roles_ensure
    from tests.factories import ContactLinkFactory, CustomerUserFactory, ProductFactory

    group = CustomerGroupFactory(company=company)
    GroupPrice.objects.create(
        company=company,
        customer_group=group,
        product=ProductFactory(company=company),
        unit_price="9.50",
    )
    customer = CustomerFactory(
        company=company, customer_group=group, parent=CustomerFactory(company=company)
    )
    CustomerFactory(company=company, parent=customer)
    CustomerLink.objects.create(
        company=company,
        customer=customer,
        opportunity=OpportunityFactory(company=company, lead=LeadFactory(company=company)),
        kind="opened",
    )
    customer_roles_ensure(company)
    CustomerUserFactory(customer=customer, roles="buyer")
    ContactLinkFactory(company=company, owner=customer)
    AddressLinkFactory(company=company, owner=customer)
    NoteFactory(company=company, owner=customer)
    BalanceEntry.objects.create(
        company=company,
        customer=customer,
        kind="credit",
        amount="5.00",
        balance_after="5.00",
        reason="Goodwill",
    )
    url = customer.get_absolute_url()
    member_client.get(url)  # sessions and the company's cached lists warm
    with django_assert_max_num_queries(CUSTOMER_DETAIL_QUERIES):
        response = member_client.get(url)
    assert response.status_code == 200
    assert response.context["invite_form"] is not None
    assert response.context["terms"].group_prices == 1


def test_list_filters_and_searches(member_client, company):
    business = CustomerTypeFactory(company=company, name="Business")
    private = CustomerTypeFactory(company=company, name="Private", is_business=False)
    CustomerFactory(
        company=company, name="Bäckerei Krüger", customer_type=business, phone="+49 30 1"
    )
    CustomerFactory(company=company, name="Greta Lorenz", customer_type=private, email="g@x.io")
    url = reverse("customers:customer_list")
    names = lambda response: [c.name for c in response.context["object_list"]]  # noqa: E731
    assert names(member_client.get(url, {"q": "krüger"})) == ["Bäckerei Krüger"]
    assert names(member_client.get(url, {"q": "g@x.io"})) == ["Greta Lorenz"]
    assert names(member_client.get(url, {"customer_type": private.pk})) == ["Greta Lorenz"]
    assert names(member_client.get(url, {"sort": "-name"})) == ["Greta Lorenz", "Bäckerei Krüger"]


def test_create_a_customer_and_refuse_a_loop(member_client, company):
    customer_type = CustomerTypeFactory(company=company)
    response = member_client.post(
        reverse("customers:customer_create"),
        {"name": "Nordlicht Holding", "customer_type": customer_type.pk},
    )
    holding = Customer.objects.get()
    assert response["Location"] == holding.get_absolute_url()
    child = CustomerFactory(company=company, parent=holding)
    response = member_client.post(
        reverse("customers:customer_update", args=[holding.pk]),
        {"name": "Nordlicht Holding", "customer_type": customer_type.pk, "parent": child.pk},
    )
    assert response.status_code == 200
    assert "hierarchy" in str(response.context["form"].non_field_errors())
    holding.refresh_from_db()
    assert holding.parent is None


def test_another_companys_choices_are_refused(member_client, company, other_company):
    with scopes_disabled():
        foreign_type = CustomerTypeFactory(company=other_company)
        foreign_parent = CustomerFactory(company=other_company)
    response = member_client.post(
        reverse("customers:customer_create"),
        {"name": "X", "customer_type": foreign_type.pk, "parent": foreign_parent.pk},
    )
    assert response.status_code == 200
    assert {"customer_type", "parent"} <= set(response.context["form"].errors)
    assert not Customer.objects.exists()


def test_conversion_page_offers_the_existing_customer(member_client, company, defaults):
    existing = CustomerFactory(company=company, name="Krüger Bäckerei", email="other@x.io")
    lead = LeadFactory(
        company=company, organization_name="Krüger Bäckerei GmbH", email="lena@krueger.io"
    )
    response = member_client.get(reverse("customers:convert_lead", args=[lead.pk]))
    matches = response.context["duplicates"]
    assert [m.customer for m in matches] == [existing]
    assert not matches[0].exact  # a similar name is offered, never linked by itself
    assert response.context["form"].initial["name"] == "Krüger Bäckerei GmbH"

    response = member_client.post(
        reverse("customers:convert_lead", args=[lead.pk]),
        {"action": "link", "customer": existing.pk},
    )
    assert response["Location"] == existing.get_absolute_url()
    assert CustomerLink.objects.get(lead=lead).customer == existing
    # Once converted, the page leads to the customer.
    response = member_client.get(reverse("customers:convert_lead", args=[lead.pk]))
    assert response["Location"] == existing.get_absolute_url()


def test_exact_duplicate_asks_for_confirmation(member_client, company, defaults):
    CustomerFactory(company=company, name="Someone", email="lena@krueger.io")
    lead = LeadFactory(company=company, organization_name="Krüger", email="lena@krueger.io")
    url = reverse("customers:convert_lead", args=[lead.pk])
    business = CustomerType.objects.get(name="Business")
    data = {
        "action": "create",
        "name": "Krüger",
        "customer_type": business.pk,
        "email": "lena@krueger.io",
    }
    response = member_client.post(url, data)
    assert response.status_code == 200
    assert response.context["confirm_needed"]
    assert "same e-mail or phone" in str(response.context["form"].non_field_errors())
    assert Customer.objects.count() == 1
    response = member_client.post(url, {**data, "confirm_new": "1"})
    customer = Customer.objects.get(name="Krüger")
    assert response["Location"] == customer.get_absolute_url()


def test_opportunity_page_converts_and_customer_page_shows_the_history(
    member_client, member, company, defaults
):
    lead = LeadFactory(company=company, organization_name="Atelier Dubois")
    WishListItemFactory(company=company, lead=lead)
    NoteFactory(company=company, owner=lead, author=member, body="Wants oak, not pine")
    opportunity = lead_convert_to_opportunity(lead=lead, actor=member)
    page = member_client.get(opportunity.get_absolute_url()).content.decode()
    assert reverse("customers:convert_opportunity", args=[opportunity.pk]) in page
    response = member_client.get(reverse("customers:convert_opportunity", args=[opportunity.pk]))
    form = response.context["form"]
    data = {"action": "create", **{k: v or "" for k, v in form.initial.items() if k in form.fields}}
    data["customer_type"] = form.initial["customer_type"]
    response = member_client.post(
        reverse("customers:convert_opportunity", args=[opportunity.pk]), data
    )
    customer = Customer.objects.get()
    assert response["Location"] == customer.get_absolute_url()
    page = member_client.get(customer.get_absolute_url())
    html = page.content.decode()
    assert page.context["wish_list"]  # the opportunity's wish list
    assert opportunity.title in html
    # The customer's timeline: its own events, and the people's notes of the lead and the
    # opportunity it came from; their system events stay on their own pages (one entry per
    # business event, not the chain's every step again).
    assert "Wants oak, not pine" in html
    assert html.count("Created from opportunity") == 1
    assert "Converted to opportunity" not in html
    assert "Became the customer" not in html
    opportunity.refresh_from_db()
    assert opportunity.stage.kind == OpportunityStage.Kind.WON


def test_an_opportunity_without_a_lead_proposes_its_contact_person_not_its_title(
    member_client, company, defaults
):
    opportunity = OpportunityFactory(company=company, title="Warehouse scanners")
    ContactLinkFactory(company=company, owner=opportunity)
    ContactLinkFactory(
        company=company,
        owner=opportunity,
        is_primary=True,
        contact=ContactFactory(company=company, first_name="Jonas", last_name="Huber"),
    )
    url = reverse("customers:convert_opportunity", args=[opportunity.pk])
    form = member_client.get(url).context["form"]
    assert form.initial["name"] == "Jonas Huber"


def test_an_opportunity_without_a_lead_or_contact_leaves_the_name_to_the_user(
    member_client, company, defaults
):
    opportunity = OpportunityFactory(company=company, title="Warehouse scanners")
    url = reverse("customers:convert_opportunity", args=[opportunity.pk])
    response = member_client.get(url)
    assert response.context["form"].initial["name"] == ""
    assert 'value="Warehouse scanners"' not in response.content.decode()
    business = CustomerType.objects.get(name="Business")
    data = {"action": "create", "name": "", "customer_type": business.pk}
    response = member_client.post(url, data)
    assert response.status_code == 200
    assert "name" in response.context["form"].errors  # required: typed, never the deal's title
    assert not Customer.objects.exists()
    response = member_client.post(url, {**data, "name": "Lagerhaus Nord GmbH"})
    assert Customer.objects.get().name == "Lagerhaus Nord GmbH"


def test_open_an_opportunity_for_a_customer(member_client, company, defaults):
    customer = CustomerFactory(company=company)
    stage = OpportunityStage.objects.filter(kind="open").first()
    response = member_client.post(
        reverse("customers:customer_opportunity_create", args=[customer.pk]),
        {"title": "Refill", "stage": stage.pk, "expected_amount": "120.50"},
    )
    link = CustomerLink.objects.get(customer=customer)
    assert response["Location"] == link.opportunity.get_absolute_url()
    assert str(link.opportunity.expected_amount) == "120.50"


def test_delete_is_refused_while_records_depend_on_it(member_client, company, defaults):
    customer = CustomerFactory(company=company)
    child = CustomerFactory(company=company, parent=customer)
    response = member_client.post(reverse("customers:customer_delete", args=[customer.pk]))
    assert response.status_code == 302
    assert Customer.objects.filter(pk=customer.pk).exists()
    member_client.post(reverse("customers:customer_delete", args=[child.pk]))
    assert not Customer.objects.filter(pk=child.pk).exists()


def test_settings_lists_for_groups_and_types(member_client, company, client, salesperson_user):
    response = member_client.post(
        reverse("customers:group_create"), {"name": "Wholesale", "discount_percent": "12.5"}
    )
    assert response["Location"] == reverse("customers:group_list")
    assert str(CustomerGroup.objects.get().discount_percent) == "12.50"
    response = member_client.post(
        reverse("customers:group_create"), {"name": "Bad", "discount_percent": "120"}
    )
    assert response.status_code == 200 and CustomerGroup.objects.count() == 1
    settings_page = member_client.get(reverse("crm:settings")).content.decode()
    assert reverse("customers:type_list") in settings_page
    assert reverse("leads:stage_list") in settings_page


def test_a_salesperson_starts_on_their_own_customers(client, company, salesperson_user):
    from tests.conftest import login_as

    mine = SalespersonFactory(company=company, user=salesperson_user)
    CustomerFactory(company=company, name="Mine Ltd", salesperson=mine)
    CustomerFactory(
        company=company, name="Theirs Ltd", salesperson=SalespersonFactory(company=company)
    )
    login_as(client, salesperson_user, company)
    url = reverse("customers:customer_list")
    names = lambda response: [c.name for c in response.context["object_list"]]  # noqa: E731
    assert names(client.get(url)) == ["Mine Ltd"]
    toggled = client.get(url, {"owner": "all", "remember": "1"})  # the toggle's link
    assert names(toggled) == ["Mine Ltd", "Theirs Ltd"]
    assert names(client.get(url)) == ["Mine Ltd", "Theirs Ltd"]  # the choice is remembered


def test_customer_page_says_what_group_and_type_give(member_client, company, defaults):
    from customers import services as customer_services
    from customers.models import ProductLimit
    from tests.factories import ProductFactory

    group = CustomerGroupFactory(company=company, name="Wholesale", payment_terms_days=14)
    business = CustomerTypeFactory(company=company, name="Reseller", is_business=True)
    customer = CustomerFactory(company=company, customer_group=group, customer_type=business)
    for product in ProductFactory.create_batch(2, company=company):
        customer_services.product_price_set(group=group, product=product, unit_price="9.50")
    bundle = ProductFactory(company=company, name="Bundle")
    ProductLimit.objects.create(company=company, product=bundle, customer_type=business)

    html = member_client.get(customer.get_absolute_url()).content.decode()

    assert "own prices for 2 products" in html
    assert "1 product only for this type" in html
    assert "sees net prices" in html
    assert "14 days net" in html


def test_the_customer_panel_says_who_may_convert_a_colleagues_lead(
    client, company, defaults, salesperson_user
):
    from tests.conftest import login_as

    mine = SalespersonFactory(company=company, user=salesperson_user)
    theirs = LeadFactory(company=company, salesperson=SalespersonFactory(company=company))
    own = LeadFactory(company=company, salesperson=mine)
    login_as(client, salesperson_user, company)
    page = client.get(theirs.get_absolute_url()).content.decode()
    assert "Your access level does not let you convert it" in page
    assert reverse("customers:convert_lead", args=[theirs.pk]) not in page
    assert "Reopen it" not in page
    page = client.get(own.get_absolute_url()).content.decode()
    assert reverse("customers:convert_lead", args=[own.pk]) in page


def test_a_lost_lead_tells_a_user_who_may_convert_but_not_edit_who_can_reopen_it(
    client, company, defaults, salesperson_user
):
    from crm.access.services import role_access_levels_save
    from crm.access.vocabulary import Action, Level
    from crm.models import Membership
    from tests.conftest import login_as
    from tests.factories import LostReasonFactory, MembershipFactory

    owner = MembershipFactory(company=company, role=Membership.Role.OWNER).user
    role_access_levels_save(
        company=company,
        levels={("leads.lead", Action.CONVERT, Membership.Role.SALESPERSON): Level.COMPANY},
        actor=owner,
    )
    SalespersonFactory(company=company, user=salesperson_user)
    lost = LeadFactory(
        company=company,
        salesperson=SalespersonFactory(company=company),
        status=Lead.Status.LOST,
        lost_reason=LostReasonFactory(company=company),
    )
    login_as(client, salesperson_user, company)

    page = client.get(lost.get_absolute_url()).content.decode()

    assert "Reopen it to convert it" not in page
    assert "its salesperson or a manager can reopen it" in page


def test_the_edit_forms_empty_choices_say_what_they_mean(member_client, company):
    customer = CustomerFactory(company=company, salesperson=None, sales_partner=None)
    html = member_client.get(reverse("customers:customer_update", args=[customer.pk])).content
    html = html.decode()
    assert "---------" not in html
    for label in ("No customer group", "No parent", "No salesperson", "No sales partner"):
        assert f'<option value="">{label}</option>' in html or f'value="" selected>{label}' in html
    assert "Choose a customer type" in html
