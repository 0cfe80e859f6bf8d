"""The figures the database keeps for this app's pages (``crm.kept_figures``): the customers
per (salesperson, status), which the customer list's count adds up. The migration installs
them; the model is ``CustomerCountFigure``."""

from __future__ import annotations

from crm.kept_figures import list_counts

CUSTOMER_COUNTS = list_counts(
    model="customers.CustomerCountFigure",
    name="customers_count_figures",
    source="customers_customer",
)
