"""System events read in the reader's language, whatever language the writer used."""

import ast
from decimal import Decimal
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy, gettext_noop
from django_scopes import scope

from crm.event_text import choice, event_message, model_name, money, render, render_event
from crm.i18n import SESSION_KEY as LANGUAGE_SESSION_KEY
from crm.models import SystemEvent
from crm.timeline import activity_log_event
from customers.models import Customer
from leads.models import Lead
from leads.services import lead_set_status
from tests.api.conftest import make_key, token_client
from tests.factories import CustomerFactory, CustomerUserFactory, LeadFactory, SystemEventFactory

BASE = Path(settings.BASE_DIR)
CATALOGUE = BASE / "locale" / "id" / "LC_MESSAGES" / "django.po"
APPS = ("crm", "addressbook", "leads", "customers", "selling", "portal")

ENGLISH = "Status changed from New to Qualified."
INDONESIAN = "Status diubah dari Baru menjadi Terkualifikasi."


def qualified_lead(company, member, *, language: str) -> Lead:
    with scope(company=company), translation.override(language):
        lead = LeadFactory(company=company, status=Lead.Status.NEW)
        return lead_set_status(lead=lead, status=Lead.Status.QUALIFIED, actor=member)


def read_as(client, language: str, url: str) -> str:
    """The page as a signed-in reader who chose ``language`` sees it."""
    session = client.session
    session[LANGUAGE_SESSION_KEY] = language
    session.save()
    return client.get(url).content.decode()


@pytest.mark.parametrize(
    ("written_in", "read_in", "shown", "not_shown"),
    [("en", "id", INDONESIAN, ENGLISH), ("id", "en", ENGLISH, INDONESIAN)],
)
def test_a_status_change_reads_in_the_readers_language_on_the_page(
    company, member, member_client, written_in, read_in, shown, not_shown
):
    lead = qualified_lead(company, member, language=written_in)

    page = read_as(member_client, read_in, reverse("leads:lead_detail", args=[lead.pk]))

    assert shown in page
    assert not_shown not in page


@pytest.mark.parametrize(
    ("written_in", "read_in", "shown"), [("en", "id", INDONESIAN), ("id", "en", ENGLISH)]
)
def test_a_status_change_reads_in_the_readers_language_in_the_api(
    company, member, written_in, read_in, shown
):
    lead = qualified_lead(company, member, language=written_in)
    api = token_client(make_key(company, member))

    listed = api.get(
        "/api/v1/activities/",
        {"owner_type": "leads.lead", "owner_id": lead.pk},
        HTTP_ACCEPT_LANGUAGE=read_in,
    ).json()["results"]

    assert [entry["body"] for entry in listed if entry["kind"] == "system"] == [shown]


def test_the_stored_body_stays_english_for_search_and_old_readers(company, member):
    lead = qualified_lead(company, member, language="id")
    with scope(company=company):
        stored = SystemEvent.objects.get(owner_id=lead.pk)
    assert stored.body == ENGLISH
    assert stored.data["message"]["msgid"] == "Status changed from %(old)s to %(new)s."
    assert stored.data["message"]["params"]["new"] == {
        "choice": "leads.Lead.status",
        "value": "qualified",
    }


def test_an_event_from_before_shows_its_stored_body(company):
    with scope(company=company):
        old = SystemEventFactory(company=company, owner=company, body="Status geändert.", data={})
    with translation.override("id"):
        assert old.text == "Status geändert."
        assert render_event(old) == "Status geändert."


def test_a_description_that_no_longer_renders_falls_back_to_the_body(company):
    broken = {"msgid": "Status changed from %(old)s to %(new)s.", "params": {"old": "x"}}
    with scope(company=company):
        event = SystemEventFactory(company=company, owner=company, body="Kept.", data={})
    event.data = {"message": broken}
    assert event.text == "Kept."


def test_portal_suffix_and_amounts_follow_the_reader(company):
    with scope(company=company):
        customer = CustomerFactory(company=company)
        portal_user = CustomerUserFactory(company=company, customer=customer)
        event = activity_log_event(
            owner=customer,
            kind="other",
            message=event_message(
                gettext_noop("%(amount)s credited to the balance: %(reason)s"),
                amount=money(Decimal("1234.5"), "EUR"),
                reason="Goodwill",
            ),
            actor=portal_user,
        )
    name = event.data["message"]["params"]["name"]
    assert (
        event.body == f"1,234.50 EUR credited to the balance: Goodwill (by {name}, on the portal)"
    )
    with translation.override("id"):
        text = event.text
    assert text.startswith("1.234,50 EUR ")
    assert "Goodwill" in text and name in text
    assert "credited" not in text and "on the portal" not in text


def test_choices_and_model_names_are_labelled_when_read():
    value = event_message(
        gettext_noop("%(kind)s “%(name)s” was deleted."), kind=model_name(Lead), name="Ana"
    )
    status = choice(Customer, "status", "on_hold")
    with translation.override("en"):
        assert render(value) == "Lead “Ana” was deleted."
        english_status = render(status)
    with translation.override("id"):
        assert "Lead “Ana”" not in render(value)
        assert render(status) not in ("", english_status)


def test_a_translated_string_is_refused_as_a_parameter():
    with pytest.raises(TypeError):
        event_message(
            gettext_noop("Status changed from %(old)s to %(new)s."), old=gettext_lazy("New")
        )


def test_a_finished_text_is_refused_as_the_message(company):
    with scope(company=company), pytest.raises(TypeError):
        activity_log_event(owner=company, kind="other", message="Already translated.")


# --- every message a service writes is extracted and translated -----------------------------


def _event_messages() -> list[tuple[str, int, ast.expr]]:
    found = []
    for app in APPS:
        for path in sorted((BASE / app).rglob("*.py")):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == "event_message"
                    and node.args
                ):
                    found.append((str(path.relative_to(BASE)), node.lineno, node.args[0]))
    return found


def _noop_literals(node: ast.expr) -> list[str] | None:
    """The msgids ``node`` may be: ``gettext_noop("...")``, either branch of a conditional of
    those, or a name bound to one of them in the same module (checked by the caller)."""
    if isinstance(node, ast.IfExp):
        body, orelse = _noop_literals(node.body), _noop_literals(node.orelse)
        return None if body is None or orelse is None else body + orelse
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "gettext_noop"
        and isinstance(node.args[0], ast.Constant)
    ):
        return [node.args[0].value]
    return None


def test_every_event_message_is_marked_and_translated_to_indonesian():
    po = polib.pofile(str(CATALOGUE))
    translated = {entry.msgid for entry in po.translated_entries()}
    calls = _event_messages()
    assert len(calls) > 40  # the services' messages, not an empty search
    unmarked, missing = [], []
    for where, line, first in calls:
        msgids = _noop_literals(first)
        if msgids is None:
            # A variable: every gettext_noop in that module must then be translated.
            source = ast.parse((BASE / where).read_text())
            msgids = [
                msgid
                for node in ast.walk(source)
                if isinstance(node, ast.Call)
                for msgid in _noop_literals(node) or []
            ]
            if not msgids:
                unmarked.append(f"{where}:{line}")
        missing += [f"{where}:{line} {msgid!r}" for msgid in msgids if msgid not in translated]
    assert not unmarked, f"messages not marked with gettext_noop: {unmarked}"
    assert not missing, f"messages without Indonesian: {missing}"


def test_no_service_passes_a_translated_text_to_the_timeline():
    offenders = []
    for app in APPS:
        for path in sorted((BASE / app).rglob("*.py")):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == "activity_log_event"
                ):
                    continue
                message = next((kw.value for kw in node.keywords if kw.arg == "message"), None)
                if isinstance(message, (ast.Constant, ast.JoinedStr, ast.BinOp)) or (
                    isinstance(message, ast.Call)
                    and isinstance(message.func, ast.Name)
                    and message.func.id in ("_", "gettext", "ngettext")
                ):
                    offenders.append(f"{path.relative_to(BASE)}:{node.lineno}")
    assert not offenders, offenders
