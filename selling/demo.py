"""Demo quotations and orders: every status of both, made through the services like a user would."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from crm.errors import DomainError
from crm.models import Company, Product
from customers.models import Customer
from customers.selectors import ProductLimits
from leads.models import Opportunity, OpportunityStage
from selling import mailing, pricing, services
from selling.models import OutboundEmail, Quotation


def _fill(document, products: list[Product], rnd: random.Random) -> None:
    """Give a document without a wish list two or three lines."""
    if document.items.exists():
        return
    # Only what the party may buy (the wholesale bundle is for business customers).
    buyer = pricing.document_buyer(document)
    limits = ProductLimits(company=document.company_id)
    products = [product for product in products if limits.allows(product.pk, buyer)]
    picks = rnd.sample(products, k=min(len(products), rnd.randint(2, 3)))
    services.document_lines_save(
        document=document,
        actor=None,
        lines=[
            services.LineInput(product=product, quantity=Decimal(rnd.randint(1, 12)))
            for product in picks
        ],
    )


def seed_selling(company: Company, rnd: random.Random) -> None:
    mailing.email_templates_ensure(company)
    if Quotation.objects.filter(company=company).exists():
        return
    products = list(Product.objects.filter(company=company, is_active=True).order_by("pk"))
    if not products:
        return
    today = timezone.localdate()
    opportunities = list(
        Opportunity.objects.filter(company=company, stage__kind=OpportunityStage.Kind.OPEN)
        .select_related("stage")
        .order_by("-stage__order", "pk")[:9]
    )
    # One quotation per open opportunity, each left in a different status.
    plan = [
        "ordered",
        "accepted",
        "sent",
        "draft",
        "rejected",
        "expired",
        "ordered",
        "sent",
        "draft",
    ]
    for opportunity, status in zip(opportunities, plan, strict=False):
        age = rnd.randint(3, 25)
        date = today - timedelta(days=age + (40 if status == "expired" else 0))
        try:
            quotation = services.quotation_create(
                opportunity=opportunity,
                actor=None,
                quotation_date=date,
                valid_until=date + timedelta(days=30),
            )
            _fill(quotation, products, rnd)
            if status == "expired":
                continue  # past its date: the expiry run below expires it
            if status == "draft":
                continue
            services.quotation_send(quotation=quotation, actor=None)
            if status == "sent":
                continue
            if status == "rejected":
                services.quotation_reject(quotation=quotation, actor=None, reason="Price too high")
                continue
            services.quotation_accept(quotation=quotation, actor=None)
            if status == "ordered":
                order = services.order_from_quotation(
                    quotation=quotation, actor=None, allow_duplicates=True
                )
                services.order_confirm(order=order, actor=None)
        except DomainError:
            continue  # a demo opportunity the rules refuse is simply skipped
    services.quotations_expire_due(company=company, today=today)

    # Orders for existing customers, in every status.
    customers = list(
        Customer.objects.filter(company=company, status=Customer.Status.ACTIVE).order_by("pk")[:6]
    )
    for customer, status in zip(
        customers,
        ["fulfilled", "fulfilled", "confirmed", "draft", "cancelled", "confirmed"],
        strict=False,
    ):
        order = services.order_create(
            customer=customer,
            actor=None,
            order_date=today - timedelta(days=rnd.randint(5, 80)),
        )
        _fill(order, products, rnd)
        if status == "draft":
            continue
        services.order_confirm(order=order, actor=None)
        if status == "fulfilled":
            services.order_fulfil(order=order, actor=None)
        elif status == "cancelled":
            services.order_cancel(order=order, actor=None, reason="Ordered twice by mistake")
    # Orders paid in part from a balance (customers.demo credits some): one still open, one
    # cancelled, which gave the payment back.
    with_balance = Customer.objects.filter(company=company, balance__gt=0).order_by("pk")
    for customer, cancel in zip(with_balance, (False, True), strict=False):
        order = services.order_create(
            customer=customer, actor=None, order_date=today - timedelta(days=rnd.randint(2, 20))
        )
        _fill(order, products, rnd)
        services.order_confirm(order=order, actor=None)
        services.order_apply_balance(order=order, actor=None, amount=Decimal("100.00"))
        if cancel:
            services.order_cancel(order=order, actor=None, reason="Paid twice by mistake")
    # A quotation straight to a customer (a repeat sale).
    if customers:
        quotation = services.quotation_create(customer=customers[0], actor=None)
        _fill(quotation, products, rnd)
        services.quotation_send(quotation=quotation, actor=None)
        _seed_email(quotation)


def _seed_email(quotation: Quotation) -> None:
    """The repeat sale's quotation went out by e-mail: one logged e-mail, as the send page
    leaves it (no mail is sent and no PDF made while seeding)."""
    address = quotation.customer.email
    if not address:
        return
    draft = mailing.message_draft(quotation)
    email = OutboundEmail.objects.create(
        company_id=quotation.company_id,
        quotation=quotation,
        to=address,
        subject=draft.subject,
        body=draft.body,
        attachment_name=mailing.attachment_name(quotation),
        status=OutboundEmail.Status.SENT,
        attempted_at=timezone.now(),
    )
    mailing.log_sent(quotation, email, actor=None)
