"""The benchmark's conversion pool: the bench's salesperson converts leads their access level
lets them convert (their own by default), so the conversions measure converting, not refusals;
where they own too few, the oldest others are handed to them first."""

from bench import data
from leads.models import Lead
from tests.factories import LeadFactory, MembershipFactory, SalespersonFactory


def _facts(company, user, salesperson) -> data.CompanyFacts:
    return data.CompanyFacts(
        label="small",
        slug=company.slug,
        company_id=company.pk,
        username=user.username,
        salesperson_id=salesperson.pk,
        other_salesperson_id=0,
        detail_lead_id=0,
        detail_lead_name="",
        quotation_id=0,
        quotation_number="",
    )


def test_the_pool_holds_only_leads_the_salesperson_may_convert(company, salesperson_user):
    mine = SalespersonFactory(company=company, user=salesperson_user)
    colleague = SalespersonFactory(
        company=company, user=MembershipFactory(company=company, role="salesperson").user
    )
    # The colleague's leads are the oldest: the pool used to take them first.
    theirs = [LeadFactory(company=company, salesperson=colleague, status="new") for _ in range(4)]
    own = [LeadFactory(company=company, salesperson=mine, status="new") for _ in range(3)]

    pool = data.conversion_pool(_facts(company, salesperson_user, mine), 2)
    assert pool == [lead.pk for lead in own[:2]]
    assert Lead.objects.filter(salesperson=colleague).count() == 4  # nothing handed over

    pool = data.conversion_pool(_facts(company, salesperson_user, mine), 5)
    assert pool == sorted([lead.pk for lead in own] + [lead.pk for lead in theirs[:2]])
    handed = Lead.objects.get(pk=theirs[0].pk)
    assert handed.salesperson_id == mine.pk
    assert handed.version == theirs[0].version + 1
