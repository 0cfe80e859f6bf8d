"""The small forms on record pages (crm.ui.page_forms) show what Django would show, with the
company's reference lists from the cache and other selects read in one query."""

import pytest
from django.db import connection
from django.forms.renderers import DjangoTemplates
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from addressbook.kinds import ADDRESS, CONTACT
from crm.forms import ActivityForm
from crm.models import Membership
from crm.ui.page_forms import page_form
from leads.forms import LeadStatusForm, WishListItemForm
from tests.factories import LostReasonFactory, MembershipFactory, ProductFactory


def _markup(form) -> str:
    return "".join(f"{field.label_tag()}|{field}|{field.errors}" for field in form)


@pytest.fixture
def reference_rows(company):
    ProductFactory(company=company, name="Boiler <XL> & fittings")
    ProductFactory(company=company, name="Pump “2026”")
    LostReasonFactory(company=company, name="Price & terms")
    MembershipFactory(
        company=company,
        role=Membership.Role.SALESPERSON,
        user__first_name="Ada",
        user__last_name="O'Neill",
    )


FORMS = {
    "wish list": lambda company: WishListItemForm(company=company),
    "lead status": lambda company: LeadStatusForm(company=company),
    "timeline": lambda company: ActivityForm(company=company, auto_id="timeline-x-%s"),
    "new address": lambda company: ADDRESS.new_form(company=company, prefix="new-address"),
    "new contact": lambda company: CONTACT.new_form(company=company, prefix="new-contact"),
}


@pytest.mark.parametrize("language", ["en", "id"])
@pytest.mark.parametrize("name", sorted(FORMS))
def test_a_page_form_shows_exactly_what_django_shows(company, reference_rows, name, language):
    build = FORMS[name]
    with translation.override(language):
        plain = build(company)
        plain.renderer = DjangoTemplates()
        assert _markup(page_form(build(company))) == _markup(plain)


def test_the_wish_list_form_offers_new_products_at_once(company, reference_rows):
    page_form(WishListItemForm(company=company)).as_p()  # the company's products cached
    ProductFactory(company=company, name="Heat exchanger")
    company.refresh_from_db()  # the next request reads the company's bumped lists version
    html = page_form(WishListItemForm(company=company)).as_p()
    assert "Heat exchanger" in html


def test_the_lead_forms_read_no_reference_list_once_cached(company, reference_rows):
    page_form(WishListItemForm(company=company)).as_p()
    page_form(LeadStatusForm(company=company)).as_p()
    with CaptureQueriesContext(connection) as queries:
        wish = page_form(WishListItemForm(company=company)).as_p()
        status = page_form(LeadStatusForm(company=company)).as_p()
    assert len(queries) == 0
    assert "Boiler &lt;XL&gt; &amp; fittings" in wish
    assert "Price &amp; terms" in status


def test_the_timeline_form_reads_its_assignees_in_one_plain_query(company, reference_rows):
    with CaptureQueriesContext(connection) as queries:
        html = page_form(ActivityForm(company=company, auto_id="t-%s")).as_p()
    assert len(queries) == 1
    assert "DECLARE" not in queries.captured_queries[0]["sql"]
    assert "O&#x27;Neill" in html
