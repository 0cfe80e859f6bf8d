"""Shared set-up for the portal's document and balance tests: a customer tree with users at
each level, and quotations and orders made through the services, as staff make them."""

from decimal import Decimal

from customers.models import CustomerRole
from customers.portal_users import customer_role_save, customer_roles_ensure
from selling import services as selling
from selling.models import Quotation, SalesOrder
from tests.factories import (
    CustomerFactory,
    CustomerTypeFactory,
    CustomerUserFactory,
    ProductFactory,
)


def sent_quotation(customer, actor, *, price="100.00", vat="20.00", quantity="2") -> Quotation:
    product = ProductFactory(
        company=customer.company, unit_price=Decimal(price), vat_rate=Decimal(vat)
    )
    quotation = selling.quotation_create(customer=customer, actor=actor)
    selling.document_lines_save(
        document=quotation,
        actor=actor,
        lines=[selling.LineInput(product=product, quantity=Decimal(quantity))],
    )
    return selling.quotation_send(quotation=quotation, actor=actor)


def confirmed_order(customer, actor, *, price="100.00", vat="20.00") -> SalesOrder:
    quotation = sent_quotation(customer, actor, price=price, vat=vat, quantity="1")
    selling.quotation_accept(quotation=quotation, actor=actor)
    order = selling.order_from_quotation(quotation=quotation, actor=actor)
    return selling.order_confirm(order=order, actor=actor)


def user_level_role(company) -> CustomerRole:
    """A role that reaches only the user's own quotations and orders (the User level)."""
    customer_roles_ensure(company)
    levels = {
        ("selling.quotation", "view"): "own",
        ("selling.quotation", "convert"): "own",
        ("selling.salesorder", "view"): "own",
        ("selling.salesorder", "edit"): "own",
        ("customers.balanceentry", "view"): "own",
    }
    return customer_role_save(company=company, name="Own only", levels=levels, actor=None)


class Tree:
    """Holding (parent) > Retail (child, a business) and Kopi (a private customer elsewhere).

    anna administers the holding (Corporate), ben buys for retail (Department), gina is retail's
    guest, otto sees only his own documents (User); pia buys for Kopi."""

    def __init__(self, company):
        business = CustomerTypeFactory(company=company, name="Business", is_business=True)
        private = CustomerTypeFactory(company=company, name="Private", is_business=False)
        self.holding = CustomerFactory(
            company=company, name="Nordlicht Holding AG", customer_type=business
        )
        self.retail = CustomerFactory(
            company=company,
            name="Nordlicht Retail GmbH",
            customer_type=business,
            parent=self.holding,
        )
        self.kopi = CustomerFactory(company=company, name="Kopi Ayu", customer_type=private)
        self.anna = CustomerUserFactory(
            customer=self.holding, roles="administrator", first_name="Anna"
        )
        self.ben = CustomerUserFactory(customer=self.retail, roles="buyer", first_name="Ben")
        self.gina = CustomerUserFactory(customer=self.retail, roles="guest", first_name="Gina")
        self.otto = CustomerUserFactory(
            customer=self.retail, roles=[user_level_role(company)], first_name="Otto"
        )
        self.pia = CustomerUserFactory(customer=self.kopi, roles="buyer", first_name="Pia")
