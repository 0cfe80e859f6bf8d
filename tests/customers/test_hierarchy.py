"""The customer hierarchy: subtree and ancestors in one query each, the roll-up of every figure
over a subtree, loops refused everywhere, another company's rows never in a tree, the customer
page's hierarchy section at a fixed number of queries."""

import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from crm.errors import DomainError
from crm.models import Membership
from customers import hierarchy, rollup, selectors
from customers.models import Customer, CustomerLink
from customers.services import customer_save
from leads.models import OpportunityStage
from selling.models import Quotation, SalesOrder
from tests.conftest import login_as
from tests.factories import (
    CompanyFactory,
    CustomerFactory,
    MembershipFactory,
    OpportunityFactory,
    OpportunityStageFactory,
)

# --- building a tree with documents ----------------------------------------------------------


def _document_number(prefix: str) -> str:
    _document_number.count = getattr(_document_number, "count", 0) + 1
    return f"{prefix}-T-{_document_number.count:05d}"


def add_order(customer, net, status=SalesOrder.Status.CONFIRMED):
    return SalesOrder.objects.create(
        company_id=customer.company_id,
        customer=customer,
        number=_document_number("SO"),
        currency="EUR",
        status=status,
        net_total=Decimal(net),
        gross_total=Decimal(net),
    )


def add_quotation(company, net, *, customer=None, opportunity=None, status="draft"):
    today = timezone.localdate()
    return Quotation.objects.create(
        company=company,
        customer=customer,
        opportunity=opportunity,
        number=_document_number("QTN"),
        currency="EUR",
        status=status,
        valid_until=today + timedelta(days=30),
        net_total=Decimal(net),
        gross_total=Decimal(net),
    )


def add_opportunity(customer, amount, stage):
    opportunity = OpportunityFactory(
        company=customer.company, stage=stage, expected_amount=Decimal(amount), lead=None
    )
    CustomerLink.objects.create(
        company=customer.company, customer=customer, opportunity=opportunity, kind="opened"
    )
    return opportunity


@dataclass
class Tree:
    root: Customer
    a: Customer
    a1: Customer
    a2: Customer
    a2x: Customer
    b: Customer
    c: Customer
    outsider: Customer

    def below(self, customer) -> set[int]:
        """The subtree of ``customer``, found by walking every row's parents in Python."""
        by_id = {row.pk: row for row in Customer.objects.filter(company=customer.company_id)}
        members = set()
        for row in by_id.values():
            node = row
            while node is not None:
                if node.pk == customer.pk:
                    members.add(row.pk)
                    break
                node = by_id.get(node.parent_id)
        return members


@pytest.fixture
def stages(company):
    return {
        kind: OpportunityStageFactory(company=company, kind=kind, name=kind)
        for kind in ("open", "won", "lost")
    }


@pytest.fixture
def tree(company, stages) -> Tree:
    """root > a > a1, a > a2 > a2x, root > b, root > c; an outsider beside the tree; each with
    documents that count (open, booked) and documents that do not (lost, rejected, cancelled)."""
    root = CustomerFactory(company=company, name="Holding")
    a = CustomerFactory(company=company, name="A Division", parent=root)
    a1 = CustomerFactory(company=company, name="A1 Branch", parent=a)
    a2 = CustomerFactory(company=company, name="A2 Branch", parent=a)
    a2x = CustomerFactory(company=company, name="A2x Desk", parent=a2)
    b = CustomerFactory(company=company, name="B Division", parent=root)
    c = CustomerFactory(company=company, name="C Division", parent=root)
    outsider = CustomerFactory(company=company, name="Outsider")
    for step, customer in enumerate([root, a, a1, a2, a2x, b, outsider], start=1):
        add_order(customer, f"{100 * step}.10")
        add_order(customer, f"{7 * step}.05", status=SalesOrder.Status.FULFILLED)
        add_order(customer, "999.00", status=SalesOrder.Status.CANCELLED)
        add_order(customer, "555.00", status=SalesOrder.Status.DRAFT)
        add_quotation(company, f"{10 * step}.20", customer=customer, status="sent")
        add_quotation(company, "888.00", customer=customer, status="rejected")
        add_opportunity(customer, f"{1000 * step}.30", stages["open"])
        add_opportunity(customer, "777.00", stages["lost"])
    # A quotation made for an opportunity before it became a2x's: it counts for a2x.
    linked = add_opportunity(a2x, "0.00", stages["won"])
    add_quotation(company, "33.33", opportunity=linked, status="accepted")
    return Tree(root, a, a1, a2, a2x, b, c, outsider)


def expected_figures(company, members: set[int]) -> dict:
    """Every figure for a set of customers, computed from the rows one by one."""
    orders = [o for o in SalesOrder.objects.filter(company=company) if o.customer_id in members]
    booked = [o for o in orders if o.status in SalesOrder.BOOKED]

    def quotation_customer(quotation):
        if quotation.customer_id:
            return quotation.customer_id
        link = CustomerLink.objects.filter(opportunity=quotation.opportunity_id).first()
        return link.customer_id if link else None

    quotations = [
        q
        for q in Quotation.objects.filter(company=company)
        if q.status in Quotation.OPEN and quotation_customer(q) in members
    ]
    opportunities = [
        link.opportunity
        for link in CustomerLink.objects.filter(company=company).select_related(
            "opportunity__stage"
        )
        if link.customer_id in members
        and link.opportunity_id
        and link.opportunity.stage.kind == OpportunityStage.Kind.OPEN
    ]
    return {
        "booked_orders": len(booked),
        "booked_orders_value": sum((o.net_total for o in booked), Decimal("0")),
        "open_quotations": len(quotations),
        "open_quotations_value": sum((q.net_total for q in quotations), Decimal("0")),
        "open_opportunities": len(opportunities),
        "open_pipeline": sum((o.expected_amount for o in opportunities), Decimal("0")),
    }


def figures_by_key(totals) -> dict:
    return {line.key: line for line in totals}


# --- the tree in SQL -------------------------------------------------------------------------


def test_subtree_and_ancestors_each_in_one_query(company, tree):
    with CaptureQueriesContext(connection) as queries:
        ids = set(
            Customer.objects.filter(
                company=company, pk__in=hierarchy.subtree_ids(company.pk, tree.root.pk)
            ).values_list("pk", flat=True)
        )
    assert len(queries) == 1
    assert ids == tree.below(tree.root)
    assert tree.outsider.pk not in ids

    with CaptureQueriesContext(connection) as queries:
        ancestors = selectors.customer_ancestors(tree.a2x)
    assert len(queries) == 1
    assert ancestors == [tree.a2, tree.a, tree.root]  # nearest first
    assert [a.name for a in ancestors] == ["A2 Branch", "A Division", "Holding"]
    assert selectors.customer_ancestors(tree.root) == []


def test_ten_levels_deep(member_client, company):
    chain = [CustomerFactory(company=company, name="Level 0")]
    for level in range(1, 11):
        chain.append(CustomerFactory(company=company, name=f"Level {level}", parent=chain[-1]))
    add_order(chain[-1], "10.00")
    top, bottom = chain[0], chain[-1]

    assert selectors.customer_ancestors(bottom) == list(reversed(chain[:-1]))
    view = selectors.customer_hierarchy(top)
    assert (view.child_count, view.descendant_count, view.levels) == (1, 10, 10)
    assert view.children[0].descendants == 9
    orders = figures_by_key(view.figures)["booked_orders"]
    assert (orders.own, orders.subtree) == (0, 1)
    with pytest.raises(DomainError):
        top.parent = bottom
        customer_save(customer=top, actor=None)

    response = member_client.get(bottom.get_absolute_url())
    assert response.status_code == 200
    assert [a.pk for a in response.context["hierarchy"].ancestors] == [
        c.pk for c in reversed(chain[:-1])
    ]


# --- the roll-up -----------------------------------------------------------------------------


def test_rollup_over_a_three_level_tree_is_the_sum_of_the_subtree(company, tree):
    view = selectors.customer_hierarchy(tree.root)
    totals = figures_by_key(view.figures)

    own = expected_figures(company, {tree.root.pk})
    whole = expected_figures(company, tree.below(tree.root))
    for key in own:
        assert totals[key].own == own[key], key
        assert totals[key].subtree == whole[key], key
    # The documents that do not count are there, and left out.
    assert whole["booked_orders"] == 12  # 6 customers with documents x 2 booked
    assert totals["open_pipeline"].subtree == sum(
        (Decimal(f"{1000 * step}.30") for step in range(1, 7)), Decimal("0")
    )
    assert totals["open_quotations"].subtree == 7  # one sent each, and a2x's via opportunity

    # Each direct child's figures are its own subtree's.
    rows = {row.customer.pk: row for row in view.children}
    assert [row.customer.name for row in view.children] == [
        "A Division",
        "B Division",
        "C Division",
    ]
    assert (view.child_count, view.descendant_count, view.levels) == (3, 6, 3)
    assert rows[tree.a.pk].descendants == 3
    for child in (tree.a, tree.b, tree.c):
        expected = expected_figures(company, tree.below(child))
        shown = [line.key for line in view.child_figures]
        cells = dict(zip(shown, rows[child.pk].figures, strict=True))
        for key in expected:  # counts too, though the page shows only the amounts
            assert totals[key].by_child[child.pk] == expected[key], (child, key)
            if key in cells:
                assert cells[key].value == expected[key], (child, key)

    # Lower in the tree, the same holds.
    middle = figures_by_key(selectors.customer_hierarchy(tree.a).figures)
    expected = expected_figures(company, tree.below(tree.a))
    assert {key: middle[key].subtree for key in expected} == expected


def test_one_query_for_every_figure_whatever_the_tree(company, tree):
    assert len(rollup.figures()) > 1
    with CaptureQueriesContext(connection) as queries:
        rollup.rollup(company_id=company.pk, root_id=tree.root.pk, shown_children=[tree.a.pk])
    assert len(queries) == 1
    assert "WITH RECURSIVE" in queries.captured_queries[0]["sql"]


def test_a_figure_registered_anew_is_compiled_anew(company, tree):
    """Each figure's SQL is compiled once per company (``rollup._figure_join``): the same
    figure is served from what was compiled; one registered again under its name is not."""
    add_order(tree.a, "5.00", status=SalesOrder.Status.DRAFT)
    saved = dict(rollup._registry)

    def booked() -> Decimal:
        totals = figures_by_key(
            rollup.rollup(company_id=company.pk, root_id=tree.a.pk, shown_children=[])
        )
        return totals["test_orders"].own

    try:
        for status in (SalesOrder.Status.CONFIRMED, SalesOrder.Status.DRAFT):
            expected = SalesOrder.objects.filter(customer=tree.a, status=status).aggregate(
                total=Sum("net_total")
            )["total"]
            rollup.register_figure(
                "test_orders",
                order=99,
                rows=rollup.rows_by_path(SalesOrder, "customer", status=status),
                measures=[rollup.Measure("test_orders", "Test", Sum("net_total"), money=True)],
            )
            assert booked() == expected
            assert booked() == expected  # compiled before
    finally:
        rollup._registry.clear()
        rollup._registry.update(saved)


# The children's rows as ``_hierarchy.html`` wrote them in a template loop, before
# ``customers.ui.hierarchy_children_rows`` wrote them in Python.
_CHILDREN_ROWS_AS_TEMPLATE = """{% load humanize money %}{% for row in hierarchy.children %}
        <tr>
          <th scope="row"><a href="{{ row.customer.get_absolute_url }}">{{ row.customer }}</a>{% if row.customer.status != 'active' %} <small class="muted">({{ row.customer.get_status_display|lower }})</small>{% endif %}</th>
          <td class="num">{{ row.descendants|intcomma }}</td>
          {% for cell in row.figures %}<td class="num">{% if cell.money %}{{ cell.value|amount }}{% else %}{{ cell.value|intcomma }}{% endif %}</td>{% endfor %}
        </tr>
      {% endfor %}"""  # noqa: E501


@pytest.mark.parametrize("language", ["en", "id"])
def test_the_children_rows_read_as_the_template_wrote_them(company, stages, language):
    from django.template import engines
    from django.utils import translation

    from customers.ui import hierarchy_children_rows

    parent = CustomerFactory(company=company, name="Holding")
    for name, status in (
        ("Ämter & <Co>", Customer.Status.ACTIVE),
        ("Held", Customer.Status.ON_HOLD),
        ("Gone", Customer.Status.INACTIVE),
    ):
        child = CustomerFactory(
            company=company,
            parent=parent,
            name=name,
            status=status,
            hold_reason="Unpaid" if status == Customer.Status.ON_HOLD else "",
        )
        add_order(child, "1234567.89")
        CustomerFactory(company=company, parent=child)
    with translation.override(language):
        view = selectors.customer_hierarchy(parent)
        template = engines["django"].from_string(_CHILDREN_ROWS_AS_TEMPLATE)
        assert str(hierarchy_children_rows(view)) == template.render({"hierarchy": view})
    assert len(view.children) == 3


def test_a_customer_column_is_one_registration_skipped_until_the_field_exists(company, tree):
    saved = dict(rollup._registry)
    try:
        rollup.register_customer_column(
            "not_there_yet", order=99, column="no_such_column", label="Not there"
        )
        assert "not_there_yet" not in [f.name for f in rollup.figures()]
        # A column that exists: summed over the subtree (the id stands in for a money column).
        rollup.register_customer_column("ids", order=99, column="id", label="Ids")
        totals = figures_by_key(
            rollup.rollup(company_id=company.pk, root_id=tree.a.pk, shown_children=[])
        )
        assert totals["ids"].own == tree.a.pk
        assert totals["ids"].subtree == sum(tree.below(tree.a))
    finally:
        rollup._registry.clear()
        rollup._registry.update(saved)


def test_balance_and_lifetime_sales_value_are_registered_for_when_the_columns_exist():
    names = set(rollup._registry)
    assert {"balance", "lifetime_sales_value", "open_pipeline"} <= names
    assert {"open_quotations", "booked_orders"} <= names  # from selling


# --- loops -----------------------------------------------------------------------------------


def test_a_loop_is_refused_by_the_service_directly_and_through_a_deep_descendant(company, tree):
    for descendant in (tree.a, tree.a2, tree.a2x):
        tree.root.parent = descendant
        with pytest.raises(DomainError, match="own hierarchy") as refused:
            customer_save(customer=tree.root, actor=None)
        assert refused.value.code == "hierarchy_loop"
    tree.root.refresh_from_db()
    assert tree.root.parent is None

    # Moving a branch elsewhere in the tree, or under a stranger, is fine.
    tree.a2.parent = tree.b
    customer_save(customer=tree.a2, actor=None)
    tree.b.parent = tree.outsider
    customer_save(customer=tree.b, actor=None)
    assert selectors.customer_ancestors(tree.a2x) == [tree.a2, tree.b, tree.outsider]


def test_the_page_form_refuses_a_loop_through_a_grandchild(member_client, company, tree):
    response = member_client.post(
        reverse("customers:customer_update", args=[tree.a.pk]),
        {
            "name": tree.a.name,
            "customer_type": tree.a.customer_type_id,
            "parent": tree.a2x.pk,
            "version": tree.a.version,
        },
    )
    assert response.status_code == 200
    assert "own hierarchy" in str(response.context["form"].non_field_errors())
    tree.a.refresh_from_db()
    assert tree.a.parent_id == tree.root.pk


@pytest.fixture
def staff_client(client, company):
    user = MembershipFactory(company=company, role=Membership.Role.ADMIN, user__is_staff=True).user
    from django.contrib.auth.models import Permission

    user.user_permissions.set(Permission.objects.filter(content_type__app_label="customers"))
    return login_as(client, user, company)


def _admin_change_data(client, url, **changes) -> dict:
    """The change form as the admin shows it (its fields, its inlines' management forms)."""
    response = client.get(url)
    form = response.context["adminform"].form
    forms = [form]
    for inline in response.context["inline_admin_formsets"]:
        forms.extend([inline.formset.management_form, *inline.formset.forms])
    data = {}
    for each in forms:
        for name in each.fields:
            value = each[name].value()
            if value not in (None, False):
                data[each.add_prefix(name)] = "on" if value is True else value
    data.update(changes)
    return data


def test_the_admin_refuses_a_loop_and_saves_through_the_service(staff_client, company, tree):
    url = reverse("admin:customers_customer_change", args=[tree.root.pk])
    response = staff_client.post(url, _admin_change_data(staff_client, url, parent=tree.a2x.pk))
    assert response.status_code == 200
    assert "own hierarchy" in str(response.context["adminform"].form.non_field_errors())
    tree.root.refresh_from_db()
    assert tree.root.parent is None

    response = staff_client.post(
        url, _admin_change_data(staff_client, url, parent=tree.outsider.pk)
    )
    assert response.status_code == 302
    tree.root.refresh_from_db()
    assert tree.root.parent == tree.outsider


# --- other companies -------------------------------------------------------------------------


def test_another_companys_customers_never_join_a_tree_even_with_crafted_ids(
    member_client, company, other_company, tree
):
    with scopes_disabled():
        stranger = CustomerFactory(company=other_company, name="Stranger Child")
        add_order(stranger, "5000.00")
        # Written behind the services' back: a foreign row naming our root as its parent.
        Customer.objects.filter(pk=stranger.pk).update(parent_id=tree.root.pk)
        foreign_root = CustomerFactory(company=other_company, name="Foreign Holding")
        CustomerFactory(company=other_company, name="Foreign Child", parent=foreign_root)
        # And one of ours naming a foreign parent.
        Customer.objects.filter(pk=tree.outsider.pk).update(parent_id=foreign_root.pk)
    tree.outsider.refresh_from_db()

    ids = set(
        Customer.objects.filter(pk__in=hierarchy.subtree_ids(company.pk, tree.root.pk)).values_list(
            "pk", flat=True
        )
    )
    assert stranger.pk not in ids
    assert ids == tree.below(tree.root)
    view = selectors.customer_hierarchy(tree.root)
    assert view.descendant_count == 6
    expected = expected_figures(company, tree.below(tree.root))
    assert (
        figures_by_key(view.figures)["booked_orders_value"].subtree
        == (expected["booked_orders_value"])
    )
    # A foreign root asked for with our company: nothing, not even the root.
    with connection.cursor() as cursor:
        cte, params = hierarchy.subtree_cte(company.pk, foreign_root.pk)
        cursor.execute(f"WITH RECURSIVE {cte} SELECT count(*) FROM customer_tree", params)
        assert cursor.fetchone()[0] == 0
    assert selectors.customer_ancestors(tree.outsider) == []
    assert not hierarchy.is_within(
        company.pk, candidate_id=tree.outsider.pk, root_id=foreign_root.pk
    )

    body = member_client.get(tree.root.get_absolute_url()).content.decode()
    assert "Stranger Child" not in body
    assert (
        member_client.get(reverse("customers:customer_detail", args=[foreign_root.pk])).status_code
        == 404
    )
    # And the service refuses a foreign parent outright.
    tree.b.parent = foreign_root
    with pytest.raises(DomainError):
        customer_save(customer=tree.b, actor=None)


# --- the customer page -----------------------------------------------------------------------


def test_the_page_shows_path_children_and_rollup(member_client, company, tree):
    response = member_client.get(tree.a.get_absolute_url())
    body = response.content.decode()
    assert 'aria-current="page">A Division</li>' in body
    assert "A1 Branch" in body and "A2 Branch" in body
    assert "With its 3 descendants" in body
    expected = expected_figures(company, tree.below(tree.a))
    booked = f"{expected['booked_orders_value']:,.2f}"
    assert booked in body

    leaf = member_client.get(tree.a2x.get_absolute_url())
    assert leaf.context["hierarchy"].child_count == 0
    assert "No customers below this one." in leaf.content.decode()
    alone = member_client.get(tree.outsider.get_absolute_url())
    assert 'id="hierarchy"' not in alone.content.decode()


def test_thousands_of_children_are_paged(member_client, company):
    parent = CustomerFactory(company=company, name="Parent")
    per_page = selectors.CHILDREN_PER_PAGE
    Customer.objects.bulk_create(
        Customer(
            company=company,
            name=f"Child {index:03d}",
            customer_type=parent.customer_type,
            parent=parent,
        )
        for index in range(per_page + 5)
    )
    first = member_client.get(parent.get_absolute_url())
    view = first.context["hierarchy"]
    assert (view.child_count, view.pages, len(view.children)) == (per_page + 5, 2, per_page)
    assert 'rel="next"' in first.content.decode()
    second = member_client.get(parent.get_absolute_url(), {"children_page": "2"})
    assert [row.customer.name for row in second.context["hierarchy"].children] == [
        f"Child {index:03d}" for index in range(per_page, per_page + 5)
    ]
    for junk in ("x", "-3", "99999999999999999999"):
        assert (
            member_client.get(parent.get_absolute_url(), {"children_page": junk}).status_code == 200
        )


def _page_queries(client, url) -> int:
    client.get(url)  # the company's cached choice lists
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_customer_page_keeps_its_query_count_however_large_the_tree(
    member_client, company, stages, django_assert_max_num_queries
):
    small = CustomerFactory(company=company, name="Small Parent")
    add_order(CustomerFactory(company=company, parent=small), "1.00")
    few = _page_queries(member_client, small.get_absolute_url())

    large = CustomerFactory(company=company, name="Large Parent")
    children = [CustomerFactory(company=company, parent=large) for _ in range(30)]
    for child in children[:5]:
        for _ in range(3):
            grandchild = CustomerFactory(company=company, parent=child)
            add_order(grandchild, "2.00")
            add_opportunity(grandchild, "3.00", stages["open"])
            CustomerFactory(company=company, parent=grandchild)  # a third level
    many = _page_queries(member_client, large.get_absolute_url())
    assert many == few

    with django_assert_max_num_queries(few):
        member_client.get(large.get_absolute_url())


def test_the_customer_list_keeps_its_query_count_with_deep_trees(member_client, company):
    url = reverse("customers:customer_list")
    CustomerFactory(company=company)
    few = _page_queries(member_client, url)
    chain = [CustomerFactory(company=company)]
    for _ in range(10):
        chain.append(CustomerFactory(company=company, parent=chain[-1]))
    assert _page_queries(member_client, url) == few


def test_the_figures_agree_with_the_documents_sums(company, tree):
    """A cross-check through the ORM's own aggregate, for the orders of the whole tree."""
    members = tree.below(tree.root)
    booked = SalesOrder.objects.filter(
        company=company, customer__in=members, status__in=SalesOrder.BOOKED
    ).aggregate(total=Sum("net_total"))["total"]
    totals = figures_by_key(selectors.customer_hierarchy(tree.root).figures)
    assert totals["booked_orders_value"].subtree == booked


# --- two people at once (PostgreSQL) ----------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reparentings_at_once_cannot_make_a_loop(monkeypatch):
    """A under B and B under A at the same moment: each check alone passes, together they would
    make a loop. The company's hierarchy lock lets one through; the other checks after it
    committed, and is refused."""
    if connection.vendor != "postgresql":
        pytest.skip("the hierarchy lock is PostgreSQL's: set DATABASE_URL to run this test")
    company = CompanyFactory()
    with scope(company=company):
        top = CustomerFactory(company=company, name="Top")
        a = CustomerFactory(company=company, name="A", parent=top)
        b = CustomerFactory(company=company, name="B", parent=top)

    checked = hierarchy.is_within

    def slow_check(*args, **kwargs):
        # Hold each transaction between its check and its write, so without the lock both
        # checks would pass before either write.
        answer = checked(*args, **kwargs)
        time.sleep(0.5)
        return answer

    monkeypatch.setattr(hierarchy, "is_within", slow_check)
    barrier = threading.Barrier(2)
    outcomes: list = []

    def move(child_pk: int, parent_pk: int) -> None:
        try:
            with scope(company=company):
                child = Customer.objects.get(pk=child_pk)
                child.parent = Customer.objects.get(pk=parent_pk)
                barrier.wait()
                customer_save(customer=child, actor=None)
                outcomes.append("moved")
        except DomainError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=move, args=(a.pk, b.pk)),
        threading.Thread(target=move, args=(b.pk, a.pk)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert sorted(outcomes) == ["hierarchy_loop", "moved"]
    with scope(company=company):
        parents = dict(Customer.objects.values_list("pk", "parent_id"))
    assert not (parents[a.pk] == b.pk and parents[b.pk] == a.pk)
