"""axe-core on the Django admin as the demo's owner sees it: the index, every registered model's
list, its add page and one of its records (with that record's history), at 1366 px and at
390 px. Models registered later are walked without editing this file."""

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django_scopes import scope, scopes_disabled

from crm.sample.demo import ensure_demo_companies, seed_company
from tests.e2e.conftest import assert_accessible, log_in

pytestmark = [pytest.mark.clock, pytest.mark.markup_walk]


@pytest.fixture
def demo_company(transactional_db):
    company = ensure_demo_companies()[0]
    seed_company(company)
    return company


def admin_urls(company, *, every_page=True):
    """The index, each model's list and one record; ``every_page`` adds the add and history
    pages (the same templates as the others, so the phone walk leaves them out)."""
    yield reverse("admin:index")
    request = _request_for(company)
    with scope(company=company):
        for model, model_admin in admin.site._registry.items():
            if not model_admin.has_view_or_change_permission(request):
                continue
            info = (model._meta.app_label, model._meta.model_name)
            try:
                yield reverse("admin:{}_{}_changelist".format(*info))
            except NoReverseMatch:
                continue
            if every_page and model_admin.has_add_permission(request):
                yield reverse("admin:{}_{}_add".format(*info))
            # The first record this company's admin list shows (the admin's own queryset).
            record = model_admin.get_queryset(request).order_by("pk").first()
            if record is not None:
                yield reverse("admin:{}_{}_change".format(*info), args=[record.pk])
                if every_page:
                    yield reverse("admin:{}_{}_history".format(*info), args=[record.pk])


def _request_for(company):
    from django.test import RequestFactory

    from crm.models import Membership

    request = RequestFactory().get("/admin/")
    membership = Membership.objects.select_related("user").get(
        company=company, user__username="demo"
    )
    request.user = membership.user
    request.company = company
    request.active_company = company
    request.membership = membership
    return request


def test_every_admin_page_passes_axe(page, demo_company):
    """One seeded demo and one sign-in for both widths (seeding is most of the setup): every
    page at 1366 px, then the index, lists and records again at 390 px. Each failure names its
    page and width."""
    log_in(page, "demo", "demo-pass-2026")
    failures = []
    walked = 0
    for width in (1366, 390):
        with scopes_disabled():
            urls = list(dict.fromkeys(admin_urls(demo_company, every_page=width > 800)))
        assert len(urls) > 20
        page.set_viewport_size({"width": width, "height": 900})
        for url in urls:
            response = page.goto(url)
            assert response.status < 400, f"{url} answered {response.status}"
            try:
                assert_accessible(page, preload=False)
            except AssertionError as error:
                failures.append(f"{url} at {width}px\n{error}")
        walked += len(urls)
    assert not failures, f"{len(failures)} of {walked} admin pages fail axe:\n\n" + "\n\n".join(
        failures
    )
