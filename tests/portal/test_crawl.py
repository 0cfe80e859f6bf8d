"""The two sides never meet: every URL pattern is walked, so pages added later are covered.

- A customer user, signed in on the portal, asking for any staff URL (ids filled with their own
  customer's rows) is sent to the portal's login or gets a 404: never a staff page.
- Every portal URL that takes an id, filled with another customer's rows of the same company (the
  user's parent and an unrelated customer) and with another company's rows, answers 404 to GET
  and POST (405 where the page does not serve the method at all: that says nothing either).
- A staff session does not open the portal, and a portal session does not open staff pages.

How a portal URL's ids are chosen, in this order: the view's ``url_models[kwarg]``, its
``model`` for ``pk``, the kwarg's name (``KWARG_MODELS``: ``quotation_pk`` -> quotations), then
the URL name's first word (``URL_NAME_MODELS``: ``portal:order_detail`` -> sales orders). Each
model needs a maker of another customer's row in ``OTHER_ROWS``; a URL the walk cannot fill
fails the test, so a new page declares its model or gets a line here.
"""

from decimal import Decimal

import pytest
from django.apps import apps
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_scopes import scope, scopes_disabled

from tests.conftest import login_as
from tests.factories import (
    PORTAL_PASSWORD,
    AddressLinkFactory,
    CompanyFactory,
    CustomerFactory,
    CustomerUserFactory,
    LeadFactory,
    MembershipFactory,
    OpportunityFactory,
    ProductFactory,
)
from tests.portal.conftest import portal_sign_in

ID_CONVERTERS = ("IntConverter", "UUIDConverter")
# Pages about signing in, out and tokens: they are for people without a session.
PORTAL_PUBLIC = {
    "portal:login",
    "portal:logout",
    "portal:password_reset",
    "portal:reset_confirm",
    "portal:accept_invitation",
}
KWARG_MODELS = {
    "quotation": "selling.quotation",
    "order": "selling.salesorder",
    "salesorder": "selling.salesorder",
    "entry": "customers.balanceentry",
    "balanceentry": "customers.balanceentry",
    "address": "addressbook.address",
    "user": "customers.customeruser",
    "customeruser": "customers.customeruser",
    "role": "customers.customerrole",
    "customer": "customers.customer",
    "product": "crm.product",
    "giftcard": "customers.giftcard",
}
URL_NAME_MODELS = {
    "quotation": "selling.quotation",
    "order": "selling.salesorder",
    "balance": "customers.balanceentry",
    "address": "addressbook.address",
    "user": "customers.customeruser",
    "role": "customers.customerrole",
    "customer": "customers.customer",
    "catalog": "crm.product",
    "product": "crm.product",
}


def walk(resolver=None, namespace=""):
    """(qualified name, pattern) of every named URL pattern."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            child = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry, child)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def id_kwargs(pattern) -> list[str]:
    converters = getattr(pattern.pattern, "converters", {})
    return sorted(k for k, c in converters.items() if type(c).__name__ in ID_CONVERTERS)


def _model(label_or_model) -> type[models.Model]:
    if isinstance(label_or_model, str):
        return apps.get_model(label_or_model)
    return label_or_model


def model_for(name: str, pattern, kwarg: str) -> type[models.Model] | None:
    view_class = getattr(pattern.callback, "view_class", None)
    declared = dict(getattr(view_class, "url_models", {}) or {})
    if kwarg in declared:
        return _model(declared[kwarg])
    if kwarg == "pk" and getattr(view_class, "model", None) is not None:
        return view_class.model
    stem = kwarg.removesuffix("_pk").removesuffix("_id")
    if stem in KWARG_MODELS:
        return _model(KWARG_MODELS[stem])
    first_word = name.split(":", 1)[-1].split("_", 1)[0]
    if first_word in URL_NAME_MODELS:
        return _model(URL_NAME_MODELS[first_word])
    return None


# --- (a) a customer user on every staff URL ----------------------------------------------------


@pytest.fixture
def own_world(company):
    """A customer user at a customer with a row of every kind a staff URL asks for by id
    (other models' ids are the company's first row, or 1 where it has none)."""
    from customers.portal_users import customer_roles_ensure

    customer_roles_ensure(company)
    actor = MembershipFactory(company=company, role="admin").user
    customer = CustomerFactory(company=company, name="Own customer")
    for maker in (_quotation, _order, _balance_entry, _address, _gift_card):
        maker(customer, actor)
    LeadFactory(company=company)
    OpportunityFactory(company=company)
    ProductFactory(company=company)
    user = CustomerUserFactory(
        customer=customer, email="crawler@customer.example", roles="administrator"
    )
    return company, customer, user


def own_pk(model, company, customer, user) -> int | None:
    """A row of ``model`` that belongs to the user's customer where the model has one."""
    with scopes_disabled():
        label = model._meta.label_lower
        if label == "crm.company":
            return company.pk
        if label == "customers.customer":
            return customer.pk
        if label == "customers.customeruser":
            return user.pk
        fields = {field.name for field in model._meta.get_fields()}
        rows = model._default_manager.order_by("pk")
        if "company" in fields:
            rows = rows.filter(company=company)
        if "customer" in fields:
            mine = rows.filter(customer=customer).first()
            if mine is not None:
                return mine.pk
        row = rows.first()
    return row.pk if row else None


def staff_urls(company, customer, user):
    """Every staff URL, its ids filled with the customer's rows (other args with a word)."""
    for name, pattern in walk():
        if name.startswith(("portal:", "webforms:")):
            continue  # the portal's own, and the public web forms anyone may send
        converters = getattr(pattern.pattern, "converters", {})
        if not converters and pattern.pattern.regex.groups:
            # A regular-expression pattern (the admin's app index, a history entry).
            yield name, _regex_url(name, pattern)
            continue
        kwargs = {}
        for kwarg, converter in converters.items():
            kind = type(converter).__name__
            if kwarg == "owner_type":
                kwargs[kwarg] = "customers.customer"
            elif kwarg == "owner_id":
                kwargs[kwarg] = customer.pk
            elif kind in ID_CONVERTERS:
                view_class = getattr(pattern.callback, "view_class", None)
                model = dict(getattr(view_class, "url_models", {}) or {}).get(kwarg)
                if model is None and kwarg in ("pk", "object_id"):
                    model = getattr(view_class, "model", None)
                pk = own_pk(_model(model), company, customer, user) if model else None
                kwargs[kwarg] = pk or 1
            else:
                kwargs[kwarg] = "x"
        yield name, reverse(name, kwargs=kwargs)


def _regex_url(name, pattern) -> str:
    regex = pattern.pattern.regex
    if regex.groupindex:
        return reverse(name, kwargs=dict.fromkeys(regex.groupindex, "customers"))
    return reverse(name, args=["1"] * regex.groups)  # unnamed groups: ids


def test_a_customer_user_never_opens_a_staff_page(client, own_world):
    company, customer, user = own_world
    portal_sign_in(client, user)
    login = reverse("portal:login")
    tried = []
    for name, url in staff_urls(company, customer, user):
        # The REST API has no login page: without a staff token its JSON answers 401.
        allowed = (302, 401, 404) if name.startswith("api:") else (302, 404)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in allowed, (
                f"{method.upper()} {url} ({name}) answered {response.status_code} to a "
                "customer user: it must send them to the portal's login or be a 404"
            )
            if response.status_code == 302:
                assert response["Location"].split("?")[0] == login, (name, response["Location"])
        tried.append(name)
    assert {"crm:dashboard", "leads:lead_list", "customers:customer_detail"} <= set(tried)
    assert {"selling:quotation_detail", "admin:index", "crm:access_settings"} <= set(tried)
    assert {"api:lead-list", "api:schema"} <= set(tried)


# --- (b) another customer's and another company's ids on every portal URL --------------------


def _quotation(customer, actor):
    from selling import services

    return services.quotation_create(customer=customer, actor=actor)


def _order(customer, actor):
    from selling import services

    return services.order_create(customer=customer, actor=actor)


def _balance_entry(customer, actor):
    from customers.balance import balance_credit

    return balance_credit(customer=customer, amount=Decimal("25.00"), reason="Credit", actor=actor)


def _address(customer, actor):
    return AddressLinkFactory(company=customer.company, owner=customer).address


def _customer_user(customer, actor):
    return CustomerUserFactory(customer=customer, roles="administrator")


def _customer_role(customer, actor):
    from crm.access import Action, Level
    from customers.portal_users import customer_role_save

    return customer_role_save(
        company=customer.company,
        name=f"Buyer of {customer}",
        levels={("selling.quotation", Action.VIEW): Level.TEAM},
        customer=customer,
        actor=actor,
    )


def _gift_card(customer, actor):
    from customers.balance import gift_card_issue

    card, _code = gift_card_issue(
        company=customer.company, amount=Decimal("20.00"), customer=customer, actor=actor
    )
    return card


def _product(customer, actor):
    # The catalog is the company's: only another company's product is not the user's.
    return ProductFactory(company=customer.company) if customer.name.startswith("Globex") else None


# Makers of a row that belongs to ``customer`` (None: the model has no such row there).
OTHER_ROWS = {
    "selling.quotation": _quotation,
    "selling.salesorder": _order,
    "customers.balanceentry": _balance_entry,
    "addressbook.address": _address,
    "customers.customeruser": _customer_user,
    "customers.customerrole": _customer_role,
    "customers.customer": lambda customer, actor: customer,
    "customers.giftcard": _gift_card,
    "crm.product": _product,
}


@pytest.fixture
def portal_world(company):
    """The user administers Retail, a child of the Holding: the widest portal level reaches
    Retail alone. The Holding, an unrelated customer and another company are the others."""
    from customers.portal_users import customer_roles_ensure

    customer_roles_ensure(company)
    actor = MembershipFactory(company=company, role="admin").user
    holding = CustomerFactory(company=company, name="Holding")
    retail = CustomerFactory(company=company, name="Retail", parent=holding)
    user = CustomerUserFactory(customer=retail, email="una@retail.example", roles="administrator")
    rival = CustomerFactory(company=company, name="Rival")
    with scopes_disabled():
        foreign = CompanyFactory(name="Globex", slug="globex")
    with scope(company=foreign):
        customer_roles_ensure(foreign)
        foreign_actor = MembershipFactory(company=foreign, role="admin").user
        theirs = CustomerFactory(company=foreign, name="Globex customer")
    others = [(company, holding, actor), (company, rival, actor), (foreign, theirs, foreign_actor)]
    return user, others


def other_ids(model, others, made) -> list[int]:
    """Ids of ``model``'s rows that belong to the other customers (made once per model)."""
    label = model._meta.label_lower
    if label not in made:
        maker = OTHER_ROWS.get(label)
        assert maker is not None, (
            f"the portal crawl has no maker of another customer's {label}: add one to "
            "OTHER_ROWS in tests/portal/test_crawl.py"
        )
        made[label] = []
        for company, customer, actor in others:
            with scope(company=company):
                row = maker(customer, actor)
            if row is not None:
                made[label].append(row.pk)
        assert made[label], f"no other customer's {label} to try"
    return made[label]


def portal_id_urls(others):
    """(name, url) of every portal URL that takes ids, once per other customer's row."""
    made: dict[str, list[int]] = {}
    for name, pattern in walk():
        if not name.startswith("portal:") or name in PORTAL_PUBLIC:
            continue
        kwargs_names = id_kwargs(pattern)
        if not kwargs_names:
            continue
        variants = [{}]
        for kwarg in kwargs_names:
            model = model_for(name, pattern, kwarg)
            assert model is not None, (
                f"portal URL {name} takes <{kwarg}> and the crawl cannot tell of which model: "
                f"set the view's `model` or `url_models`, or extend KWARG_MODELS"
            )
            ids = other_ids(model, others, made)
            variants = [{**variant, kwarg: pk} for variant in variants for pk in ids]
        for kwargs in variants:
            yield name, reverse(name, kwargs=kwargs)


def crawl(client, others) -> tuple[list[str], list[str]]:
    """Ask every portal URL with the others' ids; (names checked, answers that were not 404)."""
    checked, wrong = [], []
    for name, url in portal_id_urls(others):
        for method in ("get", "post"):
            status = getattr(client, method)(url).status_code
            if status not in (404, 405):
                wrong.append(f"{method.upper()} {url} ({name}) answered {status}")
        checked.append(name)
    return checked, wrong


def test_every_portal_url_with_another_customers_id_is_a_404(client, portal_world):
    user, others = portal_world
    portal_sign_in(client, user)
    checked, wrong = crawl(client, others)
    assert not wrong, "another customer's or company's id must be a 404 on the portal:\n" + (
        "\n".join(wrong)
    )
    # The session stayed the user's throughout (a 404 is not a sign-out).
    assert client.get(reverse("portal:home")).status_code == 200
    walked = {
        name
        for name, pattern in walk()
        if name.startswith("portal:") and name not in PORTAL_PUBLIC and id_kwargs(pattern)
    }
    assert walked == set(checked)


def test_the_crawl_catches_a_page_that_skips_reach(client, portal_world, settings):
    """Proof of the crawl itself: a page that loads a quotation by id alone is caught (the same
    company's other customers' quotations open), and the same page through reach() is not."""
    settings.ROOT_URLCONF = "tests.portal.leaky_urls"
    user, others = portal_world
    portal_sign_in(client, user)
    checked, wrong = crawl(client, others)
    assert {"portal:quotation_leaky", "portal:quotation_reached"} <= set(checked)
    assert wrong and all("(portal:quotation_leaky)" in line for line in wrong)
    # The Holding's and the rival's quotations leak; another company's stays out (its scope).
    assert len([line for line in wrong if line.startswith("GET")]) == 2


def test_the_walk_fills_a_portal_url_by_its_names():
    """The choice of model works for the names portal pages are likely to use."""
    from addressbook.models import Address
    from customers.models import BalanceEntry, CustomerUser
    from selling.models import Quotation, SalesOrder

    class Pattern:
        callback = None

    assert model_for("portal:quotation_detail", Pattern, "pk") is Quotation
    assert model_for("portal:order_pay", Pattern, "pk") is SalesOrder
    assert model_for("portal:balance_entry", Pattern, "pk") is BalanceEntry
    assert model_for("portal:anything", Pattern, "order_pk") is SalesOrder
    assert model_for("portal:address_detail", Pattern, "pk") is Address
    assert model_for("portal:user_roles", Pattern, "pk") is CustomerUser


# --- (c) the two sessions ----------------------------------------------------------------------


def test_a_staff_session_is_no_customer_user(client, company, member, portal_world):
    login_as(client, member, company)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))
    # Staff credentials do not sign in on the portal.
    member.set_password("staff-pass-2026")
    member.save()
    refused = client.post(
        reverse("portal:login"), {"email": member.email, "password": "staff-pass-2026"}
    )
    assert refused.status_code == 200
    assert client.get(reverse("portal:home")).status_code == 302


def test_a_customer_user_session_is_no_staff_session(client, company, portal_world):
    user, _others = portal_world
    portal_sign_in(client, user)
    assert client.get(reverse("portal:home")).status_code == 200
    response = client.get(reverse("crm:dashboard"))
    assert response.status_code == 302
    assert response["Location"].split("?")[0] == reverse("portal:login")
    # Portal credentials do not sign in on the staff side.
    staff = client.__class__()
    answer = staff.post(reverse("login"), {"username": user.email, "password": PORTAL_PASSWORD})
    assert answer.status_code == 200
    assert staff.get(reverse("crm:dashboard")).status_code == 302
