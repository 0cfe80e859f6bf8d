"""The benchmark's export case: the whole lead list as CSV and XLSX, timed, with its rows."""

from bench.data import CompanyFacts
from bench.export import measure_exports
from bench.report import export_table
from crm.models import Membership
from tests.factories import LeadFactory, MembershipFactory, SalespersonFactory


def test_the_export_case_reads_every_lead_of_the_company_in_both_formats(company, other_company):
    user = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
    seller = SalespersonFactory(company=company, user=user)
    LeadFactory.create_batch(3, company=company, salesperson=seller)
    LeadFactory.create_batch(2, company=company)  # someone else's: "everyone's" includes them
    facts = CompanyFacts(
        label="small",
        slug=company.slug,
        company_id=company.pk,
        username=user.username,
        salesperson_id=seller.pk,
        other_salesperson_id=0,
        detail_lead_id=0,
        detail_lead_name="",
        quotation_id=0,
        quotation_number="",
    )

    measures = measure_exports(facts)

    assert [(m.format, m.status, m.rows) for m in measures] == [
        ("csv", 200, 5),
        ("xlsx", 200, 5),
    ]
    assert measures[0].rows_in_file == 5
    assert all(m.rows_per_s > 0 and m.queries > 0 for m in measures)
    table = export_table([m.as_dict() for m in measures])
    assert "| small | csv | 5 |" in table and "| small | xlsx | 5 |" in table
