from django_scopes import scope

from crm.models import IndividualPartner, OrganizationPartner, Product, Salesperson
from crm.sample.demo import ensure_demo_companies, seed_company
from customers.models import Customer
from leads.demo import MORE_OPPORTUNITIES


def test_demo_reference_data_is_realistic_and_rerunnable(db):
    northwind, _ = ensure_demo_companies()
    seed_company(northwind)
    with scope(company=northwind):
        counts = (
            Salesperson.objects.count(),
            IndividualPartner.objects.count(),
            OrganizationPartner.objects.count(),
            Product.objects.count(),
        )
        assert 6 <= counts[0] <= 8
        assert 8 <= counts[1] + counts[2] <= 12 and counts[1] and counts[2]
        assert Product.objects.count() >= 20
        assert Product.objects.values("vat_rate").distinct().count() > 1
        assert Salesperson.objects.get(user__username="sam").manager.user.username == "maria"
    seed_company(northwind)
    with scope(company=northwind):
        assert (
            Salesperson.objects.count(),
            IndividualPartner.objects.count(),
            OrganizationPartner.objects.count(),
            Product.objects.count(),
        ) == counts


def test_no_demo_customer_is_named_after_a_deal(db):
    northwind, _ = ensure_demo_companies()
    seed_company(northwind)
    deals = {title for title, *_ in MORE_OPPORTUNITIES}
    people = {f"{first} {last}" for _, first, last, _ in MORE_OPPORTUNITIES}
    with scope(company=northwind):
        names = set(Customer.objects.values_list("name", flat=True))
        from_won_deals = set(
            Customer.objects.filter(opportunity__isnull=False, opportunity__lead=None).values_list(
                "name", flat=True
            )
        )
    assert not names & deals
    assert from_won_deals and from_won_deals <= people
