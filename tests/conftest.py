"""Fixtures: a company (the test body runs inside its scope), members, logged-in clients."""

import os
from contextlib import contextmanager
from datetime import UTC, date, datetime, time

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from crm.models import Membership
from crm.tenancy import SESSION_KEY
from crm.ui.kept_markup import forget as forget_kept_markup
from tests.factories import CompanyFactory, MembershipFactory, UserFactory


def pytest_configure(config):
    # Every factory user gets a password: Django's real hasher spends a third of a second on
    # each on purpose, which across the suite is minutes. Tests check logins, not hash strength.
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _start_test_clock(config)


def _start_test_clock(config):
    """``TEST_CLOCK=2026-12-31T23:30:00+00:00`` runs the whole suite as if it were that moment
    (the clock then ticks on). CI runs the suite at a year's end and on a DST day this way, so a
    test that quietly depends on today's date fails there, not on some future morning."""
    when = _test_clock_moment()
    if when is None:
        return
    config._test_clock = time_machine.travel(when, tick=True)
    config._test_clock.start()


@pytest.fixture(autouse=True)
def _test_clock_at_each_test():
    """Under ``TEST_CLOCK`` each test starts at that very moment, not that moment plus however
    long the tests before it took on its worker: at 2026-12-31T23:30Z a suite slower than half
    an hour (a loaded machine) crossed into the new year halfway, and tests that read the year
    twice saw two."""
    when = _test_clock_moment()
    if when is None:
        yield
        return
    with time_machine.travel(when, tick=True):
        yield


def _test_clock_moment() -> datetime | None:
    moment = os.environ.get("TEST_CLOCK")
    if not moment:
        return None
    when = datetime.fromisoformat(moment)
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def at_noon(day=None):
    """A test clock at noon of ``day`` (default: today, under any TEST_CLOCK), ticking: tests
    that reason in days use it so a run across midnight cannot move "today" under them."""
    day = day or timezone.localdate()
    noon = timezone.make_aware(datetime.combine(day, time(12)))
    return time_machine.travel(noon, tick=True)


# A Wednesday in the middle of a month: far from a week's, month's, quarter's or year's edge.
FIXED_DAY = date(2026, 11, 18)


@pytest.fixture
def on_a_fixed_day():
    """For tests that count "the last N days", "this month" or time in a stage back from now:
    they run at noon of ``FIXED_DAY``, whatever today is."""
    with at_noon(FIXED_DAY):
        yield


@pytest.fixture
def noon_of_today(request):
    """For a module that reads ``TODAY`` once, at collection: each of its tests runs at noon of
    that day, so a run across midnight (or a year's end) cannot move today's date away from
    the ``TODAY`` its expectations were written from."""
    with at_noon(request.module.TODAY):
        yield


def pytest_report_header(config):
    moment = os.environ.get("TEST_CLOCK")
    return f"test clock: {moment}" if moment else None


@pytest.fixture(autouse=True)
def _default_locale():
    """Each test starts in the default language, time zone and currency: a request activates
    its reader's (crm.i18n) for the thread and leaves them for the answer's streaming, so a
    test that read a page in Indonesian would otherwise leave the next test's services
    speaking it."""
    from django.utils import translation

    from crm.money import activate_currency
    from crm.phones import activate_region

    yield
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()
    activate_currency("")
    activate_region("")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (cached choice lists, sessions) and an empty memory
    of kept markup (crm.ui.kept_markup): nothing one test cached may answer another's requests
    (a rolled-back company's id and lists version come again in the next test)."""
    cache.clear()
    forget_kept_markup()
    yield
    cache.clear()
    forget_kept_markup()


@pytest.fixture
def company(db):
    """Company A. The test runs inside its scope, like a request does."""
    new_company = CompanyFactory(name="Acme Trading", slug="acme")
    with scope(company=new_company):
        yield new_company


@pytest.fixture
def other_company(db):
    """Company B: its rows must never show up for company A, nor A's for B."""
    return CompanyFactory(name="Globex Supplies", slug="globex")


@contextmanager
def rows_shared_by_module(django_db_blocker):
    """For a module- or class-scoped fixture that builds rows many tests only read: they are
    made once inside a transaction that is rolled back when the fixture ends. Every test still
    runs in a savepoint of its own (the ``db`` fixture), so what one test saves is gone before
    the next; hand each test fresh copies of the objects it may change in memory. Not for
    tests that use ``transactional_db`` or the live server (they flush the tables)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def password_login(client, username: str, password: str) -> bool:
    """Log in through the login page, as a person does (django-axes sees the request)."""
    response = client.post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302


def login_as(client, user, company):
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = company.pk
    session.save()
    return client


@pytest.fixture
def member(company):
    return MembershipFactory(company=company, role=Membership.Role.ADMIN).user


@pytest.fixture
def member_client(client, member, company):
    """Logged in as an admin member of company A."""
    return login_as(client, member, company)


@pytest.fixture
def salesperson_user(company):
    return MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user


@pytest.fixture
def other_member(other_company):
    with scopes_disabled():  # creating B's member from inside A's scope
        return MembershipFactory(company=other_company, role=Membership.Role.ADMIN).user


@pytest.fixture
def other_client(client, other_member, other_company):
    """Logged in as an admin of company B (the intruder in isolation tests)."""
    return login_as(client, other_member, other_company)


@pytest.fixture
def user_without_company(db):
    return UserFactory()


@pytest.fixture(autouse=True)
def _requests_outside_the_test_scope(monkeypatch):
    """The test client's requests run without the test body's company scope, as a real
    request does: a view or middleware that queries before entering its own scope fails here
    with ScopeError, not only in the browser."""
    from django.test.client import Client
    from django_scopes.state import state

    original = Client.request

    def request(self, **kwargs):
        token = state.set({})
        try:
            return original(self, **kwargs)
        finally:
            state.reset(token)

    monkeypatch.setattr(Client, "request", request)
