"""Importing records from CSV and XLSX: the engine, the kinds, the command."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django_scopes import scopes_disabled

from addressbook.models import Contact
from crm.imports.engine import run_import
from crm.imports.kinds import get_import_kind, guess_columns
from crm.imports.reading import read_table
from crm.models import ImportMapping, Product
from customers.models import Customer
from leads.models import Lead
from tests.factories import (
    ContactFactory,
    CustomerTypeFactory,
    LeadFactory,
    LeadSourceFactory,
    ProductFactory,
    SalespersonFactory,
)

pytestmark = pytest.mark.django_db

LEAD_HEADER = "First name,Last name,Organization,E-mail,Phone,Source,Salesperson"


def run(company, kind, data: bytes, filename="file.csv", **options):
    table = read_table(data, filename=filename)
    import_kind = get_import_kind(kind)
    return run_import(
        company=company,
        kind=import_kind,
        table=table,
        columns=guess_columns(import_kind, table.headers),
        **options,
    )


def lead_rows(n, start=0):
    return [f"Ann{i},Lee{i},Org {i},ann{i}@example.com,+49 30 {i},,\n" for i in range(start, n)]


def malformed_lead_file():
    """20 good rows and 10 bad ones: 5 bad e-mails, 5 without any name."""
    rows = lead_rows(20)
    rows += [f"Bad{i},X,,not-an-email-{i},,,\n" for i in range(5)]
    rows += [f",,,noname{i}@example.com,,,\n" for i in range(5)]
    return (LEAD_HEADER + "\n" + "".join(rows)).encode()


def test_all_or_nothing_reports_every_bad_row_and_writes_nothing(company):
    outcome = run(company, "leads", malformed_lead_file())
    assert Lead.objects.filter(company=company).count() == 0
    assert not outcome.written
    assert outcome.bad_rows == 10
    bad_email = [e for e in outcome.errors if e.column == "E-mail"]
    assert [e.row for e in bad_email] == [22, 23, 24, 25, 26]
    assert bad_email[0].value == "not-an-email-0"
    no_name = [e for e in outcome.errors if e.row >= 27]
    assert len(no_name) == 5 and all("name" in e.message for e in no_name)


def test_keep_good_rows_writes_only_the_good_ones(company):
    outcome = run(company, "leads", malformed_lead_file(), keep_good_rows=True)
    assert outcome.written and outcome.created == 20 and outcome.bad_rows == 10
    emails = set(Lead.objects.filter(company=company).values_list("email", flat=True))
    assert emails == {f"ann{i}@example.com" for i in range(20)}


def test_dry_run_counts_and_writes_nothing(company):
    outcome = run(
        company, "leads", (LEAD_HEADER + "\n" + "".join(lead_rows(3))).encode(), dry_run=True
    )
    assert outcome.created == 3 and not outcome.written
    assert not Lead.objects.filter(company=company).exists()


def _lead_snapshot(company):
    return sorted(
        Lead.objects.filter(company=company).values_list(
            "first_name", "last_name", "organization_name", "email", "source__name"
        )
    )


def test_bom_cp1252_semicolon_files_import_like_a_clean_one(company, other_company):
    LeadSourceFactory(company=company, name="Messe")
    rows = [
        ["Jürgen", "Müller", "Bäckerei Süß", "jm@example.com", "Messe"],
        ["Zoë", "Renée", "Café Crème", "zr@example.com", ""],
    ]
    header = ["First name", "Last name", "Organization", "E-mail", "Source"]

    def as_text(delimiter):
        return "\r\n".join(delimiter.join(row) for row in [header, *rows]) + "\r\n"

    run(company, "leads", as_text(",").encode("utf-8"))
    clean = _lead_snapshot(company)
    assert len(clean) == 2 and clean[0][4] == "Messe"
    for data in (
        b"\xef\xbb\xbf" + as_text(";").encode("utf-8"),
        as_text(";").encode("cp1252"),
        as_text("\t").encode("cp1252"),
    ):
        Lead.objects.filter(company=company).delete()
        table = read_table(data)
        assert table.headers[0] == "First name"
        run(company, "leads", data)
        assert _lead_snapshot(company) == clean


def test_decimal_comma_products_match_a_decimal_point_file(company):
    point = b"SKU,Name,Unit price,VAT rate\nA-1,Widget,1234.50,19\nA-2,Gadget,0.99,7\n"
    comma = "SKU;Name;Unit price;VAT rate\nA-1;Widget;1.234,50;19\nA-2;Gadget;0,99;7\n"
    run(company, "products", point)
    expected = sorted(Product.objects.filter(company=company).values_list("sku", "unit_price"))
    assert expected == [("A-1", Decimal("1234.50")), ("A-2", Decimal("0.99"))]
    Product.objects.filter(company=company).delete()
    outcome = run(company, "products", comma.encode("cp1252"))
    assert outcome.created == 2
    got = sorted(Product.objects.filter(company=company).values_list("sku", "unit_price"))
    assert got == expected
    assert Product.objects.filter(company=company, is_active=True).count() == 2


def test_xlsx_imports_contacts(company):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["First name", "Last name", "E-mail", "Phone"])
    sheet.append(["Ada", "Lovelace", "ada@example.com", 4930123])
    sheet.append(["Alan", "Turing", "alan@example.com", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    outcome = run(company, "contacts", buffer.getvalue(), filename="people.xlsx")
    assert outcome.created == 2 and not outcome.errors
    ada = Contact.objects.get(company=company, email="ada@example.com")
    assert (ada.last_name, ada.phone) == ("Lovelace", "4930123")


def test_duplicates_are_skipped_or_update_the_match(company):
    LeadFactory(company=company, first_name="Old", last_name="Name", email="Ann0@Example.com")
    data = (LEAD_HEADER + "\n" + "".join(lead_rows(2))).encode()
    outcome = run(company, "leads", data)
    assert (outcome.created, outcome.skipped) == (1, 1)
    assert Lead.objects.get(company=company, email="Ann0@Example.com").first_name == "Old"
    outcome = run(company, "leads", data, duplicates="update")
    assert (outcome.created, outcome.updated) == (0, 2)
    updated = Lead.objects.get(company=company, email__iexact="ann0@example.com")
    assert (updated.first_name, updated.organization_name) == ("Ann0", "Org 0")


def test_a_file_naming_the_same_record_twice_makes_one(company):
    rows = lead_rows(1) + lead_rows(1)
    outcome = run(company, "leads", (LEAD_HEADER + "\n" + "".join(rows)).encode())
    assert (outcome.created, outcome.skipped) == (1, 1)


def test_update_keeps_unmapped_fields(company):
    ContactFactory(company=company, last_name="Hopper", email="grace@example.com", mobile="+1 5")
    outcome = run(
        company,
        "contacts",
        b"Last name,E-mail,Job title\nHopper,grace@example.com,Admiral\n",
        duplicates="update",
    )
    assert outcome.updated == 1
    grace = Contact.objects.get(company=company, email="grace@example.com")
    assert (grace.job_title, grace.mobile) == ("Admiral", "+1 5")


def test_another_companys_salesperson_or_source_is_refused(company, other_company):
    SalespersonFactory(company=company, name="Sam Seller")
    with scopes_disabled():
        SalespersonFactory(company=other_company, name="Gus Globex")
        LeadSourceFactory(company=other_company, name="Globex fair")
    data = (
        LEAD_HEADER
        + "\nA,B,,a@example.com,,,Sam Seller\nC,D,,c@example.com,,,Gus Globex"
        + "\nE,F,,e@example.com,,Globex fair,\n"
    ).encode()
    outcome = run(company, "leads", data)
    assert not outcome.written
    assert [(e.row, e.column, e.value) for e in outcome.errors] == [
        (3, "Salesperson", "Gus Globex"),
        (4, "Source", "Globex fair"),
    ]


def test_customers_are_validated_by_the_customer_form(company):
    CustomerTypeFactory(company=company, name="Business")
    data = (
        b"Name,Customer type,E-mail\nNordwind AG,Business,info@nw.example\nNo Type,,x@y.example\n"
    )
    outcome = run(company, "customers", data, keep_good_rows=True)
    assert outcome.created == 1
    assert Customer.objects.get(company=company).name == "Nordwind AG"
    assert outcome.errors[0].row == 3 and outcome.errors[0].column == "Customer type"


def test_addresses_import_with_country_checks(company):
    data = b"Street,City,Country\nMain St 1,Berlin,DE\nElm St 2,Paris,XX\n"
    outcome = run(company, "addresses", data)
    assert outcome.bad_rows == 1 and outcome.errors[0].column == "Country"


def test_products_update_by_sku(company):
    ProductFactory(company=company, sku="A-1", name="Old", unit_price=Decimal("1.00"))
    outcome = run(company, "products", b"SKU,Name,Unit price\na-1,New,2.50\n", duplicates="update")
    assert outcome.updated == 1
    product = Product.objects.get(company=company, sku__iexact="A-1")
    assert (product.name, product.unit_price, product.is_active) == ("New", Decimal("2.50"), True)


# -- the command ------------------------------------------------------------------------------


def test_command_imports_and_reports_bad_rows(company, tmp_path, capsys):
    path = tmp_path / "leads.csv"
    path.write_bytes(malformed_lead_file())
    with pytest.raises(CommandError, match="Nothing was written"):
        call_command("import_records", "--company", "acme", "--kind", "leads", str(path))
    out = capsys.readouterr()
    report = out.out.strip().splitlines()
    assert report[0] == "row,column,value,message" and len(report) == 11
    assert "[" in out.err  # the progress bar
    assert not Lead.objects.filter(company=company).exists()
    with pytest.raises(CommandError, match="20 were created"):
        call_command(
            "import_records",
            "--company",
            "acme",
            "--kind",
            "leads",
            str(path),
            "--keep-good-rows",
        )
    assert Lead.objects.filter(company=company).count() == 20


def test_command_uses_a_saved_mapping_and_dry_run(company, tmp_path, capsys):
    ImportMapping.objects.create(
        company=company,
        kind="leads",
        name="fair",
        columns={"Vorname": "first_name", "Nachname": "last_name", "Mail": "email"},
    )
    path = tmp_path / "fair.csv"
    path.write_text("Vorname;Nachname;Mail\nEva;Ernst;eva@example.com\n", encoding="utf-8")
    args = [
        "import_records",
        "--company",
        "acme",
        "--kind",
        "leads",
        str(path),
        "--mapping",
        "fair",
    ]
    call_command(*args, "--dry-run")
    assert not Lead.objects.filter(company=company).exists()
    call_command(*args)
    assert Lead.objects.get(company=company).last_name == "Ernst"
    with pytest.raises(CommandError, match="No leads mapping"):
        call_command(*args[:-1], "other")


@pytest.mark.parametrize(
    "email",
    [
        "ann@example.com",
        "a@b",
        "x@localhost",
        "ann..x@example.com",
        "ünï@exämple.com",
        "a@-x.com",
        "a@x.c0m",
        "first.last+tag@sub.example.co.uk",
        "a b@example.com",
    ],
)
def test_the_fast_path_judges_an_email_as_the_lead_form_does(company, email):
    from leads.forms import LeadForm

    form = LeadForm(data={"last_name": "X", "email": email}, company=company)
    outcome = run(company, "leads", f"Last name,E-mail\nX,{email}\n".encode(), dry_run=True)
    assert (outcome.created == 1) == form.is_valid()
