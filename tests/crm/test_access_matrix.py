"""Who reaches which records, as a table: every role, access level, record type and action.

One company, one sales team and a three-level customer tree with a customer outside it:

    M (manager) ── A (salesperson)          C (salesperson, not in M's team)

    Holding (root, M's) ── Retail (child, A's) ── Shop (grandchild, C's)      Other (nobody's)

Staff: each record type (leads, opportunities, customers, quotations, orders) has one row owned
by M, A and C and one by nobody; for each role, level and action the test asserts exactly which
of them ``access_filter`` reaches, and that ``can`` agrees row by row.

Customer users: a user at Retail (the child) with a role that gives one portal record type one
level for all its actions; every other customer of the tree, a colleague at Retail and another
company have rows too. Corporate reaches Retail's and Shop's, Department Retail's, User the
user's own rows at Retail, None nothing; never the Holding, Other or another company's.
"""

from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from crm.access import Action, Level, access_filter, can, portal_record_types, record_types
from crm.access.defaults import default_level
from crm.access.forms import AccessLevelsForm
from crm.access.services import role_access_levels_save
from crm.models import Company, Membership
from customers.balance import balance_credit
from customers.models import Customer, CustomerUser
from customers.portal_users import (
    customer_role_save,
    customer_roles_ensure,
    customer_user_set_roles,
)
from leads.setup import leads_defaults_apply
from selling import services as selling
from selling.models import Quotation, SalesOrder
from tests.conftest import login_as, rows_shared_by_module
from tests.factories import (
    AddressLinkFactory,
    CompanyFactory,
    CustomerFactory,
    CustomerUserFactory,
    LeadFactory,
    MembershipFactory,
    OpportunityFactory,
    SalespersonFactory,
)

Role = Membership.Role
OWNERS = ("M", "A", "C", "nobody")
LEVELS = (Level.COMPANY, Level.TEAM, Level.OWN, Level.NONE)
STAFF_TYPES = (
    "leads.lead",
    "leads.opportunity",
    "customers.customer",
    "selling.quotation",
    "selling.salesorder",
)
# The role each user has; M and A are on the sales team, admin and owner are not.
PEOPLE = {"owner": Role.OWNER, "admin": Role.ADMIN, "M": Role.MANAGER, "A": Role.SALESPERSON}
# What each person's levels reach among the rows owned by M, A, C and nobody (rows nobody owns
# wait to be picked up: they count as everyone's at the own and team levels).
REACH = {
    "M": {
        Level.COMPANY: set(OWNERS),
        Level.TEAM: {"M", "A", "nobody"},
        Level.OWN: {"M", "nobody"},
        Level.NONE: set(),
    },
    "A": {
        Level.COMPANY: set(OWNERS),
        Level.TEAM: {"A", "nobody"},
        Level.OWN: {"A", "nobody"},
        Level.NONE: set(),
    },
    "admin": {
        Level.COMPANY: set(OWNERS),
        Level.TEAM: {"nobody"},  # no salesperson row: only the unowned
        Level.OWN: {"nobody"},
        Level.NONE: set(),
    },
}


# Both worlds are built once per module (per xdist worker) inside a transaction that is rolled
# back at the end; each test runs in a savepoint of its own (the ``db`` fixture), so the levels
# one test saves are gone before the next. Each test gets its own copies of the company and the
# users (the engine remembers things on them); the rows are only read.


@pytest.fixture(scope="module")
def _staff_built(django_db_setup, django_db_blocker):
    with rows_shared_by_module(django_db_blocker):
        with django_db_blocker.unblock():
            built_in = CompanyFactory(name="Acme Trading", slug="acme")
            with scope(company=built_in):
                users, rows = _build_staff_world(built_in)
        yield built_in, users, rows


@pytest.fixture(scope="module")
def _portal_built(django_db_setup, django_db_blocker):
    with rows_shared_by_module(django_db_blocker):
        with django_db_blocker.unblock():
            built_in = CompanyFactory(name="Acme Portal", slug="acme-portal")
            with scope(company=built_in):
                user, rows, staff = _build_portal_world(built_in)
        yield built_in, user, rows, staff


@pytest.fixture
def company(request, db):
    """The company of the world the test uses, fresh from the database; the test runs inside
    its scope, like a request does."""
    built = "_portal_built" if "portal_world" in request.fixturenames else "_staff_built"
    pk = request.getfixturevalue(built)[0].pk
    with scopes_disabled():
        fresh_company = Company.objects.get(pk=pk)
    with scope(company=fresh_company):
        yield fresh_company


def _reloaded(person):
    return type(person).objects.get(pk=person.pk)


@pytest.fixture
def staff_world(company, _staff_built):
    _company, users, rows = _staff_built
    return {name: _reloaded(user) for name, user in users.items()}, rows


def _build_staff_world(company):
    leads_defaults_apply(company)
    users = {
        name: MembershipFactory(company=company, role=role, user__first_name=name).user
        for name, role in PEOPLE.items()
    }
    m = SalespersonFactory(company=company, name="M", user=users["M"])
    sellers = {
        "M": m,
        "A": SalespersonFactory(company=company, name="A", user=users["A"], manager=m),
        "C": SalespersonFactory(company=company, name="C"),
        "nobody": None,
    }
    root = CustomerFactory(company=company, name="Holding", salesperson=sellers["M"])
    child = CustomerFactory(company=company, name="Retail", parent=root, salesperson=sellers["A"])
    shop = CustomerFactory(company=company, name="Shop", parent=child, salesperson=sellers["C"])
    other = CustomerFactory(company=company, name="Other", salesperson=None)
    rows = {
        "leads.lead": {
            name: LeadFactory(company=company, salesperson=seller)
            for name, seller in sellers.items()
        },
        "leads.opportunity": {
            name: OpportunityFactory(company=company, salesperson=seller)
            for name, seller in sellers.items()
        },
        "customers.customer": {"M": root, "A": child, "C": shop, "nobody": other},
        "selling.quotation": {},
        "selling.salesorder": {},
    }
    for name, seller in sellers.items():
        quotation = selling.quotation_create(customer=child, actor=users["owner"])
        order = selling.order_create(customer=shop, actor=users["owner"])
        Quotation.objects.filter(pk=quotation.pk).update(salesperson=seller)
        SalesOrder.objects.filter(pk=order.pk).update(salesperson=seller)
        rows["selling.quotation"][name] = Quotation.objects.get(pk=quotation.pk)
        rows["selling.salesorder"][name] = SalesOrder.objects.get(pk=order.pk)
    return users, rows


def staff_reach(company, user, rows, action) -> set[str]:
    """The owner names of the rows ``access_filter`` lets through; ``can`` must agree."""
    model = type(next(iter(rows.values())))
    by_pk = {row.pk: name for name, row in rows.items()}
    ids = model.objects.filter(access_filter(user, company, model, action)).values_list(
        "pk", flat=True
    )
    found = {by_pk[pk] for pk in ids if pk in by_pk}
    assert found == {name for name, row in rows.items() if can(user, company, row, action)}
    return found


def fresh(user):
    """The same user as the next request sees them: nothing the engine remembered."""
    user.__dict__.pop("_crm_access_subjects", None)
    return user


def record_type(label):
    return next(rt for rt in record_types() if rt.label == label)


def test_every_staff_record_type_is_in_the_table():
    assert {rt.label for rt in record_types()} == set(STAFF_TYPES), (
        "a new record type needs its rows in staff_world and its label in STAFF_TYPES"
    )


@pytest.mark.parametrize("label", STAFF_TYPES)
def test_the_defaults(company, staff_world, label):
    users, rows = staff_world
    for who, role in PEOPLE.items():
        for action in Action.values:
            if action not in record_type(label).actions:
                expected = set()
            elif who == "owner":
                expected = set(OWNERS)
            else:
                expected = REACH[who][default_level(role, action)]
            got = staff_reach(company, fresh(users[who]), rows[label], action)
            assert got == expected, f"{who} ({role}) {action} {label}"


@pytest.mark.parametrize("label", STAFF_TYPES)
@pytest.mark.parametrize("who", ["admin", "M", "A"])
def test_each_level_a_company_sets(company, staff_world, label, who):
    users, rows = staff_world
    role = PEOPLE[who]
    for action in record_type(label).actions:
        for level in LEVELS:
            role_access_levels_save(
                company=company, levels={(label, action, role): level}, actor=users["owner"]
            )
            got = staff_reach(company, fresh(users[who]), rows[label], action)
            assert got == REACH[who][level], f"{who} ({role}) {action} {label} at {level}"
            # Other actions and record types keep their defaults.
            for other in record_type(label).actions:
                if other != action:
                    expected = REACH[who][default_level(role, other)]
                    assert staff_reach(company, users[who], rows[label], other) == expected
        role_access_levels_save(
            company=company,
            levels={(label, action, role): default_level(role, action)},
            actor=users["owner"],
        )


@pytest.mark.parametrize("label", STAFF_TYPES)
def test_the_owner_reaches_everything_whatever_is_saved(company, staff_world, label):
    users, rows = staff_world
    for action in record_type(label).actions:
        role_access_levels_save(
            company=company, levels={(label, action, Role.OWNER): Level.NONE}, actor=users["owner"]
        )
        assert staff_reach(company, fresh(users["owner"]), rows[label], action) == set(OWNERS)


def test_another_companys_rows_are_beyond_every_level(company, staff_world):
    users, _rows = staff_world
    with scopes_disabled():
        foreign = CompanyFactory()
        theirs = [
            LeadFactory(company=foreign),
            OpportunityFactory(company=foreign),
            CustomerFactory(company=foreign),
        ]
    for row in theirs:
        for who in PEOPLE:
            assert not can(users[who], company, row, Action.VIEW)


# --- a changed level on the next request -------------------------------------------------------


def _settings_post(page_form: AccessLevelsForm, **changes) -> dict[str, str]:
    data = {name: field.initial for name, field in page_form.fields.items()}
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "label, url_name",
    [
        ("leads.lead", "leads:lead_update"),
        ("leads.opportunity", "leads:opportunity_update"),
        ("customers.customer", "customers:customer_update"),
        ("selling.quotation", "selling:quotation_update"),
        ("selling.salesorder", "selling:order_update"),
    ],
)
def test_a_changed_level_takes_effect_on_the_next_request(
    client, company, staff_world, label, url_name
):
    users, rows = staff_world
    colleagues = rows[label]["C"]
    url = reverse(url_name, args=[colleagues.pk])
    login_as(client, users["A"], company)
    assert client.get(colleagues.get_absolute_url()).status_code == 200
    assert client.get(url).status_code == 404

    admin = login_as(client.__class__(), users["admin"], company)
    settings = reverse("crm:access_settings")
    field = f"{label.replace('.', '__')}--{Action.EDIT}--{Role.SALESPERSON}"
    form = admin.get(settings).context["form"]
    response = admin.post(settings, _settings_post(form, **{field: Level.COMPANY}))
    assert response.status_code == 302, response.context["form"].errors

    assert client.get(url).status_code == 200
    # And back: the next request is refused again.
    form = admin.get(settings).context["form"]
    response = admin.post(settings, _settings_post(form, **{field: Level.TEAM}))
    assert response.status_code == 302
    assert client.get(url).status_code == 404


# --- customer users ----------------------------------------------------------------------------

TREE = ("root", "child", "grandchild", "unrelated")


@pytest.fixture
def portal_world(company, _portal_built):
    _company, user, rows, staff = _portal_built
    return _reloaded(user), rows, _reloaded(staff)


def _build_portal_world(company):
    """The customer tree with a row of every portal record type on each customer; at the child
    the signed-in user and a colleague each have their own quotation and order."""
    customer_roles_ensure(company)
    staff = MembershipFactory(company=company, role=Role.ADMIN).user
    root = CustomerFactory(company=company, name="Holding")
    child = CustomerFactory(company=company, name="Retail", parent=root)
    grandchild = CustomerFactory(company=company, name="Shop", parent=child)
    unrelated = CustomerFactory(company=company, name="Other")
    customers = dict(zip(TREE, (root, child, grandchild, unrelated), strict=True))
    user = CustomerUserFactory(customer=child, email="una@retail.example", roles=[])
    colleague = CustomerUserFactory(customer=child, email="cole@retail.example")
    people = {"user": user, "colleague": colleague}
    for name, customer in customers.items():
        if name != "child":
            people[name] = CustomerUserFactory(customer=customer)
    rows = {rt.label: {} for rt in portal_record_types()}
    for name, customer in customers.items():
        _portal_rows(rows, name, customer, staff)
    for who in ("user", "colleague"):
        _portal_rows(rows, f"child:{who}", child, staff, customer_user=people[who])
    rows["customers.customeruser"] = {
        (f"child:{who}" if who in ("user", "colleague") else who): person
        for who, person in people.items()
    }
    with scopes_disabled():
        foreign = CompanyFactory(name="Globex")
        with scope(company=foreign):
            foreign_staff = MembershipFactory(company=foreign, role=Role.ADMIN).user
            theirs = CustomerFactory(company=foreign, name="Globex customer")
            _portal_rows(rows, "foreign", theirs, foreign_staff)
            rows["customers.customeruser"]["foreign"] = CustomerUserFactory(customer=theirs)
    return user, rows, staff


def _portal_rows(rows, name, customer, actor, customer_user=None):
    """One row of each customer-owned portal record type for ``customer``."""
    quotation = selling.quotation_create(customer=customer, actor=actor)
    order = selling.order_create(customer=customer, actor=actor)
    if customer_user is not None:
        Quotation.objects.filter(pk=quotation.pk).update(customer_user=customer_user)
        SalesOrder.objects.filter(pk=order.pk).update(customer_user=customer_user)
    rows["selling.quotation"][name] = quotation
    rows["selling.salesorder"][name] = order
    if customer_user is None:
        rows["customers.balanceentry"][name] = balance_credit(
            customer=customer, amount=Decimal("10.00"), reason="Goodwill", actor=actor
        )
        rows["addressbook.address"][name] = AddressLinkFactory(
            company=customer.company, owner=customer
        ).address


def _expected(label: str, level: str) -> set[str]:
    """Which named rows a level reaches for the user at the child."""
    has_own = next(rt for rt in portal_record_types() if rt.label == label).for_user is not None
    child_rows = {"child", "child:user", "child:colleague"}
    return {
        Level.COMPANY: child_rows | {"grandchild"},
        Level.TEAM: child_rows,
        Level.OWN: {"child:user"} if has_own else set(),
        Level.NONE: set(),
    }[level]


def portal_reach(company, user, rows, action) -> set[str]:
    """Rows of every company the filter reaches: the filter alone must keep the others out."""
    model = type(next(iter(rows.values())))
    condition = access_filter(user, company, model, action)
    by_pk = {row.pk: name for name, row in rows.items()}
    with scopes_disabled():
        ids = set(model.objects.filter(condition).values_list("pk", flat=True))
    found = {by_pk[pk] for pk in ids if pk in by_pk}
    # can() agrees for the rows of the user's company.
    assert found == {
        name
        for name, row in rows.items()
        if row.company_id == company.pk and can(user, company, row, action)
    }
    return found


def test_every_portal_record_type_is_in_the_table(portal_world):
    _user, rows, _staff = portal_world
    assert set(rows) == {
        "selling.quotation",
        "selling.salesorder",
        "customers.balanceentry",
        "addressbook.address",
        "customers.customeruser",
    }
    # Each has rows on every customer of the tree and another company's.
    for label, named in rows.items():
        assert {"root", "child", "grandchild", "unrelated", "foreign"} <= {
            name.split(":")[0] for name in named
        } | ({"child"} if label == "customers.customeruser" else set()), label


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize(
    "label",
    [
        "selling.quotation",
        "selling.salesorder",
        "customers.balanceentry",
        "addressbook.address",
        "customers.customeruser",
    ],
)
def test_a_customer_users_level_reaches_exactly(company, portal_world, label, level):
    user, rows, staff = portal_world
    record = next(rt for rt in portal_record_types() if rt.label == label)
    role = customer_role_save(
        company=company,
        name=f"{label} {level}",
        levels={(label, action): level for action in record.actions},
        actor=staff,
    )
    customer_user_set_roles(user=user, roles=[role], actor=staff)
    user = CustomerUser.objects.get(pk=user.pk)  # levels are read once per request
    expected = _expected(label, level) & set(rows[label])
    for action in record.actions:
        got = portal_reach(company, user, rows[label], action)
        assert got == expected, f"{label} {action} at {level}"
        assert not got & {"root", "unrelated", "foreign"}
    # The role gives nothing on the other record types.
    for other in portal_record_types():
        if other.label != label:
            assert portal_reach(company, user, rows[other.label], Action.VIEW) == set()
    # Actions a record type does not offer are None whatever the role says.
    for action in set(Action.values) - set(record.actions):
        assert portal_reach(company, user, rows[label], action) == set()


def test_a_deactivated_customer_user_reaches_nothing(company, portal_world):
    user, rows, staff = portal_world
    role = customer_role_save(
        company=company,
        name="Everything",
        levels={
            (rt.label, action): Level.COMPANY
            for rt in portal_record_types()
            for action in rt.actions
        },
        actor=staff,
    )
    customer_user_set_roles(user=user, roles=[role], actor=staff)
    CustomerUser.objects.filter(pk=user.pk).update(is_active=False)
    user = CustomerUser.objects.get(pk=user.pk)
    for label, named in rows.items():
        assert portal_reach(company, user, named, Action.VIEW) == set(), label


def test_a_customer_user_of_another_company_reaches_nothing_here(company, portal_world):
    _user, rows, _staff = portal_world
    foreign_user = rows["customers.customeruser"]["foreign"]
    with scopes_disabled():
        foreign_user = CustomerUser.objects.get(pk=foreign_user.pk)
    for label, named in rows.items():
        for row in named.values():
            if row.company_id == company.pk:
                assert not can(foreign_user, company, row, Action.VIEW), label
    assert Customer.objects.filter(company=company).count() == 4


@pytest.mark.parametrize("level", LEVELS)
def test_the_customer_page_answers_as_the_view_level_reaches(client, company, staff_world, level):
    """The customer page reads its row in plain SQL and asks ``can`` (not the queryset's
    filter): a customer beyond the level is a 404 exactly as before, one within it a page."""
    users, rows = staff_world
    role_access_levels_save(
        company=company,
        levels={("customers.customer", Action.VIEW, Role.SALESPERSON): level},
        actor=users["owner"],
    )
    login_as(client, users["A"], company)
    for name, customer in rows["customers.customer"].items():
        expected = 200 if name in REACH["A"][level] else 404
        assert client.get(customer.get_absolute_url()).status_code == expected, (name, level)
    with scopes_disabled():
        foreign = CustomerFactory(company=CompanyFactory(), salesperson=None)
    assert client.get(reverse("customers:customer_detail", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("customers:customer_detail", args=[10**9])).status_code == 404
