"""The figures the database keeps for this app's pages (``crm.kept_figures``): booked sales per
(order date, salesperson), which the dashboard's booked sales cards add up for a period or a
month. The migration installs them; the model is ``BookedDayFigure``."""

from __future__ import annotations

from crm.kept_figures import KeptFigures, Key, Total

# Booked: confirmed or fulfilled (``SalesOrder.BOOKED``); any other order counts nothing.
_BOOKED = "{row}.status IN ('confirmed', 'fulfilled')"

BOOKED_DAYS = KeptFigures(
    model="selling.BookedDayFigure",
    name="selling_booked_figures",
    table="selling_bookeddayfigure",
    source="selling_salesorder",
    keys=(
        Key("company_id", "{row}.company_id", "{row}.company_id"),
        Key("order_date", "{row}.order_date", "{row}.order_date"),
        Key("salesperson_id", "{row}.salesperson_id", "{row}.salesperson_id", nullable=True),
    ),
    totals=(
        Total("order_count", f"CASE WHEN {_BOOKED} THEN 1 ELSE 0 END"),
        Total(
            "net_cents",
            f"CASE WHEN {_BOOKED} THEN CAST(ROUND({{row}}.net_total * 100) AS BIGINT) ELSE 0 END",
        ),
    ),
    watched=("company_id", "order_date", "salesperson_id", "status", "net_total"),
)
