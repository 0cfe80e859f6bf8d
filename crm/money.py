"""Money: Decimal, two places, rounded half up. Every amount the CRM stores passes through here."""

from contextvars import ContextVar, Token
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def round_money(amount: Decimal) -> Decimal:
    """Round to cents, half up (1.005 -> 1.01), as invoices do; never banker's rounding."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    """``percent`` % of ``amount``, rounded to cents."""
    return round_money(Decimal(amount) * Decimal(percent) / 100)


# Currencies whose amounts have no minor unit (ISO 4217 exponent 0) among those a company may
# plausibly keep its books in; every other currency shows two places.
WHOLE_UNIT_CURRENCIES = frozenset(
    {"IDR", "JPY", "KRW", "VND", "CLP", "ISK", "PYG", "UGX", "XAF", "XOF", "HUF", "TWD"}
)

# The currency amounts are shown in when a template names none: the active company's, set per
# request (crm.i18n.LocaleMiddleware) and per command (crm.i18n.company_locale).
_active_currency: ContextVar[str] = ContextVar("active_currency", default="")


def activate_currency(code: str) -> Token:
    """Make ``code`` the currency amounts are shown in; returns the token to reset it with."""
    return _active_currency.set(code or "")


def reset_currency(token: Token) -> None:
    _active_currency.reset(token)


def active_currency() -> str:
    return _active_currency.get()


def minor_units(currency: str) -> int:
    return 0 if currency in WHOLE_UNIT_CURRENCIES else 2


def format_amount(amount, currency: str = "") -> str:
    """``amount`` as the active language writes it (grouping, decimal mark), with as many
    places as ``currency`` (else the active company's currency) has: "1,234.50" in English,
    "1.234,50" in Indonesian, "1.500.000" for rupiah. Empty for None."""
    if amount is None or amount == "":
        return ""
    places = minor_units(currency or active_currency())
    value = Decimal(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return number_format(value, places, use_l10n=True, force_grouping=True)


def format_money(amount, currency: str = "") -> str:
    """``amount`` and its currency code as text (messages, e-mails, charts): "1,234.50 EUR",
    "1.500.000 IDR". Templates use the ``money`` filter, which wraps the same text in markup."""
    code = currency or active_currency()
    return f"{format_amount(amount, code)} {code}".strip()


def format_plain(value) -> str:
    """``value`` with the places it needs and no more, as the active language writes it: "19",
    "7.5" in English, "7,5" in Indonesian. Rates and quantities as people write them, never
    Python's own ``str()``, which always writes a decimal point."""
    value = Decimal(value)
    value = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    return number_format(value, use_l10n=True)
