"""Change history (crm.audit): every write path leaves who changed which field from what to
what; the record's timeline and the admin's History page show it, within the company."""

import datetime
import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from crm.audit import AuditedCommand, audit_context, bulk_create_audited, is_tracked
from crm.models import Membership
from crm.phones import display_phone
from customers.models import Customer
from selling import services as selling
from selling.models import Quotation, QuotationItem
from tests.conftest import login_as
from tests.factories import (
    CustomerFactory,
    CustomerUserFactory,
    LeadFactory,
    MembershipFactory,
    ProductFactory,
)

# The business records (issue 15): each must record its changes.
TRACKED = [
    "addressbook.Address",
    "addressbook.Contact",
    "crm.Product",
    "crm.IndividualPartner",
    "crm.OrganizationPartner",
    "leads.Lead",
    "leads.Opportunity",
    "leads.WishListItem",
    "customers.Customer",
    "customers.CustomerGroup",
    "customers.CustomerType",
    "selling.Quotation",
    "selling.QuotationItem",
    "selling.SalesOrder",
    "selling.SalesOrderItem",
]


def changes_of(record):
    """(field, old, new, user, reason) of each recorded change, newest first."""
    rows = list(record.history.select_related("history_user").order_by("-history_id"))
    found = []
    for newer, older in zip(rows, rows[1:], strict=False):
        delta = newer.diff_against(older)
        for change in delta.changes:
            found.append(
                (
                    change.field,
                    change.old,
                    change.new,
                    newer.history_user,
                    newer.history_change_reason,
                    newer.history_portal_actor,
                )
            )
    return found


@pytest.fixture
def staff(company):
    user = MembershipFactory(
        company=company,
        role=Membership.Role.ADMIN,
        user__is_staff=True,
        user__first_name="Dana",
        user__last_name="Reyes",
    ).user
    user.user_permissions.set(Permission.objects.all())
    return user


@pytest.fixture
def staff_client(client, staff, company):
    return login_as(client, staff, company)


# --- what is tracked ------------------------------------------------------------------------


@pytest.mark.parametrize("label", TRACKED)
def test_every_business_record_is_tracked(label):
    assert is_tracked(apps.get_model(label)), f"{label} records no change history"


def test_every_historical_table_is_a_company_table():
    """Row-level security, the backup and the scopes cover a table through its company."""
    from crm.tenancy import company_tables

    tables = set(company_tables())
    for label in TRACKED:
        history_model = apps.get_model(label).history.model
        assert history_model in tables, label


def test_every_writing_command_is_audited():
    """A command of ours that writes records says so in the history."""
    from django.core.management import get_commands, load_command_class

    # Reading the database, or writing only files (the translation catalogues).
    read_only = {
        "ensure_database",
        "export_company",
        "check_phone_numbers",
        "compile_catalogues",
        "check_catalogues",
        "update_catalogues",
    }
    ours = {
        name: app
        for name, app in get_commands().items()
        if app in {"crm", "leads", "customers", "selling", "portal", "addressbook"}
    }
    assert "expire_quotations" in ours
    for name, app in ours.items():
        if name in read_only:
            continue
        assert isinstance(load_command_class(app, name), AuditedCommand), name


# --- every write path -----------------------------------------------------------------------


def edit_data(client, url):
    form = client.get(url).context["form"]
    return {name: form[name].value() or "" for name in form.fields}


def test_a_page_edit_records_the_staff_user_and_old_and_new(staff_client, company, staff):
    customer = CustomerFactory(company=company, phone="+49301111111")
    url = reverse("customers:customer_update", args=[customer.pk])
    data = edit_data(staff_client, url)
    data["phone"] = "+49 30 2222222"

    assert staff_client.post(url, data).status_code == 302

    assert ("phone", "+49301111111", "+49302222222", staff, None, "") in changes_of(customer)


def test_a_bulk_action_records_each_row(staff_client, company, staff):
    customers = CustomerFactory.create_batch(2, company=company)
    response = staff_client.post(
        reverse("customers:customer_list"),
        {"action": "mark_inactive", "ids": [c.pk for c in customers]},
    )
    assert response.status_code == 302
    for customer in customers:
        changes = [c[:4] for c in changes_of(customer)]
        assert ("status", "active", "inactive", staff) in changes


def test_an_admin_edit_records_the_staff_user(staff_client, company, staff):
    customer = CustomerFactory(company=company, email="old@example.com")
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    page = staff_client.get(url).content.decode()
    management = {}
    for field in re.findall(r"<input[^>]*_FORMS[^>]*>", page):
        name = re.search(r'name="([^"]+)"', field).group(1)
        value = re.search(r'value="([^"]*)"', field)
        management[name] = value.group(1) if value else ""
    data = {
        "name": customer.name,
        "customer_type": customer.customer_type_id,
        "email": "new@example.com",
        "status": customer.status,
        "hold_reason": customer.hold_reason,
        "version": Customer.objects.get(pk=customer.pk).version,
    }

    response = staff_client.post(url, {**management, **data})

    assert response.status_code == 302, response.content.decode()[:2000]
    changes = [c[:4] for c in changes_of(customer)]
    assert ("email", "old@example.com", "new@example.com", staff) in changes


def test_a_command_names_itself(company, staff):
    customer = CustomerFactory(company=company)
    quotation = selling.quotation_create(customer=customer, actor=staff)
    after = quotation.valid_until + datetime.timedelta(days=1)

    call_command("expire_quotations", "--company", company.slug, "--today", after.isoformat())

    quotation.refresh_from_db()
    assert quotation.status == Quotation.Status.EXPIRED
    status = [c for c in changes_of(quotation) if c[0] == "status"]
    assert status and status[0][3] is None
    assert status[0][4] == "manage.py expire_quotations"


def test_a_service_call_as_the_api_makes_it(company, staff):
    """The API and jobs call the services inside a request or an ``audit_context``."""
    lead = LeadFactory(company=company, phone="1")
    with audit_context(actor=staff, reason="api"):
        lead.phone = "2"
        lead.save()
    assert ("phone", "1", "2", staff, "api", "") in changes_of(lead)


def test_bulk_inserts_record_who_created_them(company, staff):
    """What an import calls: ``bulk_create_audited`` inside its ``audit_context``."""
    customer = CustomerFactory(company=company)
    quotation = selling.quotation_create(customer=customer, actor=staff)
    product = ProductFactory(company=company)
    line = QuotationItem(
        company=company,
        quotation=quotation,
        position=1,
        product=product,
        description="x",
        quantity=1,
        unit_price=product.unit_price,
        vat_rate=product.vat_rate,
    )
    with audit_context(actor=staff, reason="import customers.csv"):
        bulk_create_audited(QuotationItem, [line])
    row = QuotationItem.objects.get(quotation=quotation).history.get()
    assert (row.history_type, row.history_user, row.history_change_reason) == (
        "+",
        staff,
        "import customers.csv",
    )


def test_a_customer_user_on_the_portal_is_named(company):
    customer = CustomerFactory(company=company, phone="1")
    portal_user = CustomerUserFactory(company=company, customer=customer, last_name="Okafor")
    with audit_context(actor=portal_user):
        customer.phone = "2"
        customer.save()
    (change,) = changes_of(customer)
    assert change[:4] == ("phone", "1", "2", None)
    assert "Okafor" in change[5]


def test_derived_figures_are_not_recorded(company):
    assert "balance" not in [f.name for f in Customer.history.model.tracked_fields]
    assert "gross_total" not in [f.name for f in Quotation.history.model.tracked_fields]


# --- shown: timeline and admin ---------------------------------------------------------------


def test_the_timeline_shows_the_change_collapsed(staff_client, company, staff):
    customer = CustomerFactory(company=company, phone="+49301111111")
    url = reverse("customers:customer_update", args=[customer.pk])
    data = edit_data(staff_client, url)
    data["phone"] = "+49 30 2222222"
    staff_client.post(url, data)

    page = staff_client.get(customer.get_absolute_url()).content.decode()

    details = re.search(r'<details class="timeline-changes">(.*?)</details>', page, re.S)
    assert details, "no change on the timeline"
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", details.group(1)))
    # Shown as the pages show numbers (crm.phones.display_phone), stored in E.164.
    old, new = (
        display_phone(n, region=company.dialing_region) for n in ("+49301111111", "+49302222222")
    )
    assert f"Changed phone from “{old}” to “{new}” by Dana Reyes" in text


def test_the_admin_history_lists_the_field_changes(staff_client, company, staff):
    customer = CustomerFactory(company=company, phone="111")
    with audit_context(actor=staff):
        customer.phone = "222"
        customer.save()
    url = reverse("admin:customers_customer_history", args=[customer.pk])

    page = staff_client.get(url).content.decode()

    assert "111" in page and "222" in page and "Dana Reyes" in page
    assert "no change history" not in page.lower()


def test_another_companys_history_never_shows(staff_client, company, other_company):
    with scope(company=other_company):
        theirs = CustomerFactory(company=other_company, phone="555")
        theirs.phone = "556"
        theirs.save()
    assert (
        staff_client.get(reverse("admin:customers_customer_history", args=[theirs.pk])).status_code
        == 404
    )
    # Across records, the history reads only the active company's rows.
    mine = CustomerFactory(company=company)
    mine.save()
    assert set(Customer.history.values_list("id", flat=True)) == {mine.pk}
    with scopes_disabled():
        assert Customer.history.filter(id=theirs.pk).count() == 2


def test_an_old_version_is_never_opened_as_a_form(staff_client, company):
    customer = CustomerFactory(company=company)
    row = customer.history.get()
    url = reverse("admin:customers_customer_simple_history", args=[customer.pk, row.pk])
    assert staff_client.get(url).status_code == 404


def test_the_customer_page_adds_constant_queries_for_history(staff_client, company, staff):
    """Ten changes cost the same as one: the history is one query per record shown."""
    customer = CustomerFactory(company=company)
    url = customer.get_absolute_url()
    with audit_context(actor=staff):
        customer.phone = "1"
        customer.save()
    staff_client.get(url)
    with CaptureQueriesContext(connection) as one:
        staff_client.get(url)
    with audit_context(actor=staff):
        for number in range(10):
            customer.phone = str(number + 2)
            customer.email = f"c{number}@example.com"
            customer.save()
    with CaptureQueriesContext(connection) as eleven:
        page = staff_client.get(url).content.decode()
    assert page.count('class="timeline-changes"') == 11
    assert len(eleven) == len(one)


def test_accepting_on_the_portal_names_the_customer_user(company, staff):
    """A customer user is no staff user: the history names them, "on the portal"."""
    from django.test import Client

    from tests.portal.conftest import portal_sign_in
    from tests.portal.documents import sent_quotation

    customer = CustomerFactory(company=company)
    buyer = CustomerUserFactory(customer=customer, first_name="Bea", last_name="Okafor")
    quotation = sent_quotation(customer, staff)
    client = portal_sign_in(Client(), buyer)

    response = client.post(reverse("portal:quotation_accept", args=[quotation.pk]))

    assert response.status_code == 302
    row = quotation.history.order_by("-history_id").first()
    assert row.status == Quotation.Status.ORDERED
    assert row.history_user is None
    assert "Okafor" in row.history_portal_actor
    assert row.history_customer_user_id == buyer.pk


def test_a_backup_keeps_the_history_of_the_records_it_holds(company, tmp_path):
    kept = CustomerFactory(company=company, phone="1")
    kept.phone = "2"
    kept.save()
    CustomerFactory(company=company).delete()  # its history points at nothing in the backup
    path = tmp_path / "acme.jsonl"

    call_command("export_company", company.slug, str(path), stdout=None)
    call_command("import_company", str(path), "--slug", "acme-copy", "--name", "Copy", stdout=None)

    with scopes_disabled():
        copy = Customer.objects.get(company__slug="acme-copy")
        assert copy.pk != kept.pk
        assert [row.phone for row in copy.history.order_by("history_id")] == ["1", "2"]


def test_the_baseline_gives_older_records_a_first_version_once(company):
    customer = CustomerFactory(company=company, phone="1")
    customer.history.all().delete()  # as if made before the change history existed

    call_command("history_baseline", stdout=None, stderr=None)
    call_command("history_baseline", stdout=None, stderr=None)

    (row,) = customer.history.all()
    assert (row.history_type, row.phone, row.history_change_reason) == (
        "+",
        "1",
        "manage.py history_baseline",
    )
    customer.phone = "2"
    customer.save()
    assert [c[:3] for c in changes_of(customer)] == [("phone", "1", "2")]
