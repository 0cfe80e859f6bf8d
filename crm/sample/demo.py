"""Demo data. Each app registers a seeder in its ``AppConfig.ready()``; ``seed_demo`` runs them.

Seeders must be re-runnable: called on a company that already has their rows, they add nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django_scopes import scope, scopes_disabled

from crm.i18n import company_locale
from crm.models import Company, Membership
from crm.services import staff_access_sync

Seeder = Callable[[Company, random.Random], None]


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    first_name: str
    last_name: str
    role: str
    companies: tuple[str, ...]


DEMO_COMPANIES = [
    ("northwind", "Northwind Traders", "EUR", "DE"),
    ("globex", "Globex Supplies", "USD", "US"),
]

DEMO_USERS = [
    DemoUser(
        "demo",
        "demo-pass-2026",
        "Dana",
        "Demo",
        Membership.Role.OWNER,
        ("northwind", "globex"),
    ),
    DemoUser("sam", "demo-pass-2026", "Sam", "Seller", Membership.Role.SALESPERSON, ("northwind",)),
    DemoUser(
        "maria", "demo-pass-2026", "Maria", "Manager", Membership.Role.MANAGER, ("northwind",)
    ),
    DemoUser("gus", "demo-pass-2026", "Gus", "Globex", Membership.Role.ADMIN, ("globex",)),
]

_seeders: list[tuple[int, str, Seeder]] = []
# Other sign-ins the demo makes (the customer portal's), as lines for ``seed_demo`` to print.
_login_notes: list = []


def register_demo_logins(lines) -> None:
    """``lines()`` returns text lines naming more demo logins; ``seed_demo`` prints them."""
    if lines not in _login_notes:
        _login_notes.append(lines)


def demo_login_notes() -> list[str]:
    return [line for lines in _login_notes for line in lines()]


def register_seeder(name: str, *, order: int, seeder: Seeder) -> None:
    if name not in {existing for _, existing, _ in _seeders}:
        _seeders.append((order, name, seeder))


def seed_company(
    company: Company, *, seed: int = 2026, report: Callable[[str, int, int], None] | None = None
) -> None:
    """Run every registered seeder for the company, inside its scope, in order, in the
    company's language (what the seeders write reads as the company's own records would).
    ``report(name, step, steps)`` hears of each seeder as it starts (the command's progress)."""
    rnd = random.Random(f"{seed}-{company.slug}")
    ordered = sorted(_seeders, key=lambda item: item[0])
    with scope(company=company), company_locale(company):
        for step, (_order, name, seeder) in enumerate(ordered, start=1):
            if report is not None:
                report(name, step, len(ordered))
            with transaction.atomic():
                seeder(company, rnd)


def ensure_demo_companies() -> list[Company]:
    """The demo companies and users, created once. Runs before any company scope exists."""
    User = get_user_model()
    companies = {}
    # Creating tenants and their members: there is no company scope yet to enter.
    with scopes_disabled(), transaction.atomic():
        for slug, name, currency, phone_region in DEMO_COMPANIES:
            companies[slug], _ = Company.objects.get_or_create(
                slug=slug,
                defaults={"name": name, "currency": currency, "phone_region": phone_region},
            )
        for demo in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=demo.username,
                defaults={
                    "first_name": demo.first_name,
                    "last_name": demo.last_name,
                    "email": f"{demo.username}@example.com",
                },
            )
            if created:
                user.set_password(demo.password)
                user.save()
            for slug in demo.companies:
                Membership.objects.get_or_create(
                    company=companies[slug], user=user, defaults={"role": demo.role}
                )
            staff_access_sync(user=user)
    return [companies[slug] for slug, *_ in DEMO_COMPANIES]
