"""Quotation and sales order pages: lists, 360-degree pages, create flows, status buttons, the
duplicate-customer decision, the panels on other pages, query budgets and isolation."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from crm.models import Activity
from customers.models import Customer, CustomerLink
from customers.services import opportunity_convert_to_customer
from selling import services
from selling.models import Quotation, SalesOrder
from tests.conftest import at_noon
from tests.factories import (
    CustomerFactory,
    CustomerTypeFactory,
    CustomerUserFactory,
    IndividualPartnerFactory,
    LeadFactory,
    OpportunityFactory,
    ProductFactory,
    SalespersonFactory,
)
from tests.selling.conftest import stage_of

TODAY = timezone.localdate()
pytestmark = pytest.mark.usefixtures("noon_of_today")


@pytest.fixture(autouse=True)
def _on_today():
    """Every test here runs at noon of TODAY (read once, at import, under any TEST_CLOCK), so a
    run that crosses midnight cannot put TODAY and the pages' "today" a day apart (a
    time_machine clock, tests.conftest.at_noon)."""
    with at_noon(TODAY):
        yield


QS, SS = Quotation.Status, SalesOrder.Status


# --- helpers -------------------------------------------------------------------------------------


def add_lines(document, member, count=1, *, price="100.00", vat="20.00"):
    products = [
        ProductFactory(company=document.company, unit_price=Decimal(price), vat_rate=Decimal(vat))
        for _ in range(count)
    ]
    return services.document_lines_save(
        document=document,
        lines=[services.LineInput(product=p, quantity=Decimal("2")) for p in products],
        actor=member,
    )


def customer_quotation(company, member, *, customer=None, lines=1, **kwargs):
    customer = customer or CustomerFactory(company=company)
    quotation = services.quotation_create(customer=customer, actor=member, **kwargs)
    if lines:
        add_lines(quotation, member, lines)
    quotation.refresh_from_db()
    return quotation


def quotation_in(status, company, member, **kwargs):
    quotation = customer_quotation(company, member, **kwargs)
    if status in (QS.SENT, QS.ACCEPTED, QS.REJECTED, QS.ORDERED):
        services.quotation_send(quotation=quotation, actor=member)
    if status == QS.REJECTED:
        services.quotation_reject(quotation=quotation, actor=member)
    if status in (QS.ACCEPTED, QS.ORDERED):
        services.quotation_accept(quotation=quotation, actor=member)
    if status == QS.ORDERED:
        services.order_from_quotation(quotation=quotation, actor=member)
    quotation.refresh_from_db()
    return quotation


def customer_order(company, member, *, customer=None, lines=1, status=SS.DRAFT, **kwargs):
    customer = customer or CustomerFactory(company=company)
    order = services.order_create(customer=customer, actor=member, **kwargs)
    if lines:
        add_lines(order, member, lines)
    if status in (SS.CONFIRMED, SS.FULFILLED):
        services.order_confirm(order=order, actor=member)
    if status == SS.FULFILLED:
        services.order_fulfil(order=order, actor=member)
    if status == SS.CANCELLED:
        services.order_cancel(order=order, actor=member)
    order.refresh_from_db()
    return order


def numbers(response) -> list[str]:
    return [document.number for document in response.context["object_list"]]


def queries_for(client, url) -> int:
    # The first view fills the company's cached choice lists; the budget is every view after.
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def past(quotation):
    """Move a quotation's dates back so that its valid-until date has passed."""
    Quotation.objects.filter(pk=quotation.pk).update(
        quotation_date=TODAY - datetime.timedelta(days=40),
        valid_until=TODAY - datetime.timedelta(days=1),
    )
    quotation.refresh_from_db()
    return quotation


# --- pages render --------------------------------------------------------------------------------


def test_every_page_renders_for_a_member(member_client, company, member, defaults):
    quotation = quotation_in(QS.DRAFT, company, member, notes="Delivery within two weeks.")
    order = customer_order(company, member, status=SS.CONFIRMED)
    pages = [
        (reverse("selling:quotation_list"), quotation.number),
        (reverse("selling:order_list"), order.number),
        (quotation.get_absolute_url(), "Delivery within two weeks."),
        (order.get_absolute_url(), order.customer.name),
        (reverse("selling:quotation_create"), "Valid until"),
        (reverse("selling:order_create"), "Delivery date"),
        (reverse("selling:quotation_update", args=[quotation.pk]), "Valid until"),
        (reverse("selling:order_update", args=[order.pk]), "Delivery date"),
    ]
    for url, text in pages:
        response = member_client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url


def test_the_nav_leads_to_the_lists(member_client):
    html = member_client.get(reverse("crm:dashboard")).content.decode()
    assert reverse("selling:quotation_list") in html
    assert reverse("selling:order_list") in html
    assert "/soon/" not in html


def test_empty_lists_say_how_to_make_the_first_one(member_client):
    html = member_client.get(reverse("selling:quotation_list")).content.decode()
    assert "No quotations yet" in html and "New quotation" in html
    html = member_client.get(reverse("selling:order_list")).content.decode()
    assert "No sales orders yet" in html and "Create sales order" in html


# --- lists ---------------------------------------------------------------------------------------


def test_quotation_list_filters_searches_and_sorts(
    member_client, company, member, defaults, opportunity
):
    seller = SalespersonFactory(company=company)
    bakery = CustomerFactory(company=company, name="Bäckerei Krüger", salesperson=seller)
    cheap = quotation_in(QS.SENT, company, member, customer=bakery)  # 2 × 100 + 20 % = 240
    dear = customer_quotation(company, member, lines=3)  # 720
    old = customer_quotation(
        company,
        member,
        quotation_date=TODAY - datetime.timedelta(days=60),
        valid_until=TODAY + datetime.timedelta(days=5),
    )
    # For an opportunity that became a customer afterwards: the customer is found through it.
    for_opportunity = services.quotation_create(opportunity=opportunity, actor=member)
    later_customer = opportunity_convert_to_customer(
        opportunity=opportunity, actor=member, fields={"name": "Nordwind Logistik"}
    )
    url = reverse("selling:quotation_list")

    assert numbers(member_client.get(url, {"status": "sent"})) == [cheap.number]
    assert numbers(member_client.get(url, {"customer": bakery.pk})) == [cheap.number]
    assert numbers(member_client.get(url, {"customer": later_customer.pk})) == [
        for_opportunity.number
    ]
    assert numbers(member_client.get(url, {"salesperson": seller.pk})) == [cheap.number]
    assert numbers(member_client.get(url, {"q": "krüger"})) == [cheap.number]
    assert numbers(member_client.get(url, {"q": "nordwind fleet"})) == [for_opportunity.number]
    assert numbers(member_client.get(url, {"q": "logistik"})) == [for_opportunity.number]
    assert numbers(member_client.get(url, {"q": dear.number})) == [dear.number]
    assert numbers(member_client.get(url, {"date_to": TODAY - datetime.timedelta(days=30)})) == [
        old.number
    ]
    assert numbers(member_client.get(url, {"total_min": "715", "total_max": "800"})) == [
        dear.number
    ]
    by_total = numbers(member_client.get(url, {"sort": "-total"}))
    assert by_total[:2] == [dear.number, for_opportunity.number]  # 720.00, 713.66
    by_customer = numbers(member_client.get(url, {"sort": "customer"}))
    assert by_customer[0] == cheap.number  # “Bäckerei” before “Customer …” and “Nordwind …”
    html = member_client.get(url).content.decode()
    assert "Nordwind Logistik" in html  # the customer the opportunity became, not its title
    assert 'class="badge badge-primary">Sent' in html


def test_htmx_gets_the_table_alone(member_client, company, member, defaults):
    quotation = customer_quotation(company, member)
    for name in ("selling:quotation_list", "selling:order_list"):
        response = member_client.get(reverse(name), {"q": "zzqq"}, HTTP_HX_REQUEST="true")
        html = response.content.decode()
        assert "<html" not in html and "Nothing matches these filters." in html
    html = member_client.get(
        reverse("selling:quotation_list"), {"q": quotation.number}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert quotation.get_absolute_url() in html


def test_bad_filter_values_are_ignored_not_an_error(member_client, company, member, defaults):
    quotation = customer_quotation(company, member)
    url = reverse("selling:quotation_list")
    response = member_client.get(url, {"total_min": "lots", "customer": "x", "sort": "evil"})
    assert response.status_code == 200
    assert numbers(response) == [quotation.number]


def test_order_list_filters_searches_and_sorts(member_client, company, member, defaults):
    partner = IndividualPartnerFactory(company=company)
    first = customer_order(
        company,
        member,
        customer=CustomerFactory(company=company, name="Zander Bau", sales_partner=partner),
        status=SS.CONFIRMED,
        order_date=TODAY - datetime.timedelta(days=10),
    )
    second = customer_order(company, member, lines=2)
    url = reverse("selling:order_list")

    assert numbers(member_client.get(url)) == [second.number, first.number]
    assert numbers(member_client.get(url, {"status": "confirmed"})) == [first.number]
    assert numbers(member_client.get(url, {"customer": second.customer.pk})) == [second.number]
    assert numbers(member_client.get(url, {"sales_partner": partner.pk})) == [first.number]
    assert numbers(member_client.get(url, {"q": "zander"})) == [first.number]
    assert numbers(member_client.get(url, {"date_from": TODAY})) == [second.number]
    assert numbers(member_client.get(url, {"total_min": "300"})) == [second.number]
    assert numbers(member_client.get(url, {"sort": "customer"}))[-1] == first.number
    assert numbers(member_client.get(url, {"sort": "number"})) == [first.number, second.number]


def _row_of(html: str, number: str) -> str:
    """The list row (``<tr>…</tr>``) whose number link reads ``number``."""
    start = html.index(f">{number}</a>")
    return html[html.rindex("<tr>", 0, start) : html.index("</tr>", start) + len("</tr>")]


def test_list_rows_name_each_party_as_read_from_the_row(
    member_client, company, member, defaults, opportunity
):
    """Each of a quotation's parties (its customer; its customer and opportunity; the customer
    its opportunity became; the opportunity alone), an expiry that has passed, the salesperson
    and an order's quotation, written from the names the row carries (selectors.*_for_list)."""
    seller = SalespersonFactory(company=company, name="Rita <Rep>")
    bakery = CustomerFactory(company=company, name="Bäckerei & Söhne", salesperson=seller)
    plain = quotation_in(QS.SENT, company, member, customer=bakery)
    Quotation.objects.filter(pk=plain.pk).update(salesperson=seller)
    overdue = past(quotation_in(QS.SENT, company, member, customer=bakery))
    prospect = OpportunityFactory(
        company=company,
        lead=LeadFactory(company=company),
        title="Fleet <2>",
        stage=stage_of(company, "open"),
    )
    for_prospect = services.quotation_create(opportunity=prospect, actor=member)
    became = services.quotation_create(opportunity=opportunity, actor=member)
    nordwind = opportunity_convert_to_customer(
        opportunity=opportunity, actor=member, fields={"name": "Nordwind Logistik"}
    )
    accepted = quotation_in(QS.ACCEPTED, company, member, customer=bakery)
    order = services.order_from_quotation(quotation=accepted, actor=member)
    html = member_client.get(reverse("selling:quotation_list")).content.decode()
    customer_cell = '<td class="doc-party-cell" data-label="Customer">'

    row = _row_of(html, plain.number)
    assert (
        f'{customer_cell}<a href="/customers/{bakery.pk}/">Bäckerei &amp; Söhne</a></td>'
        '<td data-label="Valid until">'
    ) in row
    assert '<td data-label="Salesperson">Rita &lt;Rep&gt;</td>' in row
    assert "doc-overdue" not in row
    assert '<br><small class="doc-overdue">passed: expires when opened</small></td>' in _row_of(
        html, overdue.number
    )
    assert (
        f'{customer_cell}<a href="/leads/opportunities/{prospect.pk}/">Fleet &lt;2&gt;</a>'
        '<br><small class="muted">opportunity, not a customer yet</small></td>'
    ) in _row_of(html, for_prospect.number)
    assert (
        f'{customer_cell}<a href="/customers/{nordwind.pk}/">Nordwind Logistik</a>'
        '<br><small class="muted">for Nordwind fleet</small></td>'
    ) in _row_of(html, became.number)

    html = member_client.get(reverse("selling:order_list")).content.decode()
    row = _row_of(html, order.number)
    assert (
        f'<a class="doc-number" href="/selling/orders/{order.pk}/">{order.number}</a>'
        f'<br><small class="muted">from {accepted.number}</small></td>'
    ) in row
    assert f'{customer_cell}<a href="/customers/{bakery.pk}/">Bäckerei &amp; Söhne</a></td>' in row


def test_mine_shows_a_salespersons_own_documents(
    client, company, member, salesperson_user, defaults
):
    from tests.conftest import login_as

    mine = SalespersonFactory(company=company, user=salesperson_user)
    own = customer_quotation(company, member, customer=CustomerFactory(company=company))
    Quotation.objects.filter(pk=own.pk).update(salesperson=mine)
    other = customer_quotation(company, member)
    login_as(client, salesperson_user, company)
    url = reverse("selling:quotation_list")
    assert numbers(client.get(url)) == [own.number]
    assert set(numbers(client.get(url, {"owner": "all"}))) == {own.number, other.number}


def test_list_queries_do_not_grow_with_rows(member_client, company, member, defaults):
    seller = SalespersonFactory(company=company)

    def batch(count):
        for index in range(count):
            customer = CustomerFactory(company=company, salesperson=seller)
            if index % 3 == 0:
                # A quotation for a prospect, and an order made from an accepted quotation.
                opportunity = OpportunityFactory(
                    company=company,
                    lead=LeadFactory(company=company),
                    stage=stage_of(company, "open"),
                    salesperson=seller,
                )
                services.quotation_create(opportunity=opportunity, actor=member)
                accepted = quotation_in(QS.ACCEPTED, company, member, customer=customer)
                services.order_from_quotation(quotation=accepted, actor=member)
            else:
                services.quotation_create(customer=customer, actor=member)
                services.order_create(customer=customer, actor=member)

    batch(5)
    budgets = {}
    for name in ("selling:quotation_list", "selling:order_list"):
        url = reverse(name)
        member_client.get(url)  # warm per-process caches (content types, sessions)
        budgets[name] = queries_for(member_client, url)
    batch(45)
    for name, few in budgets.items():
        assert queries_for(member_client, reverse(name)) == few, name
        assert few <= 12, name


# --- detail pages --------------------------------------------------------------------------------


def test_quotation_page_shows_terms_lines_and_vat_by_rate(member_client, company, member):
    private = CustomerTypeFactory(company=company, is_business=False)
    customer = CustomerFactory(company=company, name="Greta Lorenz", customer_type=private)
    quotation = services.quotation_create(customer=customer, actor=member)
    chair = ProductFactory(company=company, name="Chair", unit_price=Decimal("100.00"))
    book = ProductFactory(
        company=company, name="Book", unit_price=Decimal("10.00"), vat_rate=Decimal("7.00")
    )
    services.document_lines_save(
        document=quotation,
        lines=[
            services.LineInput(product=chair, quantity=Decimal("3")),
            services.LineInput(product=book, quantity=Decimal("1"), description="Signed copy"),
        ],
        actor=member,
    )
    html = member_client.get(quotation.get_absolute_url()).content.decode()
    assert "Prices shown with VAT" in html
    assert "Unit price incl. VAT" in html and "120.00" in html  # 100 + 20 %
    assert "Signed copy" in html
    assert "VAT 7 % on 10.00" in html and "VAT 20 % on 300.00" in html
    assert "370.70" in html  # 300 + 60 + 10 + 0.70
    assert "No party discount." in html
    assert customer.get_absolute_url() in html


def test_action_buttons_follow_the_transitions(member_client, company, member, defaults):
    def buttons(document):
        html = member_client.get(document.get_absolute_url()).content.decode()
        return {
            label
            for label in (
                "Mark as sent",
                "Mark as accepted",
                "Mark as rejected",
                "Revise (back to draft)",
                "Create sales order",
                "Confirm order",
                "Mark as fulfilled",
                "Cancel this order",
                "Edit details",
            )
            if label in html
        }

    assert buttons(quotation_in(QS.DRAFT, company, member)) == {"Mark as sent", "Edit details"}
    assert buttons(quotation_in(QS.SENT, company, member)) == {
        "Mark as accepted",
        "Mark as rejected",
        "Revise (back to draft)",
    }
    assert buttons(quotation_in(QS.ACCEPTED, company, member)) == {"Create sales order"}
    assert buttons(quotation_in(QS.REJECTED, company, member)) == set()
    assert buttons(customer_order(company, member)) == {
        "Confirm order",
        "Cancel this order",
        "Edit details",
    }
    assert buttons(customer_order(company, member, status=SS.CONFIRMED)) == {
        "Mark as fulfilled",
        "Cancel this order",
        "Edit details",
    }
    assert buttons(customer_order(company, member, status=SS.FULFILLED)) == set()


def test_viewing_a_quotation_past_its_date_expires_it(member_client, company, member, defaults):
    quotation = past(quotation_in(QS.SENT, company, member))
    html = member_client.get(quotation.get_absolute_url()).content.decode()
    quotation.refresh_from_db()
    assert quotation.status == QS.EXPIRED
    assert 'badge-warning">Expired' in html
    assert "Revise…" in html and "Mark as accepted" not in html


def test_order_page_links_its_quotation_and_lines(member_client, company, member, defaults):
    quotation = quotation_in(QS.ORDERED, company, member)
    order = SalesOrder.objects.get(quotation=quotation)
    line = quotation.items.get()
    html = member_client.get(order.get_absolute_url()).content.decode()
    assert quotation.get_absolute_url() in html
    assert f"{quotation.get_absolute_url()}#line-{line.pk}" in html
    html = member_client.get(quotation.get_absolute_url()).content.decode()
    assert order.get_absolute_url() in html
    assert f'id="line-{line.pk}"' in html


# Session, user, membership; the document (with its customer, salesperson, creator and, for a
# quotation, its order); its lines; the timeline's entries and their subtypes; an order made
# from a quotation reads that quotation too. Was 25 for both. A sales partner and a portal user
# are read apart, only where the document has them (one query each).
DETAIL_QUERIES = {"quotation": 7, "order": 8}


@pytest.mark.parametrize("parties", [False, True])
@pytest.mark.parametrize("kind", ["quotation", "order"])
def test_detail_queries_do_not_grow_with_lines(
    member_client, company, member, defaults, kind, parties
):
    def document(lines):
        if kind == "quotation":
            made = customer_quotation(company, member, lines=lines)
        else:
            accepted = quotation_in(QS.ACCEPTED, company, member, lines=lines)
            made = services.order_from_quotation(quotation=accepted, actor=member)
        if parties:
            type(made).objects.filter(pk=made.pk).update(
                sales_partner=IndividualPartnerFactory(company=company),
                customer_user=CustomerUserFactory(company=company, customer=made.customer),
            )
        return made

    one, twenty = document(1), document(20)
    member_client.get(one.get_absolute_url())
    few = queries_for(member_client, one.get_absolute_url())
    assert queries_for(member_client, twenty.get_absolute_url()) == few
    assert few <= DETAIL_QUERIES[kind] + (2 if parties else 0)
    if parties:
        html = member_client.get(one.get_absolute_url()).content.decode()
        one.refresh_from_db()
        assert f'<a href="{one.sales_partner.get_absolute_url()}">{one.sales_partner}</a>' in html
        assert one.customer_user.get_absolute_url() in html


# --- status actions ------------------------------------------------------------------------------


def test_quotation_moves_through_its_buttons(member_client, company, member, defaults):
    quotation = quotation_in(QS.DRAFT, company, member)
    response = member_client.post(reverse("selling:quotation_send", args=[quotation.pk]))
    assert response["Location"] == quotation.get_absolute_url()
    quotation.refresh_from_db()
    assert quotation.status == QS.SENT

    member_client.post(reverse("selling:quotation_revise", args=[quotation.pk]))
    quotation.refresh_from_db()
    assert quotation.status == QS.DRAFT

    member_client.post(reverse("selling:quotation_send", args=[quotation.pk]))
    member_client.post(
        reverse("selling:quotation_reject", args=[quotation.pk]), {"reason": "Too expensive"}
    )
    quotation.refresh_from_db()
    assert quotation.status == QS.REJECTED
    assert Activity.objects.filter(body__contains="Too expensive").exists()


def test_refused_actions_show_the_reason_and_change_nothing(
    member_client, company, member, defaults
):
    empty = customer_quotation(company, member, lines=0)
    response = member_client.post(reverse("selling:quotation_send", args=[empty.pk]), follow=True)
    assert "Add at least one line" in " ".join(messages_of(response))
    empty.refresh_from_db()
    assert empty.status == QS.DRAFT

    draft = quotation_in(QS.DRAFT, company, member)
    response = member_client.post(reverse("selling:quotation_accept", args=[draft.pk]), follow=True)
    assert "cannot become accepted" in " ".join(messages_of(response))
    response = member_client.post(reverse("selling:quotation_order", args=[draft.pk]), follow=True)
    assert "only an accepted quotation" in " ".join(messages_of(response))
    draft.refresh_from_db()
    assert draft.status == QS.DRAFT
    assert not SalesOrder.objects.exists()

    sent = quotation_in(QS.SENT, company, member)
    response = member_client.post(
        reverse("selling:quotation_reject", args=[sent.pk]), {"reason": "x" * 201}, follow=True
    )
    assert "at most 200 characters" in " ".join(messages_of(response))
    sent.refresh_from_db()
    assert sent.status == QS.SENT

    expired = past(quotation_in(QS.SENT, company, member))
    response = member_client.post(
        reverse("selling:quotation_accept", args=[expired.pk]), follow=True
    )
    assert "can no longer be accepted" in " ".join(messages_of(response))
    expired.refresh_from_db()
    assert expired.status == QS.EXPIRED

    order = customer_order(company, member, lines=0)
    response = member_client.post(reverse("selling:order_confirm", args=[order.pk]), follow=True)
    assert "Add at least one line" in " ".join(messages_of(response))
    response = member_client.post(reverse("selling:order_fulfil", args=[order.pk]), follow=True)
    assert "cannot become fulfilled" in " ".join(messages_of(response))
    order.refresh_from_db()
    assert order.status == SS.DRAFT


def test_revising_an_expired_quotation_takes_the_new_date(member_client, company, member):
    quotation = past(quotation_in(QS.SENT, company, member))
    member_client.get(quotation.get_absolute_url())  # expires it
    new_date = TODAY + datetime.timedelta(days=14)
    member_client.post(
        reverse("selling:quotation_revise", args=[quotation.pk]), {"valid_until": new_date}
    )
    quotation.refresh_from_db()
    assert (quotation.status, quotation.valid_until) == (QS.DRAFT, new_date)


def test_order_moves_through_its_buttons(member_client, company, member, defaults):
    order = customer_order(company, member)
    member_client.post(reverse("selling:order_confirm", args=[order.pk]))
    order.refresh_from_db()
    assert order.status == SS.CONFIRMED
    member_client.post(reverse("selling:order_fulfil", args=[order.pk]))
    order.refresh_from_db()
    assert order.status == SS.FULFILLED

    other = customer_order(company, member, status=SS.CONFIRMED)
    member_client.post(
        reverse("selling:order_cancel", args=[other.pk]), {"reason": "Ordered twice"}
    )
    other.refresh_from_db()
    assert other.status == SS.CANCELLED
    assert Activity.objects.filter(body__contains="Ordered twice").exists()


def test_actions_are_post_only(member_client, company, member, defaults):
    quotation = quotation_in(QS.DRAFT, company, member)
    response = member_client.get(reverse("selling:quotation_send", args=[quotation.pk]))
    assert response.status_code == 405
    quotation.refresh_from_db()
    assert quotation.status == QS.DRAFT


# --- creating ------------------------------------------------------------------------------------


def test_new_quotation_from_the_opportunity_page(member_client, company, member, opportunity):
    response = member_client.post(
        reverse("selling:quotation_create_for_opportunity", args=[opportunity.pk])
    )
    quotation = Quotation.objects.get()
    assert response["Location"] == quotation.get_absolute_url()
    assert quotation.opportunity == opportunity
    assert quotation.items.count() == 2  # the wish list


def test_new_quotation_for_a_customer_by_button_and_by_form(member_client, company, member):
    customer = CustomerFactory(company=company)
    response = member_client.post(
        reverse("selling:quotation_create_for_customer", args=[customer.pk])
    )
    first = Quotation.objects.get()
    assert response["Location"] == first.get_absolute_url()

    url = reverse("selling:quotation_create")
    form = member_client.get(url, {"customer": customer.pk}).context["form"]
    assert form.initial["customer"] == customer.pk
    valid_until = TODAY + datetime.timedelta(days=10)
    response = member_client.post(
        url, {"customer": customer.pk, "valid_until": valid_until, "notes": "Prices firm."}
    )
    second = Quotation.objects.exclude(pk=first.pk).get()
    assert response["Location"] == second.get_absolute_url()
    assert (second.customer, second.valid_until, second.notes) == (
        customer,
        valid_until,
        "Prices firm.",
    )


def test_new_quotation_form_refuses_bad_input(member_client, company, other_company):
    inactive = CustomerFactory(company=company, inactive=True)
    with scopes_disabled():
        foreign = CustomerFactory(company=other_company)
    url = reverse("selling:quotation_create")
    for data in (
        {"customer": foreign.pk},
        {"customer": inactive.pk},
        {"customer": "", "valid_until": "2020-01-01"},
    ):
        response = member_client.post(url, data)
        assert response.status_code == 200
        assert response.context["form"].errors
    assert "valid_until" in response.context["form"].errors
    assert not Quotation.objects.exists()
    # The button on an inactive customer's page is refused with the service's reason.
    response = member_client.post(
        reverse("selling:quotation_create_for_customer", args=[inactive.pk]), follow=True
    )
    assert "inactive" in " ".join(messages_of(response))
    assert not Quotation.objects.exists()


def test_new_order_for_a_customer(member_client, company, member):
    customer = CustomerFactory(company=company)
    url = reverse("selling:order_create")
    response = member_client.post(
        url,
        {
            "customer": customer.pk,
            "order_date": TODAY,
            "delivery_date": TODAY - datetime.timedelta(days=1),
        },
    )
    assert "delivery_date" in response.context["form"].errors
    assert not SalesOrder.objects.exists()
    delivery = TODAY + datetime.timedelta(days=7)
    response = member_client.post(
        url, {"customer": customer.pk, "order_date": TODAY, "delivery_date": delivery}
    )
    order = SalesOrder.objects.get()
    assert response["Location"] == order.get_absolute_url()
    assert (order.customer, order.delivery_date, order.status) == (customer, delivery, SS.DRAFT)


def test_create_sales_order_from_an_accepted_quotation(member_client, company, member, defaults):
    quotation = quotation_in(QS.ACCEPTED, company, member)
    response = member_client.post(reverse("selling:quotation_order", args=[quotation.pk]))
    order = SalesOrder.objects.get()
    assert response["Location"] == order.get_absolute_url()
    assert order.quotation == quotation
    # A double click finds the same order.
    member_client.post(reverse("selling:quotation_order", args=[quotation.pk]))
    assert SalesOrder.objects.count() == 1


def test_create_order_from_the_opportunity(member_client, company, member, opportunity):
    response = member_client.post(reverse("selling:opportunity_order", args=[opportunity.pk]))
    order = SalesOrder.objects.get()
    # The order made the customer; the user lands on the draft order, to confirm it.
    assert response["Location"] == order.get_absolute_url()
    assert order.customer.name == "Nordwind GmbH"
    assert order.items.count() == 2


def test_a_duplicate_customer_is_a_decision_not_an_error(
    member_client, company, member, opportunity
):
    existing = CustomerFactory(company=company, name="Nordwind", email=opportunity.lead.email)
    url = reverse("selling:opportunity_order", args=[opportunity.pk])

    response = member_client.post(url)
    assert response.status_code == 200
    assert response.context["duplicates"][0].customer == existing
    html = response.content.decode()
    assert "Which customer is this order for?" in html
    assert "Order for this customer" in html and 'name="confirm_new"' in html
    assert not SalesOrder.objects.exists()
    assert Customer.objects.count() == 1

    # A customer id that is not the company's is refused.
    response = member_client.post(url, {"customer": 987654}, follow=True)
    assert "Choose one of the customers listed." in messages_of(response)
    assert not SalesOrder.objects.exists()

    response = member_client.post(url, {"customer": existing.pk})
    order = SalesOrder.objects.get()
    assert response["Location"] == order.get_absolute_url()
    assert order.customer == existing
    assert Customer.objects.count() == 1


def test_a_duplicate_can_be_confirmed_as_a_new_customer(
    member_client, company, member, opportunity
):
    CustomerFactory(company=company, email=opportunity.lead.email)
    quotation = services.quotation_create(opportunity=opportunity, actor=member)
    services.quotation_send(quotation=quotation, actor=member)
    services.quotation_accept(quotation=quotation, actor=member)
    url = reverse("selling:quotation_order", args=[quotation.pk])

    assert member_client.post(url).status_code == 200
    assert not SalesOrder.objects.exists()
    member_client.post(url, {"confirm_new": "1"})
    order = SalesOrder.objects.get()
    assert order.customer.name == "Nordwind GmbH"
    assert Customer.objects.count() == 2


# --- header edit pages ---------------------------------------------------------------------------


def test_edit_a_draft_quotation_header(member_client, company, member, other_company):
    quotation = quotation_in(QS.DRAFT, company, member)
    seller = SalespersonFactory(company=company)
    url = reverse("selling:quotation_update", args=[quotation.pk])
    data = {
        "quotation_date": TODAY,
        "valid_until": TODAY + datetime.timedelta(days=3),
        "salesperson": seller.pk,
        "notes": "Valid for the stock on hand.",
    }
    response = member_client.post(url, data)
    assert response["Location"] == quotation.get_absolute_url()
    quotation.refresh_from_db()
    assert (quotation.salesperson, quotation.notes) == (seller, "Valid for the stock on hand.")

    response = member_client.post(url, {**data, "valid_until": TODAY - datetime.timedelta(days=1)})
    assert "cannot be in the past" in str(response.context["form"].errors["valid_until"])
    response = member_client.post(
        url, {**data, "quotation_date": TODAY + datetime.timedelta(days=9)}
    )
    assert "cannot be before the quotation date" in str(response.context["form"].errors)
    with scopes_disabled():
        foreign = SalespersonFactory(company=other_company)
    response = member_client.post(url, {**data, "salesperson": foreign.pk})
    assert "salesperson" in response.context["form"].errors
    quotation.refresh_from_db()
    assert quotation.salesperson == seller

    services.quotation_send(quotation=quotation, actor=member)
    response = member_client.get(url, follow=True)
    assert "Only a draft quotation can be changed" in " ".join(messages_of(response))
    response = member_client.post(url, {**data, "notes": "changed"})
    assert "Only a draft quotation can be changed" in str(response.context["form"].errors)
    quotation.refresh_from_db()
    assert quotation.notes == "Valid for the stock on hand."


def test_a_confirmed_order_changes_only_delivery_date_and_notes(member_client, company, member):
    order = customer_order(company, member, status=SS.CONFIRMED)
    url = reverse("selling:order_update", args=[order.pk])
    form = member_client.get(url).context["form"]
    assert {field.name for field in form.visible_fields()} == {"delivery_date", "notes"}
    delivery = TODAY + datetime.timedelta(days=3)
    member_client.post(url, {"delivery_date": delivery, "notes": "Ring twice.", "order_date": ""})
    order.refresh_from_db()
    assert (order.delivery_date, order.notes, order.order_date) == (delivery, "Ring twice.", TODAY)

    services.order_fulfil(order=order, actor=member)
    response = member_client.get(url, follow=True)
    assert "cannot be changed" in " ".join(messages_of(response))


# --- panels --------------------------------------------------------------------------------------


def test_customer_page_lists_its_documents_including_those_before_it_existed(
    member_client, company, member, opportunity
):
    early = services.quotation_create(opportunity=opportunity, actor=member)
    customer = opportunity_convert_to_customer(opportunity=opportunity, actor=member)
    assert Quotation.objects.get(pk=early.pk).customer is None
    later = services.quotation_create(customer=customer, actor=member)
    order = customer_order(company, member, customer=customer)
    unrelated = customer_quotation(company, member)

    html = member_client.get(customer.get_absolute_url()).content.decode()
    panel = html.split('id="selling-panel-heading"')[1].split("</section>")[0]
    for document in (early, later, order):
        assert document.number in panel
    assert unrelated.number not in html
    assert reverse("selling:quotation_create_for_customer", args=[customer.pk]) in html
    assert f"{reverse('selling:order_create')}?customer={customer.pk}" in html


@pytest.mark.parametrize("inline", [200, 0], ids=["by-ids", "by-union"])
def test_customer_documents_count_its_own_and_its_opportunities_but_no_one_elses(
    company, member, opportunity, monkeypatch, inline
):
    """The customer's quotations are read from its own rows and its links: the count and the
    list agree, and another customer's quotation made before it was a customer stays out. So
    with few linked opportunities (their ids in the query) as with many (a UNION)."""
    from selling import selectors
    from selling.selectors import customer_documents

    monkeypatch.setattr(selectors, "OPPORTUNITY_IDS_INLINE", inline)

    early = services.quotation_create(opportunity=opportunity, actor=member)
    customer = opportunity_convert_to_customer(opportunity=opportunity, actor=member)
    later = services.quotation_create(customer=customer, actor=member)
    other_opportunity = OpportunityFactory(
        company=company,
        lead=LeadFactory(company=company, organization_name="Südwind AG", status="converted"),
        title="Südwind boats",
        stage=stage_of(company, "open"),
    )
    elsewhere = services.quotation_create(opportunity=other_opportunity, actor=member)
    opportunity_convert_to_customer(opportunity=other_opportunity, actor=member)
    not_yet = services.quotation_create(
        opportunity=OpportunityFactory(company=company, stage=stage_of(company, "open")),
        actor=member,
    )

    with CaptureQueriesContext(connection) as captured:
        overview = customer_documents(customer)
    assert ("UNION" in " ".join(q["sql"] for q in captured.captured_queries)) == (inline == 0)
    assert {q.pk for q in overview.quotations} == {early.pk, later.pk}
    assert overview.quotation_count == 2
    assert elsewhere.pk not in {q.pk for q in overview.quotations}
    assert not_yet.pk not in {q.pk for q in overview.quotations}


def test_documents_overview_reads_the_same_by_hand_written_sql_and_through_the_orm(
    company, member, opportunity
):
    """The panel's statement written once per process (no narrowing by access) and the ORM's
    query (a user who sees only some documents) give the same rows: the latest ten by date, the
    counts, the opportunity's title and the quotation's number, and the newest document under
    way even where it is older than the ten shown (then read alone)."""
    from django.db.models import Q

    from selling.selectors import customer_documents, opportunity_documents

    before = services.quotation_create(opportunity=opportunity, actor=member)
    customer = opportunity_convert_to_customer(opportunity=opportunity, actor=member)
    quotations = [services.quotation_create(customer=customer, actor=member) for _ in range(11)]
    orders = [customer_order(company, member, customer=customer, lines=0) for _ in range(11)]
    today = timezone.localdate()
    for age, document in enumerate([*quotations, before]):
        Quotation.objects.filter(pk=document.pk).update(
            quotation_date=today - datetime.timedelta(days=age),
            valid_until=today + datetime.timedelta(days=30),
            status=Quotation.Status.REJECTED,
        )
    Quotation.objects.filter(pk=before.pk).update(status=Quotation.Status.SENT)
    for age, order in enumerate(orders):
        SalesOrder.objects.filter(pk=order.pk).update(
            order_date=today - datetime.timedelta(days=age), status=SalesOrder.Status.CONFIRMED
        )
    SalesOrder.objects.filter(pk=orders[-1].pk).update(status=SalesOrder.Status.DRAFT)
    SalesOrder.objects.filter(pk=orders[0].pk).update(quotation=quotations[0])
    SalesOrder.objects.filter(pk__in=[o.pk for o in orders[:3]]).update(opportunity=opportunity)

    everyone = Q(pk__isnull=False)
    for read in (
        lambda **narrow: customer_documents(Customer.objects.get(pk=customer.pk), **narrow),
        lambda **narrow: opportunity_documents(opportunity, **narrow),
    ):
        by_sql, by_orm = read(), read(quotations=everyone, orders=everyone)
        assert by_sql == by_orm
    overview = customer_documents(Customer.objects.get(pk=customer.pk))
    assert [q.pk for q in overview.quotations] == [q.pk for q in quotations[:10]]
    assert (overview.quotation_count, overview.order_count) == (12, 11)
    assert overview.newest_open_quotation.pk == before.pk
    assert overview.newest_open_quotation.opportunity_title == opportunity.title
    assert overview.newest_open_quotation.get_status_display() == "Sent"
    assert overview.newest_open_quotation.get_absolute_url() == before.get_absolute_url()
    assert overview.newest_draft_order.pk == orders[-1].pk
    assert overview.orders[0].quotation_number == quotations[0].number
    assert overview.orders[1].quotation_number is None
    assert overview.orders[0].gross_total == orders[0].gross_total
    assert overview.orders[0].order_date == today
    narrowed = customer_documents(customer, quotations=Q(pk=before.pk), orders=Q(pk__in=[]))
    assert [q.pk for q in narrowed.quotations] == [before.pk]
    assert (narrowed.order_count, narrowed.orders) == (0, [])
    by_opportunity = opportunity_documents(opportunity)
    assert [q.pk for q in by_opportunity.quotations] == [before.pk]
    assert [o.pk for o in by_opportunity.orders] == [o.pk for o in orders[:3]]


def test_opportunity_page_lists_its_documents_and_offers_the_buttons(
    member_client, company, member, opportunity
):
    quotation = services.quotation_create(opportunity=opportunity, actor=member)
    html = member_client.get(opportunity.get_absolute_url()).content.decode()
    assert quotation.number in html
    assert reverse("selling:quotation_create_for_opportunity", args=[opportunity.pk]) in html
    assert reverse("selling:opportunity_order", args=[opportunity.pk]) in html

    opportunity.stage = stage_of(company, "lost")
    opportunity.save()
    html = member_client.get(opportunity.get_absolute_url()).content.decode()
    assert quotation.number in html
    assert reverse("selling:opportunity_order", args=[opportunity.pk]) not in html


def test_partner_page_shows_commission_on_booked_orders(member_client, company, member):
    partner = IndividualPartnerFactory(company=company, commission_rate=Decimal("7.50"))
    customer = CustomerFactory(company=company, sales_partner=partner)
    confirmed = customer_order(company, member, customer=customer, status=SS.CONFIRMED)  # 200
    fulfilled = customer_order(
        company, member, customer=customer, lines=2, status=SS.FULFILLED
    )  # 400
    draft = customer_order(company, member, customer=customer)
    cancelled = customer_order(company, member, customer=customer, status=SS.CANCELLED)

    response = member_client.get(partner.get_absolute_url())
    html = response.content.decode()
    assert "Commission" in html
    assert "600.00" in html  # net of the booked orders
    assert "45.00" in html  # 7.5 % of 600.00
    assert "7.50 %" in html
    assert confirmed.number in html and fulfilled.number in html
    assert draft.number not in html and cancelled.number not in html


def test_panel_queries_do_not_grow(member_client, company, member, opportunity):
    partner = IndividualPartnerFactory(company=company)
    customer = CustomerFactory(company=company, sales_partner=partner)

    def add(count):
        for _ in range(count):
            customer_quotation(company, member, customer=customer, lines=0)
            customer_order(company, member, customer=customer, lines=1, status=SS.CONFIRMED)
            services.quotation_create(opportunity=opportunity, actor=member)

    urls = [customer.get_absolute_url(), opportunity.get_absolute_url(), partner.get_absolute_url()]
    add(1)
    budgets = {}
    for url in urls:
        member_client.get(url)
        budgets[url] = queries_for(member_client, url)
    add(12)  # more than a panel lists
    for url in urls:
        assert queries_for(member_client, url) == budgets[url], url


# --- isolation -----------------------------------------------------------------------------------


def test_another_companys_documents_are_404(other_client, company, member, defaults):
    quotation = quotation_in(QS.SENT, company, member)
    order = customer_order(company, member)
    for url in (
        quotation.get_absolute_url(),
        order.get_absolute_url(),
        reverse("selling:quotation_update", args=[quotation.pk]),
        reverse("selling:order_update", args=[order.pk]),
    ):
        assert other_client.get(url).status_code == 404, url
    for name, pk in (
        ("selling:quotation_accept", quotation.pk),
        ("selling:quotation_order", quotation.pk),
        ("selling:order_confirm", order.pk),
        ("selling:quotation_create_for_customer", order.customer_id),
    ):
        assert other_client.post(reverse(name, args=[pk])).status_code == 404, name
    quotation.refresh_from_db()
    assert quotation.status == QS.SENT
    assert Quotation.objects.count() == 1


def test_list_choices_are_the_companys_own(member_client, company, member, other_company):
    customer_quotation(company, member)
    with scopes_disabled():
        foreign = CustomerFactory(company=other_company, name="Globex Customer")
    response = member_client.get(reverse("selling:quotation_list"), {"customer": foreign.pk})
    assert "Globex Customer" not in response.content.decode()
    assert response.context["filter"].form.errors  # not a choice: ignored, not leaked
    assert len(numbers(response)) == 1


def test_a_quotation_for_an_opportunity_links_it_and_its_customer(
    member_client, company, member, opportunity
):
    customer = opportunity_convert_to_customer(opportunity=opportunity, actor=member)
    assert CustomerLink.objects.filter(customer=customer, opportunity=opportunity).exists()
    quotation = services.quotation_create(opportunity=opportunity, actor=member)
    html = member_client.get(quotation.get_absolute_url()).content.decode()
    assert customer.get_absolute_url() in html and opportunity.get_absolute_url() in html
