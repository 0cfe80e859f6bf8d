"""manage.py generate_data: counts, reproducibility, valid rows, safety and bad input."""

import threading
from collections import Counter
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from addressbook.models import Address, AddressLink, Contact, ContactLink
from crm.models import (
    Company,
    GeneratedDataset,
    Membership,
    NumberSequence,
    Product,
    SalesPartner,
    Salesperson,
)
from crm.sample.generate import ids_reserve
from customers.models import Customer, CustomerLink, phone_digits
from leads.models import (
    Lead,
    Opportunity,
    OpportunityStage,
    OpportunityStageChange,
    WishListItem,
)
from selling.models import Quotation, QuotationItem, SalesOrder, SalesOrderItem
from selling.services import quotation_create
from tests.conftest import at_noon, login_as
from tests.factories import CustomerFactory, LeadFactory, SalespersonFactory

PLAN = {
    "leads": 60,
    "customers": 40,
    "opportunities": 24,
    "quotations": 18,
    "orders": 7,
    "addresses-per-record": 2,
    "batch-size": 16,
}


def generate(slug="gen", *extra, **options):
    """Run the command with ``PLAN`` (overridden by ``options``); (stdout, stderr)."""
    plan = {**PLAN, **{key.replace("_", "-"): value for key, value in options.items()}}
    args = ["--company", slug, *extra]
    for name, value in plan.items():
        if value is not None:
            args += [f"--{name}", str(value)]
    out, err = StringIO(), StringIO()
    call_command("generate_data", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def company_of(slug):
    with scopes_disabled():
        return Company.objects.get(slug=slug)


def row_counts():
    """Every CRM table's row count, all companies together."""
    from django.apps import apps

    with scopes_disabled():
        return {
            model._meta.label: model._base_manager.count()
            for model in apps.get_models()
            if model._meta.app_label in {"crm", "addressbook", "leads", "customers", "selling"}
        }


def owner_links(model, link_model, company):
    owner_type = ContentType.objects.get_for_model(model)
    return link_model.objects.filter(company=company, owner_type=owner_type)


@pytest.fixture
def generated(db):
    generate()
    company = company_of("gen")
    with scope(company=company):
        yield company


# --- what it makes -------------------------------------------------------------------------


def test_counts_match_the_arguments(generated):
    company = generated
    assert Lead.objects.filter(company=company).count() == 60
    assert Opportunity.objects.filter(company=company).count() == 24
    assert Customer.objects.filter(company=company).count() == 40
    assert Quotation.objects.filter(company=company).count() == 18
    assert SalesOrder.objects.filter(company=company).count() == 7
    # Every opportunity comes from a lead, which is converted.
    assert Lead.objects.filter(company=company, status=Lead.Status.CONVERTED).count() == 24
    assert not Opportunity.objects.filter(company=company, lead__isnull=True).exists()
    # Two addresses and two contacts per lead and per customer entered directly; converted
    # customers share their lead's.
    direct = Customer.objects.filter(company=company, lead__isnull=True).count()
    assert Address.objects.filter(company=company).count() == 2 * (60 + direct)
    assert Contact.objects.filter(company=company).count() == 2 * (60 + direct)
    for model, count in ((Lead, 60), (Opportunity, 24), (Customer, 40)):
        assert owner_links(model, AddressLink, company).count() == 2 * count
        assert owner_links(model, ContactLink, company).count() == 2 * count
    ordered = Quotation.objects.filter(company=company, status=Quotation.Status.ORDERED)
    assert ordered.count() == 7
    assert set(ordered.values_list("pk", flat=True)) == set(
        SalesOrder.objects.filter(company=company).values_list("quotation", flat=True)
    )


def test_no_addresses_or_contacts_when_none_are_asked_for(db):
    generate("bare", addresses_per_record=0)
    company = company_of("bare")
    with scope(company=company):
        assert Lead.objects.filter(company=company).count() == 60
        assert not Address.objects.filter(company=company).exists()
        assert not ContactLink.objects.filter(company=company).exists()
        assert SalesOrder.objects.filter(company=company).count() == 7


def test_the_report_names_rows_and_speed_per_table(db):
    out, err = generate()
    assert "leads.Lead" in out and "60" in out
    assert "addressbook.AddressLink" in out
    assert "rows/s overall" in out
    assert "Steps: reference" in out and "selling" in out
    assert "Leads [" in err and "100%" in err  # the progress bar, on stderr


def test_a_new_company_gets_the_defaults_and_an_owner(db):
    generate(
        "acme-gen",
        company_name="Acme Generated",
        leads=5,
        customers=2,
        quotations=0,
        orders=0,
        opportunities=0,
    )
    company = company_of("acme-gen")
    assert company.name == "Acme Generated"
    with scope(company=company):
        assert OpportunityStage.objects.filter(company=company).count() == 6
        owner = Membership.objects.get(company=company)
        assert owner.role == Membership.Role.OWNER
        assert owner.user.email == "owner@acme-gen.example"
        # No salespeople, partners or products: generated ones, and the leads use them.
        assert Salesperson.objects.filter(company=company, user=None).count() == 12
        assert SalesPartner.objects.filter(company=company).exists()
        assert Product.objects.filter(company=company, is_active=True).exists()
        dataset = GeneratedDataset.objects.get(company=company)
    assert dataset.counts["requested"]["leads"] == 5
    assert dataset.counts["rows"]["leads.Lead"] == 5
    assert dataset.seed == 2026


def test_the_admin_lists_the_companys_runs_only(generated, client):
    from django.contrib.auth.models import Permission

    generate("elsewhere", leads=1, customers=1, opportunities=0, quotations=0, orders=0)
    owner = Membership.objects.get(company=generated).user
    owner.user_permissions.set(Permission.objects.filter(codename="view_generateddataset"))
    login_as(client, owner, generated)
    body = client.get(reverse("admin:crm_generateddataset_changelist")).content.decode()
    assert "1 generated dataset" in body
    assert (
        f"{sum(GeneratedDataset.objects.get(company=generated).counts['rows'].values()):,}" in body
    )


def test_an_existing_team_is_used_not_replaced(db):
    with scopes_disabled():
        company = Company.objects.create(name="Initech", slug="initech")
        team = [SalespersonFactory(company=company) for _ in range(3)]
    generate("initech", leads=40, customers=10, quotations=0, orders=0, opportunities=5)
    with scope(company=company):
        assert Salesperson.objects.filter(company=company).count() == 3
        used = set(Lead.objects.filter(company=company).values_list("salesperson", flat=True))
    assert {seller.pk for seller in team} <= used


def test_values_look_real(generated):
    company = generated
    for lead in Lead.objects.filter(company=company):
        assert lead.first_name and lead.last_name
        if lead.email:
            assert "@" in lead.email and lead.email.endswith(".example")
        if lead.status == Lead.Status.LOST:
            assert lead.lost_reason_id is not None
    with_organization = Lead.objects.filter(company=company).exclude(organization_name="")
    assert with_organization.exists()
    address = Address.objects.filter(company=company).first()
    assert address.street and address.city and len(address.country) == 2
    for customer in Customer.objects.filter(company=company):
        assert customer.phone_digits == phone_digits(customer.phone)
    child = Customer.objects.filter(company=company, parent__isnull=False).first()
    assert child is not None and child.parent.pk < child.pk and child.parent.parent is None
    times = list(
        Lead.objects.filter(company=company).order_by("pk").values_list("created_at", flat=True)
    )
    assert times == sorted(times)  # ids grow with time, as in a real table
    assert (times[-1] - times[0]).days > 600  # spread over two years


def test_generated_rows_pass_model_validation(generated):
    """A sample of each model (full_clean queries for every unique constraint)."""
    company = generated
    for model in (
        Lead,
        Opportunity,
        OpportunityStageChange,
        WishListItem,
        Customer,
        CustomerLink,
        Quotation,
        QuotationItem,
        SalesOrder,
        SalesOrderItem,
        Address,
        Contact,
        AddressLink,
        ContactLink,
    ):
        rows = list(model.objects.filter(company=company).order_by("?")[:25])
        assert rows, model
        for row in rows:
            row.full_clean()
    # Foreign keys (checked at commit by Django's deferred constraints) hold now.
    connection.check_constraints()


def test_opportunities_are_converted_leads_with_history(generated):
    company = generated
    first_open = (
        OpportunityStage.objects.filter(company=company, kind=OpportunityStage.Kind.OPEN)
        .order_by("order", "pk")
        .first()
    )
    for opportunity in Opportunity.objects.filter(company=company).select_related("lead", "stage"):
        assert opportunity.lead.status == Lead.Status.CONVERTED
        assert opportunity.salesperson_id == opportunity.lead.salesperson_id
        assert opportunity.probability == opportunity.stage.probability
        history = list(opportunity.stage_changes.order_by("changed_at", "pk"))
        assert history[0].from_stage is None and history[0].to_stage == first_open
        assert history[-1].to_stage == opportunity.stage
        for before, after in zip(history, history[1:], strict=False):
            assert after.from_stage == before.to_stage
            assert after.changed_at >= before.changed_at
        if opportunity.stage.kind == OpportunityStage.Kind.LOST:
            assert opportunity.lost_reason_id and history[-1].lost_reason_id
        lead_items = sorted(
            WishListItem.objects.filter(lead=opportunity.lead).values_list("product", "quantity")
        )
        assert lead_items
        assert lead_items == sorted(opportunity.wish_list.values_list("product", "quantity"))


def test_a_lead_its_opportunity_and_customer_share_address_and_contact_rows(generated):
    company = generated
    converted = Customer.objects.filter(company=company, opportunity__isnull=False)
    assert converted.exists()
    for customer in converted.select_related("opportunity", "lead"):
        assert CustomerLink.objects.get(customer=customer).opportunity == customer.opportunity
        rows = []
        for owner in (customer.lead, customer.opportunity, customer):
            links = AddressLink.objects.filter(
                company=company,
                owner_type=ContentType.objects.get_for_model(owner),
                owner_id=owner.pk,
            )
            rows.append(sorted(links.values_list("address", flat=True)))
            assert links.filter(is_primary=True).count() == 1
        assert rows[0] == rows[1] == rows[2]
        assert customer.opportunity.stage.kind == OpportunityStage.Kind.WON


def test_the_lead_page_shows_its_generated_addresses_and_contacts(generated, client):
    company = generated
    owner = Membership.objects.get(company=company).user
    login_as(client, owner, company)
    lead = Lead.objects.filter(company=company).order_by("pk").first()
    address_ids = owner_links(Lead, AddressLink, company).filter(owner_id=lead.pk)
    contact_ids = owner_links(Lead, ContactLink, company).filter(owner_id=lead.pk)
    response = client.get(reverse("leads:lead_detail", args=[lead.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    for link in address_ids.select_related("address"):
        assert link.address.street in page
    for link in contact_ids.select_related("contact"):
        assert link.contact.last_name in page


def test_stored_totals_agree_with_the_pricing(generated):
    out = StringIO()
    call_command("verify_figures", "--company", "gen", stdout=out, stderr=StringIO())
    assert "Every stored figure agrees" in out.getvalue()
    assert "Checked 25 documents, " in out.getvalue()
    # verify_figures holds the lifetime sales values to the booked orders; some must have any.
    with scope(company=generated):
        assert Customer.objects.filter(company=generated, lifetime_sales_value__gt=0).exists()


def test_orders_copy_their_quotation(generated):
    company = generated
    for order in SalesOrder.objects.filter(company=company).select_related("quotation"):
        quotation = order.quotation
        assert order.customer_id == quotation.customer_id
        assert order.gross_total == quotation.gross_total
        assert order.order_date >= quotation.quotation_date
        assert [item.quotation_item_id for item in order.items.order_by("position")] == list(
            quotation.items.order_by("position").values_list("pk", flat=True)
        )


def test_numbers_continue_the_counters_and_the_app_takes_the_next(generated):
    company = generated
    for model in (Quotation, SalesOrder):
        numbers = Counter()
        for number in model.objects.filter(company=company).values_list("number", flat=True):
            prefix, year, serial = number.split("-")
            numbers[(prefix, int(year))] = max(numbers[(prefix, int(year))], int(serial))
        for (prefix, year), highest in numbers.items():
            counter = NumberSequence.objects.get(company=company, prefix=prefix, year=year)
            assert counter.last_number == highest
            count = model.objects.filter(company=company, number__startswith=f"{prefix}-{year}-")
            assert count.count() == highest  # gapless
    customer = Customer.objects.filter(company=company, status=Customer.Status.ACTIVE).first()
    with at_noon():  # time_machine: the year read here is the year the quotation is numbered in
        year = timezone.localdate().year
        counter = NumberSequence.objects.filter(company=company, prefix="QTN", year=year).first()
        assert counter is not None and counter.last_number > 0  # generated documents this year
        with transaction.atomic():
            quotation = quotation_create(customer=customer, actor=None)
    assert quotation.number == f"QTN-{year}-{counter.last_number + 1:05d}"
    assert Quotation.objects.filter(company=company, number=quotation.number).count() == 1


def test_a_new_row_after_generation_gets_a_free_id(generated):
    company = generated
    highest = Lead.objects.filter(company=company).order_by("-pk").first().pk
    lead = LeadFactory(company=company)
    assert lead.pk > highest


# --- the same seed, the same data ----------------------------------------------------------


def _names(slug):
    company = company_of(slug)
    with scope(company=company):
        return (
            list(
                Lead.objects.filter(company=company)
                .order_by("pk")
                .values_list("first_name", "last_name", "organization_name", "email", "status")
            ),
            list(
                Customer.objects.filter(company=company).order_by("pk").values_list("name", "email")
            ),
            list(
                Quotation.objects.filter(company=company)
                .order_by("pk")
                .values_list("number", "status", "gross_total")
            ),
            list(
                Address.objects.filter(company=company).order_by("pk").values_list("street", "city")
            ),
        )


def test_the_same_seed_gives_the_same_values(db):
    generate("first", seed=7)
    generate("second", seed=7, batch_size=5)  # batches do not change the values
    generate("third", seed=8)
    assert _names("first") == _names("second")
    assert _names("first")[0] != _names("third")[0]


# --- safety --------------------------------------------------------------------------------


def test_a_company_with_real_data_is_refused_and_kept_as_it_was(db):
    with scopes_disabled():
        company = Company.objects.create(name="Northwind", slug="northwind")
        LeadFactory(company=company)
        CustomerFactory(company=company)
    before = row_counts()
    with pytest.raises(CommandError, match="real data.*1 leads.*--force"):
        generate("northwind")
    assert row_counts() == before


def test_force_adds_generated_rows_to_a_company_with_real_data(db):
    with scopes_disabled():
        company = Company.objects.create(name="Northwind", slug="northwind")
        LeadFactory(company=company)
    generate("northwind", "--force", quotations=0, orders=0)
    with scope(company=company):
        assert Lead.objects.filter(company=company).count() == 61
        assert GeneratedDataset.objects.get(company=company).counts["forced"] is True


def test_a_generated_company_can_be_generated_into_again(generated):
    generate("gen", leads=10, customers=5, opportunities=2, quotations=2, orders=1)
    company = generated
    assert Lead.objects.filter(company=company).count() == 70
    assert GeneratedDataset.objects.filter(company=company).count() == 2
    # The first run's documents kept their numbers; the second run's came after them.
    numbers = list(Quotation.objects.filter(company=company).values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 20
    out = StringIO()
    call_command("verify_figures", "--company", "gen", stdout=out, stderr=StringIO())
    assert "Every stored figure agrees" in out.getvalue()


def test_a_company_changed_by_hand_after_generation_has_real_data(generated):
    LeadFactory(company=generated)
    with pytest.raises(CommandError, match="real data"):
        generate("gen", leads=1, customers=0, quotations=0, orders=0, opportunities=0)


def test_another_company_is_untouched_and_not_counted(db):
    with scopes_disabled():
        other = Company.objects.create(name="Globex", slug="globex")
        LeadFactory(company=other)
        CustomerFactory(company=other)
    with scopes_disabled():
        before = {
            model: model.objects.filter(company=other).count()
            for model in (Lead, Customer, Address, AddressLink, Quotation)
        }
    generate()  # the other company's real data does not make "gen" refuse
    with scopes_disabled():
        after = {model: model.objects.filter(company=other).count() for model in before}
        total_leads = Lead.objects.count()
    assert after == before
    assert total_leads == 61


def test_a_run_that_fails_half_way_leaves_nothing(db, monkeypatch):
    from selling import generate as selling_generate

    def broken(run):
        raise RuntimeError("disk full")

    monkeypatch.setattr(selling_generate, "_DocumentMaker", broken)
    before = row_counts()
    with pytest.raises(RuntimeError):
        generate()
    assert row_counts() == before


# --- bad arguments -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"leads": -1}, "negative"),
        ({"customers": "many"}, "not a whole number"),
        ({"opportunities": 61}, "cannot be more than --leads"),
        ({"orders": 19}, "cannot be more than --quotations"),
        ({"customers": 0, "orders": 1}, "--orders needs --customers"),
        ({"customers": 0, "opportunities": 0, "orders": 0}, "--quotations needs"),
        ({"addresses-per-record": 21}, "between 0 and 20"),
        ({"batch-size": 0}, "1 or more"),
    ],
)
def test_bad_arguments_are_refused_and_change_nothing(db, options, message):
    before = row_counts()
    with pytest.raises(CommandError, match=message):
        generate(**options)
    assert row_counts() == before


def test_a_pipeline_without_an_open_stage_takes_leads_but_no_opportunities(db):
    with scopes_disabled():
        company = Company.objects.create(name="Closed", slug="closed")
        OpportunityStage.objects.create(
            company=company, name="Done", order=1, kind=OpportunityStage.Kind.WON
        )
    before = row_counts()
    with pytest.raises(CommandError, match="no open opportunity stage"):
        generate("closed", quotations=0, orders=0)
    assert row_counts() == before
    generate("closed", opportunities=0, quotations=0, orders=0)
    with scope(company=company):
        assert Lead.objects.filter(company=company).count() == 60


def test_an_unknown_option_is_refused(db):
    before = row_counts()
    with pytest.raises(CommandError, match="unrecognized arguments"):
        generate("gen", "--contacts", "5")
    assert row_counts() == before


def test_leads_and_customers_are_required(db):
    with pytest.raises(CommandError, match="--leads"):
        call_command("generate_data", "--company", "gen", "--customers", "1")


# --- ids ------------------------------------------------------------------------------------


def test_reserved_ids_are_skipped_by_normal_inserts(db):
    with scopes_disabled():
        company = Company.objects.create(name="Ids", slug="ids")
        first = LeadFactory(company=company)
        block = ids_reserve(Lead, 50)
        after = LeadFactory(company=company)
    assert block.start > first.pk
    assert after.pk >= block.start + 50


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_concurrent_insert_cannot_take_a_reserved_id():
    """An insert still open in another transaction holds its id; the block starts after it,
    and the reservation waits for it instead of reading the sequence under its feet."""
    if connection.vendor != "postgresql":
        pytest.skip("sequences and table locks need PostgreSQL: set DATABASE_URL")
    with scopes_disabled():
        company = Company.objects.create(name="Ids", slug="ids-concurrent")
    inserted = threading.Event()
    done = {}

    def insert_slowly():
        with scopes_disabled(), transaction.atomic():
            done["lead"] = LeadFactory(company=company).pk
            inserted.set()
            threading.Event().wait(0.5)
        connection.close()

    worker = threading.Thread(target=insert_slowly)
    worker.start()
    inserted.wait(5)
    block = ids_reserve(Lead, 1000)
    worker.join()
    assert block.start > done["lead"]
    with scopes_disabled():
        later = LeadFactory(company=company)
    assert later.pk >= block.start + 1000


# --- foreign keys -----------------------------------------------------------------------------


def dangling_references():
    """Every foreign key value of the CRM's tables that names no row: none may exist."""
    from django.apps import apps

    quote = connection.ops.quote_name
    found = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if model._meta.proxy or model._meta.app_label not in {
                "crm",
                "addressbook",
                "leads",
                "customers",
                "selling",
            }:
                continue
            for field in model._meta.local_concrete_fields:
                if not field.is_relation:
                    continue
                target = field.related_model
                cursor.execute(
                    f"SELECT COUNT(*) FROM {quote(model._meta.db_table)} AS r "
                    f"LEFT JOIN {quote(target._meta.db_table)} AS t "
                    f"ON r.{quote(field.column)} = t.{quote(field.target_field.column)} "
                    f"WHERE r.{quote(field.column)} IS NOT NULL "
                    f"AND t.{quote(field.target_field.column)} IS NULL"
                )
                count = cursor.fetchone()[0]
                if count:
                    found.append((model._meta.label, field.name, count))
    return found


def test_every_foreign_key_of_the_generated_rows_names_a_row(generated):
    assert dangling_references() == []


@pytest.mark.postgres
def test_foreign_key_triggers_on_request_give_the_same_data(db):
    if connection.vendor != "postgresql":
        pytest.skip("the foreign-key triggers are PostgreSQL's: set DATABASE_URL")
    out, _err = generate("with-triggers", "--fk-triggers", seed=3)
    assert "checked once per referenced row" not in out
    out, _err = generate("without-triggers", seed=3)
    assert "checked once per referenced row" in out  # the test database's role may
    assert _names("with-triggers") == _names("without-triggers")
    assert dangling_references() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_referenced_salesperson_cannot_be_deleted_while_the_run_writes():
    """The run holds a key-share lock on the rows it points to, as the foreign-key triggers
    would: a delete waits for the commit and then fails, instead of leaving dangling ids."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: set DATABASE_URL")
    from django.db import IntegrityError

    with scopes_disabled():
        company = Company.objects.create(name="Locks", slug="locks")
        seller = SalespersonFactory(company=company)
    from leads import generate as leads_generate

    started, outcome = threading.Event(), {}
    real_flush = leads_generate._LeadMaker.flush

    def slow_flush(self):
        real_flush(self)
        started.set()
        threading.Event().wait(1)

    def delete_seller():
        started.wait(10)
        try:
            with scopes_disabled(), transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '20s'")
                Salesperson.objects.filter(pk=seller.pk).delete()
        except IntegrityError:
            outcome["refused"] = True
        finally:
            connection.close()

    leads_generate._LeadMaker.flush = slow_flush
    try:
        worker = threading.Thread(target=delete_seller)
        worker.start()
        generate("locks", leads=20, customers=0, opportunities=0, quotations=0, orders=0)
        worker.join()
    finally:
        leads_generate._LeadMaker.flush = real_flush
    assert outcome.get("refused")
    with scopes_disabled():
        assert Salesperson.objects.filter(pk=seller.pk).exists()
        assert Lead.objects.filter(company=company, salesperson=seller).exists()
