"""Quotations, orders, the board, wish lists and the admin follow crm.access, as leads do.

Sam and Dana are salespeople outside each other's team: by default each sees every document
and changes only their own. A colleague's document is a 404 on every URL that changes it and
its page shows no button that would lead there.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from crm.access import Action, Level
from crm.access.services import role_access_levels_save
from crm.models import Membership
from leads.models import WishListItem
from selling import services
from selling.models import Quotation, SalesOrder
from tests.conftest import login_as
from tests.factories import (
    CustomerFactory,
    MembershipFactory,
    OpportunityFactory,
    ProductFactory,
    SalespersonFactory,
    WishListItemFactory,
)
from tests.selling.conftest import stage_of

Role = Membership.Role


@pytest.fixture
def colleagues(company, defaults):
    owner = MembershipFactory(company=company, role=Role.OWNER).user
    sam = MembershipFactory(company=company, role=Role.SALESPERSON).user
    dana = MembershipFactory(company=company, role=Role.SALESPERSON).user
    sellers = {
        "sam": SalespersonFactory(company=company, name="Sam", user=sam),
        "dana": SalespersonFactory(company=company, name="Dana", user=dana),
    }
    customer = CustomerFactory(company=company, salesperson=sellers["dana"])
    product = ProductFactory(company=company, unit_price=Decimal("10.00"))
    documents = {}
    for name, seller in sellers.items():
        quotation = services.quotation_create(customer=customer, actor=owner)
        order = services.order_create(customer=customer, actor=owner)
        Quotation.objects.filter(pk=quotation.pk).update(salesperson=seller)
        SalesOrder.objects.filter(pk=order.pk).update(salesperson=seller)
        opportunity = OpportunityFactory(
            company=company, salesperson=seller, stage=stage_of(company, "open")
        )
        wish = WishListItemFactory(
            company=company, lead=None, opportunity=opportunity, product=product
        )
        documents[name] = {
            "quotation": Quotation.objects.get(pk=quotation.pk),
            "order": SalesOrder.objects.get(pk=order.pk),
            "opportunity": opportunity,
            "wish": wish,
        }
    return {"owner": owner, "sam": sam, "dana": dana}, documents


QUOTATION_CHANGES = [
    "quotation_update",
    "quotation_items",
    "quotation_send",
    "quotation_revise",
    "quotation_accept",
    "quotation_reject",
    "quotation_order",
]
ORDER_CHANGES = ["order_update", "order_items", "order_confirm", "order_fulfil", "order_cancel"]


def test_a_colleagues_quotation_shows_without_buttons_and_refuses_every_change(
    client, company, colleagues
):
    users, documents = colleagues
    danas = documents["dana"]["quotation"]
    login_as(client, users["sam"], company)
    page = client.get(danas.get_absolute_url())
    assert page.status_code == 200
    body = page.content.decode()
    for name in QUOTATION_CHANGES:
        url = reverse(f"selling:{name}", args=[danas.pk])
        assert url not in body, name
        assert client.post(url).status_code == 404, name
    assert client.get(reverse("selling:quotation_update", args=[danas.pk])).status_code == 404
    assert client.get(reverse("selling:quotation_print", args=[danas.pk])).status_code == 200
    danas.refresh_from_db()
    assert danas.status == Quotation.Status.DRAFT

    own = documents["sam"]["quotation"]
    body = client.get(own.get_absolute_url()).content.decode()
    assert reverse("selling:quotation_update", args=[own.pk]) in body
    assert reverse("selling:quotation_items", args=[own.pk]) in body


def test_a_colleagues_order_refuses_every_change(client, company, colleagues):
    users, documents = colleagues
    danas = documents["dana"]["order"]
    login_as(client, users["sam"], company)
    body = client.get(danas.get_absolute_url()).content.decode()
    for name in ORDER_CHANGES:
        url = reverse(f"selling:{name}", args=[danas.pk])
        assert url not in body, name
        assert client.post(url).status_code == 404, name
    own = documents["sam"]["order"]
    body = client.get(own.get_absolute_url()).content.decode()
    assert reverse("selling:order_update", args=[own.pk]) in body
    # An empty draft: its next step is adding lines (confirming it would be refused).
    assert reverse("selling:order_items", args=[own.pk]) in body


def test_quoting_or_ordering_a_colleagues_opportunity_is_a_404(client, company, colleagues):
    users, documents = colleagues
    danas = documents["dana"]["opportunity"]
    login_as(client, users["sam"], company)
    for name in ("quotation_create_for_opportunity", "opportunity_order"):
        assert client.post(reverse(f"selling:{name}", args=[danas.pk])).status_code == 404
    body = client.get(danas.get_absolute_url()).content.decode()
    assert reverse("selling:quotation_create_for_opportunity", args=[danas.pk]) not in body
    own = documents["sam"]["opportunity"]
    body = client.get(own.get_absolute_url()).content.decode()
    assert reverse("selling:quotation_create_for_opportunity", args=[own.pk]) in body


def test_a_view_level_of_own_narrows_the_lists_and_the_pages(client, company, colleagues):
    users, documents = colleagues
    role_access_levels_save(
        company=company,
        levels={
            ("selling.quotation", Action.VIEW, Role.SALESPERSON): Level.OWN,
            ("selling.salesorder", Action.VIEW, Role.SALESPERSON): Level.OWN,
        },
        actor=users["owner"],
    )
    login_as(client, users["sam"], company)
    quotations = client.get(reverse("selling:quotation_list") + "?owner=all")
    assert [q.pk for q in quotations.context["object_list"]] == [documents["sam"]["quotation"].pk]
    orders = client.get(reverse("selling:order_list") + "?owner=all")
    assert [o.pk for o in orders.context["object_list"]] == [documents["sam"]["order"].pk]
    for kind, name in (("quotation", "quotation_detail"), ("order", "order_detail")):
        danas = documents["dana"][kind]
        assert client.get(reverse(f"selling:{name}", args=[danas.pk])).status_code == 404
    # The customer's page lists only Sam's documents in its panel.
    customer = documents["sam"]["quotation"].customer
    body = client.get(customer.get_absolute_url()).content.decode()
    for name, shown in (("sam", True), ("dana", False)):
        for kind in ("quotation", "order"):
            document = documents[name][kind]
            link = f'class="doc-number" href="{document.get_absolute_url()}"'
            assert (link in body) is shown, (name, kind)


def test_the_board_hides_what_the_user_does_not_see_and_cannot_move(client, company, colleagues):
    users, documents = colleagues
    login_as(client, users["sam"], company)
    body = client.get(reverse("leads:opportunity_board") + "?owner=all").content.decode()
    danas, own = documents["dana"]["opportunity"], documents["sam"]["opportunity"]
    assert danas.title in body and own.title in body
    assert reverse("leads:opportunity_stage", args=[own.pk]) in body
    assert reverse("leads:opportunity_stage", args=[danas.pk]) not in body

    role_access_levels_save(
        company=company,
        levels={("leads.opportunity", Action.VIEW, Role.SALESPERSON): Level.OWN},
        actor=users["owner"],
    )
    body = client.get(reverse("leads:opportunity_board") + "?owner=all").content.decode()
    assert own.title in body and danas.title not in body


def test_a_colleagues_wish_list_item_cannot_be_removed(client, company, colleagues):
    users, documents = colleagues
    login_as(client, users["sam"], company)
    danas, own = documents["dana"]["wish"], documents["sam"]["wish"]
    assert client.post(reverse("leads:wish_remove", args=[danas.pk])).status_code == 404
    assert WishListItem.objects.filter(pk=danas.pk).exists()
    assert client.post(reverse("leads:wish_remove", args=[own.pk])).status_code == 302
    assert not WishListItem.objects.filter(pk=own.pk).exists()


def test_the_admin_lists_and_changes_within_the_users_levels(client, company, colleagues):
    from django.contrib.auth.models import Permission

    users, documents = colleagues
    sam = users["sam"]
    sam.is_staff = True
    sam.save()
    sam.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["selling", "leads"])
    )
    role_access_levels_save(
        company=company,
        levels={("selling.quotation", Action.VIEW, Role.SALESPERSON): Level.OWN},
        actor=users["owner"],
    )
    login_as(client, sam, company)
    listing = client.get(reverse("admin:selling_quotation_changelist"))
    assert listing.status_code == 200
    shown = {q.pk for q in listing.context["cl"].result_list}
    assert shown == {documents["sam"]["quotation"].pk}
    # A colleague's order is listed (view: company) but opens read-only (edit: own team).
    danas = documents["dana"]["order"]
    page = client.get(reverse("admin:selling_salesorder_change", args=[danas.pk]))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    own = documents["sam"]["order"]
    page = client.get(reverse("admin:selling_salesorder_change", args=[own.pk]))
    assert page.context["has_change_permission"] is True


def test_a_customer_beyond_the_view_level_is_no_choice_anywhere(client, company, colleagues):
    """With customers at "own", Sam neither finds Dana's customer by typing, nor quotes or
    orders for it with a hand-made request, nor filters a list by it."""
    users, documents = colleagues
    danas_customer = documents["dana"]["quotation"].customer
    sams_customer = CustomerFactory(
        company=company,
        name="Sams Shop",
        salesperson=documents["sam"]["opportunity"].salesperson,
    )
    role_access_levels_save(
        company=company,
        levels={("customers.customer", Action.VIEW, Role.SALESPERSON): Level.OWN},
        actor=users["owner"],
    )
    login_as(client, users["sam"], company)
    lookup = reverse("customers:customer_lookup")
    for customer, found in ((danas_customer, False), (sams_customer, True)):
        answer = client.get(lookup, {"q": customer.name}, headers={"HX-Request": "true"})
        assert (f'value="{customer.pk}"' in answer.content.decode()) is found, customer
    before = (Quotation.objects.count(), SalesOrder.objects.count())
    quote = client.post(reverse("selling:quotation_create"), {"customer": danas_customer.pk})
    order = client.post(
        reverse("selling:order_create"),
        {"customer": danas_customer.pk, "order_date": "2026-12-01"},
    )
    for answer in (quote, order):
        assert answer.status_code == 200
        assert "customer" in answer.context["form"].errors
    assert (Quotation.objects.count(), SalesOrder.objects.count()) == before
    # Nothing is preselected from a link either, and a list filter by that id is refused.
    prefilled = client.get(reverse("selling:quotation_create"), {"customer": danas_customer.pk})
    assert danas_customer.name not in prefilled.content.decode()
    listed = client.get(reverse("selling:quotation_list"), {"customer": danas_customer.pk})
    assert "customer" in listed.context["filter"].form.errors
    created = client.post(reverse("selling:quotation_create"), {"customer": sams_customer.pk})
    assert created.status_code == 302


def _customers_own_for_salespeople(company, owner):
    role_access_levels_save(
        company=company,
        levels={("customers.customer", Action.VIEW, Role.SALESPERSON): Level.OWN},
        actor=owner,
    )


def test_the_admins_customer_choices_follow_the_view_level(client, company, colleagues):
    """In the admin too, a customer beyond Sam's view level is neither found by the
    autocomplete nor accepted by the field behind it."""
    import json

    from django.contrib.auth.models import Permission

    users, documents = colleagues
    danas_customer = documents["dana"]["quotation"].customer
    sams_customer = CustomerFactory(
        company=company,
        name=danas_customer.name + " Two",
        salesperson=documents["sam"]["opportunity"].salesperson,
    )
    sam = users["sam"]
    sam.is_staff = True
    sam.save()
    sam.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["selling", "customers"])
    )
    _customers_own_for_salespeople(company, users["owner"])
    login_as(client, sam, company)
    for app_label, model_name in (("selling", "quotation"), ("selling", "salesorder")):
        answer = client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": app_label,
                "model_name": model_name,
                "field_name": "customer",
                "term": danas_customer.name,
            },
        )
        found = {row["id"] for row in json.loads(answer.content)["results"]}
        assert found == {str(sams_customer.pk)}, model_name
    page = client.get(reverse("admin:customers_customer_add"))
    parent = page.context["adminform"].form.fields["parent"]
    assert not parent.queryset.filter(pk=danas_customer.pk).exists()
    assert parent.queryset.filter(pk=sams_customer.pk).exists()


def test_a_conversion_cannot_link_a_customer_beyond_the_view_level(client, company, colleagues):
    """Converting a lead, Sam is offered only the duplicates he may view, and a hand-made
    "link" to Dana's customer is refused: the lead stays unconverted."""
    from customers.models import CustomerLink
    from tests.factories import LeadFactory

    users, documents = colleagues
    danas_customer = documents["dana"]["quotation"].customer
    _customers_own_for_salespeople(company, users["owner"])
    lead = LeadFactory(
        company=company,
        salesperson=documents["sam"]["opportunity"].salesperson,
        organization_name=danas_customer.name,
        email=danas_customer.email,
    )
    login_as(client, users["sam"], company)
    url = reverse("customers:convert_lead", args=[lead.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert danas_customer not in [match.customer for match in page.context["duplicates"]]
    answer = client.post(url, {"action": "link", "customer": danas_customer.pk})
    assert answer.status_code == 302
    assert not CustomerLink.objects.filter(lead=lead).exists()
    messages = [str(m) for m in answer.wsgi_request._messages]
    assert any("Choose one of the customers listed" in m for m in messages)


def test_a_duplicate_refusal_counts_a_customer_beyond_the_view_level_without_naming_it(
    company, colleagues
):
    """Sam converts a lead whose e-mail Dana's customer has: the refusal says a customer he
    may not view matches, and never names it; the owner (company level) is told the name."""
    from crm.errors import DomainError
    from customers.services import lead_convert_to_customer
    from tests.factories import LeadFactory

    users, documents = colleagues
    danas_customer = documents["dana"]["quotation"].customer
    _customers_own_for_salespeople(company, users["owner"])
    lead = LeadFactory(
        company=company,
        salesperson=documents["sam"]["opportunity"].salesperson,
        organization_name="Another name altogether",
        email=danas_customer.email,
    )
    with pytest.raises(DomainError) as refused:
        lead_convert_to_customer(lead=lead, actor=users["sam"])
    assert refused.value.code == "duplicate"
    assert danas_customer.name not in str(refused.value.message)
    assert "may not view" in str(refused.value.message)
    with pytest.raises(DomainError) as refused:
        lead_convert_to_customer(lead=lead, actor=users["owner"])
    assert danas_customer.name in str(refused.value.message)


def test_a_customers_timeline_leaves_out_documents_beyond_the_view_level(
    client, company, colleagues
):
    """Dana's order is mirrored on the customer's timeline ("Sales order SO-…: Order created.").
    With orders at "own", Sam sees the customer's page without that entry, and the
    dashboard's recent activity without any entry of or about Dana's order."""
    from crm.dashboard import recent_activity_widget
    from crm.ui.dashboard import period_for

    users, documents = colleagues
    sams, danas = documents["sam"]["order"], documents["dana"]["order"]
    customer = danas.customer
    role_access_levels_save(
        company=company,
        levels={("selling.salesorder", Action.VIEW, Role.SALESPERSON): Level.OWN},
        actor=users["owner"],
    )
    login_as(client, users["sam"], company)
    page = client.get(customer.get_absolute_url()).content.decode()
    assert sams.number in page
    assert danas.number not in page

    entries = recent_activity_widget(company, users["sam"], period_for(None))["entries"]
    text = " ".join(entry.summary for entry in entries)
    assert sams.number in text
    assert danas.number not in text
    # The owner still reads every entry.
    login_as(client, users["owner"], company)
    assert danas.number in client.get(customer.get_absolute_url()).content.decode()


def test_the_api_and_the_order_link_refuse_a_customer_beyond_the_view_level(
    client, company, colleagues
):
    """Through the API Sam can neither quote nor order for Dana's customer, nor link it to
    his opportunity's order; on the page, a hand-made link to it is refused too."""
    from tests.api.conftest import make_key, token_client

    users, documents = colleagues
    danas_customer = documents["dana"]["quotation"].customer
    opportunity = documents["sam"]["opportunity"]
    _customers_own_for_salespeople(company, users["owner"])
    api = token_client(make_key(company, users["sam"]))
    before = (Quotation.objects.count(), SalesOrder.objects.count())
    quoted = api.post("/api/v1/quotations/", {"customer": danas_customer.pk}, format="json")
    ordered = api.post(
        "/api/v1/orders/",
        {"customer": danas_customer.pk, "order_date": "2026-12-01"},
        format="json",
    )
    linked = api.post(
        f"/api/v1/opportunities/{opportunity.pk}/order/",
        {"customer": danas_customer.pk},
        format="json",
    )
    for answer in (quoted, ordered, linked):
        assert answer.status_code == 400, answer.content
        assert "customer" in answer.content.decode()
    login_as(client, users["sam"], company)
    page = client.post(
        reverse("selling:opportunity_order", args=[opportunity.pk]),
        {"customer": danas_customer.pk},
    )
    assert page.status_code == 302
    assert (Quotation.objects.count(), SalesOrder.objects.count()) == before
