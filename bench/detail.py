"""In-process timing of the detail pages against the floor, to compare two checkouts (issue 17).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm \
        python bench/detail.py --root OLD_CHECKOUT --root NEW_CHECKOUT [--renders 30] [--rounds 3]
    DATABASE_URL=... python bench/detail.py --root CHECKOUT --profile lead_detail
    DATABASE_URL=... python bench/detail.py --root CHECKOUT --dump DIR

It reads the benchmark's own database (the one ``make bench`` built, ``_bench`` added to the
name; build it once with ``make bench`` or ``python -m bench``), at the size given by
``--company`` (``large`` by default). The harness is ``bench/inprocess.py``'s, as for the lists:
each root runs in its own interpreter (its own code) and requests, through the test client as
the salesperson who logs in (the whole middleware, as gunicorn serves it), the floor, the lead,
opportunity and customer detail pages (10 addresses, 10 contacts, 50 timeline entries each), the
quotation and order detail pages (10 lines) and the customer page of the parent with 1,000
children, ``--renders`` times each after a warm-up, the pages interleaved. Rounds alternate
between the roots so that a busy machine slows both alike; each page is reported as the median
of its medians and as a ratio to the floor measured in the same process. ``--profile PAGE``
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
    "lead_detail",
    "opportunity_detail",
    "customer_detail",
    "quotation_detail",
    "order_detail",
    "customer_hierarchy",
)

PATHS = r"""
from bench import data

stored = data.info_read(f"company:{label}")
paths = {
    "floor": "/bench/floor/",
    "lead_detail": f"/leads/{stored['detail_lead_id']}/",
    "opportunity_detail": f"/leads/opportunities/{stored['detail_opportunity_id']}/",
    "customer_detail": f"/customers/{stored['detail_customer_id']}/",
    "quotation_detail": f"/selling/quotations/{stored['quotation_id']}/",
    "order_detail": f"/selling/orders/{stored['order_id']}/",
    "customer_hierarchy": f"/customers/{stored['hierarchy_parent_id']}/",
}
"""


def main() -> None:
    args = inprocess.parser_for(__doc__, PAGES, dump=True).parse_args()
    inprocess.main(inprocess.child_script(PATHS), PAGES, args)


if __name__ == "__main__":
    main()
