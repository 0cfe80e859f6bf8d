"""In-process timing of the list pages against the floor, to compare two checkouts (issue 17).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm \
        python bench/lists.py --root OLD_CHECKOUT --root NEW_CHECKOUT [--renders 30] [--rounds 3]
    DATABASE_URL=... python bench/lists.py --root CHECKOUT --profile lead_list
    DATABASE_URL=... python bench/lists.py --root CHECKOUT --dump DIR

Like ``bench/detail.py`` (the harness both use is ``bench/inprocess.py``): it reads the
benchmark's own database (``_bench`` added to the name) at the size ``--company`` names; each root
runs in its own interpreter (its own code) and requests, through the test client as the
salesperson who logs in (the whole middleware, as gunicorn serves it), the floor and every list
page, ``--renders`` times each after a warm-up, the pages interleaved. Rounds alternate between
the roots, and each page is reported as the median of its medians and as a ratio to the floor
measured in the same process. ``--profile PAGE`` prints a cProfile of that page instead;
``--dump DIR`` writes each page's HTML (the CSRF tokens blanked) to ``DIR/PAGE.html`` (and the
dashboard's, the search page's and the new-lead form's, which share the layout), so that two
checkouts' pages can be compared byte for byte.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import inprocess  # noqa: E402

PAGES = (
    "floor",
    "lead_list",
    "lead_list_status",
    "lead_list_salesperson",
    "lead_list_all",
    "lead_list_search",
    "lead_list_sorted",
    "lead_list_deep",
    "opportunity_list",
    "customer_list",
    "quotation_list",
    "order_list",
    "address_list",
)

PATHS = r"""
from django_scopes import scopes_disabled
from crm.models import Salesperson

# The salesperson the full bench filters by (bench.data._facts): the first who is not the seller.
with scopes_disabled():
    other = (
        Salesperson.objects.filter(company__slug=slug)
        .exclude(user__email=f"seller@{slug}.example")
        .order_by("pk")
        .values_list("pk", flat=True)[0]
    )
paths = {
    "floor": "/bench/floor/",
    "lead_list": "/leads/",
    "lead_list_status": "/leads/?status=contacted",
    "lead_list_salesperson": f"/leads/?salesperson={other}",
    "lead_list_all": "/leads/?owner=all&sort=name",
    # The full bench's fragment (bench.data picks it: 18,254 leads hold it at a million, 3,391
    # of them the salesperson's).
    "lead_list_search": "/leads/?q=eber",
    "lead_list_sorted": "/leads/?sort=name",
    # The full bench's deep page: rows 7,451-7,500 of everyone's leads (bench.config).
    "lead_list_deep": "/leads/?owner=all&page=150",
    "opportunity_list": "/leads/opportunities/",
    "customer_list": "/customers/",
    "quotation_list": "/selling/quotations/",
    "order_list": "/selling/orders/",
    "address_list": "/addressbook/",
}
# "Everyone" is remembered in the session: these pages have one of their own, so that the others
# show the salesperson's own leads, as in the full bench (bench.scenarios).
own_session = {"lead_list_all", "lead_list_deep"}
# Pages that share the layout with the lists, for the comparison (--dump) only.
dump_extra = {"dashboard": "/", "search": "/search/?q=sam&x=%3C%26%22", "lead_form": "/leads/new/"}
"""


def main() -> None:
    args = inprocess.parser_for(__doc__, PAGES, dump=True).parse_args()
    inprocess.main(inprocess.child_script(PATHS), PAGES, args)


if __name__ == "__main__":
    main()
