"""The benchmark's own database: created, migrated and filled here, never the user's.

Each size gets a company with a salesperson who logs in (role salesperson, with a Salesperson
row, so the lists open on "Mine" as in real life) and four colleagues; ``generate_data`` fills
it; then the services add the records the detail pages are measured on: a lead, an opportunity
and a customer with 10 addresses, 10 contacts and 50 timeline entries each, a quotation and an
order (for that customer) with 10 lines each, and a parent customer with 1,000 children (some
with children of their own, and some of the generated customers with their quotations and orders
below them) for the customer page's hierarchy and roll-up.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

import dj_database_url
import psycopg
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, connections
from django.db.models import Count
from django_scopes import scope, scopes_disabled
from psycopg import sql

from bench.config import PASSWORD, RunConfig, Size
from bench.settings import bench_database_name

ROOT = Path(__file__).resolve().parent.parent
# Bump when what this module sets up changes, so ``--reuse`` rebuilds an older database.
DATA_VERSION = 2
INFO_TABLE = "bench_info"
COLLEAGUES = ["Alex Carter", "Bea Lindgren", "Chidi Okafor", "Dana Weiss"]
CONVERTIBLE = ("new", "contacted", "qualified")


@dataclass
class CompanyFacts:
    """What the scenarios need to know about one size's company (JSON-safe)."""

    label: str
    slug: str
    company_id: int
    username: str
    salesperson_id: int
    other_salesperson_id: int
    detail_lead_id: int
    detail_lead_name: str
    quotation_id: int
    quotation_number: str
    detail_opportunity_id: int = 0
    detail_customer_id: int = 0
    order_id: int = 0
    order_number: str = ""
    hierarchy_parent_id: int = 0
    hierarchy_parent_name: str = ""
    search_fragment: str = ""
    equality_status: str = "contacted"
    counts: dict = field(default_factory=dict)
    generator: dict = field(default_factory=dict)


# --- the database itself -------------------------------------------------------------------------


def _server_params() -> dict:
    db = settings.DATABASES["default"]
    return {
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
    }


def database_name() -> str:
    return settings.DATABASES["default"]["NAME"]


def database_exists() -> bool:
    with psycopg.connect(dbname="postgres", autocommit=True, **_server_params()) as conn:
        row = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database_name()]
        ).fetchone()
    return row is not None


def database_recreate() -> None:
    """Drop and create the benchmark database (``<name>_bench``: see bench.settings)."""
    name = database_name()
    users = dj_database_url.parse(os.environ["DATABASE_URL"])["NAME"]
    if name != bench_database_name(users):  # bench.settings sees to it; never drop another
        raise RuntimeError(f"Refusing to drop {name!r}: not the benchmark's database.")
    connections.close_all()
    with psycopg.connect(dbname="postgres", autocommit=True, **_server_params()) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def migrate() -> None:
    call_command("migrate", verbosity=0, interactive=False)


def vacuum_analyze() -> None:
    """Fresh planner statistics and visibility maps, as autovacuum keeps them in real life."""
    connections.close_all()
    with psycopg.connect(dbname=database_name(), autocommit=True, **_server_params()) as conn:
        conn.execute("VACUUM (ANALYZE)")


def info_read(key: str):
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [INFO_TABLE])
        if not cursor.fetchone()[0]:
            return None
        cursor.execute(f"SELECT value FROM {INFO_TABLE} WHERE key = %s", [key])
        row = cursor.fetchone()
    if row is None:
        return None
    return json.loads(row[0]) if isinstance(row[0], str) else row[0]


def info_write(key: str, value) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {INFO_TABLE} (key text PRIMARY KEY, value jsonb)"
        )
        cursor.execute(
            f"INSERT INTO {INFO_TABLE} (key, value) VALUES (%s, %s::jsonb)"
            " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [key, json.dumps(value)],
        )


# --- the companies -------------------------------------------------------------------------------


def _company_setup(size: Size):
    """The company, its owner, the salesperson who logs in and four colleagues."""
    from crm.models import Membership, Salesperson
    from crm.services import company_create, membership_add, salesperson_save

    # Creating the tenant: there is no company scope to enter yet.
    with scopes_disabled():
        company, owner_membership = company_create(
            name=f"Bench {size.label}",
            owner_email=f"owner@{size.slug}.example",
            owner_password=PASSWORD,
            slug=size.slug,
        )
    with scope(company=company):
        membership, _new = membership_add(
            company=company,
            email=f"seller@{size.slug}.example",
            role=Membership.Role.SALESPERSON,
            actor=owner_membership.user,
        )
        seller = membership.user
        seller.first_name, seller.last_name = "Sam", "Seller"
        seller.set_password(PASSWORD)
        seller.save()
        salesperson_save(
            salesperson=Salesperson(
                company=company, name="Sam Seller", user=seller, email=seller.email
            )
        )
        for name in COLLEAGUES:
            email = name.split()[0].lower() + f"@{size.slug}.example"
            salesperson_save(salesperson=Salesperson(company=company, name=name, email=email))
    return company, seller


GENERATOR_RATE = re.compile(r"([\d][\d,.\s]*)\s*rows/s", re.IGNORECASE)


def _generate(size: Size, *, seed: int) -> dict:
    """Run ``manage.py generate_data`` for the company; its output and rows/s, and ours."""
    command = [
        sys.executable,
        "manage.py",
        "generate_data",
        "--company",
        size.slug,
        "--leads",
        str(size.leads),
        "--customers",
        str(size.customers),
        "--opportunities",
        str(size.opportunities),
        "--quotations",
        str(size.quotations),
        "--orders",
        str(size.orders),
        "--seed",
        str(seed),
        "--force",  # the company holds only the users and salespeople made above
    ]
    before = _row_total()
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, env=_child_env(), stdout=subprocess.PIPE, text=True)
    seconds = time.monotonic() - started
    sys.stdout.write(result.stdout)
    if result.returncode != 0:
        raise SystemExit(f"generate_data failed for {size.slug} (exit {result.returncode}).")
    rows = _row_total() - before
    rates = GENERATOR_RATE.findall(result.stdout)  # the last figure is the total
    reported = float(re.sub(r"[,\s]", "", rates[-1])) if rates else None
    return {
        "command": " ".join(command[1:]),
        "output": result.stdout.strip(),
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s_timed": round(rows / seconds) if seconds else None,
        "rows_per_s_reported": reported,
    }


def _child_env() -> dict:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}


def _row_total() -> int:
    """Rows in every table of the project's models (what the generator adds is the difference)."""
    tables = connection.introspection.django_table_names(only_existing=True)
    union = " UNION ALL ".join(f'SELECT count(*) AS n FROM "{table}"' for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(sum(n), 0) FROM ({union}) AS t")
        return int(cursor.fetchone()[0])


def _fill_owner(company, owner, seller, *, surname: str, domain: str) -> None:
    """Through the real services: 10 addresses, 10 contacts and 50 timeline entries on
    ``owner`` (a lead, an opportunity or a customer), the salesperson's."""
    from addressbook import services as addressbook
    from crm.timeline import activity_add

    cities = ["Berlin", "Hamburg", "Munich", "Cologne", "Leipzig"]
    for index in range(10):
        addressbook.address_create_and_link(
            company=company,
            owner=owner,
            fields={
                "label": f"Site {index + 1}",
                "street": f"Hauptstraße {index + 1}",
                "postal_code": f"10{index:03d}",
                "city": cities[index % len(cities)],
                "country": "DE",
            },
            purpose="office" if index else "billing",
            actor=seller,
        )
        addressbook.contact_create_and_link(
            company=company,
            owner=owner,
            fields={
                "first_name": f"Contact{index + 1}",
                "last_name": surname,
                "email": f"contact{index + 1}@{domain}",
                "phone": f"+49 30 5550 2{index:03d}",
            },
            role="Buyer" if index == 0 else "",
            actor=seller,
        )
    for index in range(50):
        if index % 2:
            activity_add(
                owner=owner,
                kind="call",
                actor=seller,
                body=f"Call {index}: talked about the roll-out.",
                duration_minutes=5 + index % 20,
            )
        else:
            activity_add(
                owner=owner, kind="note", actor=seller, body=f"Note {index}: sent the brochure."
            )


def _detail_products(company) -> list:
    """The ten products the quotation's and the order's lines take (made where missing)."""
    from crm.models import Product
    from crm.services import product_save

    products = list(Product.objects.filter(company=company, is_active=True).order_by("pk")[:10])
    for index in range(len(products), 10):
        products.append(
            product_save(
                product=Product(
                    company=company,
                    sku=f"BENCH-{index + 1:03d}",
                    name=f"Bench product {index + 1}",
                    unit_price=Decimal("19.90") * (index + 1),
                )
            )
        )
    return products


def _business_type(company):
    from customers.models import CustomerType

    business = CustomerType.objects.filter(company=company, is_business=True).first()
    return business or CustomerType.objects.filter(company=company).first()


def _detail_records(company, seller) -> dict:
    """Through the real services: a lead with 10 addresses, 10 contacts and 50 timeline
    entries, and a quotation with 10 lines, both the salesperson's."""
    from crm.models import Salesperson
    from customers.models import Customer
    from customers.services import customer_save
    from leads.models import Lead
    from leads.services import lead_save
    from selling.services import LineInput, document_lines_save, quotation_create

    with scope(company=company):
        mine = Salesperson.objects.get(company=company, user=seller)
        lead = lead_save(
            lead=Lead(
                company=company,
                first_name="Benedikta",
                last_name="Detailova",
                organization_name="Detailova Holdings",
                email="benedikta@detailova.example",
                phone="+49 30 5550 1000",
                salesperson=mine,
            ),
            actor=seller,
        )
        _fill_owner(company, lead, seller, surname="Detailova", domain="detailova.example")
        products = _detail_products(company)
        customer = customer_save(
            customer=Customer(
                company=company,
                name="Quotewell Trading GmbH",
                customer_type=_business_type(company),
                email="orders@quotewell.example",
                salesperson=mine,
            ),
            actor=seller,
        )
        quotation = quotation_create(actor=seller, customer=customer)
        quotation = document_lines_save(
            document=quotation,
            actor=seller,
            lines=[
                LineInput(product=product, quantity=Decimal(index + 1))
                for index, product in enumerate(products)
            ],
        )
    return {
        "detail_lead_id": lead.pk,
        "detail_lead_name": str(lead),
        "quotation_id": quotation.pk,
        "quotation_number": quotation.number,
    }


DETAIL_OPPORTUNITY = "Opportunova roll-out"
DETAIL_CUSTOMER = "Orderly Detail AG"
# What ``more_detail_records`` adds; a database built before them gets them on ``--reuse``.
MORE_DETAIL_KEYS = ("detail_opportunity_id", "detail_customer_id", "order_id", "order_number")


def more_detail_records(company, seller) -> dict:
    """Through the real services: an opportunity and a customer with 10 addresses, 10 contacts
    and 50 timeline entries each, and an order for that customer with 10 lines, all the
    salesperson's."""
    from crm.models import Salesperson
    from customers.models import Customer
    from customers.services import customer_save
    from leads.models import Opportunity, OpportunityStage
    from leads.services import opportunity_save
    from selling.services import LineInput, document_lines_save, order_create

    with scope(company=company):
        mine = Salesperson.objects.get(company=company, user=seller)
        stage = (
            OpportunityStage.objects.filter(company=company, kind=OpportunityStage.Kind.OPEN)
            .order_by("order", "pk")
            .first()
        )
        opportunity = opportunity_save(
            opportunity=Opportunity(
                company=company,
                title=DETAIL_OPPORTUNITY,
                stage=stage,
                probability=stage.probability,
                expected_amount=Decimal("48000.00"),
                salesperson=mine,
            ),
            actor=seller,
        )
        _fill_owner(company, opportunity, seller, surname="Opportunova", domain="opp.example")
        customer = customer_save(
            customer=Customer(
                company=company,
                name=DETAIL_CUSTOMER,
                customer_type=_business_type(company),
                email="buying@orderly.example",
                salesperson=mine,
            ),
            actor=seller,
        )
        _fill_owner(company, customer, seller, surname="Orderly", domain="orderly.example")
        order = order_create(customer=customer, actor=seller)
        order = document_lines_save(
            document=order,
            actor=seller,
            lines=[
                LineInput(product=product, quantity=Decimal(index + 1))
                for index, product in enumerate(_detail_products(company))
            ],
        )
    return {
        "detail_opportunity_id": opportunity.pk,
        "detail_customer_id": customer.pk,
        "order_id": order.pk,
        "order_number": order.number,
    }


def _more_detail_records_where_missing(config: RunConfig) -> None:
    """A reused database built before the opportunity, customer and order detail records: add
    them to each size's company (a few hundred rows through the services, seconds)."""
    from crm.models import Company

    for size in config.sizes:
        stored = info_read(f"company:{size.label}")
        if all(key in stored for key in MORE_DETAIL_KEYS):
            continue
        print(f"== {size.slug}: adding the opportunity, customer and order detail records")
        with scopes_disabled():
            company = Company.objects.get(slug=size.slug)
        seller = get_user_model().objects.get(email=f"seller@{size.slug}.example")
        info_write(f"company:{size.label}", {**stored, **more_detail_records(company, seller)})


HIERARCHY_PARENT = "Hierarchia Holding AG"
HIERARCHY_CHILDREN = 1_000
# Every n-th child has grandchildren of its own, and takes one generated customer (with its
# quotations and orders) below it too.
HIERARCHY_GRANDPARENT_EVERY = 10
HIERARCHY_GRANDCHILDREN = 5


def hierarchy_records(company, seller, *, children: int = HIERARCHY_CHILDREN) -> dict:
    """A parent customer (through the service) with ``children`` direct children, and below
    every tenth of them five grandchildren and one of the generated customers, so the roll-up
    has quotations, orders and opportunities to add up. The children are inserted in bulk: what
    is measured is the page of a wide tree, not how it was entered."""
    from crm.models import Salesperson
    from customers.models import Customer, CustomerType
    from customers.services import customer_save

    with scope(company=company):
        mine = Salesperson.objects.get(company=company, user=seller)
        business = CustomerType.objects.filter(company=company, is_business=True).first()
        customer_type = business or CustomerType.objects.filter(company=company).first()
        parent = customer_save(
            customer=Customer(
                company=company,
                name=HIERARCHY_PARENT,
                customer_type=customer_type,
                email="group@hierarchia.example",
                salesperson=mine,
            ),
            actor=seller,
        )

        def rows(names: list[str], under: Customer) -> list[Customer]:
            return [
                Customer(company=company, name=name, customer_type=customer_type, parent=under)
                for name in names
            ]

        kids = Customer.objects.bulk_create(
            rows([f"Hierarchia Filiale {n:04d}" for n in range(1, children + 1)], parent),
            batch_size=1000,
        )
        heads = kids[::HIERARCHY_GRANDPARENT_EVERY]
        grandchildren = []
        for head in heads:
            names = [f"{head.name} / Abteilung {n}" for n in range(1, HIERARCHY_GRANDCHILDREN + 1)]
            grandchildren.extend(rows(names, head))
        Customer.objects.bulk_create(grandchildren, batch_size=1000)
        # Generated customers at the top of no tree, with documents: one below each head.
        adopted = list(
            Customer.objects.filter(
                company=company, parent__isnull=True, sales_orders__isnull=False
            )
            .exclude(pk=parent.pk)
            .order_by("pk")
            .values_list("pk", flat=True)
            .distinct()[: len(heads)]
        )
        for head, pk in zip(heads, adopted, strict=False):
            Customer.objects.filter(company=company, pk=pk).update(parent=head)
    return {"hierarchy_parent_id": parent.pk, "hierarchy_parent_name": parent.name}


def _facts(size: Size, stored: dict, *, fragment: str | None = None) -> CompanyFacts:
    """Everything the scenarios need, read afresh (the counts, and the search fragment unless
    given: both sizes search for the same one)."""
    from crm.models import Company, Salesperson

    with scopes_disabled():
        company = Company.objects.get(slug=size.slug)
    seller = get_user_model().objects.get(email=f"seller@{size.slug}.example")
    with scope(company=company):
        mine = Salesperson.objects.get(company=company, user=seller)
        other = Salesperson.objects.filter(company=company).exclude(pk=mine.pk).order_by("pk")[0]
        facts = CompanyFacts(
            label=size.label,
            slug=size.slug,
            company_id=company.pk,
            username=seller.username,
            salesperson_id=mine.pk,
            other_salesperson_id=other.pk,
            detail_lead_id=stored["detail_lead_id"],
            detail_lead_name=stored["detail_lead_name"],
            quotation_id=stored["quotation_id"],
            quotation_number=stored["quotation_number"],
            detail_opportunity_id=stored["detail_opportunity_id"],
            detail_customer_id=stored["detail_customer_id"],
            order_id=stored["order_id"],
            order_number=stored["order_number"],
            hierarchy_parent_id=stored["hierarchy_parent_id"],
            hierarchy_parent_name=stored["hierarchy_parent_name"],
            search_fragment=fragment or _search_fragment(company, mine),
            generator=stored.get("generator", {}),
        )
        facts.counts = _counts(company, mine, facts.search_fragment)
    if facts.counts["my_leads"] < 2:  # the detail lead is always theirs
        raise SystemExit(f"{size.slug}: the generator gave the salesperson who logs in no leads.")
    return facts


def _search_fragment(company, mine) -> str:
    """Four letters from inside a surname of the salesperson's leads (not a prefix: the search
    matches anywhere): of the commonest surnames' fragments, the rarest that still fills a page."""
    from leads.models import Lead

    mine_leads = Lead.objects.filter(company=company, salesperson=mine).exclude(last_name="")
    common = (
        mine_leads.values("last_name")
        .annotate(n=Count("pk"))
        .order_by("-n", "last_name")
        .values_list("last_name", flat=True)[:20]
    )
    fragments = {name[1:5].lower() for name in common if len(name) >= 5 and name[1:5].isalpha()}
    matches = {
        fragment: mine_leads.filter(last_name__icontains=fragment).count()
        for fragment in sorted(fragments)
    }
    filling = [fragment for fragment, n in matches.items() if n >= settings.PAGE_SIZE]
    if filling:
        return min(filling, key=lambda fragment: (matches[fragment], fragment))
    if matches:
        return max(matches, key=lambda fragment: (matches[fragment], fragment))
    raise SystemExit(f"{company.slug}: no lead surname of five letters or more to search for.")


def _counts(company, mine, fragment: str) -> dict:
    from customers.models import Customer
    from leads.models import Lead, Opportunity
    from selling.models import Quotation, SalesOrder

    leads = Lead.objects.filter(company=company)
    return {
        "leads": leads.count(),
        "my_leads": leads.filter(salesperson=mine).count(),
        "my_leads_matching_fragment": leads.filter(salesperson=mine)
        .filter(last_name__icontains=fragment)
        .count(),
        "opportunities": Opportunity.objects.filter(company=company).count(),
        "customers": Customer.objects.filter(company=company).count(),
        "quotations": Quotation.objects.filter(company=company).count(),
        "orders": SalesOrder.objects.filter(company=company).count(),
    }


def conversion_pool(facts: CompanyFacts, size: int) -> list[int]:
    """Leads nobody converted yet that the bench's salesperson may convert (their access level:
    by default their own and their team's), oldest first (far from the pages the lists show).
    Where the generator gave them fewer than ``size``, the oldest others are handed to them
    first, so the conversions measure converting, never a refusal."""
    from django.contrib.auth import get_user_model
    from django.db.models import F

    from crm.access import Action, viewable_rows
    from crm.models import Company
    from leads.models import Lead

    with scopes_disabled():
        company = Company.objects.get(pk=facts.company_id)
        user = get_user_model().objects.get(username=facts.username)
    with scope(company=company):
        open_leads = Lead.objects.filter(
            company=company, status__in=CONVERTIBLE, opportunity__isnull=True
        ).exclude(pk=facts.detail_lead_id)
        theirs = viewable_rows(open_leads, user, company, Action.CONVERT)
        missing = size - theirs.count()
        if missing > 0:
            others = open_leads.exclude(pk__in=theirs.values("pk")).order_by("pk")
            handed = list(others.values_list("pk", flat=True)[:missing])
            # A bulk write bumps the version itself, as every write of a versioned row does.
            Lead.objects.filter(pk__in=handed).update(
                salesperson_id=facts.salesperson_id, version=F("version") + 1
            )
        return list(
            viewable_rows(open_leads, user, company, Action.CONVERT)
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )


def conversion_check(facts: CompanyFacts, converted: list[int], attempted: list[int]) -> dict:
    """In the database: no lead has two opportunities; each converted one has exactly one."""
    from leads.models import Opportunity

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT lead_id FROM {Opportunity._meta.db_table}"
            " WHERE company_id = %s AND lead_id IS NOT NULL GROUP BY lead_id"
            " HAVING count(*) > 1) AS dup",
            [facts.company_id],
        )
        duplicates = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT lead_id, count(*) FROM {Opportunity._meta.db_table}"
            " WHERE company_id = %s AND lead_id = ANY(%s) GROUP BY lead_id",
            [facts.company_id, list(attempted)],
        )
        per_lead = dict(cursor.fetchall())
    without = [pk for pk in converted if per_lead.get(pk, 0) != 1]
    return {
        "leads_with_more_than_one_opportunity": duplicates,
        "converted_without_exactly_one": len(without),
        "attempted": len(attempted),
        "opportunities_for_attempted": sum(per_lead.values()),
    }


# --- the whole database --------------------------------------------------------------------------


def _wanted(config: RunConfig) -> dict:
    return {
        "version": DATA_VERSION,
        "sizes": [size.as_dict() for size in config.sizes],
        "seed": config.seed,
    }


def prepare(config: RunConfig, *, reuse: bool) -> tuple[list[CompanyFacts], bool]:
    """The facts of both companies, and whether an existing database was reused."""
    wanted = _wanted(config)
    if reuse and database_exists() and info_read("config") == wanted:
        print(f"== reusing {database_name()} (same sizes and seed)", flush=True)
        migrate()  # new migrations (indexes) apply to the existing rows
        _more_detail_records_where_missing(config)
        # A migration that rewrites rows (filling a new column) leaves every page of the table
        # not all-visible and the statistics stale: PostgreSQL then reads the table instead of
        # a covering index. Autovacuum would catch up in real life; the bench must not wait.
        print("== VACUUM ANALYZE", flush=True)
        vacuum_analyze()
        return _all_facts(config), True

    print(f"== creating {database_name()}", flush=True)
    database_recreate()
    migrate()
    for size in config.sizes:
        print(f"== {size.slug}: {size.leads:,} leads, {size.customers:,} customers", flush=True)
        company, seller = _company_setup(size)
        generator = _generate(size, seed=config.seed)
        stored = {
            **_detail_records(company, seller),
            **more_detail_records(company, seller),
            **hierarchy_records(company, seller),
            "generator": generator,
        }
        info_write(f"company:{size.label}", stored)
    print("== VACUUM ANALYZE", flush=True)
    vacuum_analyze()
    info_write("config", wanted)
    return _all_facts(config), False


def _all_facts(config: RunConfig) -> list[CompanyFacts]:
    small = _facts(config.small, info_read(f"company:{config.small.label}"))
    large = _facts(
        config.large,
        info_read(f"company:{config.large.label}"),
        fragment=small.search_fragment,
    )
    return [small, large]


def facts_as_dict(facts: CompanyFacts) -> dict:
    return asdict(facts)
