"""What a wish list is worth: its lines at the prices a quotation made from it would charge.

Leads knows only the catalog. The price lists and party discounts belong to selling, which sits
above this app, so selling registers a pricer in ``AppConfig.ready()``
(``register_wish_list_pricer``), as it registers its "Next step" deciders. The pricers are asked
in ``order`` and the first that answers wins; with none answering (selling not installed, or a
party it does not price) a wish list is worth its catalog prices.

A pricer gets the party (a lead, an opportunity, or a higher app's record such as a customer)
and its items (with their products loaded) and must price them all in a bounded number of
queries, whatever their number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from leads.models import WishListItem

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PricedWish:
    """One item as a quotation line would carry it: ``unit_price`` (net, before the discount)
    and ``net_amount`` (after it, rounded half up to cents); ``list_price`` is the catalog's."""

    item: WishListItem
    unit_price: Decimal
    list_price: Decimal
    discount_percent: Decimal
    net_amount: Decimal

    @property
    def off_catalog(self) -> bool:
        """Whether the unit price is not the catalog's (a group's price list gave it)."""
        return self.unit_price != self.list_price


@dataclass(frozen=True)
class PricedWishList:
    """A whole wish list priced: its lines, their net total, and ``notes``, the sentences (in
    the reader's language) that say where prices differing from the catalog come from; none
    when every line is at the catalog price."""

    lines: tuple[PricedWish, ...] = ()
    total: Decimal = ZERO
    notes: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.lines)

    def __len__(self) -> int:
        return len(self.lines)

    @property
    def has_discount(self) -> bool:
        return any(line.discount_percent for line in self.lines)


WishListPricer = Callable[[object, Sequence[WishListItem]], PricedWishList | None]


@dataclass(frozen=True)
class _Registration:
    order: int
    price: WishListPricer


_registry: list[_Registration] = []


def register_wish_list_pricer(*, order: int, price: WishListPricer) -> None:
    """``price(party, items)`` returns the priced wish list, or None to let the next pricer (a
    higher ``order``) answer."""
    _registry[:] = [r for r in _registry if r.price is not price]
    _registry.append(_Registration(order=order, price=price))


def unregister_wish_list_pricer(price: WishListPricer) -> None:
    """Undo ``register_wish_list_pricer`` (for tests)."""
    _registry[:] = [r for r in _registry if r.price is not price]


def catalog_priced(items: Sequence[WishListItem]) -> PricedWishList:
    """Every item at its catalog price × quantity, each line rounded half up to cents."""
    lines = tuple(
        PricedWish(
            item=item,
            unit_price=item.product.unit_price,
            list_price=item.product.unit_price,
            discount_percent=ZERO,
            net_amount=(item.product.unit_price * item.quantity).quantize(
                CENT, rounding=ROUND_HALF_UP
            ),
        )
        for item in items
    )
    return PricedWishList(lines=lines, total=sum((line.net_amount for line in lines), ZERO))


def price_wish_list(*, party: object, items: Sequence[WishListItem]) -> PricedWishList:
    """``items`` (the party's wish list, products loaded) at the party's prices; no query for an
    empty list."""
    items = list(items)
    if not items:
        return PricedWishList()
    for registration in sorted(_registry, key=lambda r: r.order):
        priced = registration.price(party, items)
        if priced is not None:
            return priced
    return catalog_priced(items)
