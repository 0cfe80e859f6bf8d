"""Demo customers: won opportunities made customers, a few entered directly, one small hierarchy."""

from __future__ import annotations

import os
import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext as _

from addressbook import services as addressbook_services
from addressbook.models import Address, Contact, ContactLink
from crm.models import Company, Product, Salesperson
from crm.sample.demo_values import email_domain_label, region_phone
from crm.services import product_save
from customers import balance, services
from customers.models import (
    Customer,
    CustomerGroup,
    CustomerRole,
    CustomerType,
    CustomerUser,
    GiftCard,
    GroupContent,
    GroupPrice,
    ProductLimit,
)
from customers.setup import customers_defaults_apply
from leads.models import Opportunity, OpportunityStage

EXTRA_GROUPS = [("Wholesale", Decimal("10"), "Resellers buying in bulk"), ("VIP", Decimal("5"), "")]
# The wholesale price list: catalog SKU -> the group's net unit price.
WHOLESALE_PRICES = {
    "HW-LAP-14": Decimal("1049.00"),
    "HW-MON-27": Decimal("289.00"),
    "HW-DOCK-01": Decimal("159.00"),
}
# Sold to business customers only (seed 002: "wholesale bundles").
BUNDLE = (
    "BND-WHS-10",
    "Wholesale bundle: 10 docking stations",
    "Ten USB-C docking stations in one carton, for resellers.",
    Decimal("1690.00"),
)

# name, business?, parent (index into this list or None), group name, the country of its phone
DIRECT = [
    ("Nordlicht Holding AG", True, None, "Wholesale", "DE"),
    ("Nordlicht Retail GmbH", True, 0, "Wholesale", "DE"),
    ("Nordlicht Online GmbH", True, 0, "Wholesale", "DE"),
    ("Café Amsel", True, None, "Standard", "DE"),
    ("Greta Lorenz", False, None, "Standard", "DE"),
    ("Studio Hartmann", True, None, "VIP", "DE"),
    ("Pieter de Vries", False, None, "Standard", "NL"),
    ("Hotel Seeblick KG", True, None, "VIP", "AT"),
]


def seed_customers(company: Company, rnd: random.Random) -> None:
    customers_defaults_apply(company)
    for name, discount, description in EXTRA_GROUPS:
        CustomerGroup.objects.get_or_create(
            company=company,
            name=name,
            defaults={"discount_percent": discount, "description": description},
        )
    _seed_price_list_and_bundle(company)
    if Customer.objects.filter(company=company).exists():
        return
    groups = {group.name: group for group in CustomerGroup.objects.filter(company=company)}
    private = CustomerType.objects.filter(company=company, is_business=False).first()
    business = CustomerType.objects.filter(company=company, is_business=True).first()
    sellers = list(Salesperson.objects.filter(company=company).order_by("pk"))
    addresses = list(Address.objects.filter(company=company).order_by("-pk"))
    # The address book's people, not the own contact persons of the opportunities opened
    # without a lead (leads.demo).
    persons = ContactLink.objects.filter(
        company=company,
        owner_type=ContentType.objects.get_for_model(Opportunity),
        owner_id__in=Opportunity.objects.filter(company=company, lead=None).values("pk"),
    ).values("contact")
    contacts = list(Contact.objects.filter(company=company).exclude(pk__in=persons).order_by("-pk"))
    now = timezone.now()

    # Won deals became customers: the conversion links the same address and contact rows.
    won = Opportunity.objects.filter(
        company=company, stage__kind=OpportunityStage.Kind.WON
    ).order_by("pk")
    for index, opportunity in enumerate(won):
        customer = services.opportunity_convert_to_customer(
            opportunity=opportunity,
            actor=None,
            fields={"customer_group": rnd.choice(list(groups.values()))} if index % 2 else {},
            allow_duplicates=True,
        )
        Customer.objects.filter(pk=customer.pk).update(
            created_at=now - timedelta(days=rnd.randint(0, 60))
        )

    made: list[Customer] = []
    for index, (name, is_business, parent, group, region) in enumerate(DIRECT):
        domain = email_domain_label(name)
        customer = services.customer_save(
            customer=Customer(
                company=company,
                name=name,
                customer_type=business if is_business else private,
                customer_group=groups.get(group),
                email=f"info@{domain}.example.com",
                phone=region_phone(region, rnd.randint(2000000, 9999999)),
                parent=made[parent] if parent is not None else None,
                salesperson=sellers[index % len(sellers)] if sellers else None,
                internal_information="Pays reliably; prefers invoices by e-mail."
                if index % 3 == 0
                else "",
            ),
            actor=None,
        )
        Customer.objects.filter(pk=customer.pk).update(
            created_at=now - timedelta(days=rnd.randint(60, 700))
        )
        if addresses:
            addressbook_services.address_link(
                company=company,
                address=addresses[index % len(addresses)],
                owner=customer,
                actor=None,
            )
        if contacts and is_business:
            addressbook_services.contact_link(
                company=company,
                contact=contacts[index % len(contacts)],
                owner=customer,
                role="Purchasing",
                actor=None,
            )
        made.append(customer)
    # One on hold, so the demo shows what a hold stops.
    services.customer_put_on_hold(
        customer=made[6], reason="Card payment bounced twice: ask for prepayment", actor=None
    )
    # A repeat sale: an opportunity opened for an existing customer.
    services.customer_open_opportunity(
        customer=made[3],
        actor=None,
        title="Second espresso machine",
        fields={"expected_amount": Decimal("2400.00")},
    )
    _seed_balances(company, made)


def _seed_balances(company: Company, made: list[Customer]) -> None:
    """Credits, a correction and gift cards in every state, so the balance pages have a story."""
    balance.balance_credit(
        customer=made[3], amount="150.00", reason="Machine delivered late: goodwill", actor=None
    )
    balance.balance_credit(
        customer=made[5], amount="400.00", reason="Deposit paid by bank transfer", actor=None
    )
    balance.balance_correct(
        customer=made[5], amount="-20.00", reason="Deposit was 380.00, not 400.00", actor=None
    )
    card, code = balance.gift_card_issue(
        company=company, amount="50.00", note="Trade fair raffle", actor=None
    )
    balance.gift_card_redeem(customer=made[4], code=code, actor=None)
    balance.gift_card_issue(company=company, amount="100.00", note="Christmas voucher", actor=None)
    balance.gift_card_issue(
        company=company, amount="75.00", customer=made[0], note="For the holding only", actor=None
    )
    expired, _code = balance.gift_card_issue(
        company=company, amount="25.00", note="Summer promotion", actor=None
    )
    GiftCard.objects.filter(pk=expired.pk).update(
        issued_at=timezone.now() - timedelta(days=120),
        expires_on=timezone.localdate() - timedelta(days=30),
    )


def _seed_price_list_and_bundle(company: Company) -> None:
    """A wholesale price list for a few products, and one bundle only business customers buy."""
    wholesale = CustomerGroup.objects.filter(company=company, name="Wholesale").first()
    if wholesale is None or GroupPrice.objects.filter(company=company).exists():
        return
    products = Product.objects.filter(company=company, sku__in=WHOLESALE_PRICES)
    for product in products:
        services.product_price_set(
            group=wholesale, product=product, unit_price=WHOLESALE_PRICES[product.sku]
        )
    business_types = CustomerType.objects.filter(company=company, is_business=True)
    if not business_types.exists():
        return
    sku, name, description, price = BUNDLE
    bundle = Product.objects.filter(company=company, sku=sku).first() or product_save(
        product=Product(
            company=company,
            sku=sku,
            name=name,
            description=description,
            unit_price=price,
            vat_rate=company.default_vat_rate,
        )
    )
    ProductLimit.objects.bulk_create(
        ProductLimit(company=company, product=bundle, customer_type=customer_type)
        for customer_type in business_types
    )


PORTAL_PASSWORD = "portal-pass-2026"
# customer, e-mail, first name, last name, predefined role
PORTAL_USERS = [
    ("Nordlicht Holding AG", "anna@nordlicht.example", "Anna", "Albers", "administrator"),
    ("Nordlicht Retail GmbH", "ben@nordlicht.example", "Ben", "Brandt", "buyer"),
    ("Nordlicht Retail GmbH", "gina@nordlicht.example", "Gina", "Gast", "guest"),
    ("Studio Hartmann", "hanna@studio-hartmann.example", "Hanna", "Hartmann", "buyer"),
]
GROUP_CONTENT = [
    (
        "Wholesale",
        "Your wholesale price list",
        "Docking stations, monitors and laptops at wholesale prices until the end of the "
        "quarter.\n\nOrder ten docking stations as one carton: ask for the wholesale bundle.",
    ),
    ("VIP", "Your own service line", "Call +49 30 5550 0100 for same-day service."),
]


def seed_portal(company: Company, rnd: random.Random) -> None:
    """Customer users who sign in to the portal (README: the demo logins) and group news."""
    from django.contrib.auth.hashers import make_password

    from customers.portal_users import customer_roles_ensure

    customer_roles_ensure(company)
    if CustomerUser.objects.filter(company=company).exists():
        return
    roles = {role.key: role for role in CustomerRole.objects.filter(company=company, customer=None)}
    customers = {c.name: c for c in Customer.objects.filter(company=company)}
    password = make_password(PORTAL_PASSWORD)
    now = timezone.now()
    for customer_name, email, first_name, last_name, role in PORTAL_USERS:
        customer = customers.get(customer_name)
        if customer is None:
            continue
        if company.slug != "northwind":  # one address per person and company
            user_part, domain = email.split("@")
            email = f"{user_part}+{company.slug}@{domain}"
        user = CustomerUser.objects.create(
            company=company,
            customer=customer,
            email=email,
            first_name=first_name,
            last_name=last_name,
            password=password,
            invited_at=now,
            joined_at=now,
        )
        user.set_roles([roles[role]])
    today = timezone.localdate()
    groups = {g.name: g for g in CustomerGroup.objects.filter(company=company)}
    for group_name, title, body in GROUP_CONTENT:
        if group_name in groups:
            GroupContent.objects.create(
                company=company,
                customer_group=groups[group_name],
                title=title,
                body=body,
                valid_from=today - timedelta(days=7),
                valid_until=today + timedelta(days=90),
            )


def portal_login_notes() -> list[str]:
    port = os.environ.get("PORT", "8000")
    heading = _("Customer portal logins (%(address)s, %(company)s):") % {
        "address": f"http://127.0.0.1:{port}/portal/",
        "company": "Northwind Traders",
    }
    lines = ["", heading]
    lines += [
        f"  {email:<32} / {PORTAL_PASSWORD}   {role:<13} {customer}"
        for customer, email, _first, _last, role in PORTAL_USERS
    ]
    return lines
