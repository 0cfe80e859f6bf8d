"""Export of every list as CSV and XLSX (crm.ui.export, crm.views.export): the file holds the
rows the list would show across all its pages (company, access level, filters, search, sort),
text that a spreadsheet would run as a formula is defused, and a big export costs no more memory
than a small one."""

import csv
import io
import tracemalloc
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.db.models import DecimalField, Value
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from django_scopes.state import state
from openpyxl import load_workbook

from crm.access import Action, Level
from crm.access.services import role_access_levels_save
from crm.models import Membership
from crm.ui import export as files
from crm.ui.export import Column, ColumnKind, Export
from customers.setup import customers_defaults_apply
from leads.models import Lead
from leads.setup import leads_defaults_apply
from selling import services as selling
from tests.conftest import login_as
from tests.factories import (
    AddressFactory,
    ContactFactory,
    CustomerFactory,
    IndividualPartnerFactory,
    LeadFactory,
    LeadSourceFactory,
    MembershipFactory,
    OpportunityFactory,
    ProductFactory,
    SalespersonFactory,
)

LEADS = reverse("leads:lead_list")
NASTY = ['=HYPERLINK("http://x")', "+49 30 1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def body(response) -> bytes:
    """The whole file, read as a server would send it: after the view has returned, outside
    any company scope (the middleware has left it by then). The test client closes the
    response once the content has been read."""
    token = state.set({})
    try:
        return b"".join(response.streaming_content)
    finally:
        state.reset(token)


def csv_rows(response) -> list[list[str]]:
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeff"), "Excel needs the byte-order mark to read UTF-8"
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def xlsx_rows(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(body(response))).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def column(rows, label):
    index = rows[0].index(label)
    return [row[index] for row in rows[1:]]


@pytest.fixture
def leads(company):
    """Five leads of company A (three contacted, sorted by last name: Adams, Brown, Clark)."""
    source = LeadSourceFactory(company=company, name="Trade fair")
    made = {}
    for last_name, status in [
        ("Clark", "contacted"),
        ("Adams", "contacted"),
        ("Evans", "new"),
        ("Brown", "contacted"),
        ("Davis", "qualified"),
    ]:
        # A made-up organization could hold the searched "adams" ("Adams, Hughes and Jackson").
        made[last_name] = LeadFactory(
            company=company,
            last_name=last_name,
            organization_name=f"{last_name} Trading",
            status=status,
            source=source,
        )
    return made


# --- the lead list, end to end -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_holds_the_filtered_searched_sorted_list_and_nothing_else(
    member_client, company, other_company, leads, fmt
):
    with scopes_disabled():
        LeadFactory(company=other_company, last_name="Adamson", status="contacted")
    leads["Brown"].organization_name = "Adamsville Ltd"  # found by the search "adams" too
    leads["Brown"].save()

    response = member_client.get(
        LEADS, {"status": "contacted", "q": "adams", "sort": "name", "export": fmt, "page": "2"}
    )

    assert response.status_code == 200
    rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    assert rows[0][:3] == ["ID", "First name", "Last name"]
    # Contacted, matching "adams", by name; another company's Adamson never; no paging.
    assert column(rows, "Last name") == ["Adams", "Brown"]
    assert column(rows, "Status") == ["Contacted", "Contacted"]
    assert column(rows, "Source") == ["Trade fair", "Trade fair"]


def test_the_sort_and_its_direction_carry_over(member_client, leads):
    rows = csv_rows(member_client.get(LEADS, {"sort": "-name", "export": "csv"}))
    assert column(rows, "Last name") == ["Evans", "Davis", "Clark", "Brown", "Adams"]


def test_rows_outside_the_users_access_level_are_left_out(client, company):
    owner = MembershipFactory(company=company, role=Membership.Role.OWNER).user
    seller = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
    mine = SalespersonFactory(company=company, user=seller)
    LeadFactory(company=company, last_name="Mine", salesperson=mine)
    LeadFactory(
        company=company, last_name="Theirs", salesperson=SalespersonFactory(company=company)
    )
    role_access_levels_save(
        company=company,
        levels={("leads.lead", Action.VIEW, Membership.Role.SALESPERSON): Level.OWN},
        actor=owner,
    )
    login_as(client, seller, company)

    for fmt, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        rows = read(client.get(LEADS, {"owner": "all", "export": fmt}))
        assert column(rows, "Last name") == ["Mine"]


def test_the_page_links_to_both_files_with_its_query_but_not_its_page(member_client, leads):
    response = member_client.get(LEADS, {"status": "contacted", "page": "1", "sort": "name"})
    html = response.content.decode()
    assert 'href="?status=contacted&amp;sort=name&amp;export=csv"' in html
    assert 'href="?status=contacted&amp;sort=name&amp;export=xlsx"' in html
    assert ">Export CSV</a>" in html and ">Export XLSX</a>" in html


def test_an_unknown_format_shows_the_list(member_client, leads):
    response = member_client.get(LEADS, {"export": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.clock
def test_the_file_is_named_for_the_list_and_the_local_date(client, member, company, leads):
    # 23:30 UTC on New Year's Eve is already the first of January in Berlin.
    with (
        time_machine.travel(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), tick=False),
        override_settings(TIME_ZONE="Europe/Berlin"),
    ):
        member_client = login_as(client, member, company)
        csv_response = member_client.get(LEADS, {"export": "csv"})
        xlsx_response = member_client.get(LEADS, {"export": "xlsx"})
    assert csv_response["Content-Disposition"] == 'attachment; filename="leads-2027-01-01.csv"'
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert xlsx_response["Content-Disposition"] == 'attachment; filename="leads-2027-01-01.xlsx"'
    assert xlsx_response["Content-Type"] == files.XLSX_CONTENT_TYPE
    body(csv_response), body(xlsx_response)


def test_dates_are_iso_in_csv_and_real_dates_in_xlsx(member_client, company):
    with time_machine.travel(datetime(2026, 6, 30, 22, 15, 7, 123456, tzinfo=UTC), tick=False):
        LeadFactory(company=company)
    with override_settings(TIME_ZONE="Europe/Berlin"):
        csv_created = column(csv_rows(member_client.get(LEADS, {"export": "csv"})), "Created")
        xlsx_created = column(xlsx_rows(member_client.get(LEADS, {"export": "xlsx"})), "Created")
    assert csv_created == ["2026-07-01T00:15:07+02:00"]
    assert xlsx_created == [datetime(2026, 7, 1, 0, 15, 7)]  # Berlin wall-clock time


# --- formula injection ---------------------------------------------------------------------------


def test_text_that_would_run_as_a_formula_gets_an_apostrophe_in_csv(member_client, company):
    for position, text in enumerate(NASTY):
        LeadFactory(company=company, first_name=text, last_name=f"L{position}")
    rows = csv_rows(member_client.get(LEADS, {"sort": "name", "export": "csv"}))
    assert column(rows, "First name") == ["'" + text for text in NASTY]


def test_text_that_would_run_as_a_formula_stays_text_in_xlsx(member_client, company):
    for position, text in enumerate(NASTY):
        LeadFactory(company=company, first_name=text, last_name=f"L{position}")
    response = member_client.get(LEADS, {"sort": "name", "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(body(response))).active
    index = [cell.value for cell in sheet[1]].index("First name")
    cells = [row[index] for row in sheet.iter_rows(min_row=2)]
    # Stored as the text itself, in a string cell, marked "text" as a typed apostrophe would.
    assert [cell.value for cell in cells] == NASTY
    assert {cell.data_type for cell in cells} == {"s"}
    assert all(cell.quotePrefix for cell in cells)


def test_numbers_stay_numbers_however_they_start(company):
    LeadFactory(company=company, first_name="-4")
    export = Export(
        "sample",
        [
            Column("Amount", "amount", kind=ColumnKind.NUMBER),
            Column("Text", "first_name"),
        ],
    )
    queryset = Lead.objects.annotate(
        amount=Value(Decimal("-12.50"), output_field=DecimalField(max_digits=9, decimal_places=2))
    )
    text = "".join(files.csv_chunks(export, queryset))
    header, (amount, words) = csv.reader(io.StringIO(text[1:]))
    assert header == ["Amount", "Text"]
    assert (Decimal(amount), words) == (Decimal("-12.50"), "'-4")

    workbook = io.BytesIO(b"".join(files.xlsx_chunks(export, queryset)))
    amount, words = next(load_workbook(workbook).active.iter_rows(min_row=2))
    assert (amount.value, amount.data_type) == (-12.5, "n")
    assert (words.value, words.data_type) == ("-4", "s")


def test_characters_xml_cannot_hold_are_dropped_from_xlsx(member_client, company):
    LeadFactory(company=company, first_name="Ann\x07\x0be")
    rows = xlsx_rows(member_client.get(LEADS, {"export": "xlsx"}))
    assert column(rows, "First name") == ["Anne"]


# --- cost ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_query_count_does_not_grow_with_the_rows(member_client, company, fmt):
    source = LeadSourceFactory(company=company)
    seller = SalespersonFactory(company=company)

    def queries_for_export() -> int:
        member_client.get(LEADS, {"export": fmt})  # first-use costs (session, content types)
        with CaptureQueriesContext(connection) as captured:
            rows = body(member_client.get(LEADS, {"export": fmt}))
        assert rows
        return len(captured.captured_queries)

    LeadFactory.create_batch(2, company=company, source=source, salesperson=seller)
    few = queries_for_export()
    LeadFactory.create_batch(30, company=company, source=source, salesperson=seller)
    assert queries_for_export() == few


def _many_leads(company, count: int) -> None:
    """``count`` leads in one INSERT … SELECT (factories or bulk_create take a minute for 100k
    rows on a busy machine; the database makes them in a second)."""
    source = LeadSourceFactory(company=company)
    seller = SalespersonFactory(company=company)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s)
            INSERT INTO {Lead._meta.db_table} (version, updated_at, company_id, first_name,
                last_name, organization_name, email, phone, source_id, status, salesperson_id,
                notes, created_at)
            SELECT 1, %s, %s, 'First' || i, 'Last' || i, 'Organization ' || i || ' GmbH',
                'lead' || i || '@example.com', '+49 30 ' || i, %s, 'new', %s, '', %s
            FROM n""",
            [count, now, company.pk, source.pk, seller.pk, now],
        )
    assert Lead.objects.filter(company=company).count() == count


def _peak_while_reading(response) -> tuple[int, int]:
    """(bytes of the file, the peak of Python's memory while it was read)."""
    tracemalloc.start()
    try:
        size = 0
        token = state.set({})
        try:
            for chunk in response.streaming_content:
                size += len(chunk)
        finally:
            state.reset(token)
        return size, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# 100,000 rows: about 15 MB of CSV, which a list read into memory would hold several times over.
MEMORY_ROWS = 100_000
MEMORY_BOUND = 8 * 1024 * 1024


def test_a_100k_row_csv_export_stays_under_a_fixed_memory_bound(member_client, company):
    _many_leads(company, MEMORY_ROWS)
    response = member_client.get(LEADS, {"export": "csv"})
    size, peak = _peak_while_reading(response)
    assert size > 10 * 1024 * 1024  # the whole file went through
    print(f"CSV, {MEMORY_ROWS} rows: {size / 2**20:.1f} MiB, peak {peak / 2**20:.2f} MiB")
    assert peak < MEMORY_BOUND, f"{peak / 2**20:.1f} MiB for {size / 2**20:.1f} MiB of CSV"


@pytest.mark.postgres
def test_a_100k_row_xlsx_export_stays_under_a_fixed_memory_bound(member_client, company):
    """Run on PostgreSQL only: tracing every allocation makes it 20-25 s on a quiet machine
    (the CSV test above is the one the SQLite run keeps)."""
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL run only, to keep the SQLite run short")
    _many_leads(company, MEMORY_ROWS)
    response = member_client.get(LEADS, {"export": "xlsx"})
    size, peak = _peak_while_reading(response)
    assert size > 2 * 1024 * 1024
    print(f"XLSX, {MEMORY_ROWS} rows: {size / 2**20:.1f} MiB, peak {peak / 2**20:.2f} MiB")
    assert peak < MEMORY_BOUND, f"{peak / 2**20:.1f} MiB for {size / 2**20:.1f} MiB of XLSX"


def test_a_list_too_long_for_a_spreadsheet_is_refused_with_a_reason(
    member_client, leads, monkeypatch
):
    monkeypatch.setattr(files, "XLSX_MAX_ROWS", 3)
    response = member_client.get(LEADS, {"status": "", "export": "xlsx"})
    assert response.status_code == 302
    assert response["Location"] == f"{LEADS}?status="
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert "at most 3 rows" in message and "CSV" in message
    # Three rows fit.
    assert member_client.get(LEADS, {"status": "contacted", "export": "xlsx"}).status_code == 200


# --- every list ----------------------------------------------------------------------------------


def _quotation(company):
    customer = CustomerFactory(company=company, name="Quoted Customer")
    return selling.quotation_create(customer=customer, actor=None)


def _order(company):
    customer = CustomerFactory(company=company, name="Ordering Customer")
    return selling.order_create(customer=customer, actor=None)


LISTS = {
    "leads:lead_list": (lambda company: LeadFactory(company=company, last_name="Row"), "Row"),
    "leads:opportunity_list": (
        lambda company: OpportunityFactory(company=company, title="Row deal"),
        "Row deal",
    ),
    "customers:customer_list": (
        lambda company: CustomerFactory(company=company, name="Row Customer"),
        "Row Customer",
    ),
    "selling:quotation_list": (_quotation, "Quoted Customer"),
    "selling:order_list": (_order, "Ordering Customer"),
    "addressbook:address_list": (
        lambda company: AddressFactory(company=company, street="1 Row Street"),
        "1 Row Street",
    ),
    "addressbook:contact_list": (
        lambda company: ContactFactory(company=company, last_name="Rowe"),
        "Rowe",
    ),
    "crm:partner_list": (
        lambda company: IndividualPartnerFactory(company=company, email="row@partner.example"),
        "row@partner.example",
    ),
    "crm:salesperson_list": (
        lambda company: SalespersonFactory(company=company, name="Row Seller"),
        "Row Seller",
    ),
    "crm:product_list": (
        lambda company: ProductFactory(company=company, name="Row Product"),
        "Row Product",
    ),
}


@pytest.mark.parametrize("url_name", LISTS)
def test_every_list_exports_its_rows_and_only_its_companys(
    member_client, company, other_company, url_name
):
    leads_defaults_apply(company)
    customers_defaults_apply(company)
    make, shown = LISTS[url_name]
    make(company)
    with scopes_disabled(), _other_companys_defaults(other_company):
        make(other_company)
    url = reverse(url_name)

    page = member_client.get(url).content.decode()
    assert "export=csv" in page and "export=xlsx" in page

    csv_file = csv_rows(member_client.get(url, {"export": "csv"}))
    xlsx_file = xlsx_rows(member_client.get(url, {"export": "xlsx"}))
    for rows in (csv_file, xlsx_file):
        found = [row for row in rows[1:] if shown in row]
        assert len(found) == 1, rows  # one company's row: the other's copy is not there
    assert csv_file[0] == xlsx_file[0]
    assert len(csv_file) == len(xlsx_file)


class _other_companys_defaults:
    """The other company's stages and customer types, made as its own setup would."""

    def __init__(self, company):
        self.company = company

    def __enter__(self):
        leads_defaults_apply(self.company)
        customers_defaults_apply(self.company)

    def __exit__(self, *exc):
        return False


def test_amounts_are_numbers_and_dates_are_dates_in_xlsx(member_client, company):
    leads_defaults_apply(company)
    customers_defaults_apply(company)
    quotation = _quotation(company)
    rows = xlsx_rows(member_client.get(reverse("selling:quotation_list"), {"export": "xlsx"}))
    assert column(rows, "Number") == [quotation.number]
    assert column(rows, "Gross total") == [0]
    assert isinstance(column(rows, "Date")[0], datetime)  # Excel's dates are datetimes
    assert column(rows, "Date")[0].date() == quotation.quotation_date
    assert isinstance(quotation.quotation_date, date)


def test_ids_are_numbers_in_xlsx(member_client, company, leads):
    rows = xlsx_rows(member_client.get(LEADS, {"sort": "name", "export": "xlsx"}))
    ids = column(rows, "ID")
    assert all(isinstance(pk, int) for pk in ids)
    assert set(ids) == {lead.pk for lead in leads.values()}


def test_a_csv_export_imports_again_as_it_was(member_client, company, other_company):
    # The apostrophe that defuses "+4930…" and "=HYPERLINK(…)" is the export's, not the value's:
    # the file read back by the import gives the stored values.
    from crm.imports.kinds import get_import_kind, guess_columns
    from crm.imports.reading import read_table

    LeadFactory(
        company=company,
        first_name='=HYPERLINK("http://x")',
        last_name="Olsen",
        phone="+493012345678",
        email="ole@example.com",
    )
    data = body(member_client.get(LEADS, {"export": "csv"}))
    assert b"'+493012345678" in data  # defused for a spreadsheet

    table = read_table(data, filename="leads.csv")
    kind = get_import_kind("leads")
    columns = guess_columns(kind, table.headers)
    (row,) = list(table.rows())
    values = {name: row[table.headers.index(header)] for header, name in columns.items() if name}
    assert values["phone"] == "+493012345678"
    assert values["first_name"] == '=HYPERLINK("http://x")'
    assert values["last_name"] == "Olsen"
