"""The API's pages in the browser: making a token (its key shown once) and revoking it, and
the API docs page, which must work offline (every asset from the app) and pass axe."""

import pytest
from django_scopes import scope

from crm.models import ApiToken, Membership
from tests.e2e.conftest import assert_accessible, log_in
from tests.factories import DEFAULT_PASSWORD, CompanyFactory, MembershipFactory


@pytest.fixture
def member(transactional_db):
    company = CompanyFactory(name="Northwind", slug="northwind")
    membership = MembershipFactory(company=company, role=Membership.Role.SALESPERSON)
    return company, membership.user


def test_make_copy_and_revoke_a_token(page, member):
    company, user = member
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.get_by_role("link", name="API tokens").click()
    assert_accessible(page)
    page.get_by_label("Name").fill("Website sync")
    page.get_by_role("button", name="Make token").click()
    key = page.get_by_label("Key").input_value()
    assert key.startswith("crm_")
    assert_accessible(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    # The key works, as the person.
    answer = page.request.get("/api/v1/leads/", headers={"Authorization": f"Bearer {key}"})
    assert answer.status == 200
    # Shown once: the list names the token, never the key again.
    page.reload()
    assert key not in page.content()
    assert page.get_by_role("button", name="Revoke Website sync").count() == 1
    assert "Website sync" in page.content()
    page.get_by_role("button", name="Revoke Website sync").click()
    page.get_by_text("was revoked").wait_for()
    with scope(company=company):
        assert ApiToken.objects.get(company=company).revoked_at is not None
    refused = page.request.get("/api/v1/leads/", headers={"Authorization": f"Bearer {key}"})
    assert refused.status == 401


def test_the_docs_page_works_offline_and_passes_axe(page, member, live_server):
    _company, user = member
    elsewhere = []

    def only_the_app(route):
        if route.request.url.startswith(live_server.url):
            return route.continue_()
        elsewhere.append(route.request.url)
        return route.abort()

    page.route("**/*", only_the_app)
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto("/api/v1/docs/")
    # Swagger UI has read the schema and lists the operations.
    page.locator(".opblock-tag", has_text="leads").first.wait_for()
    assert page.locator(".opblock").count() >= 10
    assert not elsewhere, elsewhere
    assert_accessible(page)
