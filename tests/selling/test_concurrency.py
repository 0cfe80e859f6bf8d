"""People at the same moment: gapless consecutive numbers, one order per quotation or
opportunity, one customer keeping the opportunity's rows. PostgreSQL only (row locks).

Each thread has its own database connection, enters the company's scope itself and closes its
connection when done; a barrier releases them together.
"""

import threading
import time
from collections.abc import Callable

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone
from django_scopes import scope

from addressbook.models import AddressLink, ContactLink
from crm.errors import DomainError
from crm.models import NumberSequence
from customers import services as customers_services
from customers.models import Customer, CustomerLink
from customers.setup import customers_defaults_apply
from leads.models import OpportunityStage
from leads.setup import leads_defaults_apply
from selling import services
from selling.models import Quotation, SalesOrder
from tests.factories import (
    AddressLinkFactory,
    CompanyFactory,
    ContactLinkFactory,
    CustomerFactory,
    LeadFactory,
    OpportunityFactory,
    UserFactory,
    WishListItemFactory,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("noon_of_today"),
]

TODAY = timezone.localdate()
YEAR = TODAY.year


@pytest.fixture(autouse=True)
def needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: set DATABASE_URL to run the concurrency tests")


def at_once(count: int, company, work: Callable[[], object]) -> tuple[list, list]:
    """Run ``work`` in ``count`` threads released together; (results, errors)."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        try:
            with scope(company=company):
                barrier.wait()
                results.append(work())
        except Exception as error:  # collected and asserted by the caller
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck on a lock"
    return results, errors


def waits_for_a_lock(seconds: float = 10) -> bool:
    """Whether another connection to this database is blocked on a lock within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.05)
    return False


def links_of(model, owner):
    return model.objects.filter(
        owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk
    )


def row_ids(model, owner) -> set[int]:
    column = "address_id" if model is AddressLink else "contact_id"
    return set(links_of(model, owner).values_list(column, flat=True))


@pytest.fixture
def world():
    """A company with its default lists, a user, and an open opportunity from a business lead
    with an address, a contact and a wish list: nothing is a customer yet."""
    company = CompanyFactory()
    user = UserFactory()
    with scope(company=company):
        leads_defaults_apply(company)
        customers_defaults_apply(company)
        lead = LeadFactory(company=company, organization_name="Nordwind GmbH")
        opportunity = OpportunityFactory(
            company=company,
            lead=lead,
            stage=OpportunityStage.objects.filter(company=company, kind="open").first(),
        )
        AddressLinkFactory(company=company, owner=opportunity)
        ContactLinkFactory(company=company, owner=opportunity)
        WishListItemFactory(company=company, lead=None, opportunity=opportunity)
    return company, user, opportunity


# --- numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("counter_exists", [False, True], ids=["no-counter-yet", "counter-row"])
def test_twenty_quotations_at_once_get_twenty_consecutive_numbers(world, counter_exists):
    company, user, _opportunity = world
    with scope(company=company):
        customer = CustomerFactory(company=company)
        if counter_exists:
            NumberSequence.objects.create(company=company, prefix="QTN", year=YEAR)
        assert NumberSequence.objects.filter(prefix="QTN").exists() is counter_exists

    results, errors = at_once(
        20, company, lambda: services.quotation_create(customer=customer, actor=user).number
    )

    assert not errors
    expected = [f"QTN-{YEAR}-{n:05d}" for n in range(1, 21)]
    assert sorted(results) == expected
    with scope(company=company):
        assert sorted(Quotation.objects.values_list("number", flat=True)) == expected
        assert NumberSequence.objects.get(prefix="QTN", year=YEAR).last_number == 20


def test_a_rolled_back_document_gives_its_number_back(world):
    company, user, _opportunity = world
    with scope(company=company):
        customer = CustomerFactory(company=company)
        services.quotation_create(customer=customer, actor=user)  # 00001, kept
    holding = threading.Event()
    release = threading.Event()
    numbers: dict[str, str] = {}
    errors = []

    def abandoned():
        """Takes the next number, holds it while the other waits, then rolls back."""
        try:
            with scope(company=company), transaction.atomic():
                numbers["abandoned"] = services.quotation_create(
                    customer=customer, actor=user
                ).number
                holding.set()
                release.wait(timeout=30)
                transaction.set_rollback(True)
        except Exception as error:
            errors.append(error)
        finally:
            holding.set()
            connection.close()

    def waiting():
        try:
            holding.wait(timeout=30)
            with scope(company=company):
                numbers["kept"] = services.quotation_create(customer=customer, actor=user).number
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    first = threading.Thread(target=abandoned)
    second = threading.Thread(target=waiting)
    first.start()
    second.start()
    holding.wait(timeout=30)
    # The second creation queues on the counter row the first one holds.
    assert waits_for_a_lock(), "the second quotation should wait for the first one's counter"
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)

    assert not errors
    assert numbers == {"abandoned": f"QTN-{YEAR}-00002", "kept": f"QTN-{YEAR}-00002"}
    with scope(company=company):
        assert sorted(Quotation.objects.values_list("number", flat=True)) == [
            f"QTN-{YEAR}-00001",
            f"QTN-{YEAR}-00002",
        ]
        # And the next one carries on without a gap.
        assert services.quotation_create(customer=customer, actor=user).number.endswith("00003")


# --- one order, one customer ---------------------------------------------------------------------


@pytest.mark.parametrize("people", [2, 8])
def test_ordering_one_accepted_quotation_at_once_makes_one_order_and_one_customer(world, people):
    company, user, opportunity = world
    with scope(company=company):
        addresses, contacts = row_ids(AddressLink, opportunity), row_ids(ContactLink, opportunity)
        assert addresses and contacts
        quotation = services.quotation_create(opportunity=opportunity, actor=user)
        services.quotation_send(quotation=quotation, actor=user)
        services.quotation_accept(quotation=quotation, actor=user)

    results, errors = at_once(
        people,
        company,
        lambda: services.order_from_quotation(quotation=quotation, actor=user).pk,
    )

    assert not errors
    assert len(results) == people and len(set(results)) == 1
    with scope(company=company):
        order = SalesOrder.objects.get()
        assert order.pk == results[0] and order.number == f"SO-{YEAR}-00001"
        customer = Customer.objects.get()
        assert order.customer == customer and customer.opportunity == opportunity
        assert CustomerLink.objects.count() == 1
        # The customer has the opportunity's very address and contact rows, linked once.
        assert row_ids(AddressLink, customer) == addresses
        assert row_ids(ContactLink, customer) == contacts
        assert links_of(AddressLink, customer).count() == len(addresses)
        assert links_of(ContactLink, customer).count() == len(contacts)
        quotation.refresh_from_db()
        assert quotation.status == Quotation.Status.ORDERED and quotation.customer == customer
        assert order.items.count() == quotation.items.count()


def test_ordering_one_opportunity_at_once_makes_one_order(world):
    company, user, opportunity = world

    results, errors = at_once(
        6,
        company,
        lambda: services.order_from_opportunity(opportunity=opportunity, actor=user).pk,
    )

    assert not errors
    assert len(set(results)) == 1
    with scope(company=company):
        order = SalesOrder.objects.get()
        assert order.number == f"SO-{YEAR}-00001"
        assert Customer.objects.count() == 1 and order.customer.opportunity == opportunity
        assert order.items.count() == opportunity.wish_list.count()
        opportunity.refresh_from_db()
        assert opportunity.stage.kind == OpportunityStage.Kind.WON


# --- a hold and a new document at the same moment ----------------------------------------------


def test_a_quotation_started_while_the_hold_is_being_put_on_waits_and_is_refused(world):
    """The page loaded the customer while it was active; the hold commits while the quotation is
    being made: the quotation waits on the customer's row, then sees the hold and is refused."""
    company, user, _opportunity = world
    with scope(company=company):
        customer = CustomerFactory(company=company, name="Acme Retail")
    holding, release = threading.Event(), threading.Event()
    outcome, errors = {}, []

    def put_on_hold():
        try:
            with scope(company=company), transaction.atomic():
                customers_services.customer_put_on_hold(
                    customer=customer, reason="Unpaid invoices", actor=user
                )
                holding.set()
                release.wait(timeout=30)
        except Exception as error:
            errors.append(error)
        finally:
            holding.set()
            connection.close()

    def quote():
        try:
            holding.wait(timeout=30)
            with scope(company=company):
                services.quotation_create(customer=customer, actor=user)  # a stale copy
            outcome["quote"] = "made"
        except DomainError as error:
            outcome["quote"] = error.message
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    first, second = threading.Thread(target=put_on_hold), threading.Thread(target=quote)
    first.start()
    second.start()
    holding.wait(timeout=30)
    assert waits_for_a_lock(), "the quotation should wait for the hold's row lock"
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)

    assert not errors
    assert outcome == {"quote": "Acme Retail is on hold: Unpaid invoices. Release the hold first."}
    with scope(company=company):
        assert not Quotation.objects.exists()
