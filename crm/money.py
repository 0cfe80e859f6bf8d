"""Money: Decimal, two places, rounded half up. Every amount the CRM stores passes through here."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def round_money(amount: Decimal) -> Decimal:
    """Round to cents, half up (1.005 -> 1.01), as invoices do; never banker's rounding."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    """``percent`` % of ``amount``, rounded to cents."""
    return round_money(Decimal(amount) * Decimal(percent) / 100)
