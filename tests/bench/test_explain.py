"""The plans the benchmark explains are the ones its pages ran."""

import pytest
from django.db import connection

from bench.explain import explain_pages

# Every row: read from the table, unless sequential scans are off (then from the primary key).
LOOK_UP = "SELECT id FROM crm_company"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_setting_made_for_a_transaction_shapes_the_plans_explained_inside_it():
    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN (ANALYZE, BUFFERS) is PostgreSQL's: set DATABASE_URL to check it")
    page = [
        LOOK_UP,
        "BEGIN",
        "SELECT set_config('enable_seqscan', 'off', true)",
        LOOK_UP,
        "COMMIT",
        LOOK_UP,
    ]
    text, _flags, _timings = explain_pages({"page": page})
    plans = {int(block.split(":", 1)[0]): block for block in text.split("\n-- q")[1:]}
    assert set(plans) == {1, 3, 4, 6}
    assert "Seq Scan on crm_company" in plans[1]
    assert "Seq Scan on crm_company" not in plans[4]
    assert "Seq Scan on crm_company" in plans[6]
