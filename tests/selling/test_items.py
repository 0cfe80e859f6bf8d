"""Editing a draft's lines through the page: add, change, remove, all or nothing, tenancy."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from crm.errors import DomainError
from selling import services
from selling.models import Quotation, QuotationItem, SalesOrderItem
from tests.factories import CustomerFactory, CustomerTypeFactory, ProductFactory


@pytest.fixture
def quotation(opportunity, member):
    """A draft for the Nordwind opportunity: 3 chairs (100.00, 19 %) and a desk (333.33, 7 %)."""
    return services.quotation_create(opportunity=opportunity, actor=member)


def items_url(document, name="items"):
    kind = "quotation" if isinstance(document, Quotation) else "order"
    return reverse(f"selling:{kind}_{name}", args=[document.pk])


def form_data(response, **changes) -> dict:
    """The page's formset as the browser would post it untouched, then ``changes``
    (``{"0-quantity": "5"}`` sets lines-0-quantity)."""
    formset = response.context["formset"]
    data = {
        f"{formset.prefix}-TOTAL_FORMS": str(formset.total_form_count()),
        f"{formset.prefix}-INITIAL_FORMS": str(formset.initial_form_count()),
        f"{formset.prefix}-MIN_NUM_FORMS": "0",
        f"{formset.prefix}-MAX_NUM_FORMS": "200",
        "document_version": str(response.context["document_version"]),
    }
    for form in formset.forms:
        for name in form.fields:
            value = form[name].value()
            if name == "DELETE":
                if value:
                    data[form.add_prefix(name)] = "on"
                continue
            data[form.add_prefix(name)] = "" if value is None else str(value)
    for key, value in changes.items():
        data[f"{formset.prefix}-{key}"] = value
    return data


def lines_of(document):
    return [
        (line.product.name, line.quantity, line.unit_price, line.net_amount)
        for line in document.items.order_by("position")
    ]


def test_the_page_shows_each_line_and_one_empty_row(member_client, quotation):
    response = member_client.get(items_url(quotation))

    assert response.status_code == 200
    formset = response.context["formset"]
    assert formset.total_form_count() == 3  # two lines and an empty row
    html = response.content.decode()
    assert 'name="lines-0-quantity"' in html
    assert "Quantity<" in html and ", line 2" in html  # every control names its line
    assert 'name="lines-2-product"' in html
    assert 'name="lines-0-DELETE"' in html
    assert "Save and add another line" in html
    assert response.context["totals"].gross == Decimal("713.66")


def test_change_add_and_remove_lines_in_one_save(member_client, company, quotation):
    lamp = ProductFactory(
        company=company, name="Lamp", unit_price=Decimal("40.00"), vat_rate=Decimal("19.00")
    )
    page = member_client.get(items_url(quotation))
    data = form_data(
        page,
        **{
            "0-quantity": "5",
            "1-DELETE": "on",
            "2-product": str(lamp.pk),
            "2-quantity": "2",
        },
    )

    response = member_client.post(items_url(quotation), data)

    assert response.status_code == 302
    assert response["Location"] == quotation.get_absolute_url()
    assert lines_of(quotation) == [
        ("Chair", Decimal("5.00"), Decimal("100.00"), Decimal("500.00")),
        ("Lamp", Decimal("2.00"), Decimal("40.00"), Decimal("80.00")),
    ]
    quotation.refresh_from_db()
    assert quotation.net_total == Decimal("580.00")
    assert quotation.vat_total == Decimal("110.20")  # 95.00 + 15.20
    assert quotation.gross_total == Decimal("690.20")


def test_save_and_add_another_comes_back_to_the_empty_row(member_client, company, quotation):
    page = member_client.get(items_url(quotation))
    response = member_client.post(items_url(quotation), {**form_data(page), "add_another": "1"})

    assert response.status_code == 302
    assert response["Location"] == items_url(quotation) + "#line-lines-2"
    again = member_client.get(response["Location"])
    assert again.context["formset"].total_form_count() == 3


def test_a_new_line_takes_the_catalog_price_and_the_party_discount(member_client, company):
    group_type = CustomerTypeFactory(company=company, discount_percent=Decimal("10"))
    customer = CustomerFactory(company=company, customer_type=group_type)
    quotation = services.quotation_create(customer=customer, actor=None)
    lamp = ProductFactory(
        company=company, name="Lamp", unit_price=Decimal("40.00"), vat_rate=Decimal("19.00")
    )
    page = member_client.get(items_url(quotation))
    data = form_data(page, **{"0-product": str(lamp.pk), "0-quantity": "3"})

    assert member_client.post(items_url(quotation), data).status_code == 302

    line = quotation.items.get()
    assert (line.unit_price, line.discount_percent, line.vat_rate) == (
        Decimal("40.00"),
        Decimal("10.00"),
        Decimal("19.00"),
    )
    assert line.description == "Lamp"
    assert line.net_amount == Decimal("108.00")  # 3 × 40.00 − 10 %


def test_overrides_are_kept_and_a_new_product_brings_its_own_price(
    member_client, company, quotation
):
    lamp = ProductFactory(
        company=company, name="Lamp", unit_price=Decimal("40.00"), vat_rate=Decimal("7.00")
    )
    page = member_client.get(items_url(quotation))
    data = form_data(
        page,
        **{
            "0-unit_price": "90.00",
            "0-discount_percent": "5",
            "0-description": "Chair, oak",
            "1-product": str(lamp.pk),  # price, VAT and description left as the desk's
        },
    )

    assert member_client.post(items_url(quotation), data).status_code == 302

    chair, lamp_line = quotation.items.order_by("position")
    assert (chair.unit_price, chair.discount_percent, chair.description) == (
        Decimal("90.00"),
        Decimal("5.00"),
        "Chair, oak",
    )
    assert chair.net_amount == Decimal("256.50")  # 3 × 90.00 − 5 %
    assert (lamp_line.product, lamp_line.unit_price, lamp_line.vat_rate) == (
        lamp,
        Decimal("40.00"),
        Decimal("7.00"),
    )
    assert lamp_line.description == "Lamp"


def test_row_errors_show_on_their_row_and_nothing_changes(member_client, company, quotation):
    before = lines_of(quotation)
    page = member_client.get(items_url(quotation))
    data = form_data(
        page,
        **{
            "0-quantity": "0",
            "1-discount_percent": "150",
            "2-product": str(ProductFactory(company=company).pk),
            "2-quantity": "",
        },
    )

    response = member_client.post(items_url(quotation), data)

    assert response.status_code == 200
    forms = response.context["formset"].forms
    assert "quantity" in forms[0].errors
    assert "discount_percent" in forms[1].errors
    assert "quantity" in forms[2].errors
    html = response.content.decode()
    assert "Please correct the lines marked below. Nothing was saved." in html
    assert 'aria-describedby="id_lines-0-quantity_error"' in html
    assert 'id="id_lines-0-quantity_error"' in html
    assert lines_of(quotation) == before


def test_another_companys_product_is_refused(member_client, quotation, other_company):
    with scopes_disabled():
        foreign = ProductFactory(company=other_company, name="Foreign")
    before = lines_of(quotation)
    page = member_client.get(items_url(quotation))
    data = form_data(page, **{"0-product": str(foreign.pk), "2-product": str(foreign.pk)})

    response = member_client.post(items_url(quotation), data)

    assert response.status_code == 200
    forms = response.context["formset"].forms
    assert forms[0].errors["product"] == ["Choose a product from your catalog."]
    assert forms[2].errors["product"] == ["Choose a product from your catalog."]
    assert "Foreign" not in response.content.decode()
    assert lines_of(quotation) == before


def test_an_inactive_product_stays_on_its_line_but_is_not_offered(
    member_client, company, quotation
):
    chair = quotation.items.order_by("position").first().product
    chair.is_active = False
    chair.save()
    page = member_client.get(items_url(quotation))
    forms = page.context["formset"].forms
    assert str(chair.pk) in dict(forms[0].fields["product"].choices)
    assert str(chair.pk) not in dict(forms[2].fields["product"].choices)

    data = form_data(page, **{"0-quantity": "4", "2-product": str(chair.pk), "2-quantity": "1"})
    response = member_client.post(items_url(quotation), data)

    assert response.status_code == 200
    assert "product" in response.context["formset"].forms[2].errors
    data.pop("lines-2-product")
    data["lines-2-quantity"] = "1"
    assert member_client.post(items_url(quotation), data).status_code == 302
    assert quotation.items.order_by("position").first().quantity == Decimal("4")


def test_a_refusal_by_the_service_shows_at_the_top_and_saves_nothing(
    member_client, quotation, monkeypatch
):
    before = lines_of(quotation)

    def refuse(**kwargs):
        raise DomainError("The quotation was changed elsewhere.")

    monkeypatch.setattr(services, "document_lines_save", refuse)
    page = member_client.get(items_url(quotation))
    response = member_client.post(items_url(quotation), form_data(page, **{"0-quantity": "9"}))

    assert response.status_code == 200
    assert response.context["save_error"] == "The quotation was changed elsewhere."
    html = response.content.decode()
    assert html.index("The quotation was changed elsewhere.") < html.index("lines-0-quantity")
    assert lines_of(quotation) == before


def test_a_line_removed_meanwhile_is_reported_not_overwritten(member_client, quotation):
    page = member_client.get(items_url(quotation))
    data = form_data(page, **{"1-quantity": "7"})
    quotation.items.order_by("position").first().delete()  # someone else removed the chairs

    response = member_client.post(items_url(quotation), data)

    assert response.status_code == 200
    assert "removed meanwhile" in str(response.context["formset"].forms[0].errors)
    assert quotation.items.get().quantity == Decimal("1")  # the desk was not touched


def test_a_document_that_is_not_a_draft_cannot_change(member_client, member, quotation):
    services.quotation_send(quotation=quotation, actor=member)
    before = lines_of(quotation)

    page = member_client.get(items_url(quotation))
    assert page.status_code == 200
    assert "formset" not in page.context
    html = page.content.decode()
    assert "is sent: only a draft" in html
    assert "Revise it to change them." in html
    assert quotation.get_absolute_url() in html

    response = member_client.post(
        items_url(quotation),
        {"lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-0-quantity": "2"},
    )
    assert response.status_code == 409
    assert "is sent: only a draft" in response.content.decode()
    assert lines_of(quotation) == before
    assert (
        member_client.get(
            items_url(quotation, "items_row"), {"lines-TOTAL_FORMS": "3"}, HTTP_HX_REQUEST="true"
        ).status_code
        == 409
    )


def test_order_lines_are_edited_with_the_same_page(member_client, member, company):
    customer = CustomerFactory(company=company)
    order = services.order_create(customer=customer, actor=member)
    chair = ProductFactory(company=company, name="Chair", unit_price=Decimal("12.50"))
    page = member_client.get(items_url(order))
    data = form_data(page, **{"0-product": str(chair.pk), "0-quantity": "4"})

    assert member_client.post(items_url(order), data).status_code == 302

    line = SalesOrderItem.objects.get(order=order)
    assert (line.product, line.net_amount) == (chair, Decimal("50.00"))
    order.refresh_from_db()
    assert order.net_total == Decimal("50.00")


def test_add_row_returns_the_next_index_and_bumps_the_count(member_client, quotation):
    response = member_client.get(
        items_url(quotation, "items_row"), {"lines-TOTAL_FORMS": "3"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<tr")
    assert 'name="lines-3-product"' in html
    assert 'name="lines-3-quantity"' in html and 'value="1"' in html
    assert "line 4" in html
    assert 'name="lines-2-product"' not in html
    assert "autofocus" in html
    assert 'id="id_lines-TOTAL_FORMS"' in html and 'value="4"' in html
    assert 'hx-swap-oob="true"' in html


@pytest.mark.parametrize("count", ["", "x", "-1", "200"])
def test_add_row_refuses_a_bad_index(member_client, quotation, count):
    response = member_client.get(
        items_url(quotation, "items_row"), {"lines-TOTAL_FORMS": count}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400


def test_the_row_address_opened_directly_leads_to_the_lines_page(member_client, quotation):
    response = member_client.get(items_url(quotation, "items_row"), {"lines-TOTAL_FORMS": "3"})
    assert response.status_code == 302
    assert response["Location"] == items_url(quotation)


def test_preview_prices_rows_as_typed_without_saving(member_client, company, quotation):
    before = lines_of(quotation)
    lamp = ProductFactory(company=company, unit_price=Decimal("40.00"), vat_rate=Decimal("19"))
    page = member_client.get(items_url(quotation))
    data = form_data(
        page, **{"0-quantity": "1", "1-DELETE": "on", "2-product": str(lamp.pk), "2-quantity": "2"}
    )

    response = member_client.post(items_url(quotation, "items_preview"), data)

    assert response.status_code == 200
    totals = response.context["totals"]
    assert (totals.net, totals.vat, totals.gross) == (
        Decimal("180.00"),
        Decimal("34.20"),
        Decimal("214.20"),
    )
    html = response.content.decode()
    assert 'id="line-amount-lines-0" hx-swap-oob="true">100.00<' in html
    assert 'id="line-amount-lines-2" hx-swap-oob="true">80.00<' in html
    assert lines_of(quotation) == before


def test_another_companys_document_is_a_404(other_client, quotation):
    for name in ("items", "items_row"):
        assert other_client.get(items_url(quotation, name)).status_code == 404
    for name in ("items", "items_preview"):
        assert other_client.post(items_url(quotation, name), {}).status_code == 404


def test_items_page_queries_do_not_grow_with_lines(member_client, company, member):
    customer = CustomerFactory(company=company)
    quotation = services.quotation_create(customer=customer, actor=member)
    products = ProductFactory.create_batch(20, company=company)

    def with_lines(count):
        services.document_lines_save(
            document=quotation,
            actor=member,
            lines=[
                services.LineInput(product=product, quantity=Decimal("1"))
                for product in products[:count]
            ],
        )
        with CaptureQueriesContext(connection) as queries:
            response = member_client.get(items_url(quotation))
        assert response.status_code == 200
        assert response.context["formset"].total_form_count() == count + 1
        return len(queries)

    with_lines(1)  # warm per-process caches (content types, sessions)
    one = with_lines(1)
    assert with_lines(20) == one
    assert one <= 8
    assert QuotationItem.objects.filter(quotation=quotation).count() == 20


def test_two_people_saving_the_same_lines_cannot_overwrite_each_other(
    member_client, client, company, quotation
):
    from crm.models import Membership
    from tests.conftest import login_as
    from tests.factories import MembershipFactory

    other = login_as(
        client.__class__(),
        MembershipFactory(company=company, role=Membership.Role.ADMIN).user,
        company,
    )
    mine = form_data(member_client.get(items_url(quotation)), **{"0-quantity": "5"})
    theirs = form_data(other.get(items_url(quotation)), **{"0-quantity": "7"})
    assert other.post(items_url(quotation), theirs).status_code == 302

    response = member_client.post(items_url(quotation), mine)
    assert response.status_code == 200
    assert "after you opened it" in response.content.decode()
    assert lines_of(quotation)[0][1] == Decimal("7.00")  # theirs stands
    # Sending the same page again is still refused; a reload shows theirs and saves.
    assert member_client.post(items_url(quotation), mine).status_code == 200
    fresh = form_data(member_client.get(items_url(quotation)), **{"0-quantity": "5"})
    assert member_client.post(items_url(quotation), fresh).status_code == 302
    assert lines_of(quotation)[0][1] == Decimal("5.00")


def test_new_lines_make_an_open_header_form_stale(member_client, quotation):
    header = member_client.get(reverse("selling:quotation_update", args=[quotation.pk]))
    data = {
        name: "" if value is None else str(getattr(value, "pk", value))
        for name, value in ((f.html_name, f.value()) for f in header.context["form"])
    }
    lines = form_data(member_client.get(items_url(quotation)), **{"0-quantity": "9"})
    assert member_client.post(items_url(quotation), lines).status_code == 302
    data["notes"] = "Too late"
    response = member_client.post(reverse("selling:quotation_update", args=[quotation.pk]), data)
    assert response.status_code == 200
    quotation.refresh_from_db()
    assert quotation.notes != "Too late"
