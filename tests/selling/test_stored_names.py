"""Stored names (crm.stored_names), the same for each column they keep: an opportunity's lead
names (leads.lead_names) and a quotation's and order's party names (selling.party_names).
Written with the row, refreshed by a save of the record they come from, left alone by its other
saves, filled by the migration and the generator, checked and repaired by verify_figures.

Here rather than in tests/crm: selling's fixtures build the documents."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from django_scopes import scope

from crm.models import Company, Membership, SystemEvent
from customers import services as customer_services
from leads import services as lead_services
from leads.models import Lead
from selling import services
from selling.models import Quotation
from tests.factories import CustomerFactory, LeadFactory, MembershipFactory
from tests.stored_names import expected_of, names_of, stale

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Case:
    check: str  # verify_figures --only
    # (company, owner, opportunity) -> the rows whose names are kept, each with a source.
    rows: Callable[..., list]
    # (rows, owner) -> the source of the first row, read again.
    source: Callable[..., object]
    rename: Callable[..., None]  # (source, owner): renames it to "Ostermeyer"
    other_field: str  # a field of the source that is not in the names
    key: str  # the first row's key to its source
    other_source: Callable[..., object]  # (company) -> another source, named "Brandauer"
    migration: tuple[str, str]  # the module and function that filled the column
    generate: str  # generate_data's sizes


def _converted(company, owner, opportunity):
    lead = LeadFactory(company=company, first_name="Hedwig", last_name="Quastenberg")
    return [lead_services.lead_convert_to_opportunity(lead=lead, actor=owner)]


def _rename_lead(lead, owner):
    lead.last_name = "Ostermeyer"
    lead_services.lead_save(lead=lead, actor=owner)


def _ordered(company, owner, opportunity):
    """The opportunity's quotation, accepted, and its order, which made the customer."""
    quotation = services.quotation_create(opportunity=opportunity, actor=owner)
    services.quotation_send(quotation=quotation, actor=owner)
    services.quotation_accept(quotation=quotation, actor=owner)
    order = services.order_from_quotation(quotation=quotation, actor=owner)
    return [Quotation.objects.get(pk=quotation.pk), order]


def _rename_customer(customer, owner):
    customer.name = "Ostermeyer Ltd"
    customer_services.customer_save(customer=customer, actor=owner)


CASES = {
    "lead names": Case(
        check="opportunity_lead_names",
        rows=_converted,
        source=lambda rows, owner: Lead.objects.get(pk=rows[0].lead_id),
        rename=_rename_lead,
        other_field="notes",
        key="lead",
        other_source=lambda company: LeadFactory(company=company, last_name="Brandauer"),
        migration=("leads.migrations.0017_opportunity_lead_names", "fill_lead_names"),
        generate="--leads 40 --customers 5 --opportunities 15 --quotations 0 --orders 0",
    ),
    "party names": Case(
        check="party_names",
        rows=_ordered,
        source=lambda rows, owner: type(rows[1].customer).objects.get(pk=rows[1].customer_id),
        rename=_rename_customer,
        other_field="internal_information",
        key="customer",
        other_source=lambda company: CustomerFactory(company=company, name="Brandauer Inc"),
        migration=("selling.migrations.0012_document_party_names", "fill_party_names"),
        generate="--leads 60 --customers 40 --opportunities 24 --quotations 18 --orders 7",
    ),
}


@pytest.fixture(params=list(CASES))
def case(request) -> Case:
    return CASES[request.param]


@pytest.fixture
def owner(company):
    return MembershipFactory(company=company, role=Membership.Role.OWNER).user


@pytest.fixture
def rows(case, company, owner, opportunity):
    return case.rows(company, owner, opportunity)


def test_the_rows_store_their_sources_names(rows):
    for row in rows:
        assert names_of(row) == expected_of(row) != ""


def test_renaming_the_source_renames_its_rows(case, rows, owner):
    case.rename(case.source(rows, owner), owner)
    for row in rows:
        assert "Ostermeyer" in names_of(row)
        assert names_of(row) == expected_of(row)


def test_a_source_save_of_other_fields_leaves_the_rows_alone(case, rows, owner):
    for row in rows:
        stale(row, "kept")
    source = case.source(rows, owner)
    setattr(source, case.other_field, "Called back")
    source.save(update_fields=[case.other_field])
    assert {names_of(row) for row in rows} == {"kept"}


def test_an_instance_read_before_a_rename_keeps_the_new_names(case, rows, owner):
    row = type(rows[0]).objects.get(pk=rows[0].pk)
    case.rename(case.source(rows, owner), owner)
    row.save()
    assert "Ostermeyer" in names_of(row)


def test_another_source_brings_its_names(case, rows, company):
    row = rows[0]
    setattr(row, case.key, case.other_source(company))
    row.save()
    assert "Brandauer" in names_of(row)
    assert names_of(row) == expected_of(row)


def test_the_migration_fills_in_existing_rows(case, rows):
    for row in rows:
        stale(row, "")
    module, function = case.migration
    getattr(importlib.import_module(module), function)(django_apps, None)
    for row in rows:
        assert names_of(row) == expected_of(row) != ""


def test_generated_rows_store_their_names(case, db):
    call_command(
        "generate_data",
        *("--company", "gen", *case.generate.split()),
        "--batch-size",
        "16",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    company = Company.objects.get(slug="gen")
    with scope(company=company):
        (check,) = [c for c in _figure_checks() if c.name == case.check]
        assert check.count(company) > 0
        assert check.find(company, lambda: None) == []


def _figure_checks():
    from crm.figures import figure_checks

    return figure_checks()


def test_verify_figures_finds_and_repairs_stale_copies(case, rows, company):
    stale(rows[0], "Old Name")
    for row in rows[1:]:
        stale(row, "")
    wrong = f"{len(rows)} row{'s' if len(rows) > 1 else ''}"

    def run(*args):
        out = StringIO()
        call_command(
            *("verify_figures", "--company", company.slug, "--only", case.check, *args),
            stdout=out,
            stderr=StringIO(),
        )
        return out.getvalue()

    with pytest.raises(CommandError, match=wrong):
        run()
    out = run("--fix")
    assert '"Old Name" stored' in out
    assert f"Fixed: {wrong}." in out
    for row in rows:
        assert names_of(row) == expected_of(row)
    owners = SystemEvent.objects.filter(data__event="figure_repaired").values_list(
        "owner_id", flat=True
    )
    assert {row.pk for row in rows} <= set(owners)
    assert "Every stored figure agrees" in run()
