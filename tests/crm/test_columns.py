"""List columns (crm.ui.columns): each list declares its columns once; ``?cols=`` picks the ones
shown, a saved view keeps them, and a phone sorts through a "Sort by" select."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.http import QueryDict
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext_noop

from crm.models import SavedView
from crm.money import activate_currency, format_amount, reset_currency
from crm.saved_views import saved_view_create, view_url
from crm.tables import partner_table
from crm.ui.columns import Column, Table, amount, current_language, phrase, text
from leads.tables import lead_table
from selling import services as selling
from tests.crm.helpers import count_queries
from tests.factories import (
    AddressFactory,
    ContactFactory,
    CustomerFactory,
    IndividualPartnerFactory,
    LeadFactory,
    OpportunityFactory,
    ProductFactory,
    SalespersonFactory,
)


def _cell(field):
    return lambda obj, row: text(getattr(obj, field))


PLAIN = Table(
    caption="Things",
    columns=[
        Column("name", "Name", _cell("name"), sort="name"),
        Column("city", "City", _cell("city")),
        Column("email", "E-mail", _cell("email")),
        Column("notes", "Notes", _cell("notes"), optional=True),
    ],
)


def keys(columns):
    return [column.key for column in columns]


# --- choosing columns ------------------------------------------------------------------------


def test_without_a_choice_the_default_columns_show_and_optional_ones_wait():
    assert keys(PLAIN.chosen(None)) == ["name", "city", "email"]
    assert keys(PLAIN.chosen([])) == ["name", "city", "email"]
    assert keys(PLAIN.chosen([""])) == ["name", "city", "email"]


def test_picked_columns_show_optional_ones_included():
    assert keys(PLAIN.chosen(["name,notes"])) == ["name", "notes"]


def test_unknown_keys_are_ignored():
    assert keys(PLAIN.chosen(["email,salary,<script>"])) == ["name", "email"]
    # Nothing known asked for: the defaults, not a table of one column.
    assert keys(PLAIN.chosen(["salary,bonus"])) == ["name", "city", "email"]


def test_the_first_column_cannot_be_hidden():
    assert keys(PLAIN.chosen(["city"])) == ["name", "city"]


def test_columns_keep_their_declared_order_whatever_the_query_says():
    assert keys(PLAIN.chosen(["notes,email,city"])) == ["name", "city", "email", "notes"]


def test_repeated_parameters_count_like_a_comma_list():
    # What the picker form sends without JavaScript: cols=a&cols=b.
    assert keys(PLAIN.chosen(["city", "notes", "city"])) == ["name", "city", "notes"]


def test_a_table_refuses_an_optional_first_column_and_repeated_keys():
    with pytest.raises(ValueError):
        Table(caption="x", columns=[Column("a", "A", _cell("a"), optional=True)])
    with pytest.raises(ValueError):
        Table(caption="x", columns=[Column("a", "A", _cell("a")), Column("a", "B", _cell("b"))])


class Thing:
    pk = 7
    name = "Ada <Lovelace>"
    city = "London"
    email = "ada@example.com"
    notes = "likes & numbers"


def test_cells_are_escaped_and_labelled_for_the_phone_cards():
    request = RequestFactory().get("/things/", {"cols": "name,notes"})
    table = PLAIN.bind([Thing()], request=request, sort_fields={"name"})
    body = str(table.body())
    assert '<td class="cell-primary">Ada &lt;Lovelace&gt;</td>' in body
    assert '<td data-label="Notes">likes &amp; numbers</td>' in body
    assert "London" not in body
    header = str(table.header())
    assert header.count("<th") == 2 and 'aria-sort="none"' in header
    assert "cols=name%2Cnotes" in header  # a sort link keeps the columns


def test_the_picker_offers_every_column_and_keeps_the_rest_of_the_query():
    request = RequestFactory().get("/things/", {"q": "ada", "page": "3", "cols": "city"})
    table = PLAIN.bind([], request=request)
    assert [(c.key, c.shown, c.required) for c in table.choices()] == [
        ("name", True, True),
        ("city", True, False),
        ("email", False, False),
        ("notes", False, False),
    ]
    # The page number goes (the rows change); the search stays; the columns are the form's own.
    assert table.params_without_cols() == [("q", "ada")]
    assert table.params_without_sort() == [("q", "ada"), ("cols", "city")]


# --- every list ------------------------------------------------------------------------------


def _headers(html: str) -> list[str]:
    thead = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    cells = re.findall(r'<th scope="col"([^>]*)>(.*?)</th>', thead, re.S)
    labels = []
    for attributes, cell in cells:
        if "bulk-check" in attributes:  # the "select all" box, not a column
            continue
        words = re.sub(r'<span (class="visually-hidden"|aria-hidden="true")>.*?</span>', "", cell)
        labels.append(unescape(re.sub(r"<[^>]+>", "", words)).strip())
    return [label for label in labels if label]


def _data_labels(html: str) -> set[str]:
    tbody = re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)
    return set(re.findall(r'data-label="([^"]*)"', tbody))


@pytest.fixture
def every_list(company, member):
    """One row on every list."""
    person = SalespersonFactory(company=company, name="Priya Raman", phone="+4930123456")
    LeadFactory(company=company, first_name="Ada", email="ada@example.com", salesperson=person)
    OpportunityFactory(company=company, title="Laptops")
    customer = CustomerFactory(company=company, name="Lovelace Analytics", email="l@example.com")
    selling.quotation_create(customer=customer, actor=member)
    selling.order_create(customer=customer, actor=member)
    AddressFactory(company=company, street="Baker Street 221b", city="London")
    ContactFactory(company=company, first_name="Ada", last_name="Byron", job_title="Buyer")
    IndividualPartnerFactory(company=company, first_name="Paula", last_name="Partner")
    ProductFactory(company=company, sku="OV-200")


# (URL name, the columns asked for, a default column that is then hidden)
LISTS = [
    ("leads:lead_list", "name,status", "E-mail"),
    ("leads:opportunity_list", "title,stage", "Salesperson"),
    ("customers:customer_list", "name,status", "E-mail"),
    ("selling:quotation_list", "number,status", "Salesperson"),
    ("selling:order_list", "number,status", "Salesperson"),
    ("addressbook:address_list", "street,city", "Postal code"),
    ("addressbook:contact_list", "name,email", "Job title"),
    ("crm:partner_list", "name,email", "Commission"),
    ("crm:product_list", "sku,price", "VAT"),
    ("crm:salesperson_list", "name,email", "Manager"),
]


@pytest.mark.parametrize(("url_name", "cols", "hidden"), LISTS)
def test_every_list_hides_a_column_left_out_of_cols(
    member_client, every_list, url_name, cols, hidden
):
    url = reverse(url_name)
    shown = member_client.get(url).text
    assert hidden in _headers(shown)
    assert hidden in _data_labels(shown)
    assert 'class="columns-picker"' in shown

    picked = member_client.get(url, {"cols": cols}).text
    headers = _headers(picked)
    assert hidden not in headers
    assert hidden not in _data_labels(picked)
    assert len(headers) == 2, headers
    # The picker shows what is ticked now: the hidden column's box is not.
    key = cols.split(",")[1]
    assert re.search(rf'id="col-{key}" name="cols" value="{key}" checked', picked)


def test_an_optional_column_shows_when_picked_without_another_query(member_client, company):
    LeadFactory(company=company, first_name="Ada", phone="+49 30 1234567")
    url = reverse("leads:lead_list")
    assert "Phone" not in _headers(member_client.get(url).text)
    LeadFactory.create_batch(4, company=company, phone="+49 30 7654321")
    page = member_client.get(url, {"cols": "name,phone"}).text
    assert _headers(page) == ["Name", "Phone"]
    assert 'href="tel:+49301234567"' in page
    few = count_queries(member_client, f"{url}?cols=name,phone,source,salesperson")
    LeadFactory.create_batch(10, company=company)
    assert count_queries(member_client, f"{url}?cols=name,phone,source,salesperson") == few


def test_picking_columns_is_not_filtering(member_client, company):
    LeadFactory(company=company)
    page = member_client.get(reverse("leads:lead_list"), {"cols": "name,status"}).text
    assert "Clear filters" not in page


def test_the_lists_render_the_same_default_columns_they_always_had(member_client, every_list):
    page = member_client.get(reverse("leads:lead_list")).text
    assert _headers(page) == [
        "Name",
        "Organization",
        "E-mail",
        "Status",
        "Source",
        "Salesperson",
        "Created",
    ]


# --- saved views keep the columns --------------------------------------------------------------


def test_a_saved_view_restores_its_columns(member_client, company, member):
    LeadFactory(company=company, first_name="Ada", status="qualified")
    url = reverse("leads:lead_list")
    response = member_client.post(
        reverse("crm:saved_view_create"),
        {
            "list_key": "leads:lead_list",
            "name": "Slim",
            "query": "status=qualified&cols=name%2Cstatus&page=2",
        },
    )
    assert response.status_code == 302
    view = SavedView.objects.get(name="Slim")
    assert view.query == "cols=name%2Cstatus&status=qualified"

    page = member_client.get(view_url(view)).text
    assert _headers(page) == ["Name", "Status"]
    assert 'aria-current="true">Slim</a>' in page
    assert url in view_url(view)


def test_views_with_other_columns_are_different_views(company, member):
    first = saved_view_create(
        company=company, owner=member, list_key="leads:lead_list", name="A", query="cols=name"
    )
    second = saved_view_create(
        company=company, owner=member, list_key="leads:lead_list", name="B", query=""
    )
    assert first.query != second.query


# --- sorting on a phone ----------------------------------------------------------------------


def test_the_sort_select_offers_each_sortable_column_both_ways(member_client, company):
    LeadFactory(company=company)
    page = member_client.get(
        reverse("leads:lead_list"), {"sort": "status", "status": "new", "cols": "name"}
    ).text
    form = re.search(r'<form class="sort-form".*?</form>', page, re.S).group(0)
    values = re.findall(r'<option value="([^"]*)"', form)
    assert values == [
        "name",
        "-name",
        "organization",
        "-organization",
        "status",
        "-status",
        "created",
        "-created",
    ]
    assert '<option value="status" selected>Status, ascending</option>' in form
    # Sorting keeps the filters and the columns; the page's own sort is the select's.
    assert '<input type="hidden" name="status" value="new">' in form
    assert '<input type="hidden" name="cols" value="name">' in form
    assert 'name="sort" value="status"' not in form


def test_sorting_through_the_select_sorts(member_client, company):
    LeadFactory(company=company, first_name="Zed", last_name="Zulu")
    LeadFactory(company=company, first_name="Abe", last_name="Alpha")
    page = member_client.get(reverse("leads:lead_list"), {"sort": "-name"}).text
    assert page.index("Zed Zulu") < page.index("Abe Alpha")
    page = member_client.get(reverse("leads:lead_list"), {"sort": "name"}).text
    assert page.index("Abe Alpha") < page.index("Zed Zulu")


def test_the_picker_and_the_sort_select_speak_indonesian(member_client, company):
    IndividualPartnerFactory(company=company)
    page = member_client.get(reverse("crm:partner_list"), HTTP_ACCEPT_LANGUAGE="id").text
    assert "Tampilkan kolom" in page and "Urutkan menurut" in page
    assert "Nama, naik" in page


def test_a_list_declares_its_bulk_label_and_urls_per_row(rf, company):
    partner = IndividualPartnerFactory(company=company, first_name="Paula", last_name="P")
    request = rf.get("/partners/")
    request.GET = QueryDict("")
    body = str(partner_table.bind([partner], request=request).body())
    assert format_html('<a href="{}">', partner.get_absolute_url()) in body
    assert lead_table.primary.key == "name"


def test_filtering_without_javascript_keeps_the_columns_picked(member_client, every_list):
    """The filters form is submitted whole without JavaScript: it carries the picked columns."""
    response = member_client.get(reverse("leads:lead_list"), {"cols": "name,status"})
    assert b'<input type="hidden" name="cols" value="name,status">' in response.content
    response = member_client.get(reverse("leads:lead_list"))
    assert (
        b'name="cols" value='
        not in response.content.split(b'class="filters"')[1].split(b"</form>")[0]
    )


def test_the_cell_helpers_write_what_format_html_writes():
    from django.utils.functional import lazy
    from django.utils.html import conditional_escape, format_html
    from django.utils.safestring import mark_safe

    from crm.ui import columns

    lazy_text = lazy(lambda: 'a "lazy" <b>', str)()
    lazy_safe = lazy(lambda: mark_safe("<i>safe</i>"), str)()
    values = ["<b>\"x\" & 'y'</b>", mark_safe("<i>kept</i>"), 42, lazy_text, lazy_safe, "plain"]
    for value in values:
        assert columns.escaped(value) == conditional_escape(value)
        assert columns.badge(value, "primary") == format_html(
            '<span class="{}">{}</span>', "badge badge-primary", value
        )
        assert columns.link('/x?a=1&b="2"', value) == format_html(
            '<a href="{}">{}</a>', '/x?a=1&b="2"', value
        )
        assert columns.link("/x", value, css="doc-number") == format_html(
            '<a class="{}" href="{}">{}</a>', "doc-number", "/x", value
        )
    assert columns.mailto('a&b"@example.com') == format_html(
        '<a href="mailto:{}">{}</a>', 'a&b"@example.com', 'a&b"@example.com'
    )
    assert columns.mailto("") == ""
    assert columns.text("<b>") == "&lt;b&gt;"
    assert columns.text(None) == ""


# --- amounts: the cell writes what crm.money.format_amount writes ---------------------------------

AMOUNTS = [
    Decimal("0"),
    Decimal("0.00"),
    Decimal("-0.004"),
    Decimal("0.005"),
    Decimal("7"),
    Decimal("999.995"),
    Decimal("1234.5"),
    Decimal("-1234.56"),
    Decimal("1500000"),
    Decimal("123456789012.345"),
    "42.10",
    12,
]


@pytest.mark.parametrize("language", ["en", "id"])
@pytest.mark.parametrize("currency", ["", "EUR", "IDR", "JPY"])
@pytest.mark.parametrize("active", ["USD", "IDR"])
def test_an_amount_cell_is_format_amount_in_every_language(language, currency, active):
    token = activate_currency(active)
    try:
        with translation.override(language):
            for value in AMOUNTS:
                assert amount(value, currency) == format_amount(value, currency), value
    finally:
        reset_currency(token)


def test_an_amount_cell_writes_the_places_and_marks_of_its_currency():
    with translation.override("id"):
        assert amount(Decimal("1500000.40"), "IDR") == "1.500.000"
        assert amount(Decimal("1234.5"), "EUR") == "1.234,50"
    with translation.override("en"):
        assert amount(Decimal("1234.5"), "EUR") == "1,234.50"
        assert amount(None) == "" and amount("") == ""


def test_a_cells_wording_follows_the_language_it_is_written_in():
    table = Table(
        caption="Partners",
        columns=[Column("status", "Status", lambda obj, row: phrase(gettext_noop("Active")))],
    )
    rows = [object()]
    with translation.override("id"):
        assert phrase(gettext_noop("net %(net)s")) == "neto %(net)s"
        assert ">Aktif<" in table.bind(rows).body()
    with translation.override("en"):
        assert phrase(gettext_noop("net %(net)s")) == "net %(net)s"
        assert ">Active<" in table.bind(rows).body()
    # Outside a body the language is Django's again.
    assert current_language() == translation.get_language()
