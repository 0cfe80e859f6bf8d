"""Generated data, the core part: the sales team, partners and catalog the records point to.

A company that already has active salespeople, partners or products keeps them, and the
generated records are spread over them; only a company without any gets a generated set. These
are a few dozen rows, saved through the services like any other.
"""

from __future__ import annotations

from decimal import Decimal

from crm.models import IndividualPartner, OrganizationPartner, Product, SalesPartner, Salesperson
from crm.sample.generate import GenerationRun
from crm.sample.generate_values import (
    CATALOG,
    COUNTRIES,
    organization,
    phone_number,
    pick_country,
    work_email,
)
from crm.services import partner_save, product_save, salesperson_save

TEAM_SIZE = 12
MANAGERS = 2
PARTNERS_OF_EACH_KIND = 4
SKU_PREFIX = "GEN"


def generate_reference(run: GenerationRun) -> None:
    company = run.company
    rng = run.random("crm.reference")
    if not Salesperson.objects.filter(company=company, is_active=True).exists():
        domain = f"{company.slug}.example"
        home = COUNTRIES[0]
        managers: list[Salesperson] = []
        for index in range(TEAM_SIZE):
            first, last = rng.choice(home.first_names), rng.choice(home.last_names)
            salesperson = salesperson_save(
                salesperson=Salesperson(
                    company=company,
                    name=f"{first} {last}",
                    email=work_email(first, last, domain),
                    phone=phone_number(rng, home, home.cities[0]),
                    manager=managers[index % MANAGERS] if index >= MANAGERS else None,
                )
            )
            if index < MANAGERS:
                managers.append(salesperson)
        run.wrote(Salesperson, TEAM_SIZE)

    if not SalesPartner.objects.filter(company=company, is_active=True).exists():
        for _index in range(PARTNERS_OF_EACH_KIND):
            country = pick_country(rng)
            first, last = rng.choice(country.first_names), rng.choice(country.last_names)
            city = rng.choice(country.cities)
            partner_save(
                partner=IndividualPartner(
                    company=company,
                    first_name=first,
                    last_name=last,
                    email=work_email(first, last, "partners.example"),
                    phone=phone_number(rng, country, city),
                    commission_rate=Decimal(rng.randrange(300, 1200, 50)) / 100,
                )
            )
            name, domain = organization(rng, country, rng.choice(country.last_names), city)
            partner_save(
                partner=OrganizationPartner(
                    company=company,
                    organization_name=name,
                    email=f"partners@{domain}",
                    phone=phone_number(rng, country, city),
                    website=f"https://www.{domain}",
                    commission_rate=Decimal(rng.randrange(500, 1500, 50)) / 100,
                )
            )
        run.wrote(SalesPartner, 2 * PARTNERS_OF_EACH_KIND)
        run.wrote(IndividualPartner, PARTNERS_OF_EACH_KIND)
        run.wrote(OrganizationPartner, PARTNERS_OF_EACH_KIND)

    if not Product.objects.filter(company=company, is_active=True).exists():
        taken = set(Product.objects.filter(company=company).values_list("sku", flat=True))
        number = 1000
        reduced = (company.default_vat_rate / 2).quantize(Decimal("0.01"))
        for index, (name, description, (low, high)) in enumerate(CATALOG):
            number += 1
            while f"{SKU_PREFIX}-{number}" in taken:
                number += 1
            cents = rng.choice((0, 0, 50, 90, 99))
            product_save(
                product=Product(
                    company=company,
                    sku=f"{SKU_PREFIX}-{number}",
                    name=name,
                    description=description,
                    unit_price=Decimal(rng.randrange(low, high + 1)) + Decimal(cents) / 100,
                    # Consumables at the reduced rate, the rest at the company's.
                    vat_rate=reduced if index >= len(CATALOG) - 8 and index % 2 else None,
                )
            )
        run.wrote(Product, len(CATALOG))
