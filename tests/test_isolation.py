"""Company B must never reach company A's records: every URL that takes an id is walked.

The URLs come from the resolver, so pages added later are covered without editing this file.
How a URL's ids are filled in:

- ``pk`` is a row of the view's ``model``;
- any other id kwarg is a row of ``view_class.url_models[kwarg]`` (a model class);
- ``owner_type`` / ``owner_id`` (generic owner pages) is each registered owner model in turn,
  ``owner_type`` spelled ``app_label.modelname``.

A URL with an id the test cannot fill fails the test, so a new page must declare its models.
"""

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_scopes import scope, scopes_disabled

from crm.sample.demo import seed_company
from tests.conftest import login_as, rows_shared_by_module

ID_CONVERTERS = ("IntConverter", "UUIDConverter")
# Admin pages answer a foreign id exactly like a missing one (a redirect with a message).
ADMIN_PREFIX = "admin:"
PORTAL_PREFIX = "portal:"


def walk(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            child_ns = namespace
            if entry.namespace:
                child_ns = f"{namespace}{entry.namespace}:"
            yield from walk(entry, child_ns)
        elif isinstance(entry, URLPattern):
            converters = getattr(entry.pattern, "converters", {})
            takes_id = any(type(c).__name__ in ID_CONVERTERS for c in converters.values())
            if entry.name and (takes_id or "owner_type" in converters):
                yield f"{namespace}{entry.name}", entry


def owner_models():
    try:
        from addressbook.owners import owner_models as registered
    except ImportError:
        return []
    return list(registered())


def first_pk(model, company):
    with scope(company=company):
        if model._meta.label_lower == "crm.company":
            return company.pk
        row = model.objects.filter(company=company).order_by("pk").first()
    return row.pk if row else None


def kwargs_variants(name, pattern, company):
    """Every way to fill this URL's kwargs with company A's ids ([] if a model has no rows)."""
    view_class = getattr(pattern.callback, "view_class", None)
    url_models = dict(getattr(view_class, "url_models", {}) or {})
    if view_class is not None and getattr(view_class, "model", None) is not None:
        url_models.setdefault("pk", view_class.model)
    names = {
        kwarg
        for kwarg, converter in pattern.pattern.converters.items()
        if type(converter).__name__ in ID_CONVERTERS or kwarg == "owner_type"
    }
    base = {}
    variants = [base]
    if {"owner_type", "owner_id"} <= names:
        variants = []
        for model in owner_models():
            pk = first_pk(model, company)
            if pk is not None:
                variants.append({"owner_type": model._meta.label_lower, "owner_id": pk})
        names -= {"owner_type", "owner_id"}
    for kwarg in sorted(names):
        if name.startswith(ADMIN_PREFIX) and kwarg == "object_id":
            continue  # filled per admin model below
        model = url_models.get(kwarg)
        if isinstance(model, str):
            model = apps.get_model(model)
        assert model is not None, (
            f"URL {name} takes <{kwarg}> but its view declares no model for it; set `model` "
            f"(for pk) or `url_models = {{'{kwarg}': Model}}` so the isolation walk covers it."
        )
        pk = first_pk(model, company)
        assert pk is not None, f"the demo data has no {model.__name__} to test URL {name} with"
        variants = [{**variant, kwarg: pk} for variant in variants]
    return variants


@pytest.fixture(scope="module")
def _company_a_world_built(django_db_setup, django_db_blocker):
    """Seeded once per module (two demo companies take long): the tests only read the rows, and
    each runs in a savepoint of its own."""
    with rows_shared_by_module(django_db_blocker):
        with django_db_blocker.unblock():
            built = _build_company_a_world()
        yield built


@pytest.fixture
def company_a_world(db, _company_a_world_built):
    """Company A with demo data for every model; company B with an admin member (fresh copies
    of the companies and the intruder for each test)."""
    from crm.models import Company

    a, b, intruder = _company_a_world_built
    with scopes_disabled():
        return (
            Company.objects.get(pk=a.pk),
            Company.objects.get(pk=b.pk),
            type(intruder).objects.get(pk=intruder.pk),
        )


def _build_company_a_world():
    from django.contrib.auth.models import Permission

    from tests.factories import CompanyFactory, MembershipFactory

    with scopes_disabled():
        a = CompanyFactory(name="Company A", slug="company-a")
        b = CompanyFactory(name="Company B", slug="company-b")
        # Staff with every model permission: the admin's only barrier is the company scope.
        intruder = MembershipFactory(company=b, role="owner", user__is_staff=True).user
        intruder.user_permissions.set(Permission.objects.all())
        MembershipFactory(company=a, role="salesperson")
    seed_company(a)
    seed_company(b)
    return a, b, intruder


def admin_change_urls(company):
    """Change, history and delete pages of every admin model for one of A's rows."""
    from django.contrib import admin

    for model in admin.site._registry:
        if not any(f.name == "company" for f in model._meta.get_fields()) and (
            model._meta.label_lower != "crm.company"
        ):
            continue
        pk = first_pk(model, company)
        if pk is None:
            continue
        opts = model._meta
        for action in ("change", "history", "delete"):
            name = f"admin:{opts.app_label}_{opts.model_name}_{action}"
            yield reverse(name, args=[pk]), reverse(name, args=[987654321])


def portal_client_of(company):
    """A browser signed in to the portal as the company's widest-reaching customer user."""
    from django.test import Client

    from customers.demo import PORTAL_PASSWORD
    from customers.models import CustomerUser
    from tests.portal.conftest import portal_sign_in

    with scope(company=company):
        user = CustomerUser.objects.filter(company=company, roles__key="administrator").first()
    assert user is not None, "the demo data has no portal administrator"
    return portal_sign_in(Client(), user, PORTAL_PASSWORD)


def test_every_id_url_is_a_404_for_another_company(client, company_a_world):
    a, b, intruder = company_a_world
    login_as(client, intruder, b)
    # Portal pages answer to the portal's own sign-in: company B's customer user tries them.
    portal_client = portal_client_of(b)
    checked = []
    walked = set()
    for name, pattern in walk():
        if name.startswith(ADMIN_PREFIX):
            continue
        walked.add(name)
        browser = portal_client if name.startswith(PORTAL_PREFIX) else client
        for kwargs in kwargs_variants(name, pattern, a):
            url = reverse(name, kwargs=kwargs)
            for method in ("get", "post"):
                response = getattr(browser, method)(url)
                assert response.status_code in (404, 405), (
                    f"{method.upper()} {url} ({name}) as company B answered "
                    f"{response.status_code}; another company's id must be a 404"
                )
            checked.append(name)
    assert "crm:dashboard" not in checked
    unchecked = walked - set(checked)
    assert not unchecked, f"no company A row to try these URLs with: {sorted(unchecked)}"
    # The generic owner pages are tried for every kind of owner.
    assert {"crm:activity_add", "addressbook:owner_address_add"} <= set(checked)


def test_admin_answers_a_foreign_id_like_a_missing_one(client, company_a_world):
    a, b, intruder = company_a_world
    login_as(client, intruder, b)
    urls = list(admin_change_urls(a))
    assert urls
    for url, missing_url in urls:
        response = client.get(url)
        missing = client.get(missing_url)
        assert response.status_code == missing.status_code, url
        assert response.status_code in (302, 403, 404), url
        if response.status_code == 302:
            assert response["Location"] == missing["Location"], url
