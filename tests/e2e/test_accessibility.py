"""axe-core on every page a salesperson can open: each GET URL from the resolver, with ids of
the demo company's own rows. Pages added later are walked without editing this file."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from crm.sample.demo import ensure_demo_companies, seed_company
from tests.e2e.conftest import assert_accessible, log_in
from tests.test_isolation import kwargs_variants, walk

# Reads dates (demo data, periods, due dates): CI runs it under several test clocks too.
pytestmark = [pytest.mark.clock, pytest.mark.markup_walk]

# Django's own admin and the auth flow's token pages are not ours to fix; POST-only views have
# no page. The API (JSON, its schema and its docs page) has its own tests in tests/e2e/test_api_pages.py.
SKIP_PREFIXES = ("admin:", "api:")
# Downloads (the import's error report, a CSV file) are no page either, nor is a fragment htmx
# puts into a page (a timeline's older entries, a board column's next cards: tests/e2e/
# test_timeline.py and test_board.py check them in place).
SKIP_NAMES = {
    "password_reset_confirm",
    "logout",
    "crm:switch_company",
    "crm:import_report",
    "crm:timeline_entries",
    "leads:lead_board_more",
    "leads:opportunity_board_more",
}


def page_urls(company):
    from django.urls import get_resolver

    seen = set()
    for entry in get_resolver().url_patterns:
        yield from _plain_urls(entry, "", seen)
    for name, pattern in walk():
        if name.startswith(SKIP_PREFIXES) or name in SKIP_NAMES:
            continue
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class is not None and "get" not in view_class.http_method_names:
            continue
        if view_class is not None and not hasattr(view_class, "get"):
            continue
        for kwargs in kwargs_variants(name, pattern, company)[:1]:
            yield reverse(name, kwargs=kwargs)


def _plain_urls(entry, namespace, seen):
    from django.urls import URLPattern, URLResolver

    if isinstance(entry, URLResolver):
        child = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
        if child.startswith(SKIP_PREFIXES):
            return
        for sub in entry.url_patterns:
            yield from _plain_urls(sub, child, seen)
    elif isinstance(entry, URLPattern) and entry.name and not entry.pattern.converters:
        name = f"{namespace}{entry.name}"
        view_class = getattr(entry.callback, "view_class", None)
        if name in SKIP_NAMES or name in seen:
            return
        if view_class is None or not hasattr(view_class, "get"):
            return
        seen.add(name)
        yield reverse(name)


@pytest.fixture
def demo_company(transactional_db):
    company = ensure_demo_companies()[0]
    seed_company(company)
    return company


def test_every_page_passes_axe_and_fits_a_phone_screen(page, demo_company):
    """One seeded demo and one sign-in for both walks (seeding is most of the setup): every
    page at 1280 px through axe, then every page loaded afresh at 390 px for sideways
    scrolling. Each failure names its page and width."""
    log_in(page, "demo", "demo-pass-2026")
    with scopes_disabled():
        urls = list(dict.fromkeys(page_urls(demo_company)))
    assert len(urls) >= 3
    failures = []
    for url in urls:
        response = page.goto(url)
        assert response.status < 400, f"{url} answered {response.status}"
        try:
            assert_accessible(page)
        except AssertionError as error:
            failures.append(f"{url}\n{error}")
    page.set_viewport_size({"width": 390, "height": 844})
    for url in urls:
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 1:
            failures.append(f"{url} scrolls sideways by {overflow}px at 390px wide")
    assert not failures, "\n\n".join(failures)
