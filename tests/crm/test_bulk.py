"""The bulk-action framework on its own: the form, the runner and the view mixin, exercised with
a test-only action on products (the leads lists have their own tests)."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.urls import path
from django_scopes import scopes_disabled

from crm import urls as project_urls
from crm.errors import DomainError
from crm.filters import ProductFilter
from crm.models import Membership, Product
from crm.ui.bulk import (
    MAX_BULK_IDS,
    BulkAction,
    BulkActionForm,
    BulkActions,
    bulk_run,
    refusal_message,
)
from crm.views.bulk import BulkActionMixin
from crm.views.mixins import CompanyListView
from tests.conftest import login_as
from tests.factories import ProductFactory


def rename(product, *, actor, suffix):
    """A stand-in service: refuses SKUs starting with X, writes the others."""
    product.name = f"{product.name} {suffix}"
    product.save(update_fields=["name"])
    if product.sku.startswith("X"):
        raise DomainError(f"{product.sku} is frozen.")


class RenameForm(BulkActionForm):
    suffix = forms.CharField(label="Suffix", required=False)


RENAME = BulkAction(
    name="rename",
    label="Rename",
    fields=("suffix",),
    run=rename,
    message=lambda count, params: f"{count} products renamed with {params['suffix']}.",
)
ARCHIVE = BulkAction(
    name="archive",
    label="Archive",
    run=lambda product, *, actor: None,
    message=lambda count, params: f"{count} archived.",
    allowed_roles=Membership.MANAGER_ROLES,
)

product_actions = BulkActions(Product, form_class=RenameForm)
product_actions.register(RENAME)
product_actions.register(ARCHIVE)


class ProductBulkListView(BulkActionMixin, CompanyListView):
    model = Product
    filterset_class = ProductFilter
    template_name = "crm/product_list.html"
    bulk_actions = product_actions


# The project's URLs plus the test list (``pytest.mark.urls`` below): its page links to them.
urlpatterns = [
    path("bulk-products/", ProductBulkListView.as_view(), name="bulk_products"),
    *project_urls.urlpatterns,
]


def make_form(data, company):
    return RenameForm(data, actions=list(product_actions), company=company, model=Product)


# --- registry ---------------------------------------------------------------------------------


def test_an_action_is_registered_once_and_with_known_fields():
    actions = BulkActions(Product, form_class=RenameForm)
    actions.register(RENAME)
    with pytest.raises(ValueError, match="already has"):
        actions.register(RENAME)
    with pytest.raises(ValueError, match="no field"):
        actions.register(
            BulkAction(name="x", label="X", run=rename, message=str, fields=("colour",))
        )


def test_actions_are_offered_by_role():
    assert [a.name for a in product_actions.offered(lambda roles: False)] == ["rename"]
    assert [a.name for a in product_actions.offered(lambda roles: True)] == ["rename", "archive"]


# --- form -------------------------------------------------------------------------------------


def test_the_form_collects_ids_and_the_chosen_actions_fields(company):
    form = make_form({"action": "rename", "ids": ["3", "1", "3"], "suffix": "new"}, company)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["selected_ids"] == [3, 1]
    assert form.action_params() == {"suffix": "new"}


def test_select_all_on_the_page_works_without_javascript(company):
    data = {"action": "rename", "suffix": "s", "select_page": "1", "page_ids": ["4", "5"]}
    form = make_form(data, company)
    assert form.is_valid()
    assert form.cleaned_data["selected_ids"] == [4, 5]
    # Without the box the page's ids are only what was shown, not a selection.
    form = make_form({**data, "select_page": ""}, company)
    assert not form.is_valid()
    assert form.error_text() == "Select the products to change first."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"ids": ["1"]}, "Choose an action."),
        ({"action": "melt", "ids": ["1"]}, "Choose one of the actions offered."),
        ({"action": "rename", "ids": ["1"]}, "Choose the suffix for “Rename”."),
        ({"action": "rename", "ids": ["1", "x"], "suffix": "s"}, "reload the page"),
        ({"action": "rename", "ids": ["-1"], "suffix": "s"}, "reload the page"),
    ],
)
def test_bad_input_is_explained(company, data, message):
    form = make_form(data, company)
    assert not form.is_valid()
    assert message in form.error_text()


def test_the_number_of_rows_is_capped(company):
    ids = [str(n) for n in range(1, MAX_BULK_IDS + 2)]
    form = make_form({"action": "rename", "ids": ids, "suffix": "s"}, company)
    assert not form.is_valid()
    assert form.error_text() == (
        f"You selected {MAX_BULK_IDS + 1} products; at most {MAX_BULK_IDS} can be changed at "
        "once. Filter the list or select fewer."
    )
    ids = [str(n) for n in range(1, MAX_BULK_IDS + 1)]
    assert make_form({"action": "rename", "ids": ids, "suffix": "s"}, company).is_valid()


# --- runner -----------------------------------------------------------------------------------


def test_every_row_changes_in_one_go(company):
    products = ProductFactory.create_batch(3, company=company, name="Chair")
    outcome = bulk_run(
        action=RENAME,
        queryset=Product.objects.filter(company=company),
        ids=[p.pk for p in products],
        actor=None,
        params={"suffix": "v2"},
    )
    assert [p.pk for p in outcome.done] == sorted(p.pk for p in products)
    assert not outcome.refused and not outcome.missing
    assert set(Product.objects.values_list("name", flat=True)) == {"Chair v2"}


def test_one_refusal_changes_nothing_and_names_every_refused_row(company):
    good = ProductFactory(company=company, sku="A-1", name="Chair")
    bad = ProductFactory(company=company, sku="X-1", name="Table")
    worse = ProductFactory(company=company, sku="X-2", name="Lamp")
    outcome = bulk_run(
        action=RENAME,
        queryset=Product.objects.filter(company=company),
        ids=[good.pk, bad.pk, worse.pk],
        actor=None,
        params={"suffix": "v2"},
    )
    assert outcome.done == []
    assert [(refusal.row.pk, refusal.reason) for refusal in outcome.refused] == [
        (bad.pk, "X-1 is frozen."),
        (worse.pk, "X-2 is frozen."),
    ]
    # The good row was written before the refusals, and is rolled back with them.
    assert sorted(Product.objects.values_list("name", flat=True)) == ["Chair", "Lamp", "Table"]
    message = refusal_message(outcome, model=Product, tried=3)
    assert message.startswith("Nothing was changed: 2 of 3 products were refused. ")
    assert "X-1 is frozen." in message and "X-2 is frozen." in message


def test_long_refusal_lists_are_cut(company):
    products = [ProductFactory(company=company, sku=f"X-{n:02d}") for n in range(12)]
    outcome = bulk_run(
        action=RENAME,
        queryset=Product.objects.filter(company=company),
        ids=[p.pk for p in products],
        actor=None,
        params={"suffix": "s"},
    )
    message = refusal_message(outcome, model=Product, tried=12)
    assert message.count("is frozen") == 10
    assert message.endswith(": X-09 is frozen. And 2 more.")


def test_another_companys_ids_are_reported_and_never_touched(company, other_company):
    own = ProductFactory(company=company, name="Chair")
    with scopes_disabled():
        foreign = ProductFactory(company=other_company, name="Theirs")
    outcome = bulk_run(
        action=RENAME,
        queryset=Product.objects.filter(company=company),
        ids=[own.pk, foreign.pk, 987654],
        actor=None,
        params={"suffix": "v2"},
    )
    assert [p.pk for p in outcome.done] == [own.pk]
    assert outcome.missing == [foreign.pk, 987654]
    with scopes_disabled():
        foreign.refresh_from_db()
    assert foreign.name == "Theirs"


# --- view mixin -------------------------------------------------------------------------------


@pytest.fixture
def bulk_urls(settings):
    settings.ROOT_URLCONF = __name__


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_list_shows_the_bar_and_posts_back_to_itself(
    bulk_urls, member_client, company, django_assert_max_num_queries
):
    ProductFactory(company=company, sku="A-1", name="Chair")
    response = member_client.get("/bulk-products/?is_active=true")
    form = response.context["bulk_form"]
    assert [name for name, _label in form.fields["action"].choices] == ["", "rename", "archive"]

    response = member_client.post(
        "/bulk-products/?is_active=true&page=1",
        {"action": "rename", "ids": [Product.objects.get().pk], "suffix": "v2"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/bulk-products/?is_active=true&page=1"
    assert messages_of(response) == ["1 products renamed with v2."]
    assert Product.objects.get().name == "Chair v2"


def test_a_refused_run_redirects_with_the_reasons(bulk_urls, member_client, company):
    good = ProductFactory(company=company, sku="A-1", name="Chair")
    bad = ProductFactory(company=company, sku="X-1", name="Table")
    response = member_client.post(
        "/bulk-products/", {"action": "rename", "ids": [good.pk, bad.pk], "suffix": "v2"}
    )
    assert response["Location"] == "/bulk-products/"
    assert messages_of(response) == [
        "Nothing was changed: 1 of 2 products was refused. X-1 · Table: X-1 is frozen."
    ]
    assert sorted(Product.objects.values_list("name", flat=True)) == ["Chair", "Table"]


def test_foreign_ids_are_reported_as_not_found(bulk_urls, member_client, company, other_company):
    own = ProductFactory(company=company, name="Chair")
    with scopes_disabled():
        foreign = ProductFactory(company=other_company, name="Theirs")
    response = member_client.post(
        "/bulk-products/", {"action": "rename", "ids": [own.pk, foreign.pk], "suffix": "v2"}
    )
    assert messages_of(response) == [
        "1 products renamed with v2.",
        "1 selected product was not found (deleted in the meantime?) and was left out.",
    ]
    with scopes_disabled():
        foreign.refresh_from_db()
    assert foreign.name == "Theirs"


def test_an_action_the_role_may_not_run_is_refused(bulk_urls, client, company, salesperson_user):
    login_as(client, salesperson_user, company)
    product = ProductFactory(company=company)
    response = client.get("/bulk-products/")
    assert [n for n, _l in response.context["bulk_form"].fields["action"].choices] == [
        "",
        "rename",
    ]
    response = client.post("/bulk-products/", {"action": "archive", "ids": [product.pk]})
    assert messages_of(response) == ["Choose one of the actions offered."]


def test_form_errors_come_back_as_a_message(bulk_urls, member_client, company):
    response = member_client.post("/bulk-products/?q=chair", {"action": "rename", "suffix": "s"})
    assert response["Location"] == "/bulk-products/?q=chair"
    assert messages_of(response) == ["Select the products to change first."]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_over_the_same_rows_queue_instead_of_deadlocking():
    import threading

    from django.db import connection
    from django_scopes import scope

    from tests.factories import CompanyFactory

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: set DATABASE_URL to run this test")
    company = CompanyFactory()
    with scope(company=company):
        products = [ProductFactory(company=company, sku=f"A-{n}", name="P") for n in range(6)]
    ids = [p.pk for p in products]
    barrier = threading.Barrier(2)
    errors = []

    def run(order, suffix):
        try:
            with scope(company=company):
                barrier.wait()
                bulk_run(
                    action=RENAME,
                    queryset=Product.objects.filter(company=company),
                    ids=order,
                    actor=None,
                    params={"suffix": suffix},
                )
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(ids, "x")),
        threading.Thread(target=run, args=(list(reversed(ids)), "y")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with scope(company=company):
        names = set(Product.objects.filter(company=company).values_list("name", flat=True))
    # One run went first for every row: all rows got the suffixes in the same order.
    assert names in ({"P x y"}, {"P y x"})
