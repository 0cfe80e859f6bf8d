"""Languages, time zones and money formats: who reads the CRM in which (crm.i18n, crm.money)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from django_scopes import scope

from crm.i18n import company_locale
from crm.models import UserPreferences
from crm.money import format_amount
from tests.conftest import password_login
from tests.factories import MembershipFactory


@pytest.mark.parametrize(
    ("language", "currency", "amount", "shown"),
    [
        ("en", "EUR", "1234.5", "1,234.50"),
        ("id", "EUR", "1234.5", "1.234,50"),
        ("en", "IDR", "1500000", "1,500,000"),
        ("id", "IDR", "1500000", "1.500.000"),
        # Rupiah have no cents: half up, as invoices round.
        ("id", "IDR", "2499.50", "2.500"),
        ("en", "USD", "-0.005", "-0.01"),
    ],
)
def test_amounts_follow_the_language_and_the_currency(language, currency, amount, shown):
    with translation.override(language):
        assert format_amount(Decimal(amount), currency) == shown


def test_the_money_filter_names_the_currency_and_defaults_to_the_companys(company):
    company.currency = "IDR"
    template = Template("{{ a|money:'EUR' }} | {{ a|money }} | {{ a|amount }}")
    with company_locale(company, "id"):
        html = template.render(Context({"a": Decimal("1234.5")}))
    assert html == (
        '<span class="money">1.234,50&nbsp;<span class="currency">EUR</span></span> | '
        '<span class="money">1.235&nbsp;<span class="currency">IDR</span></span> | 1.235'
    )


def test_a_member_chooses_a_language_and_keeps_it_in_every_session(client, company):
    user = MembershipFactory(company=company).user
    user.set_password("pass-1234")
    user.save()
    assert password_login(client, user.username, "pass-1234")
    assert client.get(reverse("crm:dashboard"))["Content-Language"] == "en"

    response = client.post(reverse("set_language"), {"language": "id", "next": "/leads/"})
    assert response.status_code == 302 and response["Location"] == "/leads/"
    page = client.get(reverse("leads:lead_list"))
    assert page["Content-Language"] == "id"
    assert "Prospek" in page.content.decode()
    assert UserPreferences.objects.get(user=user).language == "id"

    # Another browser, no cookie: the choice follows the person.
    client.cookies.clear()
    client.logout()
    assert password_login(client, user.username, "pass-1234")
    assert client.get(reverse("crm:dashboard"))["Content-Language"] == "id"


def test_the_company_language_applies_to_members_who_chose_none(client, company):
    company.language = "id"
    company.save()
    user = MembershipFactory(company=company).user
    user.set_password("pass-1234")
    user.save()
    assert password_login(client, user.username, "pass-1234")
    assert client.get(reverse("crm:dashboard"))["Content-Language"] == "id"
    # Their own choice wins over the company's.
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert client.get(reverse("crm:dashboard"))["Content-Language"] == "en"


def test_the_browser_decides_when_nobody_chose(client, company):
    user = MembershipFactory(company=company).user
    client.force_login(user)
    response = client.get(reverse("crm:dashboard"), HTTP_ACCEPT_LANGUAGE="id,en;q=0.5")
    assert response["Content-Language"] == "id"


def test_the_switcher_refuses_an_unknown_language_and_a_foreign_next(client, company):
    user = MembershipFactory(company=company).user
    client.force_login(user)
    response = client.post(
        reverse("set_language"), {"language": "xx", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    assert not UserPreferences.objects.filter(user=user).exists()


def test_dates_and_times_show_in_the_company_time_zone(company):
    company.time_zone = "Asia/Jakarta"
    moment = datetime(2026, 12, 31, 20, 30, tzinfo=UTC)
    template = Template('{{ moment|date:"SHORT_DATETIME_FORMAT" }}')
    with company_locale(company, "id"):
        assert template.render(Context({"moment": moment})) == "01/01/2027 03:30"
    with company_locale(company, "en"):
        assert template.render(Context({"moment": moment})) == "1 Jan 2027 03:30"


def test_a_bad_time_zone_is_refused_with_a_message(member_client, company):
    response = member_client.post(
        reverse("crm:settings"),
        {
            "name": company.name,
            "currency": "EUR",
            "default_vat_rate": "20",
            "language": "id",
            "time_zone": "Mars/Olympus",
            "version": company.version,
        },
    )
    assert response.status_code == 200
    company.refresh_from_db()
    assert company.language == "" and company.time_zone == ""


def test_company_settings_take_a_language_and_a_time_zone(member_client, company):
    response = member_client.post(
        reverse("crm:settings"),
        {
            "name": company.name,
            "currency": "IDR",
            "default_vat_rate": "11",
            "language": "id",
            "time_zone": "Asia/Jakarta",
            "version": company.version,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    company.refresh_from_db()
    assert (company.language, company.time_zone) == ("id", "Asia/Jakarta")


def test_date_inputs_show_the_pages_format_in_any_language():
    from crm.forms import DateInput

    with translation.override("id"):
        html = DateInput().render("due", datetime(2026, 12, 2).date())
    assert 'type="text"' in html and 'value="02/12/2026"' in html


def test_a_portal_invitation_speaks_the_users_language(company, settings):
    from customers.models import CustomerUser
    from customers.portal_users import customer_user_invitation_resend
    from tests.factories import CustomerFactory

    with scope(company=company):
        customer = CustomerFactory(company=company, name="Kopi Nusantara")
        user = CustomerUser.objects.create(
            company=company, customer=customer, email="ani@example.com", last_name="Ani"
        )
        user.language = "id"
        user.save()
        customer_user_invitation_resend(user=user, base_url="https://crm.example.com")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == f"{company.name} mengundang Anda ke portal pelanggannya"
    # As long as the staff's invitation page says (7 days), in days, not 168 hours.
    body = mail.outbox[0].body
    assert "selama 7 hari" in body and "168" not in body


def test_a_command_for_an_indonesian_company_reports_in_indonesian(company, tmp_path, capsys):
    from django.core.management import CommandError, call_command

    company.language = "id"
    company.save()
    path = tmp_path / "leads.csv"
    path.write_text("last_name,email\n,ani@example.com\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_records", "--company", company.slug, "--kind", "leads", str(path))
    report = capsys.readouterr().out
    # The row's error comes from the lead's own rules, in the company's language.
    assert "Isi nama atau organisasi prospek." in report, report
