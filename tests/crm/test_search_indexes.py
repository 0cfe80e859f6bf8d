"""What the search and list speed-ups rely on.

- Every searchable model has its trigram index on PostgreSQL, over exactly the columns its
  ``search_fields`` name, and a search query is answered from it (not by reading the table).
- The search finds what people type: any word, in any search column, in any case, and related
  rows through their own documents.
- No list page counts a whole table: every COUNT is bounded by LIST_COUNT_LIMIT, and a searched
  list counts nothing (its page reads one row more).
"""

import pytest
from django.db import connection
from django.db.models.functions import Upper
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from django_scopes import scope, scopes_disabled

from addressbook.models import Address, Contact
from crm.ui.search import matching, search_document
from crm.views.mixins import CompanyListView
from customers.models import Customer
from leads.models import Lead, Opportunity
from selling.models import Quotation, SalesOrder
from tests.factories import CustomerFactory, LeadFactory, OpportunityFactory

SEARCH_INDEXES = {
    Lead: "lead_search_text_trgm",
    Opportunity: "opp_search_trgm",
    Customer: "customer_search_trgm",
    Quotation: "qtn_search_trgm",
    SalesOrder: "so_search_trgm",
    Address: "address_search_trgm",
    Contact: "contact_search_trgm",
}


def _needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("trigram indexes exist on PostgreSQL only: set DATABASE_URL to check them")


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("model", list(SEARCH_INDEXES), ids=lambda model: model.__name__)
def test_every_searchable_model_has_its_trigram_index(model):
    _needs_postgresql()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexname = %s",
            [model._meta.db_table, SEARCH_INDEXES[model]],
        )
        row = cursor.fetchone()
    assert row is not None, f"{SEARCH_INDEXES[model]} is missing"
    definition = row[0]
    column = getattr(model, "search_column", None)
    if column:
        # Over the column that stores the uppercased document, which the database generates.
        assert f"USING gin (company_id, {column} gin_trgm_ops)" in definition
        document = _generated_by(model, column)
        assert document.startswith("upper(")
    else:
        assert "USING gin (company_id, upper(" in definition
        assert "gin_trgm_ops" in definition
        document = definition.split("upper(", 1)[1]
    # Exactly the model's search columns: a column added to search_fields without a migration
    # would make every search read the whole table again.
    columns = {field.column for field in model._meta.concrete_fields}
    indexed = {column for column in columns if f"({column}" in document}
    assert indexed == {model._meta.get_field(name).column for name in model.search_fields}


def _generated_by(model, column: str) -> str:
    """The expression PostgreSQL generates ``column`` of ``model``'s table from."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generation_expression FROM information_schema.columns "
            "WHERE table_name = %s AND column_name = %s AND is_generated = 'ALWAYS'",
            [model._meta.db_table, column],
        )
        row = cursor.fetchone()
    assert row is not None, f"{model._meta.db_table}.{column} is not a generated column"
    return row[0]


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("model", list(SEARCH_INDEXES), ids=lambda model: model.__name__)
def test_a_search_is_answered_from_the_index(model):
    """The query's expression must be the index's, character for character, or PostgreSQL
    quietly reads the table instead. PostgreSQL prints both the same way once parsed (but for
    the constants the planner folds), so the search condition in the plan must be the indexed
    expression itself. (Whether the planner
    then picks the index depends on the table's size; the benchmark's EXPLAIN shows it does.)"""
    _needs_postgresql()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexname = %s",
            [model._meta.db_table, SEARCH_INDEXES[model]],
        )
        definition = cursor.fetchone()[0]
    expression = definition.split("gin (company_id, ", 1)[1].rsplit(" gin_trgm_ops)", 1)[0]
    # The planner folds constants the stored index definition keeps: COALESCE(' ', '') is ' '.
    expression = expression.replace("COALESCE(' '::text, ''::text)", "' '::text")
    with scopes_disabled():
        queryset = matching(model.objects.all(), ["schm"]).order_by().values("pk")
        sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f"{expression} ~~ '%SCHM%'" in plan, (expression, plan)


def _search_sql(model, document):
    with scopes_disabled():
        own = model.objects.alias(d=document).filter(d__icontains="schm").values("pk")
        nested = model.objects.filter(pk__in=own[:101])  # inside a subquery the table is U0
        return own.query.sql_with_params(), nested.query.sql_with_params()


@pytest.mark.django_db
@pytest.mark.parametrize("model", list(SEARCH_INDEXES), ids=lambda model: model.__name__)
def test_the_search_document_is_the_indexed_expression_to_the_character(model):
    """``search_document`` writes out the SQL of ``Concat`` (the expression the indexes are
    made of) itself, to spare its Python: it must stay the same text, constants included, on
    this database (and on the other: the suite runs on both)."""
    from crm.ui.search import _concatenated, search_document

    fields = model.search_fields
    assert _search_sql(model, search_document(fields)) == _search_sql(model, _concatenated(fields))


@pytest.mark.django_db
def test_a_document_with_a_column_that_is_no_text_is_left_to_concat():
    from crm.ui.search import _concatenated, search_document

    fields = ("first_name", "created_at", "last_name")
    assert _search_sql(Lead, search_document(fields)) == _search_sql(Lead, _concatenated(fields))


@pytest.mark.django_db
def test_every_word_must_occur_somewhere_in_any_case(company):
    anna = LeadFactory(company=company, first_name="Anna", last_name="Schmidt", email="")
    LeadFactory(company=company, first_name="Anna", last_name="Berg", email="")
    LeadFactory(
        company=company,
        first_name="Jo",
        last_name="Kurz",
        organization_name="Schmitz GmbH",
        email="",
    )
    with scope(company=company):
        leads = Lead.objects.filter(company=company)
        assert list(matching(leads, ["schm", "ANNA"])) == [anna]
        assert matching(leads, ["schm"]).count() == 2
        # A word never spans two columns: "annaschmidt" is nobody's.
        assert not matching(leads, ["annaschmidt"]).exists()


@pytest.mark.django_db
def test_related_rows_are_searched_through_their_own_documents(company, other_company):
    lead = LeadFactory(company=company, first_name="Greta", last_name="Olsen", email="g@olsen.dk")
    opportunity = OpportunityFactory(company=company, lead=lead, title="Office chairs")
    OpportunityFactory(company=company, title="Desks")
    # Another company's lead with the same name must not bring this company's rows along.
    LeadFactory(company=other_company, first_name="Greta", last_name="Olsen")
    with scope(company=company):
        found = matching(
            Opportunity.objects.filter(company=company),
            ["olsen.dk"],
            related=("lead",),
            company=company,
        )
        assert list(found) == [opportunity]


@pytest.mark.django_db
def test_a_lead_is_found_by_its_stored_text_as_its_names_change(company):
    """The lead's search document is a column the database keeps: it follows every write,
    the service's, a bulk update's, and letters Python and the database uppercase apart."""
    lead = LeadFactory(company=company, first_name="Jürgen", last_name="Weiß", email="", phone="")
    with scope(company=company):
        leads = Lead.objects.filter(company=company)
        assert list(matching(leads, ["weiß", "jürg"])) == [lead]
        assert list(matching(leads, ["WEI"])) == [lead]
        leads.filter(pk=lead.pk).update(last_name="Kraus")
        assert not matching(leads, ["weiß"]).exists()
        assert list(matching(leads, ["kRaUs"])) == [lead]
        lead.refresh_from_db()
        assert lead.search_text == Lead.objects.values_list(
            Upper(search_document(Lead.search_fields)), flat=True
        ).get(pk=lead.pk)


@pytest.mark.django_db
def test_customers_are_found_by_e_mail_and_phone(company):
    customer = CustomerFactory(company=company, name="Acme", email="buy@acme.test", phone="0301234")
    with scope(company=company):
        customers = Customer.objects.filter(company=company)
        assert list(matching(customers, ["ACME.TEST"])) == [customer]
        assert list(matching(customers, ["1234"])) == [customer]


# --- no list counts a whole table ---------------------------------------------------------------


def _list_urls():
    """Every routed list page (a CompanyListView without URL arguments)."""
    found = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                view = getattr(pattern.callback, "view_class", None)
                route = prefix + str(pattern.pattern)
                if view and issubclass(view, CompanyListView) and "<" not in route:
                    found.append("/" + route.lstrip("^").rstrip("$"))

    walk(get_resolver().url_patterns)
    return sorted(found)


def test_the_walk_finds_the_big_lists():
    urls = _list_urls()
    for expected in ("/leads/", "/customers/", "/selling/quotations/", "/selling/orders/"):
        assert expected in urls


@pytest.mark.django_db
@pytest.mark.parametrize("url", _list_urls())
def test_list_pages_never_count_without_a_limit(url, member_client, settings):
    settings.LIST_COUNT_LIMIT = 7
    with CaptureQueriesContext(connection) as captured:
        response = member_client.get(url)
    assert response.status_code == 200
    counts = [q["sql"] for q in captured if "COUNT(" in q["sql"].upper()]
    # Or it adds up the figures the database keeps per key (crm.ui.pagination.KeptCount).
    kept = [q["sql"] for q in captured if "(SELECT SUM(" in q["sql"]]
    assert counts or kept, f"{url} shows no count"
    for sql in counts:
        assert "LIMIT 8" in sql.upper(), f"{url} counts without a bound: {sql}"
    # A searched list does not count its matches: its page reads one row more than it shows.
    with CaptureQueriesContext(connection) as captured:
        response = member_client.get(url, {"q": "a"})
    assert response.status_code == 200
    # (A row's own figures may be counted in the page's query: COUNT in a subquery.)
    counts = [q["sql"] for q in captured if q["sql"].upper().startswith("SELECT COUNT(")]
    assert not counts, f"{url} counts the matches of a search: {counts}"
