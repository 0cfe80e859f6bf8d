"""The API's resources do what the pages do, through the same services: create, change and
delete with the pages' rules; conversions and status moves as actions with their outcomes;
access levels; the error shape; pagination; throttling; query budgets."""

from decimal import Decimal

import pytest
from django_scopes import scope

from crm.models import ApiToken, Membership
from customers.models import Customer
from customers.setup import customers_defaults_apply
from leads.models import Lead, Opportunity
from leads.setup import leads_defaults_apply
from selling.models import Quotation, SalesOrder
from tests.api.conftest import errors_of, make_key, token_client
from tests.factories import (
    CustomerFactory,
    LeadFactory,
    MembershipFactory,
    OpportunityFactory,
    OpportunityStageFactory,
    ProductFactory,
    SalespersonFactory,
    WishListItemFactory,
)

LEADS = "/api/v1/leads/"


@pytest.fixture
def defaults(company):
    leads_defaults_apply(company)
    customers_defaults_apply(company)
    return company


def test_create_change_and_delete_a_lead(api, company):
    created = api.post(LEADS, {"last_name": "Hartmann", "email": "h@example.com"}, format="json")
    assert created.status_code == 201, created.json()
    lead = Lead.objects.get(company=company, pk=created.json()["id"])
    assert (lead.last_name, lead.email, lead.status) == ("Hartmann", "h@example.com", "new")
    assert created["ETag"] == '"1"'

    changed = api.patch(f"{LEADS}{lead.pk}/", {"phone": "+49 30 1234567"}, format="json")
    assert changed.status_code == 200
    lead.refresh_from_db()
    assert (lead.last_name, lead.phone) == ("Hartmann", "+49301234567")  # the rest kept

    assert api.delete(f"{LEADS}{lead.pk}/").status_code == 204
    assert not Lead.objects.filter(company=company, pk=lead.pk).exists()


def test_the_pages_rules_answer_in_the_one_error_shape(api, company):
    nameless = api.post(LEADS, {"email": "not-an-address"}, format="json")
    assert nameless.status_code == 400
    errors = errors_of(nameless)
    assert {"field": "email", "code": "invalid"}.items() <= errors[0].items()
    assert not Lead.objects.filter(company=company).exists()
    # The form's own rule (a name or an organization), for the request as a whole.
    nameless = api.post(LEADS, {"email": "a@example.com"}, format="json")
    assert errors_of(nameless) == [
        {"field": None, "code": "invalid", "message": "Give the lead a name or an organization."}
    ]
    wrong_type = api.post(LEADS, {"last_name": ["x"], "source": "abc"}, format="json")
    assert {error["field"] for error in errors_of(wrong_type)} == {"last_name", "source"}


def test_a_choice_from_another_company_is_refused(api, company, other_company):
    with scope(company=other_company):
        theirs = SalespersonFactory(company=other_company)
    response = api.post(LEADS, {"last_name": "X", "salesperson": theirs.pk}, format="json")
    assert response.status_code == 400
    assert errors_of(response)[0]["field"] == "salesperson"


def test_a_stale_edit_is_refused_with_409(api, company):
    lead = LeadFactory(company=company, last_name="Old")
    first = api.get(f"{LEADS}{lead.pk}/")
    etag = first["ETag"]
    assert api.patch(f"{LEADS}{lead.pk}/", {"last_name": "New"}, format="json").status_code == 200
    stale = api.patch(
        f"{LEADS}{lead.pk}/", {"last_name": "Mine"}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 409
    assert errors_of(stale)[0]["code"] == "stale"
    lead.refresh_from_db()
    assert lead.last_name == "New"


def test_converting_a_lead_makes_one_opportunity_and_then_a_customer(api, company, defaults):
    lead = LeadFactory(company=company, organization_name="Nordwind GmbH")
    WishListItemFactory(
        company=company,
        lead=lead,
        product=ProductFactory(company=company, unit_price=Decimal("10")),
    )
    first = api.post(f"{LEADS}{lead.pk}/convert/", {"title": "Fleet"}, format="json")
    again = api.post(f"{LEADS}{lead.pk}/convert/", {}, format="json")
    assert first.status_code == again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    opportunity = Opportunity.objects.get(company=company, lead=lead)
    assert opportunity.title == "Fleet" and opportunity.expected_amount == Decimal("20.00")
    lead.refresh_from_db()
    assert lead.status == Lead.Status.CONVERTED

    made = api.post(
        f"/api/v1/opportunities/{opportunity.pk}/convert-to-customer/",
        {"name": "Nordwind GmbH", "allow_duplicates": True},
        format="json",
    )
    assert made.status_code == 200, made.json()
    customer = Customer.objects.get(company=company, pk=made.json()["id"])
    assert customer.opportunity_id == opportunity.pk and customer.lead_id == lead.pk
    twice = api.post(
        f"/api/v1/opportunities/{opportunity.pk}/convert-to-customer/", {}, format="json"
    )
    assert twice.json()["id"] == customer.pk
    assert Customer.objects.filter(company=company).count() == 1


def test_a_lost_lead_is_refused_conversion_with_the_services_message(api, company, defaults):
    lead = LeadFactory(company=company)
    lost = api.post(f"{LEADS}{lead.pk}/status/", {"status": "lost"}, format="json")
    assert lost.status_code == 400
    assert errors_of(lost)[0]["field"] == "lost_reason"
    from leads.models import LostReason

    reason = LostReason.objects.filter(company=company).first()
    moved = api.post(
        f"{LEADS}{lead.pk}/status/", {"status": "lost", "lost_reason": reason.pk}, format="json"
    )
    assert moved.json()["status"] == "lost"
    refused = api.post(f"{LEADS}{lead.pk}/convert/", {}, format="json")
    assert refused.status_code == 400
    assert "reopen the lead" in errors_of(refused)[0]["message"]
    assert not Opportunity.objects.filter(company=company).exists()


def test_moving_an_opportunity_keeps_its_stage_history(api, company):
    start = OpportunityStageFactory(company=company, order=1)
    later = OpportunityStageFactory(company=company, order=2, probability=60)
    opportunity = OpportunityFactory(company=company, stage=start)
    response = api.post(
        f"/api/v1/opportunities/{opportunity.pk}/move/", {"stage": later.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["stage"], response.json()["probability"]) == (later.pk, 60)
    assert opportunity.stage_changes.filter(to_stage=later).exists()


def test_quote_accept_order_and_confirm(api, company, defaults):
    opportunity = OpportunityFactory(
        company=company,
        stage=Opportunity._meta.get_field("stage")
        .related_model.objects.filter(company=company, kind="open")
        .first(),
    )
    WishListItemFactory(
        company=company,
        lead=None,
        opportunity=opportunity,
        product=ProductFactory(company=company, unit_price=Decimal("100.00")),
        quantity=Decimal("2"),
    )
    quoted = api.post(f"/api/v1/opportunities/{opportunity.pk}/quote/")
    assert quoted.status_code == 201, quoted.json()
    body = quoted.json()
    assert body["status"] == "draft" and len(body["items"]) == 1
    assert Decimal(body["net_total"]) == Decimal("200.00")
    url = f"/api/v1/quotations/{body['id']}/"
    assert api.post(f"{url}send/").json()["status"] == "sent"
    assert api.post(f"{url}accept/").json()["status"] == "accepted"
    ordered = api.post(f"{url}order/", {"allow_duplicates": True}, format="json")
    assert ordered.status_code == 200, ordered.json()
    again = api.post(f"{url}order/", {}, format="json")
    assert ordered.json()["id"] == again.json()["id"]
    order = SalesOrder.objects.get(company=company, pk=ordered.json()["id"])
    assert order.quotation_id == body["id"] and order.gross_total == Decimal(body["gross_total"])
    assert Quotation.objects.get(company=company, pk=body["id"]).status == "ordered"
    confirmed = api.post(f"/api/v1/orders/{order.pk}/confirm/")
    assert confirmed.json()["status"] == "confirmed"


def test_a_draft_order_for_a_customer_and_its_header(api, company, defaults):
    customer = CustomerFactory(company=company)
    made = api.post(
        "/api/v1/orders/",
        {"customer": customer.pk, "order_date": "2026-03-02", "notes": "Gate 4"},
        format="json",
    )
    assert made.status_code == 201, made.json()
    order = SalesOrder.objects.get(company=company, pk=made.json()["id"])
    assert (order.customer_id, order.notes, order.status) == (customer.pk, "Gate 4", "draft")
    late = api.patch(f"/api/v1/orders/{order.pk}/", {"delivery_date": "2026-03-01"}, format="json")
    assert late.status_code == 400
    assert "delivery date" in errors_of(late)[0]["message"].lower()
    order.refresh_from_db()
    assert order.delivery_date is None


def test_a_salesperson_cannot_change_a_colleagues_lead(company):
    seller = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
    mine = SalespersonFactory(company=company, user=seller)
    colleague = SalespersonFactory(company=company)
    theirs = LeadFactory(company=company, salesperson=colleague, last_name="Theirs")
    own = LeadFactory(company=company, salesperson=mine, last_name="Own")
    api = token_client(make_key(company, seller))
    assert api.get(f"{LEADS}{theirs.pk}/").status_code == 200  # view: company
    for response in (
        api.patch(f"{LEADS}{theirs.pk}/", {"last_name": "Changed"}, format="json"),
        api.post(f"{LEADS}{theirs.pk}/convert/", {}, format="json"),
        api.delete(f"{LEADS}{own.pk}/"),  # salespeople delete nothing
    ):
        assert response.status_code == 404
        assert errors_of(response)[0]["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.last_name == "Theirs"
    assert api.patch(f"{LEADS}{own.pk}/", {"notes": "called"}, format="json").status_code == 200


def test_only_managers_change_the_catalog(company, api):
    seller = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
    product = ProductFactory(company=company, sku="A-1")
    seller_api = token_client(make_key(company, seller))
    assert seller_api.get(f"/api/v1/products/{product.pk}/").status_code == 200
    refused = seller_api.patch(f"/api/v1/products/{product.pk}/", {"name": "X"}, format="json")
    assert refused.status_code == 403
    assert errors_of(refused)[0]["code"] == "permission_denied"
    clash = api.post(
        "/api/v1/products/",
        {"sku": "a-1", "name": "Copy", "unit_price": "1.00", "vat_rate": "19.00"},
        format="json",
    )
    assert errors_of(clash)[0]["field"] == "sku"


def test_an_address_still_linked_is_not_deleted(api, company, defaults):
    made = api.post(
        "/api/v1/addresses/",
        {"street": "Hauptstr. 1", "postal_code": "10115", "city": "Berlin", "country": "DE"},
        format="json",
    )
    assert made.status_code == 201, made.json()
    from addressbook.models import Address

    address = Address.objects.get(company=company, pk=made.json()["id"])
    assert address.city == "Berlin"
    assert api.delete(f"/api/v1/addresses/{address.pk}/").status_code == 204


def test_lists_page_by_cursor_and_filter_like_the_pages(api, company):
    for index in range(5):
        LeadFactory(company=company, last_name=f"Row{index}", status="new")
    LeadFactory(company=company, last_name="Contacted", status="contacted")
    first = api.get(LEADS, {"page_size": 4}).json()
    assert len(first["results"]) == 4 and first["next"]
    second = api.get(first["next"]).json()
    seen = [row["id"] for row in first["results"] + second["results"]]
    assert len(seen) == len(set(seen)) == 6
    assert seen == sorted(seen, reverse=True)
    contacted = api.get(LEADS, {"status": "contacted"}).json()["results"]
    assert [row["last_name"] for row in contacted] == ["Contacted"]
    assert api.get(LEADS, {"status": "nonsense"}).status_code == 400
    assert api.get(LEADS, {"q": "Row3"}).json()["results"][0]["last_name"] == "Row3"


def _add_rows(company, member, count: int) -> None:
    from selling.services import quotation_create

    for _ in range(count):
        LeadFactory(company=company)
        customer = CustomerFactory(company=company)
        quotation_create(customer=customer, actor=member)


@pytest.mark.parametrize(
    "path", [LEADS, "/api/v1/opportunities/", "/api/v1/customers/", "/api/v1/quotations/"]
)
def test_list_queries_do_not_grow_with_rows(api, company, member, defaults, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = api.get(path)
        assert response.status_code == 200
        return len(captured), len(response.json()["results"])

    _add_rows(company, member, 1)
    few, shown = queries()
    _add_rows(company, member, 6)
    many, shown_later = queries()
    assert shown_later > shown or path == "/api/v1/opportunities/"
    # The token (and its "last used", once a minute), the membership, the salesperson row,
    # the page of rows (and their lines): no more, however many rows.
    assert many <= few <= 8


def test_too_many_requests_answer_429(company, member, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"token": "3/min", "anon": "3/min"})
    api = token_client(make_key(company, member))
    answers = [api.get(LEADS).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = api.get(LEADS)
    assert errors_of(refused)[0]["code"] == "throttled" and refused["Retry-After"]
    # Another token of the same person has its own count.
    assert token_client(make_key(company, member, "other")).get(LEADS).status_code == 200
    assert ApiToken.objects.filter(company=company).count() == 2


def test_a_records_timeline(api, company, other_company):
    lead = LeadFactory(company=company)
    timeline = {"owner_type": "leads.lead", "owner_id": lead.pk}
    note = api.post(
        "/api/v1/activities/", {**timeline, "kind": "note", "body": "Called back"}, format="json"
    )
    assert note.status_code == 201, note.json()
    task = api.post(
        "/api/v1/activities/", {**timeline, "kind": "task", "title": "Send offer"}, format="json"
    )
    empty = api.post("/api/v1/activities/", {**timeline, "kind": "task"}, format="json")
    assert errors_of(empty)[0]["field"] == "title"
    listed = api.get("/api/v1/activities/", timeline).json()["results"]
    assert {row["kind"] for row in listed} == {"note", "task"}
    done = api.post(f"/api/v1/activities/{task.json()['id']}/done/")
    assert done.json()["done"] is True
    with scope(company=other_company):
        theirs = LeadFactory(company=other_company)
    assert (
        api.get(
            "/api/v1/activities/", {"owner_type": "leads.lead", "owner_id": theirs.pk}
        ).status_code
        == 404
    )
    assert api.delete(f"/api/v1/activities/{note.json()['id']}/").status_code == 204


def test_an_api_change_is_in_the_history_with_the_tokens_user(api, company, member):
    created = api.post(LEADS, {"last_name": "Hartmann", "phone": "+49 30 1111111"}, format="json")
    lead = Lead.objects.get(company=company, pk=created.json()["id"])
    api.patch(f"{LEADS}{lead.pk}/", {"phone": "+49 30 2222222"}, format="json")
    newest, first = lead.history.order_by("-history_id")[:2]
    assert (newest.history_type, newest.history_user, newest.phone) == ("~", member, "+49302222222")
    assert (first.history_type, first.history_user, first.phone) == ("+", member, "+49301111111")


def test_the_schema_generates_without_a_warning(tmp_path):
    """Every filter and field has a type the schema can name (``check --deploy`` fails on a
    drf-spectacular warning, and clients generated from the schema would guess)."""
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "s.yml"))
