"""Reads for customer pages: the 360-degree view in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.utils.translation import gettext as _

from addressbook.models import Contact, ContactLink
from crm.access import viewable_rows
from crm.models import Product, SalesPartner, Salesperson
from crm.sql_reads import Joined, PlainRead
from crm.sql_reads import column_name as _column
from customers import hierarchy, rollup
from customers.models import (
    DEFAULT_PAYMENT_TERMS_DAYS,
    BalanceEntry,
    Customer,
    CustomerGroup,
    CustomerLink,
    CustomerRole,
    CustomerType,
    CustomerUser,
    GroupPrice,
    ProductLimit,
    payment_terms_label,
)
from leads.models import Lead, Opportunity, OpportunityStage, WishListItem
from leads.wish_pricing import price_wish_list

# Direct children the hierarchy section lists a page at a time (a parent may have thousands).
CHILDREN_PER_PAGE = 25
BALANCE_ENTRIES_SHOWN = 5

_CUSTOMER_LINK_ATTR = "_customer_link_read"

# A lead's or an opportunity's link to the customer it became, with what the pages that read it
# show of that customer (the customer panel, the next step, the on-hold notice; crm.access reads
# the owner), as ``select_related("customer")`` with ``only`` those would: any other column loads
# when it is read. Building and compiling that queryset cost a lead's or an opportunity's page
# about a millisecond, most of its next step.
_LINKED_CUSTOMER_COLUMNS = ("id", "company_id", "name", "status", "hold_reason", "salesperson_id")
_CUSTOMER_LINK_READS = {
    name: PlainRead(
        CustomerLink,
        "k",
        joined=(Joined("c", Customer, "k", "customer", only=_LINKED_CUSTOMER_COLUMNS),),
        where=f"k.company_id = %s AND k.{name}_id = %s",
    )
    for name in ("lead", "opportunity")
}


def customer_link_for(record) -> CustomerLink | None:
    """The link from a lead or opportunity to the customer it became (the customer loaded with
    it), or None: read once per record object and kept on it, since the page's customer panel
    and its next step both ask. The customer carries ``_LINKED_CUSTOMER_COLUMNS``."""
    if not hasattr(record, _CUSTOMER_LINK_ATTR):
        field_name = "lead" if record._meta.model_name == "lead" else "opportunity"
        link = _CUSTOMER_LINK_READS[field_name].first([record.company_id, record.pk])
        setattr(record, _CUSTOMER_LINK_ATTR, link)
    return getattr(record, _CUSTOMER_LINK_ATTR)


def parent_name() -> Subquery:
    """The name of a customer row's parent (None without one), for ``annotate``."""
    return Subquery(Customer.objects.filter(pk=OuterRef("parent_id")).order_by().values("name")[:1])


def customer_ancestors(customer: Customer) -> list[Customer]:
    """Parent, grandparent… (nearest first) up to the root, in one query."""
    if not customer.parent_id:
        return []
    sql, params = hierarchy.ancestors_query(customer.company_id, customer.parent_id)
    ancestors, seen = [], {customer.pk}
    for ancestor in Customer.objects.raw(sql, params):
        if ancestor.pk in seen:  # a loop written behind the services' back: stop there
            break
        seen.add(ancestor.pk)
        ancestors.append(ancestor)
    return ancestors


@dataclass(frozen=True)
class FigureCell:
    value: int | Decimal
    money: bool


@dataclass
class ChildRow:
    """A direct child as the hierarchy section lists it: its subtree's size and figures."""

    customer: Customer
    descendants: int
    figures: list[FigureCell] = field(default_factory=list)  # ``Hierarchy.child_figures``


@dataclass
class Hierarchy:
    ancestors: list[Customer]
    children: list[ChildRow]
    child_count: int = 0
    descendant_count: int = 0
    levels: int = 0  # levels below the customer
    figures: list[rollup.MeasureTotals] = field(default_factory=list)
    page: int = 1
    pages: int = 1

    @property
    def child_figures(self) -> list[rollup.MeasureTotals]:
        """The figures each child's row shows: the amounts (the counts stay in the roll-up
        table, so a row fits beside the name)."""
        return [totals for totals in self.figures if totals.money]

    @property
    def has_tree(self) -> bool:
        return bool(self.ancestors or self.child_count)


# A page of a customer's direct children by name, with what their rows show (as the queryset
# ``.only("pk", "name", "status", "company_id", "parent_id").order_by("name", "pk")`` sliced).
_CHILDREN = PlainRead(
    Customer,
    "c",
    where=f"c.{_column(Customer, 'company')} = %s AND c.{_column(Customer, 'parent')} = %s",
    order=f"c.{_column(Customer, 'name')}, c.{_column(Customer, 'id')}",
    only=("id", "name", "status", "company", "parent"),
    paged=True,
)


def customer_hierarchy(customer: Customer, *, page: int = 1) -> Hierarchy:
    """The customer's place in its hierarchy: ancestors, a page of direct children with the size
    and figures of their subtrees, and every roll-up figure for the customer and its subtree.

    A fixed number of queries whatever the tree's size or depth: ancestors (1), the page of
    children (1); for a customer with children also one for the tree's summary and every
    figure together.
    """
    ancestors = customer_ancestors(customer)
    page = max(page, 1)
    offset = (page - 1) * CHILDREN_PER_PAGE
    children = _CHILDREN.read([customer.company_id, customer.pk, CHILDREN_PER_PAGE, offset])
    if not children and page == 1:
        return Hierarchy(ancestors=ancestors, children=[])
    shown = [child.pk for child in children]
    summary = rollup.rollup_with_summary(
        company_id=customer.company_id, root_id=customer.pk, shown_children=shown
    )
    if not summary.child_count:  # a page past the end of a now-childless customer
        return Hierarchy(ancestors=ancestors, children=[])
    figures = summary.totals
    rows = [
        ChildRow(
            customer=child,
            descendants=summary.descendants.get(child.pk, 0),
            figures=[
                FigureCell(totals.by_child[child.pk], totals.money)
                for totals in figures
                if totals.money
            ],
        )
        for child in children
    ]
    pages = -(-summary.child_count // CHILDREN_PER_PAGE)
    return Hierarchy(
        ancestors=ancestors,
        children=rows,
        child_count=summary.child_count,
        descendant_count=summary.descendant_count,
        levels=summary.levels,
        figures=figures,
        page=page,
        pages=pages,
    )


@dataclass
class GroupAndTypeTerms:
    """What a customer's group and type give it, for the customer page."""

    payment_terms: str
    group_prices: int = 0
    group_only_products: int = 0
    type_only_products: int = 0


def customer_terms(customer: Customer) -> GroupAndTypeTerms:
    """Payment terms, the size of the group's price list and the products only its group or
    type may buy, in one plain query: the ORM spent more compiling the two it took (0.8 ms)
    than the database answering them. Every count is of the customer's company's rows."""
    group = customer.customer_group
    days = group.payment_terms_days if group else DEFAULT_PAYMENT_TERMS_DAYS
    terms = GroupAndTypeTerms(payment_terms=payment_terms_label(days))
    company_id, group_id = customer.company_id, customer.customer_group_id
    # A limit names a type or a group, never both (``ProductLimit``'s check constraint).
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {GroupPrice._meta.db_table}"
        " WHERE company_id = %s AND customer_group_id = %s),"
        f" (SELECT COUNT(DISTINCT product_id) FROM {ProductLimit._meta.db_table}"
        " WHERE company_id = %s AND customer_type_id = %s),"
        f" (SELECT COUNT(DISTINCT product_id) FROM {ProductLimit._meta.db_table}"
        " WHERE company_id = %s AND customer_group_id = %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [company_id, group_id, company_id, customer.customer_type_id, company_id, group_id],
        )
        group_prices, type_only, group_only = cursor.fetchone()
    if group is not None:
        terms.group_prices = group_prices
    terms.type_only_products = type_only
    terms.group_only_products = group_only
    return terms


# The customer page's own row with the rows it shows beside it, as the page's queryset read it
# (``Customer.objects.filter(company=..., pk=...).select_related("customer_type",
# "customer_group", "salesperson", "sales_partner", "held_by")``): building and compiling that
# queryset, with the access filter on top, cost the page about 1.6 ms of CPU on every request.
_PAGE_CUSTOMER = PlainRead(
    Customer,
    "c",
    joined=(
        Joined("t", CustomerType, "c", "customer_type"),
        Joined("g", CustomerGroup, "c", "customer_group"),
        Joined("p", Salesperson, "c", "salesperson"),
        Joined("sp", SalesPartner, "c", "sales_partner"),
        Joined("u", get_user_model(), "c", "held_by"),
    ),
    where=f"c.{_column(Customer, 'company')} = %s AND c.{_column(Customer, 'id')} = %s",
)


def customer_for_page(*, company_id: int, pk: int) -> Customer | None:
    """The company's customer ``pk`` with its type, group, salesperson, sales partner and the
    user who put it on hold, or None (another company's id finds nothing). Who may see it is
    the caller's question (``crm.access.can``)."""
    return _PAGE_CUSTOMER.first([company_id, pk])


_CUSTOMER_LINKS_ATTR = "_customer_links_read"

# A customer's links with their leads and opportunities (each with its stage and salesperson),
# as ``select_related("lead", "opportunity__stage", "opportunity__salesperson")`` read them:
# the queryset cost 1.3 ms of CPU to build and compile on every customer page.
_LINKS = PlainRead(
    CustomerLink,
    "k",
    joined=(
        Joined("l", Lead, "k", "lead"),
        Joined("o", Opportunity, "k", "opportunity"),
        Joined("s", OpportunityStage, "o", "stage"),
        Joined("p", Salesperson, "o", "salesperson"),
    ),
    where=f"k.{_column(CustomerLink, 'company')} = %s AND k.{_column(CustomerLink, 'customer')} = %s",
    order=f"k.{_column(CustomerLink, 'created_at')} DESC, k.{_column(CustomerLink, 'id')} DESC",
)


def customer_links(customer: Customer) -> list[CustomerLink]:
    """The customer's links to the leads and opportunities behind it (with them), newest first:
    read once per customer object and kept on it, since the page's overview and its timeline
    (which shows their history) both ask."""
    if not hasattr(customer, _CUSTOMER_LINKS_ATTR):
        links = _LINKS.read([customer.company_id, customer.pk])
        setattr(customer, _CUSTOMER_LINKS_ATTR, links)
    return getattr(customer, _CUSTOMER_LINKS_ATTR)


def customer_origin_from_loaded(customer: Customer, *, ancestors: list[Customer]) -> None:
    """Set the customer's parent, lead and opportunity from rows the customer page reads anyway:
    the parent is the first of its ancestors (``customer_ancestors``), the lead and opportunity
    it came from are among its links (``customer_links``). Only one the page has not read (a
    link removed since) costs a query, filtered on the company as the ancestors' walk is."""
    company = customer.company_id
    if customer.parent_id:
        parent = ancestors[0] if ancestors and ancestors[0].pk == customer.parent_id else None
        if parent is None:  # the walk stopped at once: a parent of another company, a loop
            parent = Customer.objects.filter(company=company, pk=customer.parent_id).first()
        Customer.parent.field.set_cached_value(customer, parent)
    links = customer_links(customer) if customer.lead_id or customer.opportunity_id else []
    for field_name, model in (("lead", Lead), ("opportunity", Opportunity)):
        wanted = getattr(customer, f"{field_name}_id")
        if not wanted:
            continue
        record = next(
            (
                getattr(link, field_name)
                for link in links
                if getattr(link, f"{field_name}_id") == wanted
            ),
            None,
        )
        if record is None:
            rows = model.objects.filter(company=company, pk=wanted)
            if model is Opportunity:
                rows = rows.select_related("stage")
            record = rows.first()
        Customer._meta.get_field(field_name).set_cached_value(customer, record)


# The customer's last balance entries, newest first (as the queryset ordered by
# ``-created_at, -pk`` and sliced read them).
_BALANCE_ENTRIES = PlainRead(
    BalanceEntry,
    "b",
    where=f"b.{_column(BalanceEntry, 'company')} = %s AND b.{_column(BalanceEntry, 'customer')} = %s",
    order=f"b.{_column(BalanceEntry, 'created_at')} DESC, b.{_column(BalanceEntry, 'id')} DESC",
    limit=BALANCE_ENTRIES_SHOWN,
)


def customer_overview(*, customer: Customer) -> dict:
    """Everything the customer page shows besides its own fields and the shared panels."""
    links = customer_links(customer)
    opportunities = [link.opportunity for link in links if link.opportunity_id]
    leads = [link.lead for link in links if link.lead_id]
    # The wish list of where it came from: the opportunity's, or the lead's if it came directly.
    origin_filter = None
    if customer.opportunity_id:
        origin_filter = {"opportunity_id": customer.opportunity_id}
    elif customer.lead_id:
        origin_filter = {"lead_id": customer.lead_id}
    wish_list = []
    if origin_filter:
        wish_list = list(
            WishListItem.objects.filter(company=customer.company_id, **origin_filter)
            .select_related("product")
            .order_by("pk")
        )
    balance_entries = _BALANCE_ENTRIES.read([customer.company_id, customer.pk])
    return {
        "terms": customer_terms(customer),
        "balance_entries": balance_entries,
        "links": links,
        "opportunities": opportunities,
        "leads": leads,
        "open_pipeline": sum(
            (o.expected_amount for o in opportunities if o.stage.kind == "open"),
            start=0,
        ),
        # At the customer's prices: what a quotation made from it would say.
        "wish_list": price_wish_list(party=customer, items=wish_list),
    }


# --- what a party may buy ------------------------------------------------------------------------


@dataclass(frozen=True)
class Buyer:
    """Who is buying, as product limits see it: the party's name, customer type and group (the
    group may be none; so may the type of a party priced before it is a customer)."""

    name: str
    customer_type: CustomerType | None
    customer_group: CustomerGroup | None


class ProductLimits:
    """Which of a company's products are limited to some customer types or groups, read in one
    query. The one place that decides whether a party may buy a product:

    - a product without limits is for everyone;
    - limited to types, only a party of one of those types may buy it;
    - limited to groups, only a member of one of those groups;
    - limited to both, only a party that passes both.
    """

    def __init__(self, *, company, product_ids: Iterable[int] | None = None) -> None:
        rows = ProductLimit.objects.filter(company=company).select_related(
            "customer_type", "customer_group"
        )
        if product_ids is not None:
            rows = rows.filter(product_id__in=list(product_ids))
        self.types: dict[int, dict[int, CustomerType]] = defaultdict(dict)
        self.groups: dict[int, dict[int, CustomerGroup]] = defaultdict(dict)
        for row in rows:
            if row.customer_type_id:
                self.types[row.product_id][row.customer_type_id] = row.customer_type
            else:
                self.groups[row.product_id][row.customer_group_id] = row.customer_group

    def is_limited(self, product_id: int) -> bool:
        return product_id in self.types or product_id in self.groups

    def allows(self, product_id: int, buyer: Buyer) -> bool:
        return self.refusal(product_id, buyer, product_name="") is None

    def refusal(self, product_id: int, buyer: Buyer, *, product_name: str) -> str | None:
        """Why ``buyer`` may not buy the product, or None if it may."""
        types = self.types.get(product_id)
        if types and (buyer.customer_type is None or buyer.customer_type.pk not in types):
            return _(
                "“%(product)s” is sold only to these customer types: %(types)s; %(party)s is "
                "“%(type)s”."
            ) % {
                "product": product_name,
                "types": _names(types.values()),
                "party": buyer.name,
                "type": buyer.customer_type or _("not a customer yet"),
            }
        groups = self.groups.get(product_id)
        if groups and (buyer.customer_group is None or buyer.customer_group.pk not in groups):
            if buyer.customer_group is None:
                return _(
                    "“%(product)s” is sold only to these customer groups: %(groups)s; "
                    "%(party)s is in no group."
                ) % {
                    "product": product_name,
                    "groups": _names(groups.values()),
                    "party": buyer.name,
                }
            return _(
                "“%(product)s” is sold only to these customer groups: %(groups)s; %(party)s is in "
                "“%(group)s”."
            ) % {
                "product": product_name,
                "groups": _names(groups.values()),
                "party": buyer.name,
                "group": buyer.customer_group,
            }
        return None


def products_for(buyer: Buyer, *, company) -> QuerySet[Product]:
    """The company's active products ``buyer`` may buy, as one filter the database applies, so
    a catalog can page and count them. It decides as ``ProductLimits`` does (a test holds the
    two together): limited to types, the buyer's type must be one; limited to groups, the
    buyer's group must be one."""
    limits = ProductLimit.objects.filter(company=company, product=OuterRef("pk"))
    by_type = limits.filter(customer_type__isnull=False)
    by_group = limits.filter(customer_group__isnull=False)
    type_ok = ~Exists(by_type)
    if buyer.customer_type is not None:
        type_ok |= Exists(by_type.filter(customer_type=buyer.customer_type.pk))
    group_ok = ~Exists(by_group)
    if buyer.customer_group is not None:
        group_ok |= Exists(by_group.filter(customer_group=buyer.customer_group.pk))
    return Product.objects.filter(type_ok, group_ok, company=company, is_active=True)


def _names(rows) -> str:
    return ", ".join(sorted(f"“{row}”" for row in rows))


def customer_portal_users(*, customer: Customer) -> list[CustomerUser]:
    """The customer's portal users with their roles: two queries however many there are."""
    users = _PORTAL_USERS.read([customer.company_id, customer.pk])
    prefetch_related_objects(
        users,
        Prefetch("roles", queryset=CustomerRole.objects.order_by("customer_id", "name", "pk")),
    )
    return users


# The customer's portal users by name (the queryset's order: last name, first name, pk).
_PORTAL_USERS = PlainRead(
    CustomerUser,
    "u",
    where=f"u.{_column(CustomerUser, 'company')} = %s AND u.{_column(CustomerUser, 'customer')} = %s",
    order=(
        f"u.{_column(CustomerUser, 'last_name')}, u.{_column(CustomerUser, 'first_name')},"
        f" u.{_column(CustomerUser, 'id')}"
    ),
)


def viewable_duplicates(duplicates: list, user, company) -> list:
    """The possible duplicates (``customer_duplicates``) the user may view, in one query: only
    those are offered for linking, or named."""
    ids = [match.customer.pk for match in duplicates]
    if not ids:
        return duplicates
    seen = set(
        viewable_rows(
            Customer.objects.filter(company=company, pk__in=ids), user, company
        ).values_list("pk", flat=True)
    )
    return [match for match in duplicates if match.customer.pk in seen]


@dataclass(frozen=True)
class InviteChoices:
    """What the portal invitation on the customer page offers: the customer's contacts who do
    not sign in yet (for any customer) and the roles its users may hold (``roles_for``), each
    in the order the form's querysets give them."""

    contacts: list[Contact]
    roles: list[CustomerRole]


def invite_choices(customer: Customer) -> InviteChoices:
    """The invitation's contacts and roles in one plain query (a UNION ALL of the two), where
    the form's two querysets cost a query each and more to compile than to run. The contacts
    carry only their names (their label), the roles what their label and the preselected buyer
    need; both only of the customer's company."""
    company_id = customer.company_id
    sql = (
        # part, id, customer (roles), sort 1, sort 2, key (roles)
        "SELECT 'contact' AS part, c.id, 0 AS owner, c.last_name AS s1, c.first_name AS s2,"
        " '' AS role_key"
        f" FROM {Contact._meta.db_table} c"
        " WHERE c.company_id = %s AND c.id IN ("
        f"SELECT l.contact_id FROM {ContactLink._meta.db_table} l"
        " WHERE l.company_id = %s AND l.owner_type_id = %s AND l.owner_id = %s)"
        f" AND NOT EXISTS (SELECT 1 FROM {CustomerUser._meta.db_table} u"
        " WHERE u.contact_id = c.id)"
        " UNION ALL"
        " SELECT 'role', r.id, r.customer_id, r.name, '', r.key"
        f" FROM {CustomerRole._meta.db_table} r"
        " WHERE r.company_id = %s AND (r.customer_id IS NULL OR r.customer_id = %s)"
        # As the form's querysets order them: contacts by name; roles by customer (the
        # company's, with none, wherever the database sorts NULL), then by name.
        " ORDER BY part, owner, s1, s2, id"
    )
    owner_type = ContentType.objects.get_for_model(Customer).pk
    params = [company_id, company_id, owner_type, customer.pk, company_id, customer.pk]
    contacts, roles = [], []
    db = Contact.objects.db
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for part, pk, owner, first, second, key in cursor.fetchall():
            if part == "contact":
                contacts.append(
                    _loaded(
                        Contact,
                        db,
                        id=pk,
                        company_id=company_id,
                        first_name=second,
                        last_name=first,
                    )
                )
            else:
                roles.append(
                    _loaded(
                        CustomerRole,
                        db,
                        id=pk,
                        company_id=company_id,
                        name=first,
                        key=key,
                        customer_id=owner,
                    )
                )
    return InviteChoices(contacts=contacts, roles=roles)


def _loaded(model, db: str, **values):
    """A ``model`` row from some of its columns (the others load when read): ``from_db`` takes
    the values in the order of the model's fields, whatever the order of their names."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(db, names, [values[name] for name in names])
