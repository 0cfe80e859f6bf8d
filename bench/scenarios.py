"""The pages measured at each size: their URL, and what a good answer must contain."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from urllib.parse import urlencode

from bench.config import RunConfig
from bench.data import DETAIL_CUSTOMER, DETAIL_OPPORTUNITY, CompanyFacts

LEADS_TABLE = "Leads</caption>"
# The search page's leads group and at least one row in it.
SEARCH_HEADING = 'class="search-group-heading" id="search-group-1">Leads'
SEARCH_RESULT = '<span class="search-result-title">'


@dataclass(frozen=True)
class Page:
    name: str
    title: str
    kind: str  # "list", "detail", "other" or "floor"
    path: str
    markers: tuple[str, ...]
    # Pages that change the session's remembered "Mine / Everyone" use sessions of their own.
    sessions: str = "main"
    # The floor the page is divided by: the list floor, or the detail floor that fetches the
    # rows its kind of page shows (a detail floor itself is divided by the list floor).
    floor: str = "floor"

    def as_dict(self) -> dict:
        return asdict(self)


def _query(path: str, **params) -> str:
    return f"{path}?{urlencode(params)}" if params else path


DETAIL_FLOOR = "detail_floor"
DOCUMENT_FLOOR = "document_floor"
FLOORS = ("floor", DETAIL_FLOOR, DOCUMENT_FLOOR)


def pages_for(facts: CompanyFacts, config: RunConfig) -> list[Page]:
    """Every page of one size, the floor first; each page is a ratio to its ``floor``, which
    comes before it."""
    deep = config.deep_page
    return [
        Page(
            "floor",
            "Floor (50 rows, one raw query)",
            "floor",
            "/bench/floor/",
            ('class="floor"', '<td><a href="/leads/'),
        ),
        Page(
            "lead_list",
            "Lead list (default: Mine, newest first)",
            "list",
            "/leads/",
            (LEADS_TABLE,),
        ),
        Page(
            "lead_list_status",
            f"Lead list, status = {facts.equality_status} (equality)",
            "list",
            _query("/leads/", status=facts.equality_status),
            (LEADS_TABLE,),
        ),
        Page(
            "lead_list_salesperson",
            "Lead list, filtered by another salesperson",
            "list",
            _query("/leads/", salesperson=facts.other_salesperson_id),
            (LEADS_TABLE,),
        ),
        Page(
            "lead_list_search",
            f"Lead list, search “{facts.search_fragment}”",
            "list",
            _query("/leads/", q=facts.search_fragment),
            (LEADS_TABLE,),
        ),
        Page(
            "lead_list_sorted",
            "Lead list, sorted by name",
            "list",
            _query("/leads/", sort="name"),
            (LEADS_TABLE,),
        ),
        Page(
            "lead_list_deep",
            f"Lead list, everyone's, page {deep}",
            "list",
            _query("/leads/", owner="all", page=deep),
            (LEADS_TABLE, f"Page {deep} of"),
            sessions="deep",
        ),
        Page(
            "opportunity_list",
            "Opportunity list",
            "list",
            "/leads/opportunities/",
            ("Opportunities</caption>",),
        ),
        Page("customer_list", "Customer list", "list", "/customers/", ("Customers</caption>",)),
        Page(
            DETAIL_FLOOR,
            "Detail floor (the lead's 10 addresses, 10 contacts, a timeline page; raw queries)",
            "floor",
            f"/bench/floor/detail/{facts.detail_lead_id}/",
            ('class="detail-floor"', "Contact10", "Site 10"),
        ),
        Page(
            "lead_detail",
            "Lead detail (10 addresses, 10 contacts, 50 entries)",
            "detail",
            f"/leads/{facts.detail_lead_id}/",
            ("Detailova Holdings", "Contact10", "Site 10"),
            floor=DETAIL_FLOOR,
        ),
        Page(
            "opportunity_detail",
            "Opportunity detail (10 addresses, 10 contacts, 50 entries)",
            "detail",
            f"/leads/opportunities/{facts.detail_opportunity_id}/",
            (DETAIL_OPPORTUNITY, "Contact10", "Site 10"),
            floor=DETAIL_FLOOR,
        ),
        Page(
            "customer_detail",
            "Customer detail (10 addresses, 10 contacts, 50 entries)",
            "detail",
            f"/customers/{facts.detail_customer_id}/",
            (DETAIL_CUSTOMER, "Contact10", "Site 10"),
            floor=DETAIL_FLOOR,
        ),
        Page(
            DOCUMENT_FLOOR,
            "Document floor (the quotation's 10 lines, a timeline page; raw queries)",
            "floor",
            f"/bench/floor/document/{facts.quotation_id}/",
            ('class="document-floor"', facts.quotation_number, "Quotewell Trading GmbH"),
        ),
        Page(
            "quotation_detail",
            "Quotation detail (10 lines)",
            "detail",
            f"/selling/quotations/{facts.quotation_id}/",
            (facts.quotation_number, "Quotewell Trading GmbH"),
            floor=DOCUMENT_FLOOR,
        ),
        Page(
            "order_detail",
            "Order detail (10 lines)",
            "detail",
            f"/selling/orders/{facts.order_id}/",
            (facts.order_number, DETAIL_CUSTOMER),
            floor=DOCUMENT_FLOOR,
        ),
        Page(
            "customer_hierarchy",
            "Customer page, a parent of 1,000 children (1,600 customers below it)",
            "detail",
            f"/customers/{facts.hierarchy_parent_id}/",
            (facts.hierarchy_parent_name, "Hierarchia Filiale 0001", "Booked orders (net)"),
            floor=DETAIL_FLOOR,
        ),
        Page(
            "board",
            "Pipeline board",
            "other",
            "/leads/opportunities/board/",
            ("<h1>Pipeline</h1>",),
        ),
        Page("dashboard", "Dashboard", "other", "/", ("Good to see you",)),
        Page(
            "global_search",
            f"Global search (top bar), “{facts.search_fragment}”",
            "other",
            _query("/search/", q=facts.search_fragment),
            (SEARCH_HEADING, SEARCH_RESULT),
        ),
    ]


LIST_PAGES = (
    "lead_list",
    "lead_list_status",
    "lead_list_salesperson",
    "lead_list_search",
    "lead_list_sorted",
    "lead_list_deep",
    "opportunity_list",
    "customer_list",
)
# The detail pages held to DETAIL_TO_FLOOR, each against its own floor. "customer_hierarchy" is measured and reported, not
# yet held to it: the first runs say what a wide tree's page costs.
DETAIL_PAGES = (
    "lead_detail",
    "opportunity_detail",
    "customer_detail",
    "quotation_detail",
    "order_detail",
)
