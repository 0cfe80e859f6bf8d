"""The "Next step" box on quotation, order, opportunity and customer pages: one primary action,
the move that takes the deal on, and none where the user may not make it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Membership
from selling import services
from selling.models import Quotation, SalesOrder
from tests.conftest import at_noon, login_as
from tests.factories import CustomerFactory, MembershipFactory, SalespersonFactory
from tests.next_step import assert_one_primary, primary_buttons, step_of
from tests.selling.conftest import stage_of
from tests.selling.test_pages import add_lines, customer_order, customer_quotation, quotation_in

TODAY = timezone.localdate()
pytestmark = pytest.mark.usefixtures("noon_of_today")
# Older than any order a test makes, whatever the day.
A_YEAR_LONG_PAST = datetime.date(2001, 3, 1)
QS, SS = Quotation.Status, SalesOrder.Status


@pytest.fixture(autouse=True)
def _on_today():
    with at_noon(TODAY):
        yield


@pytest.mark.parametrize(
    ("status", "label", "url_name"),
    [
        (QS.DRAFT, "Mark as sent", "selling:quotation_send"),
        (QS.SENT, "Mark as accepted", "selling:quotation_accept"),
        (QS.ACCEPTED, "Create sales order", "selling:quotation_order"),
    ],
)
def test_an_open_quotation_has_its_next_move_as_the_one_primary_action(
    company, member, member_client, status, label, url_name
):
    quotation = quotation_in(status, company, member)
    step, html = step_of(member_client, quotation.get_absolute_url())
    assert step.primary.label == label
    assert step.primary.url == reverse(url_name, args=[quotation.pk])
    assert step.primary.post
    assert_one_primary(html, label)


def test_an_empty_draft_quotation_leads_to_adding_lines_not_to_sending(
    company, member, member_client
):
    empty = customer_quotation(company, member, lines=0)
    step, html = step_of(member_client, empty.get_absolute_url())
    assert step.primary.label == "Add lines"
    assert step.primary.url == reverse("selling:quotation_items", args=[empty.pk])
    assert not step.primary.post
    assert "cannot be sent yet" in step.explanation
    assert_one_primary(html, "Add lines")
    assert "Mark as sent" not in html
    assert reverse("selling:quotation_send", args=[empty.pk]) not in html


def test_an_empty_draft_order_leads_to_adding_lines_not_to_confirming(
    company, member, member_client
):
    empty = customer_order(company, member, lines=0)
    step, html = step_of(member_client, empty.get_absolute_url())
    assert (step.primary.label, step.primary.post) == ("Add lines", False)
    assert step.primary.url == reverse("selling:order_items", args=[empty.pk])
    assert "cannot be confirmed yet" in step.explanation
    assert_one_primary(html, "Add lines")
    assert reverse("selling:order_confirm", args=[empty.pk]) not in html


def test_an_ordered_quotation_leads_to_its_order(company, member, member_client):
    quotation = quotation_in(QS.ORDERED, company, member)
    order = SalesOrder.objects.get(quotation=quotation)
    step, html = step_of(member_client, quotation.get_absolute_url())
    assert step.primary.url == order.get_absolute_url()
    assert not step.primary.post
    assert_one_primary(html, f"Open sales order {order.number}")


def test_a_rejected_quotation_has_no_primary_action(company, member, member_client):
    quotation = quotation_in(QS.REJECTED, company, member)
    step, html = step_of(member_client, quotation.get_absolute_url())
    assert step.primary is None
    assert primary_buttons(html) == []
    assert "make a new quotation" in html


def test_create_sales_order_lands_on_the_order_with_confirm_as_the_next_step(
    company, member, member_client
):
    quotation = quotation_in(QS.ACCEPTED, company, member)
    response = member_client.post(
        reverse("selling:quotation_order", args=[quotation.pk]), follow=True
    )
    order = SalesOrder.objects.get(quotation=quotation)
    assert response.redirect_chain[-1][0] == order.get_absolute_url()
    assert response.context["next_step"].primary.label == "Confirm order"
    assert response.context["next_step"].primary.url == reverse(
        "selling:order_confirm", args=[order.pk]
    )
    assert_one_primary(response.content.decode(), "Confirm order")


def test_a_confirmed_order_is_next_fulfilled_and_a_fulfilled_one_is_done(
    company, member, member_client
):
    order = services.order_create(customer=CustomerFactory(company=company), actor=member)
    add_lines(order, member)
    services.order_confirm(order=order, actor=member)
    step, html = step_of(member_client, order.get_absolute_url())
    assert step.primary.url == reverse("selling:order_fulfil", args=[order.pk])
    assert_one_primary(html, "Mark as fulfilled")
    assert "Cancel order…" in html  # a secondary move, not a primary one
    services.order_fulfil(order=order, actor=member)
    step, html = step_of(member_client, order.get_absolute_url())
    assert step.primary is None
    assert primary_buttons(html) == []


def test_an_open_opportunity_is_quoted_next(company, member, member_client, opportunity):
    step, html = step_of(member_client, opportunity.get_absolute_url())
    assert step.primary.label == "New quotation"
    assert step.primary.url == reverse(
        "selling:quotation_create_for_opportunity", args=[opportunity.pk]
    )
    assert [a.url for a in step.secondary] == [
        reverse("selling:opportunity_order", args=[opportunity.pk])
    ]
    assert_one_primary(html, "New quotation")


def test_an_opportunity_with_a_quotation_under_way_leads_to_it(
    company, member, member_client, opportunity
):
    member_client.post(reverse("selling:quotation_create_for_opportunity", args=[opportunity.pk]))
    quotation = Quotation.objects.get(opportunity=opportunity)
    step, html = step_of(member_client, opportunity.get_absolute_url())
    assert step.primary.url == quotation.get_absolute_url()
    assert_one_primary(html, f"Open quotation {quotation.number}")


def test_a_customer_without_deals_is_quoted_and_one_with_a_draft_order_finishes_it(
    company, member, member_client, defaults
):
    customer = CustomerFactory(company=company)
    step, html = step_of(member_client, customer.get_absolute_url())
    assert step.primary.url == reverse("selling:quotation_create_for_customer", args=[customer.pk])
    assert_one_primary(html, "New quotation")
    order = services.order_create(customer=customer, actor=member)
    step, html = step_of(member_client, customer.get_absolute_url())
    assert step.primary.url == order.get_absolute_url()
    assert_one_primary(html, f"Open sales order {order.number}")


def test_a_colleague_sees_the_step_but_no_button(company, member, client, defaults):
    """Salespeople change only their own documents: on a colleague's, the box says who can."""
    dana = SalespersonFactory(company=company, name="Dana")
    quotation = quotation_in(QS.SENT, company, member)
    Quotation.objects.filter(pk=quotation.pk).update(salesperson=dana)
    sam = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
    login_as(client, sam, company)
    step, html = step_of(client, quotation.get_absolute_url())
    assert step.primary is None
    assert "its salesperson or a manager can" in step.note
    assert primary_buttons(html) == []
    assert reverse("selling:quotation_accept", args=[quotation.pk]) not in html


def test_an_opportunity_of_a_held_customer_says_why_instead_of_a_button(
    company, member, member_client, opportunity
):
    from customers.services import customer_put_on_hold, opportunity_convert_to_customer

    customer = opportunity_convert_to_customer(opportunity=opportunity, actor=member)
    opportunity.refresh_from_db()
    opportunity.stage = stage_of(company, "open")
    opportunity.save()
    customer_put_on_hold(customer=customer, reason="Unpaid invoices", actor=member)
    step, html = step_of(member_client, opportunity.get_absolute_url())
    assert step.primary is None
    assert "is on hold" in html


def _actions(html: str, url: str) -> int:
    """How many buttons or links on the page lead to ``url``."""
    return html.count(f'action="{url}"') + html.count(f'href="{url}"')


def test_the_documents_panel_does_not_repeat_the_next_steps_buttons(
    company, member, member_client, opportunity
):
    new_quotation = reverse("selling:quotation_create_for_opportunity", args=[opportunity.pk])
    create_order = reverse("selling:opportunity_order", args=[opportunity.pk])
    html = member_client.get(opportunity.get_absolute_url()).content.decode()
    assert (_actions(html, new_quotation), _actions(html, create_order)) == (1, 1)

    # With a quotation under way the box opens it; the panel then offers the new ones.
    member_client.post(new_quotation)
    html = member_client.get(opportunity.get_absolute_url()).content.decode()
    assert (_actions(html, new_quotation), _actions(html, create_order)) == (1, 1)
    panel = html[html.index('class="card selling-panel"') :]
    assert _actions(panel, new_quotation) == 1 and _actions(panel, create_order) == 1


def test_the_customer_page_offers_a_new_quotation_and_order_once(
    company, member, member_client, defaults
):
    customer = CustomerFactory(company=company)
    new_quotation = reverse("selling:quotation_create_for_customer", args=[customer.pk])
    new_order = reverse("selling:order_create") + f"?customer={customer.pk}"
    html = member_client.get(customer.get_absolute_url()).content.decode()
    assert (_actions(html, new_quotation), _actions(html, new_order)) == (1, 1)
    panel = html[html.index('class="card selling-panel"') :]
    assert _actions(panel, new_quotation) == 0 and _actions(panel, new_order) == 0


def test_a_draft_order_older_than_the_panels_latest_is_still_the_one_to_finish(
    company, member, member_client, defaults
):
    """The box and the panel read the documents once: a draft order that the panel's latest ten
    leave out is still found, and the count is of them all."""
    customer = CustomerFactory(company=company)
    draft = services.order_create(customer=customer, actor=member)
    SalesOrder.objects.filter(pk=draft.pk).update(order_date=A_YEAR_LONG_PAST)
    newer = [services.order_create(customer=customer, actor=member) for _ in range(10)]
    SalesOrder.objects.filter(pk__in=[order.pk for order in newer]).update(status=SS.CANCELLED)
    step, html = step_of(member_client, customer.get_absolute_url())
    assert step.primary.url == draft.get_absolute_url()
    assert_one_primary(html, f"Open sales order {draft.number}")
    assert 'Sales orders <span class="muted">(11)</span>' in html
    assert "The latest 10 of 11." in html


def test_a_customer_with_an_open_opportunity_is_quoted_from_it(
    company, member, member_client, defaults
):
    from customers.services import customer_open_opportunity

    customer = CustomerFactory(company=company, name="Café Amsel")
    opportunity = customer_open_opportunity(
        customer=customer, actor=member, title="Second espresso machine"
    )
    step, html = step_of(member_client, customer.get_absolute_url())
    quote = reverse("selling:quotation_create_for_opportunity", args=[opportunity.pk])
    assert step.primary.url == quote
    assert_one_primary(html, "Quote “Second espresso machine”")
    assert "No deal under way" not in html
    assert "The opportunity “Second espresso machine” is open" in html
    assert [a.url for a in step.secondary] == [opportunity.get_absolute_url()]

    # Quoting it makes the deal under way: the box then leads to that quotation.
    member_client.post(quote)
    quotation = Quotation.objects.get(opportunity=opportunity)
    assert quotation.customer == customer
    step, html = step_of(member_client, customer.get_absolute_url())
    assert_one_primary(html, f"Open quotation {quotation.number}")


def test_a_won_or_lost_opportunity_leaves_the_customer_to_a_new_quotation(
    company, member, member_client, defaults
):
    from customers.services import customer_open_opportunity

    customer = CustomerFactory(company=company)
    opportunity = customer_open_opportunity(customer=customer, actor=member, title="Old deal")
    opportunity.stage = stage_of(company, "lost")
    opportunity.save()
    step, html = step_of(member_client, customer.get_absolute_url())
    assert_one_primary(html, "New quotation")
    assert "No deal under way" in html


def test_a_colleagues_open_opportunity_is_named_without_a_quote_button(
    company, member, client, defaults
):
    """A salesperson sees a colleague's customer and opportunity (company-wide view) but may not
    quote the opportunity: the box names it, offers to open it and says who can quote."""
    from customers.services import customer_open_opportunity

    dana = SalespersonFactory(company=company, name="Dana")
    customer = CustomerFactory(company=company, salesperson=dana)
    opportunity = customer_open_opportunity(customer=customer, actor=member, title="Dana's deal")
    sam = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
    login_as(client, sam, company)
    step, html = step_of(client, customer.get_absolute_url())
    assert step.primary is None
    assert "its salesperson or a manager can" in step.note
    assert "The opportunity “Dana's deal” is open" in html.replace("&#x27;", "'")
    assert [a.url for a in step.secondary] == [opportunity.get_absolute_url()]
    assert reverse("selling:quotation_create_for_opportunity", args=[opportunity.pk]) not in html
