"""In-process timing of the detail pages against their floors, to compare two checkouts (issue 17).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm \
        python bench/detail.py --root OLD_CHECKOUT --root NEW_CHECKOUT [--renders 30] [--rounds 3]
    DATABASE_URL=... python bench/detail.py --root CHECKOUT --profile lead_detail
    DATABASE_URL=... python bench/detail.py --root CHECKOUT --dump DIR

It reads the benchmark's own database (the one ``make bench`` built, ``_bench`` added to the
name; build it once with ``make bench`` or ``python -m bench``), at the size given by
``--company`` (``large`` by default). The harness is ``bench/inprocess.py``'s, as for the lists:
each root runs in its own interpreter (its own code) and requests, through the test client as
the salesperson who logs in (the whole middleware, as gunicorn serves it), the list floor, the
detail floor and the lead, opportunity and customer detail pages (10 addresses, 10 contacts, 50
timeline entries each), the document floor and the quotation and order detail pages (10 lines)
and the customer page of the parent with 1,000 children, ``--renders`` times each after a
warm-up, the pages interleaved. Rounds alternate between the roots so that a busy machine slows
both alike; each page is reported as the median of its medians and as a ratio to its floor
measured in the same process (``bench.scenarios``' ``floor`` of the page: the detail floor or
the document floor), and to the list floor too. A checkout from before the detail floors has
none (its pages get only the list floor's ratio). ``--profile PAGE``
prints a cProfile of that page instead; ``--dump DIR`` writes each page's HTML (the CSRF tokens
blanked) to ``DIR/PAGE.html``, so that two checkouts' pages can be compared byte for byte.
A database built before the opportunity, customer and order detail records existed lacks them:
``python -m bench --reuse`` adds them.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import inprocess  # noqa: E402

PAGES = (
    "floor",
    "detail_floor",
    "lead_detail",
    "opportunity_detail",
    "customer_detail",
    "document_floor",
    "quotation_detail",
    "order_detail",
    "customer_hierarchy",
)
# As ``bench.scenarios.pages_for`` divides them (the pages not named: by the list floor).
FLOORS = {
    "lead_detail": "detail_floor",
    "opportunity_detail": "detail_floor",
    "customer_detail": "detail_floor",
    "customer_hierarchy": "detail_floor",
    "quotation_detail": "document_floor",
    "order_detail": "document_floor",
}

PATHS = r"""
from bench import data

stored = data.info_read(f"company:{label}")
paths = {
    "floor": "/bench/floor/",
    "detail_floor": f"/bench/floor/detail/{stored['detail_lead_id']}/",
    "lead_detail": f"/leads/{stored['detail_lead_id']}/",
    "opportunity_detail": f"/leads/opportunities/{stored['detail_opportunity_id']}/",
    "customer_detail": f"/customers/{stored['detail_customer_id']}/",
    "document_floor": f"/bench/floor/document/{stored['quotation_id']}/",
    "quotation_detail": f"/selling/quotations/{stored['quotation_id']}/",
    "order_detail": f"/selling/orders/{stored['order_id']}/",
    "customer_hierarchy": f"/customers/{stored['hierarchy_parent_id']}/",
}
optional = {"detail_floor", "document_floor"}
"""


def main() -> None:
    args = inprocess.parser_for(__doc__, PAGES, dump=True).parse_args()
    inprocess.main(inprocess.child_script(PATHS), PAGES, args, FLOORS)


if __name__ == "__main__":
    main()
