"""verify_figures finds a balance or lifetime sales value corrupted behind the services' back,
and --fix repairs it with a timeline entry."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from crm.models import SystemEvent
from customers import balance
from customers.models import Customer
from customers.setup import customers_defaults_apply
from selling import services as selling
from tests.factories import CustomerFactory, ProductFactory


@pytest.fixture
def account(company):
    customers_defaults_apply(company)
    customer = CustomerFactory(company=company, name="Nordwind GmbH")
    balance.balance_credit(customer=customer, amount="80", reason="Deposit", actor=None)
    product = ProductFactory(company=company, unit_price=Decimal("100"), vat_rate=Decimal("19"))
    order = selling.order_create(customer=customer, actor=None)
    selling.document_lines_save(
        document=order, actor=None, lines=[selling.LineInput(product=product, quantity=2)]
    )
    selling.order_confirm(order=order, actor=None)
    return customer


def run(*args) -> str:
    out = StringIO()
    call_command("verify_figures", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_agreeing_figures_pass(company, account):
    out = run("--company", company.slug)
    assert (
        "Checked 1 documents, 1 balances, 1 lifetime sales values, 1 order payments, "
        "1 days' booked sales figures, 1 documents' names searched, 0 stage stays, "
        "0 opportunities' lead created dates, 0 customer links' lead created dates, "
        "0 stages' pipeline figures, 0 days' lead figures, 0 days' stage stay figures, "
        "0 opportunities' names searched, 0 leads' list counts, 1 customers' list counts." in out
    )
    assert "Every stored figure agrees" in out


def test_a_balance_corrupted_by_sql_is_found_and_fixed(company, account):
    Customer.objects.filter(pk=account.pk).update(balance=Decimal("500"))

    with pytest.raises(CommandError, match="1 row"):
        run("--company", company.slug)
    out = run("--company", company.slug, "--fix")

    assert "Nordwind GmbH (customer, acme):" in out
    assert "balance: 500.00 stored, 80.00 in the ledger" in out
    assert "Fixed: 1 row." in out
    assert Customer.objects.get(pk=account.pk).balance == Decimal("80.00")
    event = SystemEvent.objects.get(data__event="figure_repaired")
    assert "ledger" in event.body
    assert "Every stored figure agrees" in run("--company", company.slug)


def test_a_lifetime_value_corrupted_by_sql_is_found_and_fixed(company, account):
    Customer.objects.filter(pk=account.pk).update(lifetime_sales_value=Decimal("1"))

    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_figures", "--company", company.slug, "--only", "lifetime", stdout=out)
    assert "lifetime sales value: 1.00 stored, 200.00 from the booked orders" in out.getvalue()
    assert "Checked 1 lifetime sales values." in out.getvalue()

    run("--company", company.slug, "--fix")
    assert Customer.objects.get(pk=account.pk).lifetime_sales_value == Decimal("200.00")


def test_only_refuses_an_unknown_check(company):
    with pytest.raises(CommandError, match="invalid choice"):
        run("--company", company.slug, "--only", "everything")


def test_an_order_payment_out_of_step_with_the_ledger_is_set_from_it(company, account):
    from selling.models import SalesOrder

    order = SalesOrder.objects.get()
    selling.order_apply_balance(order=order, actor=None, amount=Decimal("50"))
    SalesOrder.objects.filter(pk=order.pk).update(balance_applied=Decimal("5"))

    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_figures", "--company", company.slug, "--only", "payments", stdout=out)
    assert "balance applied: 5.00 stored, 50.00 in the ledger" in out.getvalue()

    run("--company", company.slug, "--fix")
    order.refresh_from_db()
    assert order.balance_applied == Decimal("50.00")
    assert order.amount_due == order.gross_total - Decimal("50.00")


def test_a_figure_that_cannot_be_repaired_is_reported_and_the_rest_fixed(company, account):
    from customers.models import BalanceEntry

    other = CustomerFactory(company=company, name="Südwind AG")
    Customer.objects.filter(pk=other.pk).update(lifetime_sales_value=Decimal("7"))
    # A ledger that adds up to less than zero: written behind the services' back.
    BalanceEntry.objects.create(
        company=company,
        customer=account,
        kind="correction",
        amount=Decimal("-500"),
        balance_after=Decimal("0"),
        reason="hand-made",
    )

    out = StringIO()
    with pytest.raises(CommandError, match="could not be repaired automatically"):
        call_command("verify_figures", "--company", company.slug, "--fix", stdout=out)

    assert "cannot be repaired automatically" in out.getvalue()
    assert Customer.objects.get(pk=account.pk).balance == Decimal("80.00")  # left alone
    assert Customer.objects.get(pk=other.pk).lifetime_sales_value == 0  # repaired
