"""Importing records from CSV and XLSX: the engine, the kinds, the command."""

import io
import sys
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_scopes import scopes_disabled

from addressbook.models import Contact
from crm.imports.engine import run_import
from crm.imports.kinds import get_import_kind, guess_columns
from crm.imports.reading import read_table
from crm.models import ImportJob, ImportMapping, Product
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
    return [
        f"Ann{i},Lee{i},Org {i},ann{i}@example.com,+49 30 {2000000 + i},,\n"
        for i in range(start, n)
    ]


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
    sheet.append(["Ada", "Lovelace", "ada@example.com", "+49 30 1234567"])
    sheet.append(["Alan", "Turing", "alan@example.com", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    outcome = run(company, "contacts", buffer.getvalue(), filename="people.xlsx")
    assert outcome.created == 2 and not outcome.errors
    ada = Contact.objects.get(company=company, email="ada@example.com")
    assert (ada.last_name, ada.phone) == ("Lovelace", "+49301234567")


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
    ContactFactory(
        company=company, last_name="Hopper", email="grace@example.com", mobile="+12127360100"
    )
    outcome = run(
        company,
        "contacts",
        b"Last name,E-mail,Job title\nHopper,grace@example.com,Admiral\n",
        duplicates="update",
    )
    assert outcome.updated == 1
    grace = Contact.objects.get(company=company, email="grace@example.com")
    assert (grace.job_title, grace.mobile) == ("Admiral", "+12127360100")


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


@pytest.mark.parametrize(
    "phone",
    [
        "+49 30 1234567",
        "0049 30 1234567",
        "+49 (0)30 123-4567",
        "+39 06 6982 1234",
        "+1 650-253-0000",
        "+62 21 5550 1234",
        "+44 20 7946 0958",
        "021 5550 1234",
        "+49 30",
        "+999 1234567",
        "+49 30 1234567 ext. 12",
        "not a number",
    ],
)
@pytest.mark.parametrize("region", ["ID", "DE", "US"])
def test_the_fast_path_stores_a_phone_number_as_the_lead_form_does(company, phone, region):
    from leads.forms import LeadForm

    company.phone_region = region
    company.save(update_fields=["phone_region"])
    form = LeadForm(data={"last_name": "X", "phone": phone}, company=company)
    outcome = run(company, "leads", f"Last name,Phone\nX,{phone}\n".encode())
    if form.is_valid():
        assert outcome.created == 1
        assert Lead.objects.get(company=company).phone == form.cleaned_data["phone"]
    else:
        assert [error.message for error in outcome.errors] == form.errors["phone"]


# -- the pages --------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(client, data: bytes, name="leads.csv", kind="leads", **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    return client.post(
        reverse("crm:import_start"),
        {"kind": kind, "file": SimpleUploadedFile(name, data), **extra},
    )


def test_page_flow_upload_map_dry_run_fix_and_run(member_client, company, media):
    from django.urls import reverse

    data = b"Vorname;Nachname;Mail\nEva;Ernst;eva@example.com\nBad;Row;bad(at)example.com\n"
    response = upload(member_client, data)
    job_url = response.url
    assert response.status_code == 302 and job_url.endswith("/mapping/")
    page = member_client.get(job_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "bad(at)example.com" in html  # the preview
    assert "Columns separated by semicolons." in html
    # Map the German headers by hand, save the mapping, dry run.
    mapping = {"column_0": "first_name", "column_1": "last_name", "column_2": "email"}
    response = member_client.post(
        job_url,
        {
            **mapping,
            "duplicates": "skip",
            "keep_good_rows": "",
            "save_as": "Fair",
            "action": "dry_run",
        },
    )
    result = member_client.get(response.url)
    html = result.content.decode()
    assert "Dry run: nothing was written." in html
    assert "bad(at)example.com" in html and "Mail" in html  # the errors table
    assert not Lead.objects.filter(company=company).exists()
    assert ImportMapping.objects.get(company=company, name="Fair").columns["Mail"] == "email"
    job_pk = int(response.url.rstrip("/").split("/")[-1])
    report = member_client.get(reverse("crm:import_report", args=[job_pk]))
    assert report.content.decode().splitlines() == [
        "row,column,value,message",
        "3,Mail,bad(at)example.com,Enter a valid email address.",
    ]
    # The fixed file, with the saved mapping, imported for real.
    fixed = data.replace(b"bad(at)example.com", b"bad@example.com")
    response = upload(member_client, fixed)
    saved = ImportMapping.objects.get(company=company, name="Fair")
    page = member_client.get(f"{response.url}?mapping={saved.pk}")
    assert 'value="email" selected' in page.content.decode()
    response = member_client.post(
        response.url, {**mapping, "duplicates": "skip", "keep_good_rows": "", "action": "run"}
    )
    html = member_client.get(response.url).content.decode()
    assert "The import is done." in html
    assert set(Lead.objects.filter(company=company).values_list("email", flat=True)) == {
        "eva@example.com",
        "bad@example.com",
    }
    run_job = ImportJob.objects.get(company=company, dry_run=False)
    assert not run_job.file  # the upload is removed after the run
    assert len(list(media.rglob("*.csv"))) == 1  # only the first, dry-run upload is left


def test_dry_run_then_run_button(member_client, company, media):
    from django.urls import reverse

    response = upload(member_client, b"Last name,E-mail\nA,a@example.com\n")
    response = member_client.post(
        response.url,
        {"column_0": "last_name", "column_1": "email", "duplicates": "skip", "action": "dry_run"},
    )
    job_pk = int(response.url.rstrip("/").split("/")[-1])
    assert not Lead.objects.filter(company=company).exists()
    member_client.post(reverse("crm:import_run", args=[job_pk]))
    assert Lead.objects.filter(company=company).count() == 1
    # A second press finds the file gone and writes nothing more.
    member_client.post(reverse("crm:import_run", args=[job_pk]))
    assert Lead.objects.filter(company=company).count() == 1


def test_mapping_without_a_required_field_is_refused(member_client, company, media):
    response = upload(member_client, b"Street,Town\nMain St 1,Berlin\n", kind="addresses")
    page = member_client.post(
        response.url, {"column_0": "street", "column_1": "city", "duplicates": "skip"}
    )
    assert page.status_code == 200
    assert "Map a column to each required field: Country." in page.content.decode()


def test_an_unreadable_file_is_refused_with_a_message(member_client, media):
    response = upload(member_client, b"PK\x03\x04 not really a workbook", name="x.xlsx")
    assert response.status_code == 200
    assert "not a readable XLSX file" in response.content.decode()


def test_salespeople_may_not_import(client, company, salesperson_user, media):
    from django.urls import reverse

    from tests.conftest import login_as

    login_as(client, salesperson_user, company)
    assert client.get(reverse("crm:import_start")).status_code == 403


def test_big_files_run_as_a_background_job(member_client, company, media, settings):
    settings.IMPORT_BACKGROUND_ROWS = 1
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    data = (LEAD_HEADER + "\n" + "".join(lead_rows(3))).encode()
    response = upload(member_client, data)
    columns = {f"column_{i}": "" for i in range(7)}
    columns.update(column_0="first_name", column_1="last_name", column_3="email")
    response = member_client.post(response.url, {**columns, "duplicates": "skip", "action": "run"})
    assert Lead.objects.filter(company=company).count() == 3
    html = member_client.get(response.url, headers={"HX-Request": "true"}).content.decode()
    assert 'id="import-status"' in html and "The import is done." in html
    assert "<html" not in html  # the partial the page polls


def test_a_running_job_shows_progress_and_polls(member_client, company):
    from django.urls import reverse

    job = ImportJob.objects.create(
        company=company,
        kind="leads",
        original_name="big.csv",
        status="running",
        total_rows=1000,
        processed_rows=250,
    )
    html = member_client.get(reverse("crm:import_job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in html and 'value="25"' in html and "Refresh" in html


def test_import_start_page_queries_do_not_grow(
    member_client, company, django_assert_max_num_queries
):
    from django.urls import reverse

    for i in range(12):
        ImportJob.objects.create(company=company, kind="leads", original_name=f"{i}.csv")
    with django_assert_max_num_queries(12):
        assert member_client.get(reverse("crm:import_start")).status_code == 200


def test_leads_import_as_the_web_processs_database_role(company):
    """Row-level security: PostgreSQL refuses COPY to a role under it, so the app role's
    import inserts instead; the rows land in the importing company either way."""
    from django.db import connection

    from tests.crm.test_row_level_security import app_role

    if connection.vendor != "postgresql":
        pytest.skip("row-level security is PostgreSQL's: set DATABASE_URL to run this test")
    data = (LEAD_HEADER + "\n" + "".join(lead_rows(3))).encode()
    with app_role(company=company):
        outcome = run(company, "leads", data)
    assert outcome.written and outcome.created == 3
    outcome = run(company, "leads", (LEAD_HEADER + "\n" + "".join(lead_rows(5, 3))).encode())
    assert outcome.created == 2
    assert Lead.objects.filter(company=company).count() == 5
    # Each imported lead has its "created" history row, whichever role wrote it.
    history = Lead.history.model._base_manager.filter(company_id=company.pk, history_type="+")
    assert sorted(history.values_list("email", flat=True)) == [
        f"ann{i}@example.com" for i in range(5)
    ]


def test_the_app_role_cannot_import_into_a_company_it_is_not_acting_for(company, other_company):
    """The policies check the rows the import moves in: acting for another company, the
    batch is refused and nothing of the importing company's is written."""
    from django.db import connection

    from tests.crm.test_row_level_security import app_role

    if connection.vendor != "postgresql":
        pytest.skip("row-level security is PostgreSQL's: set DATABASE_URL to run this test")
    data = (LEAD_HEADER + "\n" + "".join(lead_rows(3))).encode()
    with app_role(company=other_company):
        outcome = run(company, "leads", data, keep_good_rows=True)
    assert outcome.created == 0 and outcome.bad_rows == 3
    with scopes_disabled():
        assert not Lead.objects.filter(email__startswith="ann").exists()
        assert not Lead.history.model.objects.filter(email__startswith="ann").exists()


def test_imported_leads_history_rows_hold_what_was_stored(company):
    """The set-based history rows carry the record's own values: the E.164 phone, the
    references, the company, the creation time."""
    source = LeadSourceFactory(company=company, name="Fair")
    seller = SalespersonFactory(company=company, name="Sam Seller")
    data = (
        LEAD_HEADER
        + "\nAnn,Lee,Lee GmbH,ann@example.com,+49 30 1234567,fair,sam seller"
        + "\nBo,,,bo@example.com,,,\n"
    ).encode()
    outcome = run(company, "leads", data)
    assert outcome.created == 2
    ann = Lead.objects.get(company=company, email="ann@example.com")
    (row,) = ann.history.all()
    assert (row.history_type, row.phone, row.source_id, row.salesperson_id) == (
        "+",
        "+49301234567",
        source.pk,
        seller.pk,
    )
    assert (row.company_id, row.created_at, row.organization_name) == (
        company.pk,
        ann.created_at,
        "Lee GmbH",
    )
    bo = Lead.objects.get(company=company, email="bo@example.com")
    (row,) = bo.history.all()
    assert (row.first_name, row.phone, row.source_id, row.salesperson_id) == ("Bo", "", None, None)


@pytest.mark.parametrize("background", [False, True])
def test_imported_rows_have_history_naming_the_importer_and_the_file(
    member_client, member, company, media, settings, background
):
    if background:
        settings.IMPORT_BACKGROUND_ROWS = 1
        settings.TASKS = {
            "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
        }
    data = (LEAD_HEADER + "\n" + "".join(lead_rows(3))).encode()
    response = upload(member_client, data, name="fair-2026.csv")
    columns = {f"column_{i}": "" for i in range(7)}
    columns.update(column_0="first_name", column_1="last_name", column_3="email")
    member_client.post(response.url, {**columns, "duplicates": "skip", "action": "run"})
    leads = list(Lead.objects.filter(company=company))
    assert len(leads) == 3
    for lead in leads:
        (row,) = lead.history.all()
        assert (row.history_type, row.history_user, row.history_change_reason) == (
            "+",
            member,
            "import fair-2026.csv",
        )


def test_the_start_page_offers_leads_first_and_names_each_kind(member_client, company, media):
    from django.urls import reverse

    upload(member_client, (LEAD_HEADER + "\n" + "".join(lead_rows(1))).encode(), kind="contacts")
    page = member_client.get(reverse("crm:import_start"))
    assert page.context["form"]["kind"].value() == "leads"
    assert "<td>Contacts</td>" in page.content.decode()


def test_a_nameless_update_reports_the_name_rule_once(company):
    # An update goes through the lead form, whose rule and the database constraint behind it
    # speak the same words: the report says them once.
    LeadFactory(company=company, first_name="Ann", email="ann@example.com")
    data = (LEAD_HEADER + "\n" + ",,,ann@example.com,,,\n").encode()
    outcome = run(company, "leads", data, duplicates="update")
    assert outcome.bad_rows == 1
    assert [e.message for e in outcome.errors] == ["Give the lead a name or an organization."]
    assert Lead.objects.get(company=company).first_name == "Ann"


def test_a_file_of_several_batches_updates_a_row_of_the_batch_being_written(company, monkeypatch):
    """Batches are written while the next rows are checked (PostgreSQL: by a second thread):
    a later row that matches one still being written updates it, and every lead keeps its
    "created" history row."""
    from crm.imports import engine

    monkeypatch.setattr(engine, "BATCH_SIZE", 3)
    rows = lead_rows(8)
    rows.append("Anna,Lee7,Org 7,ANN7@example.com,+49 30 2000007,,\n")  # row 7's batch: pending
    rows.append("Bob,Lee0,Org 0,ann0@example.com,+49 30 2000000,,\n")  # row 0's: written
    outcome = run(
        company, "leads", (LEAD_HEADER + "\n" + "".join(rows)).encode(), duplicates="update"
    )
    assert outcome.written and not outcome.errors
    assert (outcome.created, outcome.updated) == (8, 2)
    leads = Lead.objects.filter(company=company)
    assert leads.count() == 8
    assert leads.get(email__iexact="ann7@example.com").first_name == "Anna"
    assert leads.get(email__iexact="ann0@example.com").first_name == "Bob"
    for lead in leads:
        assert list(lead.history.values_list("history_type", flat=True).order_by("history_id"))[
            :1
        ] == ["+"]


def test_imported_leads_are_counted_in_the_kept_lead_figures(company):
    """Batches may be written without the foreign-key triggers (PostgreSQL, a role that may):
    the kept figures' triggers still see every row."""
    from leads.figures import lead_days_counted
    from leads.kept import LEAD_DAYS

    LeadSourceFactory(company=company, name="Fair")
    rows = [f"Ann{i},Lee{i},,ann{i}@example.com,,{'fair' if i % 2 else ''},\n" for i in range(7)]
    outcome = run(company, "leads", (LEAD_HEADER + "\n" + "".join(rows)).encode())
    assert outcome.written and outcome.created == 7
    assert LEAD_DAYS.stored(company) == lead_days_counted(company)
    assert sum(count for (count,) in LEAD_DAYS.stored(company).values()) == 7


def test_a_batch_naming_a_missing_row_is_refused_and_the_triggers_are_back(company):
    """Written without the foreign-key triggers (a role that may turn them off) or with them,
    a batch whose row names a row that does not exist is refused, and the session's triggers
    fire again afterwards."""
    from django.db import IntegrityError, connection, transaction

    from crm.imports.engine import write_new_rows

    if connection.vendor != "postgresql":
        pytest.skip("SQLite checks the references at the commit: set DATABASE_URL to run this")
    seller = SalespersonFactory(company=company)
    good = Lead(company=company, first_name="Ann", salesperson_id=seller.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        write_new_rows(Lead, [good, Lead(company=company, first_name="Bo", salesperson_id=-7)])
    write_new_rows(Lead, [Lead(company=company, first_name="Cy", salesperson_id=seller.pk)])
    assert list(Lead.objects.filter(company=company).values_list("first_name", flat=True)) == ["Cy"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone() == ("origin",)
    with pytest.raises(IntegrityError), transaction.atomic():
        write_new_rows(Lead, [Lead(company=company, first_name="Di", source_id=-1)])


def test_a_trigger_that_replica_mode_would_skip_keeps_every_trigger_on(company):
    """The foreign-key triggers are turned off for a batch only where no other trigger on its
    tables would stop firing with them: here one would, and it still refuses its row."""
    from django.db import connection, transaction

    from crm.imports.engine import write_new_rows

    if connection.vendor != "postgresql":
        pytest.skip("session_replication_role is PostgreSQL's: set DATABASE_URL to run this")
    with connection.cursor() as cursor:  # undone with the test's transaction
        cursor.execute(
            "CREATE FUNCTION test_refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.first_name = 'Boom' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER test_refuse_boom BEFORE INSERT ON leads_lead "
            "FOR EACH ROW EXECUTE FUNCTION test_refuse_boom()"
        )
    # (COPY's errors come from psycopg unwrapped: not a DatabaseError of Django's)
    with pytest.raises(Exception, match="boom"), transaction.atomic():
        write_new_rows(Lead, [Lead(company=company, first_name="Boom")])
    write_new_rows(Lead, [Lead(company=company, first_name="Ann")])
    assert Lead.objects.filter(company=company).count() == 1


def test_a_row_the_database_refuses_is_reported_and_the_others_kept(company):
    """A row the forms accept but the database refuses (here a rule added to the table)
    fails its batch; the batch is written again row by row, the refused row reported and,
    keeping the good rows, the others written (on PostgreSQL the batch goes by COPY, whose
    errors psycopg raises as its own, not Django's)."""
    from django.db import connection

    table = Lead._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT refuse_ann1 CHECK (first_name <> 'Ann1')"
            )
        else:
            cursor.execute(
                f"CREATE TEMP TRIGGER refuse_ann1 BEFORE INSERT ON {table} "
                "WHEN NEW.first_name = 'Ann1' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
    data = (LEAD_HEADER + "\n" + "".join(lead_rows(3))).encode()
    try:
        outcome = run(company, "leads", data, keep_good_rows=True)
    finally:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("DROP TRIGGER refuse_ann1")
    assert [(e.row, e.message) for e in outcome.errors] == [(3, "The database refused this row.")]
    assert outcome.created == 2
    assert sorted(Lead.objects.filter(company=company).values_list("first_name", flat=True)) == [
        "Ann0",
        "Ann2",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "a,b\n1,2\n",
        "a,b\n1,2",
        "a,b\n\n1,2\n,\n  , \n3,4\n\n",
        "a;b\n1;2\n;;\n x;\n",
        "a\tb\n1\t2\n\t\n",
        "a,b\n\u00a0,\n1,2\n\x0c\n\x1c,\n\u2028\n",
        'a,b\n"1\n\n",2\n" ",\n',  # quoted: the reader counts
        "a,b\r\n1,2\r\n\r\n",
    ],
)
def test_a_table_counts_the_rows_it_reads(text):
    table = read_table(text.encode(), filename="rows.csv")
    assert table.count() == len(list(table.rows()))


def test_an_import_leaves_the_interpreter_switch_interval_as_it_found_it(company):
    before = sys.getswitchinterval()
    outcome = run(company, "leads", (LEAD_HEADER + "\n" + "".join(lead_rows(5))).encode())
    assert outcome.created == 5
    assert sys.getswitchinterval() == before


def test_a_row_with_an_unknown_source_reports_its_other_faults_too(company):
    """One fix of the file fixes the whole row: the report names every fault of it, not only
    the first (the lead's fast path and the customer form alike)."""
    data = (LEAD_HEADER + "\nAnn,Lee,,not-an-email,12,Trade fair,\n").encode()
    outcome = run(company, "leads", data)
    assert {(e.row, e.column) for e in outcome.errors} == {
        (2, "Source"),
        (2, "E-mail"),
        (2, "Phone"),
    }
    assert not Lead.objects.filter(company=company).exists()

    CustomerTypeFactory(company=company, name="Business")
    customers = b"Name,Customer type,E-mail,Group\nAcme,Business,not-an-email,Gold club\n"
    outcome = run(company, "customers", customers)
    assert {(e.row, e.column) for e in outcome.errors} == {(2, "Group"), (2, "E-mail")}


def _dry_run_with_a_bad_row(client):
    data = b"Last name,E-mail\nGood,good@example.com\nBad,bad(at)example.com\n"
    response = upload(client, data)
    response = client.post(
        response.url,
        {"column_0": "last_name", "column_1": "email", "duplicates": "skip", "action": "dry_run"},
    )
    return response.url


def test_after_an_all_or_nothing_dry_run_with_errors_the_good_rows_import_without_a_new_upload(
    member_client, company, media
):
    job_url = _dry_run_with_a_bad_row(member_client)
    html = member_client.get(job_url).content.decode()
    assert "with these errors the import would write nothing" in html
    assert "Run the import" not in html  # it would write nothing
    assert "Import only the good rows" in html and "Change the mapping" in html

    job = ImportJob.objects.get(company=company)
    member_client.post(reverse("crm:import_run", args=[job.pk]), {"keep_good_rows": "1"})

    assert list(Lead.objects.filter(company=company).values_list("email", flat=True)) == [
        "good@example.com"
    ]
    html = member_client.get(job_url).content.decode()
    assert "The import is done." in html and "bad(at)example.com" in html
    assert "Import only the good rows" not in html and "Change the mapping" not in html


def test_a_refused_run_keeps_the_file_for_the_good_rows_or_another_mapping(
    member_client, company, media
):
    job_url = _dry_run_with_a_bad_row(member_client)
    job = ImportJob.objects.get(company=company)
    member_client.post(reverse("crm:import_run", args=[job.pk]))  # all or nothing: refused
    assert not Lead.objects.filter(company=company).exists()
    html = member_client.get(job_url).content.decode()
    assert "Nothing was written" in html
    assert "Import only the good rows" in html
    assert member_client.get(reverse("crm:import_mapping", args=[job.pk])).status_code == 200

    member_client.post(reverse("crm:import_run", args=[job.pk]), {"keep_good_rows": "1"})
    assert Lead.objects.filter(company=company).count() == 1
    job.refresh_from_db()
    assert job.written and job.keep_good_rows and not job.file


def test_a_background_job_reports_in_the_language_of_the_page_that_started_it(
    member_client, company, media, settings
):
    settings.IMPORT_BACKGROUND_ROWS = 1
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    member_client.post(reverse("set_language"), {"language": "id", "next": "/"})
    data = b"Last name,Source\nLee,Trade fair\nKim,\n"
    response = upload(member_client, data)
    member_client.post(
        response.url,
        {"column_0": "last_name", "column_1": "source", "duplicates": "skip", "action": "run"},
    )
    job = ImportJob.objects.get(company=company)
    assert [row[3] for row in job.errors] == ["Perusahaan Anda tidak memiliki sumber “Trade fair”."]


def test_a_bad_row_matching_a_row_still_waiting_in_the_batch_is_reported_not_a_crash(company):
    # The second row updates the first (same e-mail), which waits unwritten in the batch; its
    # unknown source is reported with its other faults, against the row written just before.
    data = (
        LEAD_HEADER + "\nAnn,Lee,,ann@example.com,,,\nAnn,Lee,,ann@example.com,12,Trade fair,\n"
    ).encode()
    outcome = run(company, "leads", data, duplicates="update", keep_good_rows=True)

    assert outcome.created == 1 and outcome.updated == 0
    assert {(error.row, error.column) for error in outcome.errors} == {
        (3, "Source"),
        (3, "Phone"),
    }
    assert list(Lead.objects.filter(company=company).values_list("email", flat=True)) == [
        "ann@example.com"
    ]


def test_a_job_that_stops_on_an_unexpected_error_is_failed_not_running_for_ever(
    member_client, company, media, monkeypatch
):
    from crm.imports import jobs

    def broken(**kwargs):
        raise LookupError("a bug of ours")

    monkeypatch.setattr(jobs, "run_import", broken)
    job_url = _dry_run_with_a_bad_row(member_client)

    job = ImportJob.objects.get(company=company)
    assert job.status == ImportJob.Status.FAILED and job.file
    html = member_client.get(job_url).content.decode()
    assert "stopped on an unexpected error and wrote nothing" in html
    assert not Lead.objects.filter(company=company).exists()


def test_a_second_run_of_the_same_job_is_refused_while_it_runs_or_once_written(
    member_client, company, media
):
    # Two requests at once (a double click, two tabs): the second finds the job taken.
    job_url = _dry_run_with_a_bad_row(member_client)
    job = ImportJob.objects.get(company=company)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
    response = member_client.post(
        reverse("crm:import_run", args=[job.pk]), {"keep_good_rows": "1"}, follow=True
    )
    assert (
        "This file is being imported already: wait for it to finish." in response.content.decode()
    )
    response = member_client.post(
        reverse("crm:import_mapping", args=[job.pk]),
        {"column_0": "last_name", "column_1": "email", "duplicates": "skip", "action": "run"},
        follow=True,
    )
    assert "being imported already" in response.content.decode()
    assert not Lead.objects.filter(company=company).exists()

    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.DONE)
    member_client.post(reverse("crm:import_run", args=[job.pk]), {"keep_good_rows": "1"})
    member_client.post(reverse("crm:import_run", args=[job.pk]), {"keep_good_rows": "1"})
    assert Lead.objects.filter(company=company).count() == 1
    assert member_client.get(job_url).status_code == 200


def test_purge_import_files_removes_old_unwritten_uploads_and_keeps_their_reports(
    member_client, company, media
):
    import datetime as dt

    import time_machine

    start = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        job_url = _dry_run_with_a_bad_row(member_client)  # a dry run never followed up
    with time_machine.travel(start + dt.timedelta(days=6), tick=False):
        _dry_run_with_a_bad_row(member_client)  # recent: kept
    old, recent = ImportJob.objects.order_by("pk")
    running = ImportJob.objects.create(
        company=company,
        kind="leads",
        original_name="big.csv",
        file=old.file.name.replace("leads", "big"),
        status=ImportJob.Status.RUNNING,
    )
    ImportJob.objects.filter(pk=running.pk).update(created_at=old.created_at)
    old_path = media / old.file.name
    assert old_path.exists()

    out = io.StringIO()
    with time_machine.travel(start + dt.timedelta(days=8), tick=False):
        call_command("purge_import_files", "--dry-run", stdout=out)
        assert "1 file(s) would be removed." in out.getvalue() and old_path.exists()
        call_command("purge_import_files", stdout=out)
    assert "1 file(s) removed." in out.getvalue()

    old.refresh_from_db()
    recent.refresh_from_db()
    running.refresh_from_db()
    assert not old.file and not old_path.exists() and old.errors  # the report stays
    assert recent.file and running.file
    html = member_client.get(job_url).content.decode()
    assert "bad(at)example.com" in html and "Import only the good rows" not in html
    response = member_client.post(
        reverse("crm:import_run", args=[old.pk]), {"keep_good_rows": "1"}, follow=True
    )
    assert "This file is no longer kept: upload it again." in response.content.decode()
    assert not Lead.objects.filter(company=company).exists()


def test_purge_import_files_refuses_negative_days():
    with pytest.raises(CommandError, match="--days must be 0 or more"):
        call_command("purge_import_files", "--days", "-1")
