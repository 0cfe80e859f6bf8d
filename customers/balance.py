"""Every write on a customer's balance, and the gift cards that top it up.

The balance is a ledger (``BalanceEntry``): entries are only ever added, each under a lock on
the customer's row, and the stored ``Customer.balance`` moves in the same transaction, so it is
always the sum of the ledger. A debit larger than the balance is refused here, and the
database refuses a negative balance whatever the path (CHECK constraints on both tables).

Higher apps pay with the balance through ``balance_pay`` and give it back through
``balance_refund``, naming their document (an order) as the entry's source; one source is
refunded at most once (a unique constraint).
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
import uuid
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Model, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.actors import staff_user
from crm.errors import DomainError
from crm.event_text import event_message, money
from crm.models import Company
from crm.money import ZERO, format_money, round_money
from crm.rows import check_same_company
from crm.timeline import activity_log_event
from customers.models import BalanceEntry, Customer, GiftCard

# Crockford's base 32: no I, L, O or U, so a code read aloud or typed from paper is unambiguous.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16  # 16 x 5 bits = 80 random bits
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
MAX_AMOUNT = Decimal("999999999999.99")


def _show(amount: Decimal, currency: str) -> str:
    return format_money(amount, currency)


def _positive(amount, *, what: str) -> Decimal:
    try:
        amount = round_money(Decimal(amount))
    except (ArithmeticError, TypeError, ValueError):
        raise DomainError(
            _("%(what)s must be an amount, such as 25.00.") % {"what": what}
        ) from None
    if amount <= 0:
        raise DomainError(_("%(what)s must be more than zero.") % {"what": what})
    if amount > MAX_AMOUNT:
        raise DomainError(_("%(what)s is too large.") % {"what": what})
    return amount


def _lock_customer(customer: Customer) -> Customer:
    """The customer's row, locked: every balance write of this customer waits here in turn."""
    return (
        Customer.objects.select_for_update(of=("self",))
        .select_related("company")
        .get(company=customer.company_id, pk=customer.pk)
    )


def _post(
    customer: Customer,
    *,
    kind: str,
    amount: Decimal,
    actor,
    reason: str = "",
    reference: str = "",
    source: Model | None = None,
    gift_card: GiftCard | None = None,
) -> BalanceEntry:
    """Add one entry to a locked customer's ledger and move the stored balance with it."""
    new_balance = customer.balance + amount
    if new_balance > MAX_AMOUNT:
        raise DomainError(
            _("%(customer)s's balance would be too large: the largest balance is %(limit)s.")
            % {"customer": customer, "limit": _show(MAX_AMOUNT, customer.company.currency)},
            code="balance_too_large",
        )
    if new_balance < 0:
        raise DomainError(
            _("%(customer)s has only %(balance)s on its balance.")
            % {"customer": customer, "balance": _show(customer.balance, customer.company.currency)},
            code="insufficient_balance",
        )
    entry = BalanceEntry(
        company_id=customer.company_id,
        customer=customer,
        kind=kind,
        amount=amount,
        balance_after=new_balance,
        reason=reason,
        reference=reference,
        gift_card=gift_card,
        created_by=staff_user(actor),
    )
    if source is not None:
        entry.source_type = ContentType.objects.get_for_model(source)
        entry.source_id = source.pk
    entry.save()
    # A queryset update: the balance is not a field anyone edits, so it does not make an open
    # edit form of the customer stale (crm.versioning).
    Customer.objects.filter(company=customer.company_id, pk=customer.pk).update(balance=new_balance)
    customer.balance = new_balance
    return entry


def _log(customer: Customer, entry: BalanceEntry, message: dict, *, actor) -> None:
    activity_log_event(
        owner=customer,
        kind="other",
        message=message,
        data={
            "event": "balance",
            "entry": entry.pk,
            "kind": entry.kind,
            "amount": str(entry.amount),
            "balance": str(entry.balance_after),
        },
        actor=actor,
    )


@transaction.atomic
def balance_credit(*, customer: Customer, amount, reason: str, actor) -> BalanceEntry:
    """The company puts ``amount`` on the customer's balance (goodwill, a return, a deposit)."""
    amount = _positive(amount, what=_("The credit"))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the customer gets this credit."))
    customer = _lock_customer(customer)
    entry = _post(
        customer, kind=BalanceEntry.Kind.CREDIT, amount=amount, reason=reason, actor=actor
    )
    _log(
        customer,
        entry,
        event_message(
            gettext_noop("%(amount)s credited to the balance: %(reason)s"),
            amount=money(amount, customer.company.currency),
            reason=reason,
        ),
        actor=actor,
    )
    return entry


@transaction.atomic
def balance_correct(*, customer: Customer, amount, reason: str, actor) -> BalanceEntry:
    """Put a mistake right with a signed entry (entries themselves are never changed)."""
    try:
        amount = round_money(Decimal(amount))
    except (ArithmeticError, TypeError, ValueError):
        raise DomainError(_("The correction must be an amount, such as -25.00.")) from None
    if not amount or abs(amount) > MAX_AMOUNT:
        raise DomainError(_("The correction must be a non-zero amount."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say what the correction puts right."))
    customer = _lock_customer(customer)
    entry = _post(
        customer, kind=BalanceEntry.Kind.CORRECTION, amount=amount, reason=reason, actor=actor
    )
    _log(
        customer,
        entry,
        event_message(
            gettext_noop("Balance corrected by %(amount)s: %(reason)s"),
            amount=money(amount, customer.company.currency),
            reason=reason,
        ),
        actor=actor,
    )
    return entry


def balance_pay(
    *, customer: Customer, up_to: Decimal, source: Model, reference: str, actor
) -> BalanceEntry | None:
    """Take up to ``up_to`` from the balance for ``source`` (a document of a higher app).

    Takes what there is when the balance is smaller; returns None when it is empty. Call inside
    the caller's transaction, after locking the document (documents first, then the customer).
    """
    customer = _lock_customer(customer)
    taken = min(round_money(up_to), customer.balance)
    if taken <= 0:
        return None
    return _post(
        customer,
        kind=BalanceEntry.Kind.PAYMENT,
        amount=-taken,
        reference=reference,
        source=source,
        actor=actor,
    )


def balance_refund(
    *, customer: Customer, amount: Decimal, source: Model, reference: str, actor
) -> BalanceEntry:
    """Give back what ``source`` took from the balance; a second refund of it is refused."""
    customer = _lock_customer(customer)
    source_type = ContentType.objects.get_for_model(source)
    already = BalanceEntry.objects.filter(
        company=customer.company_id,
        kind=BalanceEntry.Kind.REFUND,
        source_type=source_type,
        source_id=source.pk,
    ).exists()
    if already:
        raise DomainError(
            _("%(reference)s was refunded already.") % {"reference": reference}, code="refunded"
        )
    return _post(
        customer,
        kind=BalanceEntry.Kind.REFUND,
        amount=round_money(amount),
        reference=reference,
        source=source,
        actor=actor,
    )


def balance_paid_by(source: Model) -> Decimal:
    """What the balance paid for ``source`` so far, from the ledger."""
    paid = BalanceEntry.objects.filter(
        company=source.company_id,
        kind=BalanceEntry.Kind.PAYMENT,
        source_type=ContentType.objects.get_for_model(source),
        source_id=source.pk,
    ).aggregate(total=Sum("amount"))["total"]
    return -round_money(paid or ZERO)


# --- gift cards ----------------------------------------------------------------------------------


def gift_card_normalize(code: str) -> str:
    """The code as stored: upper case, without spaces or dashes, O read as 0 and I or L as 1."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum()).translate(_READ_AS)


def gift_card_digest(code: str) -> str:
    return hashlib.sha256(gift_card_normalize(code).encode()).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


@transaction.atomic
def gift_card_issue(
    *,
    company: Company,
    amount,
    actor,
    expires_on: datetime.date | None = None,
    customer: Customer | None = None,
    note: str = "",
    issue_key: uuid.UUID | None = None,
) -> tuple[GiftCard, str]:
    """Issue a card; returns it with its code, which is shown now and never again.

    ``issue_key`` (the issue form's) makes sending the same form twice issue one card: the
    second time is refused, since the code cannot be shown again."""
    amount = _positive(amount, what=_("The gift card's amount"))
    check_same_company(company.pk, customer)
    if expires_on is not None and expires_on < timezone.localdate():
        raise DomainError(_("The expiry date is in the past."))
    if issue_key is not None and _issued_with(company, issue_key) is not None:
        raise _issued_already(_issued_with(company, issue_key))
    code = _new_code()
    try:
        with transaction.atomic():
            card = _create_card(company, code, amount, expires_on, customer, note, issue_key, actor)
    except IntegrityError:
        earlier = _issued_with(company, issue_key) if issue_key is not None else None
        if earlier is None:
            raise
        raise _issued_already(earlier) from None
    return card, code


def _issued_with(company: Company, issue_key) -> GiftCard | None:
    return GiftCard.objects.filter(company=company, issue_key=issue_key).first()


def _issued_already(card: GiftCard) -> DomainError:
    return DomainError(
        _(
            "This form was sent already: gift card …%(hint)s was issued then, and its code was "
            "shown that once. Issue a new card if the code was not written down."
        )
        % {"hint": card.code_hint},
        code="issued_already",
    )


def _create_card(company, code, amount, expires_on, customer, note, issue_key, actor) -> GiftCard:
    return GiftCard.objects.create(
        company=company,
        code_digest=gift_card_digest(code),
        code_hint=gift_card_normalize(code)[-4:],
        amount=amount,
        currency=company.currency,
        expires_on=expires_on,
        customer=customer,
        note=(note or "").strip(),
        issue_key=issue_key,
        issued_by=staff_user(actor),
    )


@transaction.atomic
def gift_card_redeem(*, customer: Customer, code: str, actor) -> BalanceEntry:
    """Put a card's amount on ``customer``'s balance; a card is redeemed once, before it
    expires, and a card issued for one customer only onto that customer's balance."""
    normalized = gift_card_normalize(code)
    if not normalized:
        raise DomainError(_("Enter the gift card's code."))
    card = (
        GiftCard.objects.select_for_update(of=("self",))
        .filter(company=customer.company_id, code_digest=gift_card_digest(normalized))
        .first()
    )
    if card is None:
        raise DomainError(
            _("No gift card has this code. Check it for typing mistakes."), code="unknown"
        )
    if card.redeemed_at is not None:
        raise DomainError(
            _("This gift card was redeemed on %(date)s.")
            % {"date": date_format(timezone.localtime(card.redeemed_at), "DATE_FORMAT")},
            code="redeemed",
        )
    today = timezone.localdate()
    if card.state(today) == "expired":
        raise DomainError(
            _("This gift card expired on %(date)s.")
            % {"date": date_format(card.expires_on, "DATE_FORMAT")},
            code="expired",
        )
    if card.customer_id is not None and card.customer_id != customer.pk:
        raise DomainError(
            _("This gift card was issued for another customer."), code="other_customer"
        )
    customer = _lock_customer(customer)
    entry = _post(
        customer,
        kind=BalanceEntry.Kind.GIFT_CARD,
        amount=card.amount,
        reference=f"…{card.code_hint}",
        gift_card=card,
        actor=actor,
    )
    GiftCard.objects.filter(pk=card.pk, company=card.company_id).update(
        redeemed_at=timezone.now(), redeemed_by=customer
    )
    _log(
        customer,
        entry,
        event_message(
            gettext_noop("Gift card …%(hint)s redeemed: %(amount)s added to the balance."),
            hint=card.code_hint,
            amount=money(card.amount, customer.company.currency),
        ),
        actor=actor,
    )
    return entry


# --- checks --------------------------------------------------------------------------------------


def ledger_sums(company: Company) -> dict[int, Decimal]:
    """Each customer's ledger total (customers without entries are absent)."""
    rows = (
        BalanceEntry.objects.filter(company=company)
        .order_by()
        .values("customer")
        .annotate(total=Sum("amount"))
        .values_list("customer", "total")
    )
    # SQLite adds decimals as floating point: back to cents.
    return {customer: round_money(total) for customer, total in rows}
