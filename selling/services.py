"""Every write on quotations and sales orders.

Status changes go through the ``TRANSITIONS`` tables on the models and nowhere else. Documents
are numbered by ``crm.numbering`` in the transaction that creates them. Lines are priced and
totals stored by ``selling.pricing``. The conversions (DESIGN.md "Conversion" 3 and 4) follow the
same rules as the others: one transaction, the source row locked first, idempotent.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.access import Action, viewable_rows
from crm.actors import staff_user
from crm.audit import bulk_create_audited
from crm.errors import DomainError, validate_or_raise
from crm.event_text import choice, event_message, joined, local_date, model_name, money
from crm.models import Product
from crm.money import round_money
from crm.numbering import number_next
from crm.rows import check_same_company, lock_then_load
from crm.timeline import about, activity_log_event
from crm.versioning import StaleEditError
from customers import balance as customers_balance
from customers import services as customers_services
from customers.models import Customer, CustomerLink, CustomerUser
from customers.selectors import Buyer, ProductLimits
from leads import services as leads_services
from leads.models import Opportunity, OpportunityStage
from selling import pricing
from selling.models import Quotation, QuotationItem, SalesOrder, SalesOrderItem

DEFAULT_VALIDITY_DAYS = 30

Document = Quotation | SalesOrder


def _line_model(document: Document):
    return QuotationItem if isinstance(document, Quotation) else SalesOrderItem


def _line_parent(document: Document) -> dict:
    return {"quotation": document} if isinstance(document, Quotation) else {"order": document}


def _log(
    document: Document,
    message: dict,
    *,
    kind: str = "other",
    data=None,
    actor,
    on_party: bool = True,
) -> None:
    """The event on the document's timeline and, with ``on_party``, on its party's (the
    opportunity, else the customer). Not on the party: what is no news there (a draft made) or
    what another entry there already tells (the quotation ordered: its order was made)."""
    # "about" names the document, so its customer's timeline can leave the entry out for
    # those who may not view the document (crm.timeline.entries_the_user_may_view).
    data = {"document": document.number, "about": about(document), **(data or {})}
    activity_log_event(owner=document, kind=kind, message=message, data=data, actor=actor)
    # One entry on the party: the opportunity's history already shows on its customer's page.
    party = document.opportunity or document.customer
    if on_party and party is not None:
        activity_log_event(
            owner=party,
            kind=kind,
            message=event_message(
                gettext_noop("%(kind)s %(number)s: %(message)s"),
                kind=model_name(document),
                number=document.number,
                message=message,
            ),
            data=data,
            actor=actor,
        )


def _check_party(*, customer: Customer | None, opportunity: Opportunity | None) -> None:
    """Refuse a document for a customer that is on hold or inactive, or a lost opportunity.

    The customer's row is locked and read again: a hold committed after the caller loaded it
    is seen, and a hold being put on now waits until this document is written (then it stops
    the next one)."""
    if customer is not None:
        customers_services.customer_check_can_order(lock_then_load(Customer, customer))
    if opportunity is not None and opportunity.stage.kind == OpportunityStage.Kind.LOST:
        raise DomainError(
            _("%(opportunity)s is lost: move it back to an open stage first.")
            % {"opportunity": opportunity}
        )


def _check_document_party(document: Document) -> None:
    """Sending or accepting a quotation and confirming an order need a customer that may get
    documents: the document's, or (a quotation made before its opportunity became a customer)
    the opportunity's. A prospect without a customer has no status to stop it. Every line must
    still be one the party may buy: its type or group may have changed since the line was
    added."""
    customer = document.customer
    if customer is None and document.opportunity_id is not None:
        customer = pricing.opportunity_customer(document.opportunity)
    _check_party(customer=customer, opportunity=None)
    products = Product.objects.filter(
        company=document.company_id,
        pk__in=_line_model(document)
        .objects.filter(company=document.company_id, **_line_parent(document))
        .values("product"),
    )
    _check_may_buy(document.company_id, pricing.document_buyer(document), products)


TERMS_FIELDS = (
    "discount_percent",
    "discount_rule",
    "prices_include_vat",
    "price_group_id",
    "price_rule",
    "payment_terms_days",
)


def _apply_terms(document: Document, terms: pricing.Terms) -> None:
    for name in TERMS_FIELDS:
        setattr(document, name, getattr(terms, name))


def _check_may_buy(company_id: int, buyer: Buyer, products: Iterable[Product]) -> None:
    """Refuse a product the party may not buy (a wholesale bundle for a private customer)."""
    products = {product.pk: product for product in products}
    if not products:
        return
    limits = ProductLimits(company=company_id, product_ids=products)
    for product in products.values():
        refusal = limits.refusal(product.pk, buyer, product_name=product.name)
        if refusal is not None:
            raise DomainError(refusal, code="not_for_party")


def _totals_store(document: Document) -> None:
    """Recompute and store the document's totals from its lines (the one place totals are set)."""
    lines = list(
        _line_model(document).objects.filter(company=document.company_id, **_line_parent(document))
    )
    totals = pricing.document_totals(lines)
    # Each line fits its fields (validated), but their sum may not: PostgreSQL would refuse the
    # update with a bare DataError and SQLite would store a total no query can read back.
    total_field = type(document)._meta.get_field("gross_total")
    if totals.gross >= Decimal(10) ** (total_field.max_digits - total_field.decimal_places):
        message = _(
            "The total of %(document)s would be too large: split the lines over several documents."
        )
        raise DomainError(message % {"document": document})
    document.net_total, document.vat_total, document.gross_total = (
        totals.net,
        totals.vat,
        totals.gross,
    )
    # New lines are a change of the document: its version moves on, so a header form opened
    # before is refused rather than saved over them (crm.versioning).
    type(document).objects.filter(pk=document.pk, company=document.company_id).update(
        net_total=totals.net,
        vat_total=totals.vat,
        gross_total=totals.gross,
        updated_at=timezone.now(),
        version=F("version") + 1,
        updated_by=None,
    )
    document.version = (document.version or 0) + 1


# --- lines ---------------------------------------------------------------------------------------


@dataclass
class LineInput:
    """One row of an items form: an existing line (``id``) to change or delete, or a new one."""

    product: Product | None
    quantity: Decimal
    unit_price: Decimal | None = None
    discount_percent: Decimal | None = None
    vat_rate: Decimal | None = None
    description: str = ""
    id: int | None = None
    delete: bool = False


@transaction.atomic
def document_lines_save(
    *, document: Document, lines: Iterable[LineInput], actor, seen_version: int | None = None
) -> Document:
    """Replace a draft document's lines with ``lines`` (kept in the order given) and store the
    new totals. A new line takes its price and VAT from the product and the party's discount
    unless given. Only a draft can change; all or nothing. With ``seen_version`` (the lines
    page's), a document changed since it was opened is refused (crm.versioning)."""
    document = lock_then_load(type(document), document, "customer", "opportunity")
    if seen_version is not None and seen_version != document.version:
        raise StaleEditError(document)
    if not document.is_editable:
        raise DomainError(
            _("%(document)s is %(status)s: only a draft can be changed.")
            % {"document": document, "status": document.get_status_display().lower()}
        )
    model = _line_model(document)
    existing = {
        line.pk: line
        for line in model.objects.filter(company=document.company_id, **_line_parent(document))
    }
    terms = pricing.document_terms(document)
    new_products: list[Product] = []
    keep: list = []
    for row in lines:
        line = None
        if row.id is not None:
            line = existing.get(row.id)
            if line is None:
                raise DomainError(_("A line of this document was changed elsewhere: reload."))
        if row.delete:
            continue
        if row.product is None:
            raise DomainError(_("Choose a product for each line."))
        check_same_company(document.company_id, row.product)
        if line is None or line.product_id != row.product.pk:
            new_products.append(row.product)
            defaults = pricing.line_defaults(row.product, terms)
            line = line or model(company_id=document.company_id, **_line_parent(document))
            for name, value in defaults.items():
                setattr(line, name, value)
        line.quantity = row.quantity
        for name in ("unit_price", "discount_percent", "vat_rate"):
            value = getattr(row, name)
            if value is not None:
                setattr(line, name, value)
        if row.description:
            line.description = row.description
        line.position = len(keep) + 1
        pricing.price_line(line)
        validate_or_raise(line, exclude=["company", *_line_parent(document)])
        keep.append(line)
    # Lines kept with their product are not asked again: a party that changed type since keeps
    # what it was offered; only a new or changed product must be one it may buy.
    if new_products:
        _check_may_buy(document.company_id, pricing.document_buyer(document), new_products)
    kept_ids = {line.pk for line in keep if line.pk}
    model.objects.filter(
        company=document.company_id, pk__in=[pk for pk in existing if pk not in kept_ids]
    ).delete()
    for line in keep:
        line.save()
    _totals_store(document)
    return document


_LINE_RELATIONS = ["company", "product", "quotation", "order", "wish_list_item", "quotation_item"]


def _check_fits(line) -> None:
    """A copied line's own figures must fit their fields (a huge wish-list quantity would
    otherwise fail on PostgreSQL as a bare DataError); its relations are known to be valid."""
    try:
        line.clean_fields(exclude=_LINE_RELATIONS)
    except ValidationError as error:
        raise DomainError(
            _("Line %(position)s (%(line)s) cannot be used: %(problem)s")
            % {
                "position": line.position,
                "line": line.description,
                "problem": " ".join(error.messages),
            }
        ) from error


def _copy_lines(source_lines, target: Document, *, origin: str | None = None) -> None:
    model = _line_model(target)
    copies = []
    for position, line in enumerate(source_lines, start=1):
        copy = model(
            company_id=target.company_id,
            position=position,
            product_id=line.product_id,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            vat_rate=line.vat_rate,
            **_line_parent(target),
        )
        if origin:
            setattr(copy, origin, line)
        pricing.price_line(copy)
        _check_fits(copy)
        copies.append(copy)
    bulk_create_audited(model, copies)


def _lines_from_wish_list(opportunity: Opportunity, target: Document, *, buyer: Buyer) -> None:
    """The opportunity's wish list becomes the document's lines, priced for the party. A wish
    the party may not buy refuses the whole conversion: the salesperson removes it first."""
    terms = pricing.document_terms(target)
    model = _line_model(target)
    lines = []
    items = list(
        opportunity.wish_list.filter(company=opportunity.company_id).select_related("product")
    )
    _check_may_buy(target.company_id, buyer, [item.product for item in items])
    for position, item in enumerate(items, start=1):
        line = model(
            company_id=target.company_id,
            position=position,
            quantity=item.quantity,
            wish_list_item=item,
            **pricing.line_defaults(item.product, terms),
            **_line_parent(target),
        )
        if item.note:
            line.description = f"{item.product.name} – {item.note}"[:300]
        pricing.price_line(line)
        _check_fits(line)
        lines.append(line)
    bulk_create_audited(model, lines)


# --- quotations ----------------------------------------------------------------------------------


def _requester(opportunity: Opportunity | None, customer: Customer | None):
    """The customer user who asked for this opportunity on the portal, while they are an active
    user of the quotation's customer: the quotation is then theirs."""
    if opportunity is None or customer is None:
        return None
    link = (
        CustomerLink.objects.filter(company=opportunity.company_id, opportunity=opportunity)
        .select_related("requested_by")
        .first()
    )
    requester = link.requested_by if link is not None else None
    if requester is None or not requester.is_active or requester.customer_id != customer.pk:
        return None
    return requester


@transaction.atomic
def quotation_create(
    *,
    actor,
    opportunity: Opportunity | None = None,
    customer: Customer | None = None,
    quotation_date: datetime.date | None = None,
    valid_until: datetime.date | None = None,
    notes: str = "",
) -> Quotation:
    """A draft quotation for an opportunity (its wish list becomes the lines) and/or a customer.

    An opportunity that already has a customer is quoted to that customer too, so the customer's
    page lists the quotation. Salesperson and partner come from the opportunity or customer.
    """
    if opportunity is None and customer is None:
        raise DomainError(_("Choose the opportunity or the customer this quotation is for."))
    if opportunity is not None:
        opportunity = lock_then_load(Opportunity, opportunity, "stage", "company")
    party = opportunity or customer
    company = party.company
    check_same_company(company.pk, opportunity, customer)
    if opportunity is not None and customer is None:
        customer = pricing.opportunity_customer(opportunity)
    _check_party(customer=customer, opportunity=opportunity)
    quotation_date = quotation_date or timezone.localdate()
    quotation = Quotation(
        company=company,
        opportunity=opportunity,
        customer=customer,
        quotation_date=quotation_date,
        valid_until=valid_until or quotation_date + datetime.timedelta(days=DEFAULT_VALIDITY_DAYS),
        salesperson_id=party.salesperson_id,
        sales_partner_id=party.sales_partner_id,
        currency=company.currency,
        notes=notes,
        created_by=staff_user(actor),
        customer_user=_requester(opportunity, customer),
    )
    buyer = pricing.buyer_for(customer=customer, opportunity=opportunity)
    _apply_terms(quotation, pricing.terms_for(buyer=buyer))
    validate_or_raise(quotation, exclude=["number"])
    quotation.number = number_next(
        company=company, prefix=Quotation.NUMBER_PREFIX, date=quotation.quotation_date
    )
    quotation.save()
    if opportunity is not None:
        _lines_from_wish_list(opportunity, quotation, buyer=buyer)
    _totals_store(quotation)
    _log(
        quotation,
        event_message(gettext_noop("Quotation created.")),
        kind="created",
        actor=actor,
        on_party=False,
    )
    return quotation


@transaction.atomic
def quotation_update(*, quotation: Quotation, actor, fields: dict) -> Quotation:
    """Change a draft's header (dates, salesperson, partner, notes)."""
    locked = lock_then_load(Quotation, quotation, "customer", "opportunity")
    if not locked.is_editable:
        raise DomainError(_("Only a draft quotation can be changed: revise it first."))
    for name, value in fields.items():
        setattr(locked, name, value)
    _check_header(locked)
    locked.save()
    return locked


def _check_header(document: Document) -> None:
    check_same_company(
        document.company_id, document.salesperson, document.sales_partner, document.customer_user
    )
    if document.customer_user is not None and (
        document.customer_user.customer_id != document.customer_id
    ):
        raise DomainError(_("Choose one of the customer's own portal users."))
    validate_or_raise(document)


def _move(
    document: Document, status: str, *, actor, reason: dict | None = None, on_party: bool = True
) -> Document:
    """Move a locked document to ``status`` if its transitions table allows it."""
    old = document.status
    if not document.can_move_to(status):
        raise DomainError(
            _("%(document)s is %(old)s and cannot become %(new)s.")
            % {
                "document": document,
                "old": document.get_status_display().lower(),
                "new": type(document).Status(status).label.lower(),
            },
            code="transition",
        )
    was_booked = isinstance(document, SalesOrder) and document.is_booked
    document.status = status
    document.save(update_fields=["status", "updated_at"])
    if isinstance(document, SalesOrder) and was_booked != document.is_booked:
        # The customer's lifetime sales value counts booked orders: in when confirmed, out when
        # a confirmed order is cancelled.
        customers_services.customer_count_sale(
            customer=document.customer,
            net_amount=document.net_total if document.is_booked else -document.net_total,
        )
    message = event_message(
        gettext_noop("Status changed from %(old)s to %(new)s."),
        old=choice(document, "status", old),
        new=choice(document, "status", status),
    )
    if reason:
        message = joined([message, reason])
    _log(
        document,
        message,
        kind="status_change",
        data={"from": old, "to": status},
        actor=actor,
        on_party=on_party,
    )
    return document


def _expire_if_due(quotation: Quotation, *, actor=None, today=None) -> bool:
    if quotation.is_due_to_expire(today):
        _move(
            quotation,
            Quotation.Status.EXPIRED,
            actor=actor,
            reason=event_message(
                gettext_noop("It was valid until %(date)s."),
                date=local_date(quotation.valid_until),
            ),
        )
        return True
    return False


def _refuse_if_expired(quotation: Quotation, message: str) -> None:
    """Expire a quotation past its date in a transaction of its own, then refuse: the expiry is
    a fact that stays written even though the action the user asked for does not happen."""
    if quotation.is_due_to_expire():
        quotation_expire_if_due(quotation=quotation)
        raise DomainError(
            message % {"quotation": quotation, "date": quotation.valid_until}, code="expired"
        )


def quotation_send(*, quotation: Quotation, actor) -> Quotation:
    """Send a draft with at least one line (and not past its valid-until date)."""
    _refuse_if_expired(
        quotation,
        _("%(quotation)s expired on %(date)s: revise it with a new validity before sending."),
    )
    with transaction.atomic():
        quotation = lock_then_load(Quotation, quotation, "customer", "opportunity")
        if quotation.status == Quotation.Status.DRAFT and not quotation.items.exists():
            raise DomainError(_("Add at least one line before sending the quotation."))
        if quotation.can_move_to(Quotation.Status.SENT):
            _check_document_party(quotation)
        return _move(quotation, Quotation.Status.SENT, actor=actor)


def quotation_accept(*, quotation: Quotation, actor) -> Quotation:
    """The customer said yes: only a sent quotation whose valid-until date has not passed."""
    _refuse_if_expired(
        quotation,
        _("%(quotation)s was valid until %(date)s and has expired: it can no longer be accepted."),
    )
    with transaction.atomic():
        quotation = lock_then_load(Quotation, quotation, "customer", "opportunity")
        if quotation.is_due_to_expire():  # it expired while we waited for the lock
            raise DomainError(_("%(quotation)s has expired.") % {"quotation": quotation})
        if quotation.can_move_to(Quotation.Status.ACCEPTED):
            _check_document_party(quotation)
        return _move(quotation, Quotation.Status.ACCEPTED, actor=actor)


@transaction.atomic
def quotation_reject(*, quotation: Quotation, actor, reason: str = "") -> Quotation:
    quotation = lock_then_load(Quotation, quotation, "customer", "opportunity")
    reason = reason.strip()
    return _move(
        quotation,
        Quotation.Status.REJECTED,
        actor=actor,
        reason=event_message(gettext_noop("Reason: %(reason)s."), reason=reason)
        if reason
        else None,
    )


@transaction.atomic
def quotation_revise(
    *, quotation: Quotation, actor, valid_until: datetime.date | None = None
) -> Quotation:
    """Back to draft for changes (a sent or expired quotation); an expired one needs a new
    valid-until date, by default the standard validity from today."""
    quotation = lock_then_load(Quotation, quotation, "customer", "opportunity")
    today = timezone.localdate()
    if quotation.status == Quotation.Status.EXPIRED or quotation.valid_until < today:
        valid_until = valid_until or today + datetime.timedelta(days=DEFAULT_VALIDITY_DAYS)
    if valid_until is not None:
        if valid_until < today:
            raise DomainError(_("The new “valid until” date cannot be in the past."))
        quotation.valid_until = valid_until
        quotation.save(update_fields=["valid_until", "updated_at"])
    return _move(quotation, Quotation.Status.DRAFT, actor=actor)


@transaction.atomic
def quotation_expire_if_due(*, quotation: Quotation, actor=None, today=None) -> Quotation:
    """Expire the quotation if its valid-until date has passed (called when it is viewed)."""
    if not quotation.is_due_to_expire(today):
        return quotation
    quotation = lock_then_load(Quotation, quotation, "customer", "opportunity")
    _expire_if_due(quotation, actor=actor, today=today)
    return quotation


def quotations_expire_due(*, company, today: datetime.date | None = None, actor=None) -> int:
    """Expire every open quotation of ``company`` past its valid-until date (the cron job).

    Each quotation in its own transaction, so one failure does not undo the others; rejected
    and ordered quotations are never touched (``Quotation.EXPIRABLE``). Given an ``actor``
    (``expire_quotations --as``), only the quotations their edit level reaches: expiring
    changes a quotation's status. Without one, the company's (the nightly job).
    """
    today = today or timezone.localdate()
    due = Quotation.objects.filter(
        company=company, status__in=Quotation.EXPIRABLE, valid_until__lt=today
    ).order_by("pk")
    due = viewable_rows(due, actor, company, Action.EDIT)
    expired = 0
    for quotation in due.iterator():
        with transaction.atomic():
            locked = lock_then_load(Quotation, quotation, "customer", "opportunity")
            if _expire_if_due(locked, actor=actor, today=today):
                expired += 1
    return expired


# --- sales orders --------------------------------------------------------------------------------


def _customer_for(
    opportunity: Opportunity, *, actor, customer: Customer | None, allow_duplicates: bool
) -> Customer:
    """The opportunity's customer, made or linked now in the caller's transaction (seed 000)."""
    return customers_services.opportunity_convert_to_customer(
        opportunity=opportunity,
        actor=actor,
        customer=customer,
        allow_duplicates=allow_duplicates,
    )


def _win(
    opportunity: Opportunity | None,
    order: SalesOrder,
    *,
    stage_before: OpportunityStage | None,
    actor,
) -> None:
    """Mark the opportunity won, remembering on the order the stage it came from (the customer
    conversion may have moved it already), so cancelling the order can put it back."""
    if opportunity is None or stage_before is None:
        return
    if stage_before.kind != OpportunityStage.Kind.WON:
        order.opportunity_stage_before = stage_before
        order.save(update_fields=["opportunity_stage_before", "updated_at"])
    opportunity.refresh_from_db(fields=["stage"])
    customers_services.opportunity_mark_won(opportunity=opportunity, actor=actor)


def _new_order(*, customer: Customer, opportunity, quotation, actor, **fields) -> SalesOrder:
    order = SalesOrder(
        company_id=customer.company_id,
        customer=customer,
        opportunity=opportunity,
        quotation=quotation,
        salesperson_id=(quotation or opportunity or customer).salesperson_id,
        sales_partner_id=(quotation or opportunity or customer).sales_partner_id,
        currency=customer.company.currency,
        created_by=staff_user(actor),
        **fields,
    )
    if quotation is not None:
        # The order keeps the terms the customer accepted, and the person it was for.
        for name in TERMS_FIELDS:
            setattr(order, name, getattr(quotation, name))
        order.notes = quotation.notes
        order.customer_user_id = quotation.customer_user_id
    else:
        _apply_terms(order, pricing.terms_for(customer=customer))
    validate_or_raise(order, exclude=["number"])
    order.number = number_next(
        company=customer.company, prefix=SalesOrder.NUMBER_PREFIX, date=order.order_date
    )
    order.save()
    return order


@transaction.atomic
def order_from_quotation(
    *,
    quotation: Quotation,
    actor,
    customer: Customer | None = None,
    allow_duplicates: bool = False,
) -> SalesOrder:
    """The order for an accepted quotation, or the one already made from it.

    If the quotation's opportunity has no customer yet, the customer is created (or ``customer``
    linked) in this transaction. The lines are copied and point at the quotation lines; the
    quotation becomes ordered and the opportunity won.
    """
    quotation = lock_then_load(Quotation, quotation, "customer", "opportunity__stage", "company")
    existing = SalesOrder.objects.filter(company=quotation.company_id, quotation=quotation).first()
    if existing is not None:
        return existing
    if quotation.is_due_to_expire():
        raise DomainError(
            _("%(quotation)s expired on %(date)s: revise it and have it accepted again.")
            % {"quotation": quotation, "date": quotation.valid_until},
            code="expired",
        )
    if quotation.status != Quotation.Status.ACCEPTED:
        raise DomainError(
            _("%(quotation)s is %(status)s: only an accepted quotation becomes an order.")
            % {"quotation": quotation, "status": quotation.get_status_display().lower()},
            code="transition",
        )
    opportunity = quotation.opportunity
    stage_before = None
    if opportunity is not None:
        opportunity = lock_then_load(Opportunity, opportunity, "stage", "lead", "company")
        stage_before = opportunity.stage
    order_customer = quotation.customer
    if order_customer is None:
        order_customer = _customer_for(
            opportunity, actor=actor, customer=customer, allow_duplicates=allow_duplicates
        )
        quotation.customer = order_customer
        quotation.save(update_fields=["customer", "updated_at"])
    _check_party(customer=order_customer, opportunity=None)
    quotation_lines = list(
        quotation.items.filter(company=quotation.company_id).select_related("product")
    )
    _check_may_buy(
        quotation.company_id,
        pricing.buyer_for(customer=order_customer),
        [line.product for line in quotation_lines],
    )
    order = _new_order(
        customer=order_customer, opportunity=opportunity, quotation=quotation, actor=actor
    )
    _copy_lines(quotation_lines, order, origin="quotation_item")
    _totals_store(order)
    # One event on the party: the order made from the quotation (which also says "ordered").
    _move(quotation, Quotation.Status.ORDERED, actor=actor, on_party=False)
    _log(
        order,
        event_message(
            gettext_noop("Order created from quotation %(quotation)s."), quotation=quotation
        ),
        kind="conversion",
        data={"quotation": quotation.pk},
        actor=actor,
    )
    _win(opportunity, order, stage_before=stage_before, actor=actor)
    return order


def quotation_accept_by_customer(
    *, quotation: Quotation, customer_user: CustomerUser
) -> tuple[SalesOrder, bool]:
    """The customer orders on the portal: accept the sent quotation, make its order and confirm
    it, all in one transaction, so the customer never sees an accepted quotation without its
    order. Returns the order and whether it was made now; accepting again (a double click, a
    colleague at the same moment) returns the order already made.

    The order is the customer user's (``customer_user``); so is the quotation, unless it was
    already made out to someone at the customer, who keeps it.
    """
    existing = _order_of(quotation)
    if existing is not None:
        return existing, False
    # Expired in a transaction of its own (the expiry stays written), then refused.
    _refuse_if_expired(
        quotation,
        _("%(quotation)s was valid until %(date)s and has expired: it can no longer be accepted."),
    )
    with transaction.atomic():
        quotation = lock_then_load(Quotation, quotation, "customer", "opportunity")
        existing = _order_of(quotation)
        if existing is not None:  # made while we waited for the lock
            return existing, False
        if quotation.status != Quotation.Status.SENT:
            raise DomainError(
                _("%(quotation)s is %(status)s: only a sent quotation can be accepted.")
                % {"quotation": quotation, "status": quotation.get_status_display().lower()},
                code="transition",
            )
        quotation = quotation_accept(quotation=quotation, actor=customer_user)
        if quotation.customer_user_id is None:
            quotation.customer_user = customer_user
            quotation.save(update_fields=["customer_user", "updated_at"])
        order = order_from_quotation(quotation=quotation, actor=customer_user)
        order = order_confirm(order=order, actor=customer_user)
        order.customer_user = customer_user
        order.save(update_fields=["customer_user", "updated_at"])
        return order, True


def _order_of(quotation: Quotation) -> SalesOrder | None:
    return SalesOrder.objects.filter(company=quotation.company_id, quotation=quotation).first()


@transaction.atomic
def order_from_opportunity(
    *,
    opportunity: Opportunity,
    actor,
    customer: Customer | None = None,
    allow_duplicates: bool = False,
) -> SalesOrder:
    """An order straight from the opportunity: its wish list moves into the order's lines.

    The opportunity becomes a customer in the same transaction if it is not one yet. A second
    call (double click, two people) returns the open order already made from its wish list.
    """
    opportunity = lock_then_load(Opportunity, opportunity, "stage", "lead", "company")
    existing = (
        SalesOrder.objects.filter(
            company=opportunity.company_id, opportunity=opportunity, quotation__isnull=True
        )
        .exclude(status=SalesOrder.Status.CANCELLED)
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return existing
    _check_party(customer=None, opportunity=opportunity)
    stage_before = opportunity.stage
    order_customer = _customer_for(
        opportunity, actor=actor, customer=customer, allow_duplicates=allow_duplicates
    )
    _check_party(customer=order_customer, opportunity=None)
    order = _new_order(
        customer=order_customer, opportunity=opportunity, quotation=None, actor=actor
    )
    _lines_from_wish_list(opportunity, order, buyer=pricing.buyer_for(customer=order_customer))
    _totals_store(order)
    _log(
        order,
        event_message(gettext_noop("Order created from the opportunity's wish list.")),
        kind="conversion",
        data={"opportunity": opportunity.pk},
        actor=actor,
    )
    _win(opportunity, order, stage_before=stage_before, actor=actor)
    return order


@transaction.atomic
def order_create(
    *,
    customer: Customer,
    actor,
    order_date: datetime.date | None = None,
    delivery_date: datetime.date | None = None,
    notes: str = "",
) -> SalesOrder:
    """A draft order for an existing customer, without lines yet."""
    customer = lock_then_load(Customer, customer, "customer_type", "customer_group", "company")
    _check_party(customer=customer, opportunity=None)
    fields = {"notes": notes, "delivery_date": delivery_date}
    if order_date:
        fields["order_date"] = order_date
    order = _new_order(customer=customer, opportunity=None, quotation=None, actor=actor, **fields)
    _log(order, event_message(gettext_noop("Order created.")), kind="created", actor=actor)
    return order


@transaction.atomic
def order_update(*, order: SalesOrder, actor, fields: dict) -> SalesOrder:
    """Change an order's dates, salesperson, partner or notes (the delivery date also later)."""
    locked = lock_then_load(SalesOrder, order, "customer", "opportunity")
    if not locked.is_editable and set(fields) - {"delivery_date", "notes"}:
        raise DomainError(_("Only a draft order can be changed, apart from its delivery date."))
    if locked.status in (SalesOrder.Status.FULFILLED, SalesOrder.Status.CANCELLED):
        raise DomainError(_("A fulfilled or cancelled order cannot be changed."))
    for name, value in fields.items():
        setattr(locked, name, value)
    _check_header(locked)
    locked.save()
    return locked


@transaction.atomic
def order_confirm(*, order: SalesOrder, actor) -> SalesOrder:
    order = lock_then_load(SalesOrder, order, "customer", "opportunity")
    if order.status == SalesOrder.Status.DRAFT and not order.items.exists():
        raise DomainError(_("Add at least one line before confirming the order."))
    if order.can_move_to(SalesOrder.Status.CONFIRMED):
        _check_document_party(order)
    return _move(order, SalesOrder.Status.CONFIRMED, actor=actor)


@transaction.atomic
def order_fulfil(*, order: SalesOrder, actor) -> SalesOrder:
    order = lock_then_load(SalesOrder, order, "customer", "opportunity")
    return _move(order, SalesOrder.Status.FULFILLED, actor=actor)


@transaction.atomic
def order_cancel(*, order: SalesOrder, actor, reason: str = "") -> SalesOrder:
    """Cancel the order; an opportunity this order marked won goes back to its earlier stage,
    unless another open order still holds it."""
    order = lock_then_load(SalesOrder, order, "customer", "opportunity", "opportunity_stage_before")
    reason = reason.strip()
    _move(
        order,
        SalesOrder.Status.CANCELLED,
        actor=actor,
        reason=event_message(gettext_noop("Reason: %(reason)s."), reason=reason)
        if reason
        else None,
    )
    _refund_balance(order, actor=actor)
    opportunity, stage_before = order.opportunity, order.opportunity_stage_before
    if opportunity is None or stage_before is None:
        return order
    still_ordered = (
        SalesOrder.objects.filter(company=order.company_id, opportunity=opportunity)
        .exclude(pk=order.pk)
        .exclude(status=SalesOrder.Status.CANCELLED)
        .exists()
    )
    opportunity = lock_then_load(Opportunity, opportunity, "stage")
    if not still_ordered and opportunity.stage.kind == OpportunityStage.Kind.WON:
        leads_services.opportunity_set_stage(
            opportunity=opportunity, stage=stage_before, actor=actor
        )
    return order


# --- paying with the customer's balance ----------------------------------------------------------


@transaction.atomic
def order_apply_balance(
    *,
    order: SalesOrder,
    actor,
    amount: Decimal | None = None,
    seen_version: int | None = None,
) -> Decimal:
    """Pay a booked order from the customer's balance: up to ``amount`` (all that is due when
    None), never more than is due or than the balance holds. Returns what was taken.

    With ``seen_version`` (the order page's), an order paid or changed since the page was opened
    is refused: a double click on "Pay" takes the amount once."""
    order = lock_then_load(SalesOrder, order, "customer", "company")
    if seen_version is not None and seen_version != order.version:
        raise DomainError(
            _(
                "%(order)s changed after you opened it (it may have just been paid): nothing was "
                "taken from the balance. Check the amount due and pay again."
            )
            % {"order": order},
            code="stale",
        )
    if not order.is_booked:
        raise DomainError(
            _("%(order)s is %(status)s: only a confirmed or fulfilled order can be paid.")
            % {"order": order, "status": order.get_status_display().lower()},
            code="transition",
        )
    due = order.amount_due
    if due <= 0:
        raise DomainError(_("%(order)s is paid in full.") % {"order": order}, code="paid")
    wanted = due
    if amount is not None:
        try:
            wanted = round_money(Decimal(amount))
        except (ArithmeticError, TypeError, ValueError):
            raise DomainError(_("Enter the amount to take from the balance.")) from None
        if wanted <= 0:
            raise DomainError(_("The amount to take from the balance must be more than zero."))
        wanted = min(wanted, due)
    entry = customers_balance.balance_pay(
        customer=order.customer, up_to=wanted, source=order, reference=order.number, actor=actor
    )
    if entry is None:
        raise DomainError(
            _("%(customer)s has nothing on its balance.") % {"customer": order.customer},
            code="insufficient_balance",
        )
    taken = -entry.amount
    # The row is locked (``lock_then_load``), so the new figure is written as a value: SQLite
    # works "balance_applied + taken" out in floating point, and 14.49 + 21.17 came out above
    # a gross total of 35.66 there, which the check constraint refused.
    SalesOrder.objects.filter(company=order.company_id, pk=order.pk).update(
        balance_applied=order.balance_applied + taken,
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    order.refresh_from_db(fields=["balance_applied", "version", "updated_at"])
    currency = order.currency
    _log(
        order,
        event_message(
            gettext_noop("%(amount)s paid from the customer's balance; %(due)s still due."),
            amount=money(taken, currency),
            due=money(order.amount_due, currency),
        ),
        data={"event": "balance_payment", "amount": str(taken)},
        actor=actor,
    )
    return taken


def _refund_balance(order: SalesOrder, *, actor) -> None:
    """A cancelled order gives back what the balance paid for it, once (the order is locked;
    the ledger allows one refund per order)."""
    if order.balance_applied <= 0 or order.balance_refunded:
        return
    customers_balance.balance_refund(
        customer=order.customer,
        amount=order.balance_applied,
        source=order,
        reference=order.number,
        actor=actor,
    )
    SalesOrder.objects.filter(company=order.company_id, pk=order.pk).update(
        balance_refunded=order.balance_applied
    )
    order.balance_refunded = order.balance_applied
    _log(
        order,
        event_message(
            gettext_noop("%(amount)s given back to the customer's balance."),
            amount=money(order.balance_applied, order.currency),
        ),
        data={"event": "balance_refund", "amount": str(order.balance_applied)},
        actor=actor,
    )
