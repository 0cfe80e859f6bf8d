"""Commands act as a member (``--as EMAIL``) within that member's access levels, or, without
it, for the company as a whole, and say which in their output.

Sam and Dana are salespeople outside each other's team: by default each may change only
their own records (and unassigned ones).
"""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from crm.models import Membership
from customers.setup import customers_defaults_apply
from leads.models import Lead
from leads.setup import leads_defaults_apply
from selling import services
from selling.models import Quotation
from tests.conftest import at_noon
from tests.factories import CustomerFactory, LeadFactory, MembershipFactory, SalespersonFactory

Role = Membership.Role


def run(command, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def people(company):
    leads_defaults_apply(company)
    customers_defaults_apply(company)
    sam = MembershipFactory(company=company, role=Role.SALESPERSON).user
    dana = MembershipFactory(company=company, role=Role.SALESPERSON).user
    return {
        "sam": sam,
        "dana": dana,
        "sams": SalespersonFactory(company=company, user=sam, name="Sam"),
        "danas": SalespersonFactory(company=company, user=dana, name="Dana"),
    }


@pytest.fixture
def leads_file(company, people, tmp_path):
    """Sam's and Dana's existing leads, matched by e-mail, and a new lead naming nobody."""
    LeadFactory(
        company=company, last_name="Old", email="mine@example.com", salesperson=people["sams"]
    )
    LeadFactory(
        company=company, last_name="Old", email="hers@example.com", salesperson=people["danas"]
    )
    path = tmp_path / "leads.csv"
    path.write_text(
        "last_name,email\nNew,mine@example.com\nNew,hers@example.com\nFresh,fresh@example.com\n",
        encoding="utf-8",
    )
    return path


def last_names():
    return dict(Lead.objects.values_list("email", "last_name"))


def test_import_as_a_member_updates_within_their_edit_level_and_owns_the_new_rows(
    company, people, leads_file
):
    args = ("import_records", "--company", company.slug, "--kind", "leads", str(leads_file))
    with pytest.raises(CommandError, match="1 bad"):
        run(*args, "--update", "--as", people["sam"].email)
    # All or nothing: Dana's lead refused, so nothing was written.
    assert last_names() == {"mine@example.com": "Old", "hers@example.com": "Old"}

    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 were created, 1 were updated"):
        call_command(
            *args,
            "--update",
            "--keep-good-rows",
            "--as",
            people["sam"].email,
            stdout=out,
            stderr=err,
        )
    out, err = out.getvalue(), err.getvalue()
    # The refused row is reported on stdout's CSV, naming the column that matched.
    report = out.strip().splitlines()
    assert report[0] == "row,column,value,message"
    assert report[1].startswith("3,email,hers@example.com,")
    assert "beyond your access level" in report[1]
    assert f"Acting as {people['sam'].email}" in err
    assert last_names() == {
        "mine@example.com": "New",
        "hers@example.com": "Old",
        "fresh@example.com": "Fresh",
    }
    fresh = Lead.objects.get(email="fresh@example.com")
    assert fresh.salesperson == people["sams"]


def test_import_without_as_acts_for_the_company_and_says_so(company, people, leads_file):
    _out, err = run(
        "import_records", "--company", company.slug, "--kind", "leads", str(leads_file), "--update"
    )
    assert "Acting for Acme Trading as a whole" in err
    assert set(last_names().values()) == {"New", "Fresh"}
    assert Lead.objects.get(email="fresh@example.com").salesperson is None


def test_import_as_a_stranger_is_refused(company, other_company, people, leads_file):
    stranger = MembershipFactory(company=other_company, role=Role.OWNER).user
    with pytest.raises(CommandError, match="not an active member"):
        run(
            "import_records",
            "--company",
            company.slug,
            "--kind",
            "leads",
            str(leads_file),
            "--as",
            stranger.email,
        )
    assert Lead.objects.count() == 2


def overdue_quotation(company, salesperson) -> Quotation:
    quotation = services.quotation_create(customer=CustomerFactory(company=company), actor=None)
    today = timezone.localdate()
    Quotation.objects.filter(pk=quotation.pk).update(
        salesperson=salesperson,
        quotation_date=today - datetime.timedelta(days=40),
        valid_until=today - datetime.timedelta(days=1),
    )
    return quotation


def test_expire_as_a_member_expires_only_what_they_may_edit(company, people):
    with at_noon():
        mine = overdue_quotation(company, people["sams"])
        hers = overdue_quotation(company, people["danas"])
        out, _err = run("expire_quotations", "--company", company.slug, "--as", people["sam"].email)
        assert f"Acting as {people['sam'].email}" in out
        status = dict(Quotation.objects.values_list("pk", "status"))
        assert status[mine.pk] == Quotation.Status.EXPIRED
        assert status[hers.pk] == Quotation.Status.DRAFT

        out, _err = run("expire_quotations", "--company", company.slug)
        assert "Acting for Acme Trading as a whole" in out
        assert Quotation.objects.get(pk=hers.pk).status == Quotation.Status.EXPIRED


def test_expire_as_needs_one_company(company, people):
    with pytest.raises(CommandError, match="--as needs --company"):
        run("expire_quotations", "--all", "--as", people["sam"].email)


def test_convert_leads_without_as_says_it_acts_for_the_company(company, people):
    out, _err = run("convert_leads", "--company", company.slug)
    assert "Acting for Acme Trading as a whole" in out
