"""The ops commands: expire_quotations (cron) and verify_figures (stored figures vs their sources)."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from crm.models import SystemEvent
from customers.setup import customers_defaults_apply
from leads.setup import leads_defaults_apply
from selling import services
from selling.models import Quotation, QuotationItem, SalesOrder, SalesOrderItem
from tests.factories import CompanyFactory, CustomerFactory, ProductFactory

TODAY = timezone.localdate()
pytestmark = pytest.mark.usefixtures("noon_of_today")
QS = Quotation.Status


def run(command, *args):
    out, err = StringIO(), StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def quotation_for(company, *, days_left: int, lines: int = 1, status=QS.DRAFT) -> Quotation:
    """A quotation of ``company`` with ``lines`` lines, valid for ``days_left`` more days."""
    customer = CustomerFactory(company=company)
    quotation = services.quotation_create(customer=customer, actor=None)
    services.document_lines_save(
        document=quotation,
        actor=None,
        lines=[
            services.LineInput(
                product=ProductFactory(
                    company=company, unit_price=Decimal("19.99"), vat_rate=Decimal("19")
                ),
                quantity=Decimal("3"),
            )
            for _ in range(lines)
        ],
    )
    valid_until = TODAY + datetime.timedelta(days=days_left)
    Quotation.objects.filter(pk=quotation.pk).update(
        status=status,
        quotation_date=min(TODAY, valid_until) - datetime.timedelta(days=30),
        valid_until=valid_until,
    )
    quotation.refresh_from_db()
    return quotation


def statuses():
    return dict(Quotation.objects.values_list("number", "status"))


@pytest.fixture
def globex(db):
    """A second company with one overdue quotation of its own."""
    with scopes_disabled():
        other = CompanyFactory(name="Globex Supplies", slug="globex")
    with scope(company=other):
        quotation_for(other, days_left=-3, status=QS.SENT)
    return other


# --- expire_quotations ---------------------------------------------------------------------------


def test_expires_the_companys_overdue_quotations(company, globex):
    overdue_draft = quotation_for(company, days_left=-1)
    overdue_sent = quotation_for(company, days_left=-10, status=QS.SENT)
    fresh = quotation_for(company, days_left=5, status=QS.SENT)
    rejected = quotation_for(company, days_left=-10, status=QS.REJECTED)

    out, err = run("expire_quotations", "--company", company.slug)

    assert "acme: 2 expired" in out and "Expired: 2" in out and "globex" not in out
    assert "Expiring quotations" in err  # the progress bar, on stderr
    assert statuses() == {
        overdue_draft.number: QS.EXPIRED,
        overdue_sent.number: QS.EXPIRED,
        fresh.number: QS.SENT,
        rejected.number: QS.REJECTED,
    }
    # Through the service: each expiry is on the quotation's timeline.
    expiries = SystemEvent.objects.filter(
        owner_type=ContentType.objects.get_for_model(Quotation), data__to=QS.EXPIRED
    )
    assert sorted(expiries.values_list("data__document", flat=True)) == sorted(
        [overdue_draft.number, overdue_sent.number]
    )
    with scope(company=globex):
        assert Quotation.objects.get().status == QS.SENT  # another company: untouched
    out, _err = run("expire_quotations", "--company", company.slug)
    assert "Expired: 0" in out


def test_all_runs_every_company_and_reports_each(company, globex):
    quotation_for(company, days_left=-1)

    out, _err = run("expire_quotations", "--all")

    assert "acme: 1 expired" in out and "globex: 1 expired" in out and "Expired: 2" in out
    with scopes_disabled():
        assert set(Quotation.objects.values_list("status", flat=True)) == {QS.EXPIRED}


def test_today_expires_as_of_that_date(company):
    in_a_week = quotation_for(company, days_left=7)
    later = (TODAY + datetime.timedelta(days=8)).isoformat()

    out, _err = run("expire_quotations", "--company", company.slug, "--today", later)

    assert f"on {later}" in out and "acme: 1 expired" in out
    in_a_week.refresh_from_db()
    assert in_a_week.status == QS.EXPIRED


def test_dry_run_counts_and_changes_nothing(company):
    overdue = quotation_for(company, days_left=-1)
    quotation_for(company, days_left=-2, status=QS.ACCEPTED)
    before = statuses()
    events = SystemEvent.objects.count()

    out, err = run("expire_quotations", "--company", company.slug, "--dry-run")

    assert "Dry run: nothing was changed." in out
    assert "acme: 2 would expire" in out and "Would expire: 2" in out
    assert "Trying companies" in err
    assert statuses() == before and statuses()[overdue.number] == QS.DRAFT
    assert SystemEvent.objects.count() == events


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--company", "nope"], "No company with the slug “nope”"),
        ([], "one of the arguments --company --all is required"),
        (["--company", "acme", "--all"], "not allowed with argument"),
        (["--company", "acme", "--today", "31.01.2026"], "use a date like 2026-01-31"),
        (["--company", "acme", "--today", "2026-02-30"], "use a date like 2026-01-31"),
    ],
)
def test_expire_refuses_bad_input(company, args, message):
    quotation = quotation_for(company, days_left=-1)
    with pytest.raises(CommandError, match=message):
        run("expire_quotations", *args)
    quotation.refresh_from_db()
    assert quotation.status == QS.DRAFT


# --- verify_figures ------------------------------------------------------------------------------


@pytest.fixture
def documents(company):
    """A quotation with two lines and the order made from it (same figures, its own rows)."""
    leads_defaults_apply(company)
    customers_defaults_apply(company)
    quotation = quotation_for(company, days_left=20, lines=2)
    services.quotation_send(quotation=quotation, actor=None)
    services.quotation_accept(quotation=quotation, actor=None)
    order = services.order_from_quotation(quotation=quotation, actor=None)
    quotation.refresh_from_db()
    return quotation, order


def test_agreeing_figures_pass(company, documents):
    out, err = run("verify_figures", "--company", company.slug)
    assert "Checked 2 documents, " in out
    assert "Every stored figure agrees with what it is derived from." in out
    assert "Checking acme" in err


def test_a_corrupted_total_is_reported_and_fails(company, documents):
    quotation, order = documents
    stored = quotation.gross_total
    Quotation.objects.filter(pk=quotation.pk).update(gross_total=stored + Decimal("0.01"))

    out = StringIO()
    with pytest.raises(CommandError, match="1 row disagrees"):
        call_command("verify_figures", "--company", company.slug, stdout=out, stderr=StringIO())

    report = out.getvalue()
    assert f"{quotation.number} (quotation, acme):" in report
    assert f"gross total: {stored + Decimal('0.01')} stored, {stored} computed" in report
    assert order.number not in report
    quotation.refresh_from_db()
    assert quotation.gross_total == stored + Decimal("0.01")  # not fixed without --fix


def test_a_corrupted_line_is_reported_with_its_position(company, documents):
    _quotation, order = documents
    line = order.items.get(position=2)
    SalesOrderItem.objects.filter(pk=line.pk).update(net_amount=line.net_amount - 1)

    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_figures", "--company", company.slug, stdout=out, stderr=StringIO())

    report = out.getvalue()
    assert f"{order.number} (sales order, acme):" in report
    assert f"line 2: net {line.net_amount - 1} stored, {line.net_amount} computed" in report


def test_fix_rewrites_the_figures_and_logs_it(company, documents, caplog):
    quotation, order = documents
    right = (quotation.net_total, quotation.vat_total, quotation.gross_total)
    Quotation.objects.filter(pk=quotation.pk).update(net_total=0, vat_total=Decimal("999.99"))
    line = order.items.get(position=1)
    right_line = (line.net_amount, line.vat_amount, line.gross_amount)
    SalesOrderItem.objects.filter(pk=line.pk).update(vat_amount=0, gross_amount=0)
    SalesOrder.objects.filter(pk=order.pk).update(vat_total=0)

    out, _err = run("verify_figures", "--company", company.slug, "--fix")

    assert "Fixed: 2 rows." in out
    assert "line 1: VAT 0.00 stored" in out
    quotation.refresh_from_db()
    line.refresh_from_db()
    assert (quotation.net_total, quotation.vat_total, quotation.gross_total) == right
    assert (line.net_amount, line.vat_amount, line.gross_amount) == right_line
    order.refresh_from_db()
    assert order.vat_total == quotation.vat_total
    # Logged for ops, and on each document's timeline.
    fixed = [r.getMessage() for r in caplog.records if r.name == "crm.verify_figures"]
    assert len(fixed) == 2 and any(quotation.number in message for message in fixed)
    event = SystemEvent.objects.get(data__document=quotation.number, data__problems__isnull=False)
    assert "recomputed" in event.body and "net total: 0.00 stored" in event.body
    # Now it agrees.
    out, _err = run("verify_figures", "--company", company.slug)
    assert "Every stored figure agrees" in out


def test_all_checks_every_company_and_names_where(company, documents, globex):
    with scope(company=globex):
        theirs = Quotation.objects.get()
        QuotationItem.objects.filter(quotation=theirs).update(gross_amount=Decimal("1.00"))

    out = StringIO()
    with pytest.raises(CommandError, match="1 row"):
        call_command("verify_figures", "--all", stdout=out, stderr=StringIO())
    assert f"{theirs.number} (quotation, globex):" in out.getvalue()
    assert "Checked 3 documents, " in out.getvalue()


def test_verify_refuses_bad_input(company):
    with pytest.raises(CommandError, match="No company with the slug"):
        run("verify_figures", "--company", "nope")
    with pytest.raises(CommandError, match="one of the arguments --company --all is required"):
        run("verify_figures")
