"""Every write on customers, and the conversions that make them: opportunity or lead -> customer.

The conversion rules (DESIGN.md "Conversion"): one transaction; the source row locked first; a
lead or opportunity belongs to at most one customer (``CustomerLink``'s one-to-one fields), so
converting twice, a double click or two people at once return the one customer; the same address
and contact rows are linked, never copied; both timelines get an event.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from addressbook import services as addressbook_services
from addressbook.models import Contact
from addressbook.selectors import contact_links_for_owner
from crm.access import viewable_rows
from crm.errors import DomainError, validate_or_raise
from crm.event_text import choice, event_message, joined, model_name
from crm.models import Company, Product, Salesperson, SystemEvent
from crm.phones import e164_or_text
from crm.rows import check_same_company, lock_then_load
from crm.timeline import activity_log_event
from customers import hierarchy
from customers.models import (
    Customer,
    CustomerGroup,
    CustomerLink,
    CustomerType,
    GroupContent,
    GroupPrice,
    ProductLimit,
    phone_digits,
)
from customers.selectors import Buyer, ProductLimits
from leads import services as leads_services
from leads.models import Lead, Opportunity, OpportunityStage

# Legal forms and fillers that say nothing about which business it is.
_NAME_NOISE = {
    "ab", "ag", "as", "bv", "co", "corp", "cv", "doo", "gmbh", "inc", "kg", "llc", "ltd",
    "mbh", "nv", "oy", "plc", "pt", "sa", "sarl", "sas", "sl", "spa", "srl", "the", "and",
}  # fmt: skip
SIMILAR_NAME_RATIO = 0.8
DUPLICATE_LIMIT = 10


def _validated_save(instance):
    validate_or_raise(instance)
    instance.save()
    return instance


# --- the company's lists ------------------------------------------------------------------------


@transaction.atomic
def company_list_save(*, row: CustomerGroup | CustomerType, actor=None):
    """Create or update a customer group or customer type."""
    return _validated_save(row)


def _limits_set(
    *, company_id: int, products: Iterable[Product], **owner: CustomerGroup | CustomerType
) -> None:
    """Make ``products`` exactly the ones limited to the type or group in ``owner``."""
    products = list(products)
    check_same_company(company_id, *products)
    wanted = {product.pk for product in products}
    current = ProductLimit.objects.filter(company=company_id, **owner)
    current.exclude(product__in=wanted).delete()
    have = set(current.values_list("product_id", flat=True))
    ProductLimit.objects.bulk_create(
        ProductLimit(company_id=company_id, product_id=pk, **owner) for pk in wanted - have
    )


def _price_list_set(*, group: CustomerGroup, prices: Mapping[Product, Decimal]) -> None:
    """Make ``prices`` the group's whole price list: rows kept, changed, added or removed."""
    check_same_company(group.company_id, *prices)
    current = {
        row.product_id: row
        for row in GroupPrice.objects.filter(company=group.company_id, customer_group=group)
    }
    wanted = {product.pk: price for product, price in prices.items()}
    GroupPrice.objects.filter(
        company=group.company_id, pk__in=[row.pk for pk, row in current.items() if pk not in wanted]
    ).delete()
    for product_id, price in wanted.items():
        row = current.get(product_id) or GroupPrice(
            company_id=group.company_id, customer_group=group, product_id=product_id
        )
        if row.pk is not None and row.unit_price == price:
            continue
        row.unit_price = price
        validate_or_raise(row, exclude=["company", "customer_group", "product"])
        row.save()


@transaction.atomic
def customer_group_save(
    *,
    row: CustomerGroup,
    actor=None,
    prices: Mapping[Product, Decimal] | None = None,
    limited_products: Iterable[Product] | None = None,
) -> CustomerGroup:
    """Create or update a customer group; with ``prices``, its whole price list (net unit
    prices by product), and with ``limited_products``, the products sold only to its members.
    All or nothing: the group's version moves on with every save, so it guards the list too."""
    group = _validated_save(row)
    if prices is not None:
        _price_list_set(group=group, prices=prices)
    if limited_products is not None:
        _limits_set(company_id=group.company_id, products=limited_products, customer_group=group)
    return group


@transaction.atomic
def customer_type_save(
    *, row: CustomerType, actor=None, limited_products: Iterable[Product] | None = None
) -> CustomerType:
    """Create or update a customer type; with ``limited_products``, the products sold only to
    customers of this type (and of the other types they are limited to)."""
    customer_type = _validated_save(row)
    if limited_products is not None:
        _limits_set(
            company_id=customer_type.company_id,
            products=limited_products,
            customer_type=customer_type,
        )
    return customer_type


@transaction.atomic
def product_price_set(
    *, group: CustomerGroup, product: Product, unit_price: Decimal | None, actor=None
) -> GroupPrice | None:
    """Set one product's price on a group's price list (None removes it)."""
    check_same_company(group.company_id, product)
    rows = GroupPrice.objects.filter(
        company=group.company_id, customer_group=group, product=product
    )
    if unit_price is None:
        rows.delete()
        return None
    row = rows.first() or GroupPrice(
        company_id=group.company_id, customer_group=group, product=product
    )
    row.unit_price = unit_price
    validate_or_raise(row, exclude=["company", "customer_group", "product"])
    row.save()
    return row


# --- group content: the blocks the portal's home page shows a group's users ---------------------


@transaction.atomic
def group_content_save(*, row: GroupContent, actor=None) -> GroupContent:
    """Create or change a content block of a group; its last day is never before its first
    (the model's check, answered as a message)."""
    check_same_company(row.company_id, row.customer_group)
    row.title = (row.title or "").strip()
    return _validated_save(row)


@transaction.atomic
def group_content_delete(*, row: GroupContent, actor=None) -> None:
    GroupContent.objects.filter(company=row.company_id, pk=row.pk).delete()


# --- customers ----------------------------------------------------------------------------------


def customer_check_parent(customer: Customer) -> None:
    """Refuse a parent from elsewhere, and a parent inside the customer's own subtree (the
    customer itself, a child, a grandchild ten levels down): one query however deep the tree.

    On its own it only reads (a form's ``clean`` asks it for an early answer); ``customer_save``
    asks again under the company's hierarchy lock, where the answer holds until it commits."""
    if customer.parent_id is None:
        return
    check_same_company(customer.company_id, customer.parent)
    if customer.pk is None:
        return  # nothing is below a new customer yet, so no parent can close a loop
    if hierarchy.is_within(
        customer.company_id, candidate_id=customer.parent_id, root_id=customer.pk
    ):
        raise DomainError(
            _("%(parent)s is part of %(customer)s's own hierarchy, so it cannot be its parent.")
            % {"parent": customer.parent, "customer": customer},
            code="hierarchy_loop",
        )


def _check_parent(customer: Customer) -> None:
    """``customer_check_parent`` after taking the company's hierarchy lock, so two re-parentings
    at once (A under B, B under A) cannot each pass the check and make a loop together.

    Every save of an existing customer with a parent takes it, changed or not: the lock is held
    for one short transaction, and telling a change apart would cost a query as well."""
    if customer.parent_id is not None and customer.pk is not None:
        hierarchy.lock_company_hierarchy(customer.company_id)
    customer_check_parent(customer)


@transaction.atomic
def customer_save(*, customer: Customer, actor, log_created: bool = True) -> Customer:
    """Create or update a customer's fields, refusing a parent that would make a loop.

    ``log_created=False`` is for the conversions, which log their own, more telling event."""
    check_same_company(
        customer.company_id,
        customer.customer_type if customer.customer_type_id else None,
        customer.customer_group,
        customer.salesperson,
        customer.sales_partner,
    )
    _check_parent(customer)
    creating = customer.pk is None
    _validated_save(customer)
    if creating and log_created:
        activity_log_event(
            owner=customer,
            kind="created",
            message=event_message(gettext_noop("Customer created.")),
            data={"customer": customer.pk},
            actor=actor,
        )
    return customer


@transaction.atomic
def customer_delete(*, customer: Customer, actor) -> None:
    """Delete a customer nothing depends on; otherwise say what holds it (deactivate instead)."""
    reasons = []
    children = Customer.objects.filter(company=customer.company_id, parent=customer).count()
    if children:
        reasons.append(_("%(count)d customer(s) have it as their parent") % {"count": children})
    links = CustomerLink.objects.filter(company=customer.company_id, customer=customer).count()
    if links:
        reasons.append(_("%(count)d lead(s) or opportunities belong to it") % {"count": links})
    if reasons:
        raise DomainError(
            _("%(customer)s cannot be deleted: %(reasons)s. Mark it inactive instead.")
            % {"customer": customer, "reasons": "; ".join(reasons)}
        )
    try:
        with transaction.atomic():
            Customer.objects.filter(company=customer.company_id, pk=customer.pk).delete()
    except ProtectedError as error:
        # Records of higher apps (quotations, sales orders) hold it; name what they are.
        kinds = sorted({str(row._meta.verbose_name_plural) for row in error.protected_objects})
        raise DomainError(
            _("%(customer)s cannot be deleted: it has %(kinds)s. Mark it inactive instead.")
            % {"customer": customer, "kinds": ", ".join(kinds)}
        ) from error


def _check_salesperson(salesperson: Salesperson, *, company_id: int) -> None:
    """The same rule as for leads and opportunities: an active salesperson of the company."""
    check_same_company(company_id, salesperson)
    if not salesperson.is_active:
        raise DomainError(
            _("%(salesperson)s is no longer active: choose an active salesperson.")
            % {"salesperson": salesperson}
        )


@transaction.atomic
def customer_assign_salesperson(*, customer: Customer, salesperson: Salesperson, actor) -> Customer:
    """Hand the customer to ``salesperson`` (an active one of its company) and log it.

    Assigning the salesperson it already has changes nothing and logs nothing. The customer's
    leads and opportunities keep theirs: their history says who worked them then.
    """
    customer = lock_then_load(Customer, customer, "company", "salesperson")
    _check_salesperson(salesperson, company_id=customer.company_id)
    if customer.salesperson_id == salesperson.pk:
        return customer
    old = customer.salesperson
    customer.salesperson = salesperson
    customer.save(update_fields=["salesperson", "updated_at"])
    # Worded and shaped like the lead and opportunity hand-overs, so timelines read alike.
    if old is None:
        message = event_message(gettext_noop("Assigned to %(new)s."), new=salesperson)
    else:
        message = event_message(
            gettext_noop("Assigned to %(new)s (previously %(old)s)."), new=salesperson, old=old
        )
    activity_log_event(
        owner=customer,
        kind="other",
        message=message,
        data={"event": "assignment", "from": old.pk if old else None, "to": salesperson.pk},
        actor=actor,
    )
    return customer


# --- status: active, on hold, inactive ------------------------------------------------------


def customer_check_can_order(customer: Customer) -> None:
    """Refuse a new quotation or order for ``customer`` (and sending, accepting or confirming
    one) unless it is active, saying why and what to do. Checks the customer as given: the
    selling services pass one they have just locked and read."""
    if customer.status == Customer.Status.ON_HOLD:
        raise DomainError(
            _("%(customer)s is on hold: %(reason)s. Release the hold first.")
            % {"customer": customer, "reason": customer.hold_reason.rstrip(" .")},
            code="on_hold",
        )
    if customer.status == Customer.Status.INACTIVE:
        raise DomainError(
            _("%(customer)s is inactive: reactivate the customer first.") % {"customer": customer},
            code="inactive",
        )


def _status_move(customer: Customer, status: str, *, actor, message: dict, reason: str = ""):
    """Move a locked customer to ``status`` (the transitions table allows it), set or clear
    the hold with it, and log the change on its timeline."""
    if not customer.can_move_to(status):
        raise DomainError(
            _("%(customer)s is %(old)s and cannot become %(new)s.")
            % {
                "customer": customer,
                "old": customer.get_status_display().lower(),
                "new": Customer.Status(status).label.lower(),
            },
            code="transition",
        )
    old = customer.status
    old_reason = customer.hold_reason
    customer.status = status
    if status == Customer.Status.ON_HOLD:
        customer.hold_reason = reason
        customer.held_at = timezone.now()
        customer.held_by = actor if getattr(actor, "is_authenticated", False) else None
    else:
        customer.hold_reason, customer.held_at, customer.held_by = "", None, None
    customer.save(update_fields=["status", "hold_reason", "held_at", "held_by", "updated_at"])
    data = {"from": old, "to": status}
    if reason or old_reason:
        data["reason"] = reason or old_reason
    activity_log_event(
        owner=customer, kind="status_change", message=message, data=data, actor=actor
    )
    return customer


def _hold_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError(
            _(
                "Say why the customer is on hold: the reason is shown wherever a quotation or order "
                "would be made."
            ),
            code="reason",
        )
    limit = Customer._meta.get_field("hold_reason").max_length
    if len(reason) > limit:
        raise DomainError(
            _("Keep the reason to %(limit)d characters.") % {"limit": limit}, code="reason"
        )
    return reason


@transaction.atomic
def customer_put_on_hold(*, customer: Customer, reason: str, actor) -> Customer:
    """No new quotations or orders for the customer until the hold is released; ``reason`` is
    shown wherever one would be made. Already on hold: the reason is updated if it differs
    (and logged), else nothing changes."""
    reason = _hold_reason(reason)
    customer = lock_then_load(Customer, customer, "company")
    if customer.status == Customer.Status.ON_HOLD:
        if customer.hold_reason == reason:
            return customer
        old_reason = customer.hold_reason
        customer.hold_reason = reason
        customer.save(update_fields=["hold_reason", "updated_at"])
        activity_log_event(
            owner=customer,
            kind="other",
            message=event_message(
                gettext_noop("Hold reason changed to: %(reason)s"), reason=reason
            ),
            data={"event": "hold_reason", "from": old_reason, "to": reason},
            actor=actor,
        )
        return customer
    if customer.status == Customer.Status.INACTIVE:
        raise DomainError(
            _("%(customer)s is inactive: reactivate it before putting it on hold.")
            % {"customer": customer},
            code="transition",
        )
    return _status_move(
        customer,
        Customer.Status.ON_HOLD,
        actor=actor,
        reason=reason,
        message=event_message(gettext_noop("Put on hold. Reason: %(reason)s"), reason=reason),
    )


@transaction.atomic
def customer_release_hold(*, customer: Customer, actor) -> Customer:
    """Back to active: quotations and orders can be made again. An active customer stays as it
    is; an inactive one is refused (reactivate it instead)."""
    customer = lock_then_load(Customer, customer, "company")
    if customer.status == Customer.Status.ACTIVE:
        return customer
    if customer.status == Customer.Status.INACTIVE:
        raise DomainError(
            _("%(customer)s is inactive, not on hold: reactivate it instead.")
            % {"customer": customer},
            code="transition",
        )
    return _status_move(
        customer,
        Customer.Status.ACTIVE,
        actor=actor,
        message=event_message(gettext_noop("Hold released.")),
    )


@transaction.atomic
def customer_set_inactive(*, customer: Customer, actor) -> Customer:
    """No longer worked: it stays, with its history, and gets no new quotations or orders; a
    hold it had ends with it. Already inactive: nothing changes."""
    customer = lock_then_load(Customer, customer, "company")
    if customer.status == Customer.Status.INACTIVE:
        return customer
    return _status_move(
        customer,
        Customer.Status.INACTIVE,
        actor=actor,
        message=event_message(gettext_noop("Marked inactive.")),
    )


@transaction.atomic
def customer_reactivate(*, customer: Customer, actor) -> Customer:
    """An inactive customer becomes active again. Already active: nothing changes; on hold is
    refused, so that a hold is only ever ended by releasing it."""
    customer = lock_then_load(Customer, customer, "company")
    if customer.status == Customer.Status.ACTIVE:
        return customer
    if customer.status == Customer.Status.ON_HOLD:
        raise DomainError(
            _("%(customer)s is on hold, not inactive: release the hold instead.")
            % {"customer": customer},
            code="transition",
        )
    return _status_move(
        customer,
        Customer.Status.ACTIVE,
        actor=actor,
        message=event_message(gettext_noop("Marked active again.")),
    )


@transaction.atomic
def customer_set_status(*, customer: Customer, status: str, actor, reason: str = "") -> Customer:
    """Move the customer to ``status`` by the one service for that move (for a form that
    offers the status as a choice, such as the admin's)."""
    if status not in Customer.Status.values:
        raise DomainError(_("Choose one of the statuses offered."))
    if status == Customer.Status.ON_HOLD:
        return customer_put_on_hold(customer=customer, reason=reason, actor=actor)
    if status == Customer.Status.INACTIVE:
        return customer_set_inactive(customer=customer, actor=actor)
    current = lock_then_load(Customer, customer, "company")
    if current.status == Customer.Status.ON_HOLD:
        return customer_release_hold(customer=current, actor=actor)
    return customer_reactivate(customer=current, actor=actor)


# --- the duplicate check ------------------------------------------------------------------------


def _duplicate_refusal(exact: list[DuplicateMatch], actor, company: Company) -> str:
    """Why a conversion stops at exact duplicates, naming only the customers ``actor`` may
    view: a customer beyond their level is counted, never named."""
    pks = [match.customer.pk for match in exact]
    viewable = set(
        viewable_rows(
            Customer.objects.filter(company=company, pk__in=pks), actor, company
        ).values_list("pk", flat=True)
    )
    names = [str(match.customer) for match in exact if match.customer.pk in viewable]
    hidden = len(exact) - len(names)
    if not names:
        return ngettext(
            "A customer you may not view already has the same e-mail or phone: ask a colleague "
            "who can to link it, or confirm that this is a different one.",
            "%(count)d customers you may not view already have the same e-mail or phone: ask a "
            "colleague who can to link one, or confirm that this is a different one.",
            hidden,
        ) % {"count": hidden}
    message = _(
        "%(names)s already has the same e-mail or phone: link that customer, "
        "or confirm that this is a different one."
    ) % {"names": ", ".join(names)}
    if hidden:
        message += " " + ngettext(
            "One more customer you may not view matches too.",
            "%(count)d more customers you may not view match too.",
            hidden,
        ) % {"count": hidden}
    return message


def _name_key(name: str) -> str:
    words = re.findall(r"\w+", (name or "").casefold())
    return " ".join(word for word in words if word not in _NAME_NOISE) or " ".join(words)


@dataclass
class DuplicateMatch:
    customer: Customer
    reasons: list[str] = field(default_factory=list)
    # Same e-mail or phone: almost surely the same party. A similar name is only a hint.
    exact: bool = False


def customer_duplicates(
    *, company: Company, name: str = "", email: str = "", phone: str = "", exclude=()
) -> list[DuplicateMatch]:
    """Existing customers that may be the same party: same e-mail, same phone digits, or a
    similar name (legal forms such as GmbH or Ltd ignored). Exact matches first; at most
    ``DUPLICATE_LIMIT``; two queries whatever the size of the customer table."""
    email = (email or "").strip()
    # Stored numbers are E.164: a number typed nationally ("021 5550 1234") compares as one.
    digits = phone_digits(e164_or_text(phone, region=company.dialing_region))
    exact_filter = Q()
    if email:
        exact_filter |= Q(email__iexact=email)
    if len(digits) >= 6:
        exact_filter |= Q(phone_digits=digits)
    key = _name_key(name)
    words = sorted(key.split(), key=len, reverse=True)
    name_filter = Q()
    for word in words[:2]:
        if len(word) >= 3:
            name_filter |= Q(name__icontains=word)

    base = Customer.objects.filter(company=company).exclude(pk__in=[c for c in exclude if c])
    matches: dict[int, DuplicateMatch] = {}
    if exact_filter:
        for customer in base.filter(exact_filter).select_related("customer_type")[:DUPLICATE_LIMIT]:
            match = matches.setdefault(customer.pk, DuplicateMatch(customer=customer, exact=True))
            if email and customer.email.casefold() == email.casefold():
                match.reasons.append(_("same e-mail"))
            if len(digits) >= 6 and customer.phone_digits == digits:
                match.reasons.append(_("same phone"))
    if name_filter and key:
        # Candidates share a significant word; the ratio then keeps the close ones.
        for customer in base.filter(name_filter).select_related("customer_type")[:200]:
            other = _name_key(customer.name)
            similar = (
                other == key
                or difflib.SequenceMatcher(None, key, other).ratio() >= SIMILAR_NAME_RATIO
                or (len(key) >= 5 and (key in other or other in key))
            )
            if similar:
                match = matches.setdefault(customer.pk, DuplicateMatch(customer=customer))
                match.reasons.append(_("similar name"))
    ordered = sorted(matches.values(), key=lambda m: (not m.exact, m.customer.name.casefold()))
    return ordered[:DUPLICATE_LIMIT]


# --- conversion ---------------------------------------------------------------------------------


def _default_type(company_id: int, *, business: bool) -> CustomerType:
    types = list(CustomerType.objects.filter(company=company_id).order_by("pk"))
    for customer_type in types:
        if customer_type.is_business == business:
            return customer_type
    if types:
        return types[0]
    raise DomainError(
        _("Your company has no customer types yet: ask a manager to add one under Settings.")
    )


def _won_stage(company_id: int) -> OpportunityStage | None:
    return (
        OpportunityStage.objects.filter(company=company_id, kind=OpportunityStage.Kind.WON)
        .order_by("order", "pk")
        .first()
    )


def opportunity_mark_won(*, opportunity: Opportunity, actor) -> None:
    """Move the opportunity to the company's won stage (no-op if it is won already, or if the
    pipeline has no won stage). The caller holds the opportunity's row lock."""
    if opportunity.stage.kind == OpportunityStage.Kind.WON:
        return
    stage = _won_stage(opportunity.company_id)
    if stage is None:
        return  # a pipeline without a won stage: the opportunity keeps its stage
    leads_services.opportunity_set_stage(opportunity=opportunity, stage=stage, actor=actor)


def _contact_person(opportunity: Opportunity) -> Contact | None:
    """The opportunity's contact person: its primary linked contact, else the first linked."""
    link = (
        contact_links_for_owner(company=opportunity.company_id, owner=opportunity)
        .order_by("-is_primary", "pk")
        .first()
    )
    return link.contact if link is not None else None


def _proposed_name(lead: Lead | None, opportunity: Opportunity | None) -> tuple[str, bool]:
    """The new customer's name and whether it is a business: the lead's organization, else the
    lead's person, else the opportunity's contact person, else nothing. Never the opportunity's
    title: that names the deal ("Laptop refresh, 40 seats"), not the party."""
    if lead is not None and (lead.organization_name or lead.full_name):
        return lead.organization_name or lead.full_name, bool(lead.organization_name)
    contact = _contact_person(opportunity) if opportunity is not None else None
    if contact is not None:
        # The prospect's organization is not known, only a person there: a business still.
        return contact.full_name, True
    return "", True


def _customer_from(
    lead: Lead | None, opportunity: Opportunity | None, fields: dict, *, titled: bool = True
) -> Customer:
    """A new, unsaved customer carrying the source's people and ownership; ``fields`` (from the
    conversion form) override the proposal. With nothing to name it after, a conversion that
    has no form to ask (``titled``: an order made from the opportunity, an admin action) names it
    after the opportunity; the conversion page leaves the name for the user to type."""
    source = opportunity or lead
    name, business = _proposed_name(lead, opportunity)
    if not name and titled and opportunity is not None and not (fields or {}).get("name"):
        name = opportunity.title
    email, phone = (lead.email, lead.phone) if lead is not None else ("", "")
    customer = Customer(
        company_id=source.company_id,
        name=name,
        email=email,
        phone=phone,
        salesperson_id=source.salesperson_id,
        sales_partner_id=source.sales_partner_id,
        lead=lead,
        opportunity=opportunity,
    )
    for name_, value in (fields or {}).items():
        setattr(customer, name_, value)
    if not customer.customer_type_id:
        customer.customer_type = _default_type(source.company_id, business=business)
    return customer


def proposed_customer(*, lead: Lead | None = None, opportunity: Opportunity | None = None):
    """What converting would create (for the conversion page's form); nothing is saved."""
    if opportunity is not None and lead is None:
        lead = opportunity.lead
    return _customer_from(lead, opportunity, {}, titled=False)


def _existing_customer(*, lead: Lead | None, opportunity: Opportunity | None) -> Customer | None:
    condition = Q()
    if lead is not None:
        condition |= Q(lead=lead)
    if opportunity is not None:
        condition |= Q(opportunity=opportunity)
    link = (
        CustomerLink.objects.filter(condition, company=(opportunity or lead).company_id)
        .select_related("customer")
        .first()
    )
    return link.customer if link else None


def _convert(
    *,
    lead: Lead | None,
    opportunity: Opportunity | None,
    actor,
    customer: Customer | None,
    fields: dict | None,
    allow_duplicates: bool,
) -> Customer:
    source = opportunity or lead
    company = source.company
    existing = _existing_customer(lead=lead, opportunity=opportunity)
    if existing is not None:
        return existing
    if lead is not None and lead.status == Lead.Status.LOST:
        raise DomainError(
            _("%(lead)s was marked lost: reopen the lead before converting it.") % {"lead": lead}
        )
    if opportunity is not None and opportunity.stage.kind == OpportunityStage.Kind.LOST:
        raise DomainError(
            _("%(opportunity)s is lost: move it back to an open stage before converting it.")
            % {"opportunity": opportunity}
        )

    if customer is not None:
        # The user picked an existing customer after the duplicate check.
        check_same_company(source.company_id, customer)
        customer = Customer.objects.select_for_update().get(pk=customer.pk, company=company)
        kind = CustomerLink.Kind.LINKED
    else:
        customer = _customer_from(lead, opportunity, fields or {})
        if not allow_duplicates:
            exact = [
                match
                for match in customer_duplicates(
                    company=company, name=customer.name, email=customer.email, phone=customer.phone
                )
                if match.exact
            ]
            if exact:
                raise DomainError(_duplicate_refusal(exact, actor, company), code="duplicate")
        customer_save(customer=customer, actor=actor, log_created=False)
        kind = CustomerLink.Kind.CREATED

    link = CustomerLink(
        company=company, customer=customer, lead=lead, opportunity=opportunity, kind=kind
    )
    _validated_save(link)
    for record in (lead, opportunity):
        if record is not None:
            addressbook_services.links_copy(
                company=company, source=record, target=customer, actor=actor
            )
    if opportunity is not None:
        opportunity_mark_won(opportunity=opportunity, actor=actor)
    if lead is not None and lead.status != Lead.Status.CONVERTED:
        old_label, old_status = lead.get_status_display(), lead.status
        lead.status = Lead.Status.CONVERTED
        lead.lost_reason = None
        lead.save(update_fields=["status", "lost_reason", "updated_at"])
        activity_log_event(
            owner=lead,
            kind="status_change",
            message=event_message(
                gettext_noop("Status changed from %(old)s to %(new)s."),
                old=choice(Lead, "status", old_status),
                new=choice(Lead, "status", lead.status),
            ),
            data={"from": str(old_label), "to": lead.status},
            actor=actor,
        )

    data = {
        "customer": customer.pk,
        "lead": lead.pk if lead else None,
        "opportunity": opportunity.pk if opportunity else None,
        "how": kind,
    }
    verb = (
        gettext_noop("Became the customer “%(customer)s”.")
        if kind == CustomerLink.Kind.CREATED
        else gettext_noop("Linked to the existing customer “%(customer)s”.")
    )
    for record in (lead, opportunity):
        if record is not None:
            activity_log_event(
                owner=record,
                kind="conversion",
                message=event_message(verb, customer=customer),
                data=data,
                actor=actor,
            )
    activity_log_event(
        owner=customer,
        kind="conversion",
        message=event_message(
            gettext_noop("Created from %(kind)s “%(record)s”.")
            if kind == CustomerLink.Kind.CREATED
            else gettext_noop("%(kind)s “%(record)s” was linked to this customer."),
            kind=model_name(source, capitalized=False),
            record=source,
        ),
        data=data,
        actor=actor,
    )
    return customer


@transaction.atomic
def opportunity_convert_to_customer(
    *,
    opportunity: Opportunity,
    actor,
    customer: Customer | None = None,
    fields: dict | None = None,
    allow_duplicates: bool = False,
) -> Customer:
    """Make the opportunity's customer (or link ``customer``), or return the one it has.

    The opportunity row is locked first; a second call, however timed, finds the first call's
    customer. Its lead (if any) is converted with it, its addresses and contacts are linked to the
    customer, and it moves to the won stage. With exact duplicates (same e-mail or phone) and
    neither ``customer`` nor ``allow_duplicates``, it refuses and says which customers match.
    """
    opportunity = lock_then_load(Opportunity, opportunity, "stage", "lead", "company")
    return _convert(
        lead=opportunity.lead,
        opportunity=opportunity,
        actor=actor,
        customer=customer,
        fields=fields,
        allow_duplicates=allow_duplicates,
    )


@transaction.atomic
def lead_convert_to_customer(
    *,
    lead: Lead,
    actor,
    customer: Customer | None = None,
    fields: dict | None = None,
    allow_duplicates: bool = False,
) -> Customer:
    """Make the lead a customer directly (no opportunity), or link it to ``customer``.

    A lead that already has an opportunity is converted through that opportunity, so the chain
    lead -> opportunity -> customer stays one chain.
    """
    lead = lock_then_load(Lead, lead, "company")
    opportunity = Opportunity.objects.filter(company=lead.company_id, lead=lead).first()
    if opportunity is not None:
        return opportunity_convert_to_customer(
            opportunity=opportunity,
            actor=actor,
            customer=customer,
            fields=fields,
            allow_duplicates=allow_duplicates,
        )
    return _convert(
        lead=lead,
        opportunity=None,
        actor=actor,
        customer=customer,
        fields=fields,
        allow_duplicates=allow_duplicates,
    )


@transaction.atomic
def customer_open_opportunity(
    *, customer: Customer, actor, title: str, fields: dict | None = None
) -> Opportunity:
    """Open a new opportunity for an existing customer (a repeat sale): the customer's owner,
    partner, addresses and contacts carry over; the first open stage unless one is given."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk, company=customer.company_id)
    fields = dict(fields or {})
    stage = fields.pop("stage", None)
    if stage is None:
        stage = (
            OpportunityStage.objects.filter(
                company=customer.company_id, kind=OpportunityStage.Kind.OPEN
            )
            .order_by("order", "pk")
            .first()
        )
        if stage is None:
            raise DomainError(
                _("Your company has no open opportunity stage yet: ask a manager to add one.")
            )
    check_same_company(customer.company_id, stage)
    opportunity = Opportunity(
        company_id=customer.company_id,
        title=(title or "").strip() or str(customer),
        stage=stage,
        probability=stage.probability,
        salesperson_id=customer.salesperson_id,
        sales_partner_id=customer.sales_partner_id,
    )
    for name, value in fields.items():
        setattr(opportunity, name, value)
    leads_services.opportunity_save(opportunity=opportunity, actor=actor)
    _validated_save(
        CustomerLink(
            company_id=customer.company_id,
            customer=customer,
            opportunity=opportunity,
            kind=CustomerLink.Kind.OPENED,
            requested_by=actor if getattr(actor, "customer_id", None) == customer.pk else None,
        )
    )
    addressbook_services.links_copy(
        company=customer.company, source=customer, target=opportunity, actor=actor
    )
    activity_log_event(
        owner=opportunity,
        kind="created",
        message=event_message(
            gettext_noop("Opened for the customer “%(customer)s”."), customer=customer
        ),
        data={"customer": customer.pk, "opportunity": opportunity.pk},
        actor=actor,
    )
    activity_log_event(
        owner=customer,
        kind="created",
        message=event_message(
            gettext_noop("New opportunity “%(opportunity)s”."), opportunity=opportunity
        ),
        data={"customer": customer.pk, "opportunity": opportunity.pk},
        actor=actor,
    )
    return opportunity


@dataclass(frozen=True)
class RequestedLine:
    """One product and quantity of a quotation request from the portal."""

    product: Product
    quantity: Decimal


REQUEST_NOTE_MAX = 2000


def _request_lines(customer: Customer, lines: Iterable[RequestedLine]) -> list[RequestedLine]:
    """The request's lines checked and merged (one line per product, in the order given): each
    quantity above zero with at most two places, each product active, the company's and one
    the customer may buy."""
    merged: dict[int, RequestedLine] = {}
    for line in lines:
        product, quantity = line.product, Decimal(line.quantity)
        if product.company_id != customer.company_id or not product.is_active:
            raise DomainError(_("This product is not in the catalog."), code="not_in_catalog")
        if not quantity.is_finite() or quantity <= 0:
            raise DomainError(
                _("Enter a quantity above zero for “%(product)s”.") % {"product": product.name},
                code="quantity",
            )
        if quantity != quantity.quantize(Decimal("0.01")) or quantity >= Decimal("1e10"):
            raise DomainError(
                _("Enter the quantity of “%(product)s” with at most two decimal places.")
                % {"product": product.name},
                code="quantity",
            )
        if product.pk in merged:
            quantity += merged[product.pk].quantity
        merged[product.pk] = RequestedLine(product=product, quantity=quantity)
    if not merged:
        raise DomainError(_("Add at least one product to the request."), code="empty")
    limits = ProductLimits(company=customer.company_id, product_ids=list(merged))
    buyer = Buyer(
        name=str(customer),
        customer_type=customer.customer_type,
        customer_group=customer.customer_group,
    )
    for line in merged.values():
        refusal = limits.refusal(line.product.pk, buyer, product_name=line.product.name)
        if refusal is not None:
            raise DomainError(refusal, code="not_for_party")
    return list(merged.values())


@transaction.atomic
def customer_request_quotation(
    *,
    customer: Customer,
    customer_user,
    lines: Iterable[RequestedLine],
    note: str = "",
    request_key: str,
    net_amount_of: Callable[..., Decimal],
) -> Opportunity:
    """A customer user asks for a quotation from the portal's catalog: it arrives as a new
    opportunity for the customer (``customer_open_opportunity``) whose wish list holds the
    products asked for, and the opportunity's timeline says who asked and what they wrote.

    The opportunity's expected amount is ``net_amount_of(customer=, lines=)``: the lines at the
    customer's prices as a quotation made from the wish list prices them (the portal passes
    ``selling.pricing.customer_wish_list_net``). Selling owns the price lists and discounts and
    sits above this app, so the caller hands the rule in rather than it being written twice.

    ``request_key`` names the submitted form: the same key again (a double click, a reload)
    returns the opportunity it made, never a second one. The customer row is locked first, so
    two submits of one form wait for each other and the second finds the first's opportunity.
    """
    customer = lock_then_load(Customer, customer, "customer_type", "customer_group")
    if customer_user.customer_id != customer.pk or not customer_user.is_active:
        raise DomainError(_("You can request quotations only for your own customer."))
    request_key = (request_key or "").strip()
    if not request_key or len(request_key) > 64:
        raise DomainError(_("The request form has expired: open it again."), code="key")
    made = (
        SystemEvent.objects.filter(
            company=customer.company_id,
            owner_type=ContentType.objects.get_for_model(Opportunity),
            owner_id__in=CustomerLink.objects.filter(
                company=customer.company_id, customer=customer, opportunity__isnull=False
            ).values("opportunity_id"),
            data__portal_request=request_key,
        )
        .values_list("owner_id", flat=True)
        .first()
    )
    if made is not None:
        return Opportunity.objects.get(pk=made, company=customer.company_id)
    lines = _request_lines(customer, lines)
    note = (note or "").strip()
    if len(note) > REQUEST_NOTE_MAX:
        raise DomainError(
            _("Shorten the note to %(max)d characters.") % {"max": REQUEST_NOTE_MAX},
            code="note",
        )
    opportunity = customer_open_opportunity(
        customer=customer,
        actor=customer_user,
        title=_("Quotation request from the portal (%(user)s)") % {"user": customer_user},
        fields={"expected_amount": net_amount_of(customer=customer, lines=lines)},
    )
    for line in lines:
        leads_services.wish_list_item_add(
            product=line.product,
            quantity=line.quantity,
            opportunity=opportunity,
            actor=customer_user,
        )
    message = event_message(
        gettext_noop("Quotation requested on the portal by %(user)s."), user=customer_user
    )
    if note:
        message = joined([message, event_message(gettext_noop("Note: %(note)s"), note=note)])
    activity_log_event(
        owner=opportunity,
        kind="other",
        message=message,
        data={
            "portal_request": request_key,
            "customer_user": customer_user.pk,
            "lines": [[line.product.pk, str(line.quantity)] for line in lines],
        },
        actor=None,
    )
    return opportunity


# --- lifetime sales value -----------------------------------------------------------------------


def customer_count_sale(*, customer: Customer, net_amount: Decimal) -> None:
    """Move the customer's lifetime sales value by ``net_amount`` (negative when an order stops
    counting as a sale). Selling calls it in the transaction that books or cancels the order;
    the update is relative, so concurrent orders of one customer add up without a lock."""
    Customer.objects.filter(company=customer.company_id, pk=customer.pk).update(
        lifetime_sales_value=F("lifetime_sales_value") + net_amount
    )
