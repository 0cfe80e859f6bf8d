"""Date inputs in the page's language (crm.ui.dates): shown and typed as dd/mm/yyyy (English)
and hh/bb/tttt (Indonesian), ISO still read, a date that is none refused with how to type it,
the stored date shown back in the same format, and the list filters' date ranges too."""

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from crm.forms import DateInput, LocalDateField
from crm.models import Membership
from leads.models import Opportunity
from selling.models import Quotation
from tests.conftest import at_noon, login_as
from tests.factories import CustomerFactory, MembershipFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def shown_value(page: str, name: str) -> str:
    match = re.search(rf'<input type="text" name="{name}" value="([^"]*)"', page)
    assert match, f"no text input {name} on the page"
    return match.group(1)


@pytest.mark.parametrize(("language", "placeholder"), [("en", "dd/mm/yyyy"), ("id", "hh/bb/tttt")])
def test_a_date_is_shown_and_named_in_the_pages_format(language, placeholder):
    with translation.override(language):
        html = DateInput().render("due", date(2026, 12, 2), attrs={"id": "id_due"})
    assert 'type="text"' in html and 'value="02/12/2026"' in html
    assert f'placeholder="{placeholder}"' in html and 'inputmode="numeric"' in html
    assert "data-date-open" in html  # the calendar's button


@pytest.mark.parametrize("language", ["en", "id"])
@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("02/12/2026", date(2026, 12, 2)),  # day first, never the American month first
        ("2/12/2026", date(2026, 12, 2)),
        ("02-12-2026", date(2026, 12, 2)),
        ("02.12.2026", date(2026, 12, 2)),
        ("02/12/26", date(2026, 12, 2)),
        ("2026-12-02", date(2026, 12, 2)),  # ISO, as a script or an old bookmark sends it
    ],
)
def test_dates_are_read_day_first_in_both_languages(language, typed, day):
    with translation.override(language):
        assert LocalDateField().clean(typed) == day


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Type the date as dd/mm/yyyy, for example 31/12/2026."),
        ("id", "Ketik tanggal sebagai hh/bb/tttt, misalnya 31/12/2026."),
    ],
)
@pytest.mark.parametrize("typed", ["31/02/2026", "12/31/2026", "tomorrow", "2026-13-01"])
def test_a_date_that_is_none_says_how_to_type_one(language, message, typed):
    with translation.override(language):
        field = LocalDateField()
        with pytest.raises(Exception) as refused:
            field.clean(typed)
        assert refused.value.messages == [message]


@pytest.fixture
def indonesian_client(member, company):
    company.language = "id"
    company.save(update_fields=["language"])
    return login_as(Client(), member, company)


def test_a_bad_date_on_a_page_is_refused_in_the_readers_language(indonesian_client, company):
    customer = CustomerFactory(company=company)
    with at_noon(date(2026, 12, 2)):
        response = indonesian_client.post(
            reverse("selling:quotation_create"),
            {"customer": customer.pk, "valid_until": "31/02/2027"},
        )
    assert response.status_code == 200
    assert "Ketik tanggal sebagai hh/bb/tttt, misalnya 31/12/2026." in response.content.decode()
    assert not Quotation.objects.exists()


def test_a_date_typed_in_indonesian_format_is_saved(indonesian_client, company):
    customer = CustomerFactory(company=company)
    with at_noon(date(2026, 12, 2)):
        response = indonesian_client.post(
            reverse("selling:quotation_create"),
            {"customer": customer.pk, "valid_until": "15/01/2027"},
        )
    assert response.status_code == 302
    assert Quotation.objects.get().valid_until == date(2027, 1, 15)


def test_the_stored_date_round_trips_through_the_edit_form(member_client, company):
    opportunity = OpportunityFactory(company=company, expected_close_date=date(2027, 3, 4))
    url = reverse("leads:opportunity_update", args=[opportunity.pk])
    page = member_client.get(url)
    assert shown_value(page.content.decode(), "expected_close_date") == "04/03/2027"
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data = {key: getattr(value, "pk", value) for key, value in data.items()}
    data["expected_close_date"] = "04/03/2027"  # what the browser sends back, untouched
    data["title"] = "Renamed"
    response = member_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    opportunity.refresh_from_db()
    assert (opportunity.title, opportunity.expected_close_date) == ("Renamed", date(2027, 3, 4))


def test_a_stale_edit_lists_the_dates_in_the_pages_format(company):
    dana = MembershipFactory(
        company=company, role=Membership.Role.MANAGER, user__first_name="Dana"
    ).user
    sam = MembershipFactory(company=company, role=Membership.Role.MANAGER).user
    dana, sam = login_as(Client(), dana, company), login_as(Client(), sam, company)
    opportunity = OpportunityFactory(company=company, expected_close_date=date(2027, 3, 4))
    url = reverse("leads:opportunity_update", args=[opportunity.pk])

    def sent(client):
        form = client.get(url).context["form"]
        data = {n: form[n].value() for n in form.fields if form[n].value() is not None}
        data = {key: getattr(value, "pk", value) for key, value in data.items()}
        data["expected_close_date"] = "04/03/2027"
        return data

    sams, danas = sent(sam), sent(dana)
    danas["expected_close_date"] = "20/03/2027"
    assert dana.post(url, danas).status_code == 302
    sams["title"] = "Sam's title"
    response = sam.post(url, sams)
    assert response.status_code == 200
    differences = {row[0]: row[1:] for row in response.context["form"].stale_differences}
    assert differences["Expected close date"] == ("20 March 2027", "4 March 2027")
    assert set(differences) == {"Expected close date", "Title"}
    opportunity.refresh_from_db()
    assert opportunity.expected_close_date == date(2027, 3, 20)


def test_the_list_filters_take_dates_in_the_pages_format(indonesian_client, company):
    OpportunityFactory(company=company, title="Soon", expected_close_date=date(2026, 12, 1))
    OpportunityFactory(company=company, title="Later", expected_close_date=date(2027, 6, 1))
    url = reverse("leads:opportunity_list")

    def titles(**params):
        response = indonesian_client.get(url, {"owner": "all", **params})
        return [o.title for o in response.context["object_list"]]

    assert titles(close_to="31/12/2026") == ["Soon"]
    assert titles(close_from="01/01/2027") == ["Later"]
    page = indonesian_client.get(url, {"owner": "all", "close_from": "01/01/2027"})
    assert shown_value(page.content.decode(), "close_from") == "01/01/2027"
    assert 'placeholder="hh/bb/tttt"' in page.content.decode()
    assert Opportunity.objects.count() == 2


def test_indonesian_dates_shorten_months_without_a_full_stop():
    from datetime import datetime

    from django.utils import formats

    with translation.override("id"):
        assert formats.date_format(date(2026, 12, 25)) == "25 Des 2026"
        assert formats.date_format(date(2026, 2, 11)) == "11 Feb 2026"
        moment = datetime(2026, 8, 3, 14, 5)
        assert formats.date_format(moment, "DATETIME_FORMAT") == "3 Agu 2026, 14:05"
