"""Property-based requests against the OpenAPI schema (schemathesis): for every operation, a
bounded number of generated requests with a valid token, half of them aimed at real rows; none
may answer with a server error, and every refusal comes in the documented error shape.

Bounded for the suite's time: ``EXAMPLES`` generated requests per operation (the explicit and
generate phases only, no shrinking of passing runs).
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import resolve
from django_scopes import scope
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error

from crm.models import Membership
from tests.api.conftest import make_key

EXAMPLES = 6


@pytest.fixture
def api_world(db, monkeypatch):
    """Company A with its demo data, an admin's token; the WSGI app is called in-process, in
    the test's transaction (as Django's test client does, no connection is closed)."""
    from rest_framework.throttling import SimpleRateThrottle

    from crm.sample.demo import seed_company
    from tests.factories import CompanyFactory, MembershipFactory

    # Many requests a minute: the limits are tested elsewhere (test_resources).
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"token": "100000/min", "anon": "100000/min"}
    )
    company = CompanyFactory(name="Schema Co", slug="schema-co")
    user = MembershipFactory(company=company, role=Membership.Role.ADMIN).user
    seed_company(company)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield company, make_key(company, user)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _real_id(company, path: str) -> int | None:
    view = resolve(path.replace("{id}", "1")).func
    model = getattr(getattr(view, "cls", None), "model", None)
    if model is None:
        return None
    with scope(company=company):
        rows = model.objects.filter(company=company).order_by("pk")
        return rows.values_list("pk", flat=True).first()


def _check(case, company, key) -> None:
    identifier = (case.path_parameters or {}).get("id")
    if isinstance(identifier, int) and identifier % 2 == 0:
        real = _real_id(company, case.path)
        if real is not None:
            case.path_parameters["id"] = real
    response = case.call(headers={"Authorization": f"Bearer {key}"})
    case.validate_response(response, checks=[not_a_server_error])
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"errors"} and body["errors"], body
        for error in body["errors"]:
            assert set(error) == {"field", "code", "message"}, body


def test_no_operation_answers_with_a_server_error(api_world):
    from django.core.wsgi import get_wsgi_application

    company, key = api_world
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/schema/?format=json",
        get_wsgi_application(),
        headers={"Authorization": f"Bearer {key}"},
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case):
            _check(case, company, key)

        run()
