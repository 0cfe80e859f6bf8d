"""axe-core and a phone's width on every portal page, as the demo's portal administrator (who
reaches the most): each GET URL of the ``portal`` namespace, its ids filled with rows the
access engine lets her see. Portal pages added later are walked without editing this file."""

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_scopes import scope, scopes_disabled

from crm.access import Action, access_filter, portal_record_type_for
from crm.sample.demo import ensure_demo_companies, seed_company
from customers.demo import PORTAL_PASSWORD
from customers.models import CustomerUser
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.clock, pytest.mark.markup_walk]

# Pages reached from an e-mailed link (their token is tested elsewhere) and POST-only views.
SKIP_NAMES = {"portal:logout", "portal:reset_confirm", "portal:accept_invitation"}
ADMIN_EMAIL = "anna@nordlicht.example"


def _portal_patterns():
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "portal":
            for pattern in entry.url_patterns:
                if isinstance(pattern, URLPattern) and pattern.name:
                    yield f"portal:{pattern.name}", pattern


def _reachable_pk(model, user, company):
    """A row she may view: by the access engine for portal record types, else (her customer's
    own roles, say) a row of her customer."""
    with scope(company=company):
        try:
            portal_record_type_for(model)
            rows = model.objects.filter(access_filter(user, company, model, Action.VIEW))
        except KeyError:
            fields = {f.name for f in model._meta.get_fields()}
            rows = model.objects.filter(
                **({"customer": user.customer} if "customer" in fields else {"company": company})
            )
        status = getattr(model, "Status", None)
        if status is not None and "draft" in status.values:
            rows = rows.exclude(status="draft")  # drafts stay with the company
        return rows.order_by("pk").values_list("pk", flat=True).first()


def portal_urls(user, company):
    for name, pattern in _portal_patterns():
        view_class = getattr(pattern.callback, "view_class", None)
        if name in SKIP_NAMES or view_class is None or not hasattr(view_class, "get"):
            continue
        if "get" not in view_class.http_method_names:
            continue  # a POST-only action: no page of its own
        url_models = dict(getattr(view_class, "url_models", {}) or {})
        if getattr(view_class, "model", None) is not None:
            url_models.setdefault("pk", view_class.model)
        kwargs = {}
        for kwarg in pattern.pattern.converters:
            model = url_models.get(kwarg)
            if isinstance(model, str):
                model = apps.get_model(model)
            assert model is not None, f"{name} takes <{kwarg}>: give its view a model"
            kwargs[kwarg] = _reachable_pk(model, user, company)
        if None in kwargs.values():
            continue  # nothing of this kind in the demo for her
        yield reverse(name, kwargs=kwargs)


@pytest.fixture
def portal_admin(transactional_db):
    company = ensure_demo_companies()[0]
    seed_company(company)
    with scopes_disabled():
        user = CustomerUser.objects.select_related("company").get(
            company=company, email=ADMIN_EMAIL
        )
    return company, user


def sign_in(page):
    page.goto("/portal/login/")
    page.get_by_label("E-mail").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(PORTAL_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/portal/")


def test_every_portal_page_passes_axe_and_fits_a_phone(page, portal_admin):
    company, user = portal_admin
    urls = list(dict.fromkeys(portal_urls(user, company)))
    assert "/portal/" in urls and "/portal/login/" in urls
    sign_in(page)
    failures = []
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 844})
        for url in urls:
            response = page.goto(url)
            assert response.status < 400, f"{url} answered {response.status}"
            try:
                assert_accessible(page)
            except AssertionError as error:
                failures.append(f"{url} at {width}px\n{error}")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 1:
                failures.append(f"{url} scrolls sideways by {overflow}px at {width}px wide")
    assert not failures, "\n\n".join(failures)
