import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django_scopes import scope, scopes_disabled

from crm.models import Company, Membership
from crm.sample.demo import DEMO_COMPANIES
from tests.conftest import password_login
from tests.factories import CompanyFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_create_company_makes_the_owner_who_can_log_in(client):
    call_command(
        "create_company",
        "Initech",
        "--owner-email",
        "bill@initech.example",
        "--password",
        "s3cret-pass-99",
    )
    company = Company.objects.get(slug="initech")
    with scope(company=company):
        membership = Membership.objects.get()
    assert membership.role == Membership.Role.OWNER
    assert password_login(client, "bill@initech.example", "s3cret-pass-99")


def test_create_company_prints_a_generated_password(capsys):
    call_command("create_company", "Hooli", "--owner-email", "gavin@hooli.example")
    out = capsys.readouterr().out
    password = out.split("Password: ")[1].split()[0]
    user = get_user_model().objects.get(email="gavin@hooli.example")
    assert user.check_password(password)


def test_existing_user_becomes_owner_of_a_second_company():
    user = UserFactory(email="pat@example.com")
    call_command("create_company", "Second", "--owner-email", "pat@example.com")
    with scopes_disabled():
        assert Membership.objects.filter(user=user, company__slug="second").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Acme", "--owner-email", "not-an-email"], "not a valid e-mail"),
        (["Taken", "--owner-email", "x@example.com", "--slug", "taken"], "already exists"),
        (["Bad", "--owner-email", "y@example.com", "--currency", "EURO"], "ISO 4217"),
        (["   ", "--owner-email", "z@example.com"], "name"),
    ],
)
def test_create_company_refuses_bad_input_and_writes_nothing(args, message):
    CompanyFactory(slug="taken")
    users_before = get_user_model().objects.count()
    with pytest.raises(CommandError, match=message):
        call_command("create_company", *args)
    assert Company.objects.count() == 1
    assert get_user_model().objects.count() == users_before


def test_seed_demo_twice_duplicates_nothing():
    call_command("seed_demo")
    counts = _row_counts()
    call_command("seed_demo")
    assert _row_counts() == counts
    assert set(Company.objects.values_list("slug", flat=True)) == {
        slug for slug, *_ in DEMO_COMPANIES
    }


def test_seed_demo_gives_a_user_two_companies_to_switch_between():
    call_command("seed_demo")
    demo = get_user_model().objects.get(username="demo")
    with scopes_disabled():
        assert Membership.objects.filter(user=demo).count() == 2


def test_the_demo_opportunities_history_holds_their_close_date():
    """The demo sets the close dates behind the history's back; the history agrees, so the
    first person to move a demo opportunity is not shown changing its close date."""
    from crm.audit import history_model
    from leads.models import Opportunity

    call_command("seed_demo")
    with scopes_disabled():
        history = history_model(Opportunity)._base_manager
        for opportunity in Opportunity.objects.all():
            rows = history.filter(id=opportunity.pk)
            assert set(rows.values_list("expected_close_date", flat=True)) == {
                opportunity.expected_close_date
            }


def test_seed_demo_for_an_unknown_company_is_an_error():
    with pytest.raises(CommandError, match="No company"):
        call_command("seed_demo", "--company", "nope")


def _row_counts():
    from django.apps import apps

    counts = {}
    with scopes_disabled():
        for model in apps.get_models():
            if model._meta.app_label in {"crm", "addressbook", "leads", "customers", "selling"}:
                counts[model._meta.label] = model._base_manager.count()
    return counts
