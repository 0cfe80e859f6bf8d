"""One entry per business event: a deal's chain leaves one entry for each step on the record it
happened to, and on the opportunity only the steps that are news there."""

from crm.models import SystemEvent
from selling import services


def bodies(owner):
    return [
        entry.body
        for entry in SystemEvent.objects.filter(company=owner.company, owner_id=owner.pk).order_by(
            "occurred_at", "pk"
        )
        if entry.owner == owner
    ]


def test_the_chain_tells_the_opportunity_each_event_once(company, member, opportunity):
    quotation = services.quotation_create(actor=member, opportunity=opportunity)
    quotation = services.quotation_send(quotation=quotation, actor=member)
    quotation = services.quotation_accept(quotation=quotation, actor=member)
    order = services.order_from_quotation(quotation=quotation, actor=member)
    services.order_confirm(order=order, actor=member)

    on_opportunity = bodies(opportunity)
    about_documents = [
        body for body in on_opportunity if body.startswith(("Quotation ", "Sales order "))
    ]
    assert about_documents == [
        f"Quotation {quotation.number}: Status changed from Draft to Sent.",
        f"Quotation {quotation.number}: Status changed from Sent to Accepted.",
        f"Sales order {order.number}: Order created from quotation {quotation.number}.",
        f"Sales order {order.number}: Status changed from Draft to Confirmed.",
    ]
    # The documents keep their whole history.
    assert bodies(quotation)[0] == "Quotation created."
    assert "Status changed from Accepted to Ordered." in bodies(quotation)
    assert bodies(order)[0] == f"Order created from quotation {quotation.number}."
