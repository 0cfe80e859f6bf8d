import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from crm.errors import DomainError
from crm.models import Salesperson
from crm.services import salesperson_save
from tests.crm.helpers import count_queries
from tests.factories import MembershipFactory, SalespersonFactory


def test_create_a_salesperson_linked_to_a_member(member_client, company, member):
    boss = SalespersonFactory(company=company, name="Boss")
    response = member_client.post(
        reverse("crm:salesperson_create"),
        {
            "name": "Nina Novak",
            "user": member.pk,
            "email": "nina@example.com",
            "phone": "+1 212 736 0100",
            "manager": boss.pk,
            "is_active": "on",
        },
    )
    nina = Salesperson.objects.get(name="Nina Novak")
    assert response.status_code == 302
    assert response["Location"] == nina.get_absolute_url()
    assert nina.company == company
    assert nina.user == member
    assert nina.manager == boss


def test_edit_a_salesperson(member_client, company):
    person = SalespersonFactory(company=company, name="Old Name")
    response = member_client.post(
        reverse("crm:salesperson_update", args=[person.pk]),
        {"name": "New Name", "email": "new@example.com", "is_active": ""},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.name == "New Name"
    assert person.is_active is False


def test_manager_choices_only_offer_the_company_salespeople(member_client, company, other_company):
    mine = SalespersonFactory(company=company, name="Mine")
    with scopes_disabled():
        theirs = SalespersonFactory(company=other_company, name="Theirs")
    response = member_client.get(reverse("crm:salesperson_create"))
    choices = list(response.context["form"].fields["manager"].queryset)
    assert choices == [mine]
    assert theirs.name not in response.content.decode()


def test_posting_another_company_manager_is_rejected_and_changes_nothing(
    member_client, company, other_company
):
    person = SalespersonFactory(company=company, name="Me")
    with scopes_disabled():
        theirs = SalespersonFactory(company=other_company)
    response = member_client.post(
        reverse("crm:salesperson_update", args=[person.pk]),
        {"name": "Me", "manager": theirs.pk, "is_active": "on"},
    )
    assert response.status_code == 200
    assert "manager" in response.context["form"].errors
    person.refresh_from_db()
    assert person.manager_id is None


def test_user_choices_only_offer_the_company_members(member_client, company, other_company):
    with scopes_disabled():
        outsider = MembershipFactory(company=other_company).user
    response = member_client.get(reverse("crm:salesperson_create"))
    assert outsider not in response.context["form"].fields["user"].queryset


def test_one_salesperson_per_user_per_company(member_client, company, member):
    SalespersonFactory(company=company, user=member)
    response = member_client.post(
        reverse("crm:salesperson_create"), {"name": "Twin", "user": member.pk, "is_active": "on"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Salesperson.objects.filter(user=member).count() == 1


def test_manager_cycle_is_refused_in_the_form(member_client, company):
    top = SalespersonFactory(company=company, name="Top")
    middle = SalespersonFactory(company=company, name="Middle", manager=top)
    bottom = SalespersonFactory(company=company, name="Bottom", manager=middle)
    response = member_client.post(
        reverse("crm:salesperson_update", args=[top.pk]),
        {"name": "Top", "manager": bottom.pk, "is_active": "on"},
    )
    assert response.status_code == 200
    assert "loop" in str(response.context["form"].errors["manager"])
    top.refresh_from_db()
    assert top.manager_id is None


def test_manager_cycle_is_refused_by_the_service(company):
    top = SalespersonFactory(company=company)
    below = SalespersonFactory(company=company, manager=top)
    top.manager = below
    with pytest.raises(DomainError):
        salesperson_save(salesperson=top)
    top.refresh_from_db()
    assert top.manager_id is None


def test_own_manager_is_refused(company):
    person = SalespersonFactory(company=company)
    person.manager = person
    with pytest.raises(DomainError):
        salesperson_save(salesperson=person)


def test_list_filters_and_search(member_client, company):
    boss = SalespersonFactory(company=company, name="Boss Lady", email="boss@example.com")
    report = SalespersonFactory(company=company, name="Ravi Report", manager=boss)
    gone = SalespersonFactory(company=company, name="Gone Person", is_active=False)
    url = reverse("crm:salesperson_list")

    def names(query):
        return {p.name for p in member_client.get(url, query).context["object_list"]}

    assert names({"manager": boss.pk}) == {report.name}
    assert names({"is_active": "false"}) == {gone.name}
    assert names({"q": "boss@"}) == {boss.name}
    assert names({"q": "ravi"}) == {report.name}


def test_list_sorts_by_name(member_client, company):
    for name in ["Charlie", "Alice", "Bob"]:
        SalespersonFactory(company=company, name=name)
    url = reverse("crm:salesperson_list")
    rows = member_client.get(url, {"sort": "-name"}).context["object_list"]
    assert [p.name for p in rows] == ["Charlie", "Bob", "Alice"]


def test_list_query_count_does_not_grow_with_rows(member_client, company):
    boss = SalespersonFactory(company=company)
    SalespersonFactory.create_batch(4, company=company, manager=boss)
    url = reverse("crm:salesperson_list")
    few = count_queries(member_client, url)
    SalespersonFactory.create_batch(45, company=company, manager=boss)
    assert count_queries(member_client, url) == few


def test_detail_shows_the_team_with_bounded_queries(
    member_client, company, django_assert_max_num_queries
):
    boss = SalespersonFactory(company=company, name="Boss")
    SalespersonFactory.create_batch(10, company=company, manager=boss)
    SalespersonFactory(company=company, name="Report One", manager=boss)
    with django_assert_max_num_queries(12):
        response = member_client.get(boss.get_absolute_url())
    assert "Report One" in response.content.decode()
