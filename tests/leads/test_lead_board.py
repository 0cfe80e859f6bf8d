"""The lead board: a column per status, a "Move to" form per card that changes the status
through the lead page's own endpoint and comes back, the company's and the user's limits."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from crm.access import Action, Level
from crm.access.services import role_access_levels_save
from crm.models import Membership
from crm.models.activity import SystemEvent
from leads.models import Lead
from leads.selectors import BOARD_COLUMN_SIZE
from tests.conftest import login_as
from tests.factories import (
    LeadFactory,
    LostReasonFactory,
    MembershipFactory,
    SalespersonFactory,
)

BOARD = reverse("leads:lead_board")


def status_url(lead):
    return reverse("leads:lead_status", args=[lead.pk])


def cards(response, status):
    (column,) = [column for column, _ in response.context["columns"] if column.status == status]
    return column.cards


def test_a_column_per_status_with_its_leads_and_counts(member_client, company):
    new = LeadFactory(company=company, first_name="Ada", last_name="Lovelace")
    contacted = LeadFactory(company=company, status="contacted")
    response = member_client.get(BOARD)
    assert response.status_code == 200
    columns = [column for column, _ in response.context["columns"]]
    assert [column.status for column in columns] == [
        "new",
        "contacted",
        "qualified",
        "converted",
        "lost",
    ]
    assert cards(response, "new") == [new]
    assert cards(response, "contacted") == [contacted]
    assert [column.count for column in columns] == [1, 1, 0, 0, 0]
    content = response.content.decode()
    assert "Ada Lovelace" in content
    assert f'href="{new.get_absolute_url()}"' in content
    assert f'action="{status_url(new)}"' in content


def test_a_card_offers_only_the_statuses_its_lead_may_move_to(member_client, company):
    new = LeadFactory(company=company)
    lost = LeadFactory(
        company=company, status="lost", lost_reason=LostReasonFactory(company=company)
    )
    converted = LeadFactory(company=company, status="converted")
    content = member_client.get(BOARD).content.decode()
    new_card = content.split(f'id="lead-{new.pk}"')[1].split("</li>")[0]
    assert 'value="contacted"' in new_card and 'value="lost"' in new_card
    assert 'value="new"' not in new_card and 'value="converted"' not in new_card
    lost_card = content.split(f'id="lead-{lost.pk}"')[1].split("</li>")[0]
    assert 'value="new"' in lost_card and 'value="qualified"' not in lost_card
    converted_card = content.split(f'id="lead-{converted.pk}"')[1].split("</li>")[0]
    assert "<form" not in converted_card  # a converted lead moves nowhere


def test_moving_a_card_changes_the_status_and_goes_back_to_the_board(
    member_client, member, company
):
    lead = LeadFactory(company=company, first_name="Ada", last_name="Lovelace")
    back = f"{BOARD}?owner=all#lead-{lead.pk}-link"
    response = member_client.post(status_url(lead), {"status": "contacted", "next": back})
    assert response.status_code == 302
    assert response["Location"] == back
    lead.refresh_from_db()
    assert lead.status == "contacted"
    event = SystemEvent.objects.get(owner_id=lead.pk, event_kind="status_change")
    assert event.author == member
    page = member_client.get(f"{BOARD}?owner=all")
    assert f"{lead} moved to Contacted." in page.content.decode()
    assert cards(page, "contacted") == [lead]


def test_lost_without_a_reason_is_refused_back_on_the_board(member_client, company):
    lead = LeadFactory(company=company)
    response = member_client.post(status_url(lead), {"status": "lost", "next": BOARD})
    assert response["Location"] == BOARD
    lead.refresh_from_db()
    assert lead.status == "new"
    page = member_client.get(BOARD).content.decode()
    assert "was not moved: Say why the lead was lost." in page

    reason = LostReasonFactory(company=company, name="No budget")
    member_client.post(
        status_url(lead), {"status": "lost", "lost_reason": reason.pk, "next": BOARD}
    )
    lead.refresh_from_db()
    assert (lead.status, lead.lost_reason) == ("lost", reason)


def test_an_impossible_move_is_refused(member_client, company):
    lead = LeadFactory(company=company, status="contacted")
    member_client.post(status_url(lead), {"status": "new", "next": BOARD})
    lead.refresh_from_db()
    assert lead.status == "contacted"
    assert "was not moved" in member_client.get(BOARD).content.decode()


def test_a_foreign_next_goes_to_the_lead_page(member_client, company):
    lead = LeadFactory(company=company)
    response = member_client.post(
        status_url(lead), {"status": "qualified", "next": "https://evil.example.com/"}
    )
    assert response["Location"] == lead.get_absolute_url()
    response = member_client.post(status_url(lead), {"status": "contacted"})
    assert response["Location"] == lead.get_absolute_url()


def test_the_board_never_shows_another_companys_leads(member_client, company, other_company):
    with scopes_disabled():
        foreign = LeadFactory(company=other_company, organization_name="Globex secret")
    response = member_client.get(BOARD)
    assert "Globex secret" not in response.content.decode()
    assert sum(column.count for column, _ in response.context["columns"]) == 0
    # Nor can a card's form move another company's lead: it does not exist here.
    response = member_client.post(status_url(foreign), {"status": "contacted", "next": BOARD})
    assert response.status_code == 404
    with scopes_disabled():
        foreign.refresh_from_db()
    assert foreign.status == "new"


def test_record_level_access_hides_cards_and_their_move_forms(client, company):
    owner = MembershipFactory(company=company, role=Membership.Role.OWNER).user
    seller = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
    sam = SalespersonFactory(company=company, name="Sam", user=seller)
    dana = SalespersonFactory(company=company, name="Dana")
    own = LeadFactory(company=company, salesperson=sam)
    danas = LeadFactory(company=company, salesperson=dana)
    login_as(client, seller, company)

    # By default a salesperson sees every lead and may move only their own.
    content = client.get(BOARD, {"owner": "all"}).content.decode()
    assert f'id="lead-{danas.pk}"' in content
    assert f'action="{status_url(own)}"' in content
    assert f'action="{status_url(danas)}"' not in content
    assert client.post(status_url(danas), {"status": "contacted"}).status_code == 404

    # At "own" for viewing, Dana's lead is not on the board at all, nor in its counts.
    role_access_levels_save(
        company=company,
        levels={("leads.lead", Action.VIEW, Membership.Role.SALESPERSON): Level.OWN},
        actor=owner,
    )
    response = client.get(BOARD, {"owner": "all"})
    assert f'id="lead-{danas.pk}"' not in response.content.decode()
    assert cards(response, "new") == [own]
    assert sum(column.count for column, _ in response.context["columns"]) == 1


def test_mine_and_the_salesperson_filter(client, company):
    seller = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
    sam = SalespersonFactory(company=company, name="Sam", user=seller)
    dana = SalespersonFactory(company=company, name="Dana")
    own = LeadFactory(company=company, salesperson=sam)
    danas = LeadFactory(company=company, salesperson=dana)
    login_as(client, seller, company)
    assert cards(client.get(BOARD), "new") == [own]  # a salesperson starts on their own
    assert cards(client.get(BOARD, {"owner": "all"}), "new") == [danas, own]
    assert cards(client.get(BOARD, {"salesperson": dana.pk, "owner": "all"}), "new") == [danas]


def test_a_column_shows_the_newest_cards_and_links_to_the_rest(member_client, company):
    LeadFactory.create_batch(BOARD_COLUMN_SIZE + 2, company=company)
    response = member_client.get(BOARD)
    (column,) = [c for c, _ in response.context["columns"] if c.status == "new"]
    assert (len(column.cards), column.count, column.hidden_count) == (
        BOARD_COLUMN_SIZE,
        BOARD_COLUMN_SIZE + 2,
        2,
    )
    assert column.cards[0] == Lead.objects.order_by("-created_at", "-pk").first()
    assert "and 2 more" in response.content.decode()
    assert f"{reverse('leads:lead_list')}?status=new" in response.content.decode()


def test_show_more_appends_the_rest_of_the_column(member_client, company):
    LeadFactory.create_batch(BOARD_COLUMN_SIZE + 2, company=company)
    oldest = list(Lead.objects.order_by("-created_at", "-pk"))[BOARD_COLUMN_SIZE:]
    url = reverse("leads:lead_board_more", args=["new"])
    response = member_client.get(
        url, {"offset": BOARD_COLUMN_SIZE, "owner": "all"}, headers={"HX-Request": "true"}
    )
    content = response.content.decode()
    assert response.context["column"].cards == oldest
    assert all(f'id="lead-{lead.pk}"' in content for lead in oldest)
    assert f'name="next" value="{BOARD}?owner=all#lead-' in content
    assert 'hx-swap-oob="delete"' in content  # nothing more to show
    # Without htmx it is the list filtered by the status; an unknown status is a 404.
    assert member_client.get(url)["Location"] == f"{reverse('leads:lead_list')}?status=new"
    unknown = reverse("leads:lead_board_more", args=["nonsense"])
    assert member_client.get(unknown, headers={"HX-Request": "true"}).status_code == 404


def _board_queries(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(BOARD)
    assert response.status_code == 200
    return len(captured)


def test_board_queries_do_not_grow_with_leads(member_client, company):
    sellers = SalespersonFactory.create_batch(3, company=company)
    reason = LostReasonFactory(company=company)
    statuses = ["new", "contacted", "qualified", "converted", "lost"]

    def add(count):
        for index in range(count):
            status = statuses[index % 5]
            LeadFactory(
                company=company,
                status=status,
                lost_reason=reason if status == "lost" else None,
                salesperson=sellers[index % 3],
            )

    add(5)
    _board_queries(member_client)  # warms the caches the first request fills
    few = _board_queries(member_client)
    add(45)
    assert _board_queries(member_client) == few


def test_the_lead_list_links_to_the_board(member_client, company):
    content = member_client.get(reverse("leads:lead_list")).content.decode()
    assert f'href="{BOARD}"' in content
