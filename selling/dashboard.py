"""The selling app's part of the dashboard: what was booked, beside the pipeline.

"Booked" is what the orders say, not the pipeline's hopes: confirmed and fulfilled sales
orders (``SalesOrder.BOOKED``) by their order date, at their net total (VAT is not a sale).
Each card is one grouped query over the figures the database keeps per (order date,
salesperson), whatever the number of orders; both link to the order list filtered to the orders
a bar counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from crm.models import Company
from crm.ui.charts import Datum, bar_chart, format_money, format_number, money_formatter
from crm.ui.dashboard import Period, register_widget
from selling.filters import BOOKED
from selling.models import BookedDayFigure

CENT = Decimal("0.01")
TOP_SALESPEOPLE = 10
MONTHS = 12
CHART_WIDGET = "crm/partials/_chart_widget.html"


@dataclass(frozen=True)
class BookedRow:
    key: Any  # a salesperson's id or a month's first day; None for "unassigned" and "others"
    label: str
    orders: int
    amount: Decimal


def _booked(company: Company):
    """The booked orders' figures per (order date, salesperson), which the database keeps with
    every write to an order (``BookedDayFigure``): a few rows a day however many orders."""
    return BookedDayFigure.objects.filter(company=company)


def _sums() -> dict[str, Any]:
    # A key's figures are the sum of its slots (crm.kept_figures).
    return {"orders": Sum("order_count"), "amount_cents": Sum("net_cents")}


def _money(cents: int | None) -> Decimal:
    return (Decimal(cents or 0) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def _in_period(period: Period) -> dict[str, date]:
    lookups = {"order_date__lte": period.end}
    if period.start is not None:
        lookups["order_date__gte"] = period.start
    return lookups


def booked_by_salesperson(
    *, company: Company, period: Period, top: int = TOP_SALESPEOPLE
) -> list[BookedRow]:
    """Booked orders of the period per salesperson, largest first; past ``top`` people the
    rest share one "others" row."""
    groups = (
        _booked(company)
        .filter(**_in_period(period))
        .values("salesperson_id", "salesperson__name")
        .annotate(**_sums())
        .filter(orders__gt=0)
        .order_by("-amount_cents", "salesperson__name", "salesperson_id")
    )
    rows = [
        BookedRow(
            key=group["salesperson_id"],
            label=group["salesperson__name"] or _("Unassigned"),
            orders=group["orders"],
            amount=_money(group["amount_cents"]),
        )
        for group in groups
    ]
    if len(rows) <= top + 1:  # an "others" row for one person would hide their name
        return rows
    rest = rows[top:]
    others = BookedRow(
        key=None,
        label=ngettext("%(count)s other", "%(count)s others", len(rest)) % {"count": len(rest)},
        orders=sum(row.orders for row in rest),
        amount=sum((row.amount for row in rest), Decimal(0)),
    )
    return [*rows[:top], others]


def _month_starts(end: date, months: int) -> list[date]:
    """The first days of the ``months`` calendar months up to ``end``'s, oldest first."""
    index = end.year * 12 + end.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - months + 1, index + 1)]


def booked_by_month(*, company: Company, end: date, months: int = MONTHS) -> list[BookedRow]:
    """Booked orders per calendar month for the ``months`` months up to ``end``'s, oldest
    first, the empty months included (a gap is news too)."""
    starts = _month_starts(end, months)
    groups = (
        _booked(company)
        .filter(order_date__gte=starts[0], order_date__lte=end)
        .annotate(month=TruncMonth("order_date"))
        .values("month")
        .annotate(**_sums())
        .order_by("month")
    )
    by_month = {_as_date(group["month"]): group for group in groups}
    rows = []
    for start in starts:
        group = by_month.get(start, {})
        rows.append(
            BookedRow(
                key=start,
                label=date_format(start, "YEAR_MONTH_FORMAT"),
                orders=group.get("orders", 0),
                amount=_money(group.get("amount_cents")),
            )
        )
    return rows


def _as_date(value) -> date:
    # TruncMonth of a date column is a date; some backends hand back a datetime.
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def _order_list_url(**filters: Any) -> str:
    # The figures are the whole company's: everyone's orders, said in the URL, since the list
    # may remember "Mine" (crm.views.mixins.MyRecordsMixin).
    params = {
        "status": BOOKED,
        **{k: v for k, v in filters.items() if v not in (None, "")},
        "owner": "all",
    }
    return f"{reverse('selling:order_list')}?{urlencode(params)}"


def _period_filters(period: Period) -> dict[str, str]:
    filters = {"date_to": period.end.isoformat()}
    if period.start is not None:
        filters["date_from"] = period.start.isoformat()
    return filters


def _last_day_of(month_start: date) -> date:
    index = month_start.year * 12 + month_start.month  # the next month's index
    following = date(index // 12, index % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def _chart(*, id: str, title: str, rows, currency: str, label_header: str, url, empty: str):
    return bar_chart(
        id=id,
        title=title,
        data=[
            Datum(
                label=row.label,
                value=row.amount,
                url=url(row),
                note=ngettext("%(count)s order", "%(count)s orders", row.orders)
                % {"count": format_number(row.orders)},
                count=row.orders,
            )
            for row in rows
        ],
        value_label=_("Booked (net)"),
        label_header=label_header,
        count_label=_("Orders"),
        format_value=money_formatter(currency, places=0),
        format_exact=money_formatter(currency),
        empty_text=empty,
    )


def _figures(rows, currency: str) -> list[dict[str, str]]:
    amount = sum((row.amount for row in rows), Decimal(0))
    orders = sum(row.orders for row in rows)
    average = (amount / orders).quantize(CENT, rounding=ROUND_HALF_UP) if orders else Decimal(0)
    return [
        {"label": _("Booked (net)"), "value": format_money(amount, currency, 0)},
        {"label": _("Orders"), "value": format_number(orders)},
        {"label": _("Average order"), "value": format_money(average, currency, 0)},
    ]


def booked_by_salesperson_widget(company: Company, user, period: Period) -> dict[str, Any]:
    rows = booked_by_salesperson(company=company, period=period)
    return {
        "chart": _chart(
            id="chart-booked-salesperson",
            title=_("Booked sales by salesperson (%(period)s)") % {"period": period.label},
            rows=rows,
            currency=company.currency,
            label_header=_("Salesperson"),
            url=lambda row: (
                _order_list_url(salesperson=row.key, **_period_filters(period)) if row.key else ""
            ),
            empty=_("No order was confirmed in this period. Choose a longer period above."),
        ),
        "subtitle": _("Confirmed and fulfilled orders of the period, net of VAT."),
        "figures": _figures(rows, company.currency),
        "actions": [
            {"url": _order_list_url(**_period_filters(period)), "label": _("These orders")}
        ],
        "link_hint": _("list their orders"),
    }


def booked_by_month_widget(company: Company, user, period: Period) -> dict[str, Any]:
    rows = booked_by_month(company=company, end=period.end)
    return {
        "chart": _chart(
            id="chart-booked-month",
            title=_("Booked sales by month"),
            rows=rows,
            currency=company.currency,
            label_header=_("Month"),
            url=lambda row: _order_list_url(
                date_from=row.key.isoformat(), date_to=_last_day_of(row.key).isoformat()
            ),
            empty=_("No order was confirmed in these twelve months yet."),
        ),
        "subtitle": _(
            "The twelve months up to the period's end: confirmed and fulfilled orders, net of VAT."
        ),
        "figures": _figures(rows, company.currency),
        "link_hint": _("list the month's orders"),
    }


def register() -> None:
    register_widget(
        "booked_by_salesperson",
        order=42,
        title=gettext_lazy("Booked sales by salesperson"),
        template=CHART_WIDGET,
        context_fn=booked_by_salesperson_widget,
    )
    register_widget(
        "booked_by_month",
        order=44,
        title=gettext_lazy("Booked sales by month"),
        template=CHART_WIDGET,
        context_fn=booked_by_month_widget,
    )
