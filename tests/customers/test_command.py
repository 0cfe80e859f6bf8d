from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from crm.access import Action, Level
from crm.access.services import role_access_levels_save
from crm.models import Membership
from customers.models import Customer
from customers.setup import customers_defaults_apply
from leads.models import OpportunityStage
from leads.setup import leads_defaults_apply
from tests.factories import (
    CustomerFactory,
    LeadFactory,
    MembershipFactory,
    OpportunityFactory,
    SalespersonFactory,
)


@pytest.fixture
def deals(company):
    leads_defaults_apply(company)
    customers_defaults_apply(company)
    won = OpportunityStage.objects.get(kind="won")
    fine = OpportunityFactory(company=company, stage=won, lead=LeadFactory(company=company))
    CustomerFactory(company=company, email="taken@example.com")
    clash = OpportunityFactory(
        company=company, stage=won, lead=LeadFactory(company=company, email="taken@example.com")
    )
    OpportunityFactory(company=company, stage=OpportunityStage.objects.filter(kind="open")[0])
    return fine, clash


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("convert_opportunities", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_dry_run_changes_nothing(company, deals):
    out, err = run("--company", company.slug, "--dry-run")
    assert "Dry run" in out and "Would convert: 1" in out and "Refused: 1" in out
    assert "Converting" not in err and "Trying opportunities" in err
    assert Customer.objects.count() == 1


def test_converts_won_opportunities_and_reports_duplicates(company, deals):
    fine, clash = deals
    out, _err = run("--company", company.slug)
    assert "Converted: 1" in out
    assert f"#{clash.pk}" in out and "same e-mail or phone" in out
    assert Customer.objects.filter(opportunity=fine).exists()
    out, _err = run("--company", company.slug)
    assert "Converted: 0" in out  # the converted one is not looked at again


def test_refuses_unknown_company_and_stage(company, deals):
    with pytest.raises(CommandError, match="No company"):
        run("--company", "nope")
    with pytest.raises(CommandError, match="No stage"):
        run("--company", company.slug, "--stage", "Nowhere")


def test_as_a_member_converts_only_the_opportunities_their_level_reaches(company, deals):
    fine, clash = deals
    owner = MembershipFactory(company=company, role=Membership.Role.OWNER).user
    sam = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
    sams = SalespersonFactory(company=company, user=sam)
    type(fine).objects.filter(pk=fine.pk).update(salesperson=sams)
    type(clash).objects.filter(pk=clash.pk).update(salesperson=SalespersonFactory(company=company))
    role_access_levels_save(
        company=company,
        levels={("leads.opportunity", Action.CONVERT, Membership.Role.SALESPERSON): Level.OWN},
        actor=owner,
    )

    out, _ = run("--company", company.slug, "--as", sam.email)

    assert f"1 opportunity without a customer that {sam.email} may convert" in out
    assert "Converted: 1" in out and "Refused: 0" in out
    assert Customer.objects.filter(links__opportunity=fine).exists()
    assert not Customer.objects.filter(links__opportunity=clash).exists()
