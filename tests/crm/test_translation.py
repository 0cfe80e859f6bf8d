"""Bahasa Indonesia: the catalogue is complete, and every page read in Indonesian shows no
string of the English catalogue.

The pages come from the resolver (every staff and portal URL pattern, ids filled from a demo
company as the isolation walk fills them), so pages added later are covered without editing
this file.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from crm.sample.demo import seed_company
from tests.conftest import login_as, rows_shared_by_module
from tests.test_isolation import kwargs_variants

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "id" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%(\([^)]+\))?[-#0 +]*\d*(\.\d+)?[sdifr%]|\{[\w.]*\}")
# Attributes a person reads or hears.
READ_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt", "aria-description")


def catalogue() -> polib.POFile:
    return polib.pofile(str(CATALOGUE))


def placeholders(text: str) -> list[str]:
    return sorted(match.group(0) for match in PLACEHOLDER.finditer(text))


def test_the_indonesian_catalogue_is_complete():
    po = catalogue()
    assert len(po) > 1500
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert not untranslated, f"{len(untranslated)} strings lack Indonesian: {untranslated[:20]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy strings (check and clear the flag): {fuzzy[:20]}"


def test_every_translation_keeps_its_placeholders():
    wrong = []
    for entry in catalogue():
        if entry.msgid_plural:
            # One Indonesian form stands for both: it names what the plural names.
            expected = placeholders(entry.msgid_plural)
            got = placeholders(entry.msgstr_plural[0])
            if set(got) - set(placeholders(entry.msgid) + expected):
                wrong.append(entry.msgid)
            continue
        if placeholders(entry.msgid) != placeholders(entry.msgstr):
            wrong.append(entry.msgid)
    assert not wrong, f"translations that lose or add a placeholder: {wrong[:20]}"


def english_only_strings() -> set[str]:
    """Strings of the English catalogue a page could show whole, whose Indonesian differs:
    any of them on an Indonesian page is a string the page failed to translate."""
    strings = set()
    for entry in catalogue():
        if entry.msgid_plural or PLACEHOLDER.search(entry.msgid) or "<" in entry.msgid:
            continue
        if entry.msgstr.strip() == entry.msgid.strip():
            continue
        text = " ".join(entry.msgid.split())
        if len(text) > 1:
            strings.add(text)
    return strings


class TextCollector(HTMLParser):
    """The text nodes of a page and the attributes a person reads, whitespace folded."""

    SKIP = {"script", "style", "code", "pre", "textarea"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skipping += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.texts.append(" ".join(value.split()))

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skipping:
            self._skipping -= 1

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self._skipping:
            self.texts.append(text)


def english_left_on(html: str, english: set[str], data: set[str]) -> list[str]:
    collector = TextCollector()
    collector.feed(html)
    return sorted(
        {text for text in collector.texts if text in english and text not in data}
        | {
            # A label with its colon or its required mark still is the English string.
            text
            for text in collector.texts
            if text.rstrip(":* ") in english and text.rstrip(":* ") not in data
        }
    )


def walk_all(resolver=None, namespace=""):
    """Every named URL pattern (with or without ids)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            child = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk_all(entry, child)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


SKIPPED_NAMESPACES = ("admin:", "api:", "api-")
# Downloads and machine answers: no page to read.
NOT_PAGES = re.compile(r"(export|report|print_pdf|pdf|schema|lookup|\.csv|json|health|_api)")


@pytest.fixture(scope="module")
def _indonesian_world_built(django_db_setup, django_db_blocker):
    with rows_shared_by_module(django_db_blocker):
        with django_db_blocker.unblock():
            from crm.models import Membership, UserPreferences
            from tests.factories import CompanyFactory, MembershipFactory

            with scopes_disabled():
                company = CompanyFactory(
                    name="Toko Maju",
                    slug="toko-maju",
                    currency="IDR",
                    language="id",
                    time_zone="Asia/Jakarta",
                )
                owner = MembershipFactory(company=company, role=Membership.Role.OWNER).user
                UserPreferences.objects.create(user=owner, language="id")
            seed_company(company)
        yield company, owner


def data_strings(company) -> set[str]:
    """The company's own words (names of stages, sources, products, …) are data, not
    catalogue strings: they may be English in a demo company."""
    from django.apps import apps

    words = set()
    with scope(company=company):
        for model in apps.get_models():
            if not any(f.name == "company" for f in model._meta.get_fields()):
                continue
            for field in ("name", "label", "title"):
                if any(f.name == field for f in model._meta.get_fields()):
                    values = model.objects.filter(company=company).values_list(field, flat=True)
                    words.update(" ".join(str(v).split()) for v in values[:500] if v)
    return words


def pages(company):
    for name, pattern in walk_all():
        if name.startswith(SKIPPED_NAMESPACES) or NOT_PAGES.search(name):
            continue
        try:
            variants = kwargs_variants(name, pattern, company)
        except AssertionError:
            continue
        for kwargs in variants:
            try:
                yield name, reverse(name, kwargs=kwargs)
            except Exception:  # noqa: BLE001 - a pattern with kwargs the walk cannot fill
                continue


def test_every_staff_page_in_indonesian_shows_no_english_string(_indonesian_world_built, db):
    company, owner = _indonesian_world_built
    client = Client()
    # Signing in carries the saved preference into the session (crm.i18n).
    client.force_login(owner)
    login_as(client, owner, company)
    session = client.session
    session["crm_language"] = "id"
    session.save()
    english = english_only_strings()
    data = data_strings(company)
    read, failures = [], {}
    for name, url in pages(company):
        if name.startswith("portal:"):
            continue
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        assert response["Content-Language"] == "id", url
        read.append(name)
        left = english_left_on(response.content.decode(), english, data)
        if left:
            failures[url] = left
    assert len(read) > 60, read
    assert {"crm:dashboard", "leads:lead_list", "selling:quotation_list"} <= set(read)
    assert not failures, "English left on Indonesian pages:\n" + "\n".join(
        f"{url}: {left}" for url, left in sorted(failures.items())
    )


def test_the_portal_in_indonesian_shows_no_english_string(_indonesian_world_built, db):
    from customers.demo import PORTAL_PASSWORD
    from customers.models import CustomerUser
    from tests.portal.conftest import portal_sign_in

    company, _owner = _indonesian_world_built
    with scope(company=company):
        user = CustomerUser.objects.filter(company=company, roles__key="administrator").first()
        user.language = "id"
        user.save(update_fields=["language"])
    client = portal_sign_in(Client(), user, PORTAL_PASSWORD)
    english = english_only_strings()
    data = data_strings(company)
    read, failures = [], {}
    for name, url in pages(company):
        if not name.startswith("portal:"):
            continue
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        read.append(name)
        left = english_left_on(response.content.decode(), english, data)
        if left:
            failures[url] = left
    assert "portal:home" in read
    assert not failures, "English left on Indonesian portal pages:\n" + "\n".join(
        f"{url}: {left}" for url, left in sorted(failures.items())
    )


def test_signed_out_pages_follow_the_browser(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="id")
    assert response["Content-Language"] == "id"
    html = response.content.decode()
    assert not english_left_on(html, english_only_strings(), set())
    assert "Kata sandi" in html or "kata sandi" in html


def admin_pages(company, request):
    from django.contrib import admin
    from django.urls import NoReverseMatch

    yield reverse("admin:index")
    with scope(company=company):
        for model, model_admin in admin.site._registry.items():
            if not model_admin.has_view_or_change_permission(request):
                continue
            info = f"{model._meta.app_label}_{model._meta.model_name}"
            try:
                yield reverse(f"admin:{info}_changelist")
            except NoReverseMatch:
                continue
            if model_admin.has_add_permission(request):
                yield reverse(f"admin:{info}_add")
            record = model_admin.get_queryset(request).order_by("pk").first()
            if record is not None:
                yield reverse(f"admin:{info}_change", args=[record.pk])


def test_the_admin_in_indonesian_shows_no_english_string(_indonesian_world_built, db):
    """The admin's own words are Django's (its Indonesian catalogue); ours are the models'
    names, fields, columns, filters and actions, which must be in ours."""
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory

    from crm.models import Membership
    from crm.services import staff_access_sync

    company, owner = _indonesian_world_built
    staff_access_sync(user=owner)  # owners open the admin (the factory skips the service)
    owner = get_user_model().objects.get(pk=owner.pk)
    client = Client()
    client.force_login(owner)
    login_as(client, owner, company)
    session = client.session
    session["crm_language"] = "id"
    session.save()
    request = RequestFactory().get("/admin/")
    request.user = owner
    request.company = company
    with scopes_disabled():
        request.membership = Membership.objects.get(company=company, user=owner)
        urls = list(dict.fromkeys(admin_pages(company, request)))
    english = english_only_strings()
    data = data_strings(company)
    failures = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        left = english_left_on(response.content.decode(), english, data)
        if left:
            failures[url] = left
    assert len(urls) > 40
    assert not failures, "English left on Indonesian admin pages:\n" + "\n".join(
        f"{url}: {left}" for url, left in sorted(failures.items())
    )
