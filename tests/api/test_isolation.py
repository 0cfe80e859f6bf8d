"""Company B's token never reaches company A's records through the API: every route that
takes an id answers 404 to every method with A's ids, and every list shows only B's rows.

The routes come from the resolver (the ``api:`` namespace), so resources added later are walked
without editing this file; the ids are filled in as tests/test_isolation.py fills them.
"""

from django.urls import reverse
from django_scopes import scope

from crm.api.router import router
from crm.models import Activity
from tests.api.conftest import make_key, token_client
from tests.test_isolation import (  # noqa: F401 - fixtures shared with the page walk
    _company_a_world_built,
    company_a_world,
    kwargs_variants,
    walk,
)

METHODS = ("get", "post", "put", "patch", "delete")


def api_routes():
    return [(name, pattern) for name, pattern in walk() if name.startswith("api:")]


def test_another_companys_token_reaches_nothing(company_a_world):  # noqa: F811
    a, b, intruder = company_a_world
    api = token_client(make_key(b, intruder))
    checked = set()
    for name, pattern in api_routes():
        for kwargs in kwargs_variants(name, pattern, a):
            url = reverse(name, kwargs=kwargs)
            for method, body in ((m, b) for m in METHODS for b in (True, False)):
                # With a JSON body, and without one (the id is refused before the body is read).
                send = getattr(api, method)
                response = send(url, {}, format="json") if body else send(url)
                assert response.status_code in (404, 405), (
                    f"{method.upper()} {url} ({name}) with company B's token answered "
                    f"{response.status_code}; another company's id must be a 404"
                )
            checked.add(name)
    registered = {basename for _prefix, _viewset, basename in router.registry}
    # Every registered resource's detail route was tried.
    assert {f"api:{basename}-detail" for basename in registered} & checked
    assert "api:lead-convert" in checked and "api:lead-customer-convert-to-customer" in checked

    # Every list shows only the token's company's rows (one seeded world for both checks).
    lists = 0
    for prefix, viewset, basename in router.registry:
        if not hasattr(viewset, "list"):
            continue
        params = {}
        if viewset.model is Activity:  # a timeline is listed per record: the company's own
            params = {"owner_type": "crm.company", "owner_id": b.pk}
            foreign = {"owner_type": "crm.company", "owner_id": a.pk}
            assert api.get(reverse(f"api:{basename}-list"), foreign).status_code == 404
        response = api.get(reverse(f"api:{basename}-list"), params)
        assert response.status_code == 200, prefix
        ids = [row["id"] for row in response.json()["results"]]
        with scope(company=a):
            assert not viewset.model.objects.filter(company=a, pk__in=ids).exists(), prefix
        with scope(company=b):
            assert viewset.model.objects.filter(company=b, pk__in=ids).count() == len(ids)
        lists += 1
    assert lists >= 8
