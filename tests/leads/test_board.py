"""The pipeline board, the stage move endpoint and the opportunity page's stage history."""

import html
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from crm.models import Salesperson
from leads.models import Opportunity, OpportunityStageChange
from leads.selectors import BOARD_COLUMN_SIZE, pipeline_board
from leads.services import opportunity_save, opportunity_set_stage
from tests.conftest import login_as
from tests.factories import (
    LostReasonFactory,
    MembershipFactory,
    OpportunityFactory,
    OpportunityStageFactory,
    SalespersonFactory,
)

BOARD = reverse("leads:opportunity_board")


@pytest.fixture
def stages(company):
    return {
        "prospecting": OpportunityStageFactory(
            company=company, name="Prospecting", order=10, probability=10
        ),
        "proposal": OpportunityStageFactory(
            company=company, name="Proposal", order=20, probability=50
        ),
        "won": OpportunityStageFactory(
            company=company, name="Won", order=30, probability=100, kind="won"
        ),
        "lost": OpportunityStageFactory(
            company=company, name="Lost", order=40, probability=0, kind="lost"
        ),
    }


def move_url(opportunity):
    return reverse("leads:opportunity_stage", args=[opportunity.pk])


# --- the board -------------------------------------------------------------------------------


def test_board_has_a_column_per_stage_in_order(member_client, company, stages):
    # Created in a different order than the stages' own.
    OpportunityStageFactory(company=company, name="Negotiation", order=25)
    response = member_client.get(BOARD)
    assert response.status_code == 200
    names = [column.stage.name for column in response.context["board"].columns]
    assert names == ["Prospecting", "Proposal", "Negotiation", "Won", "Lost"]


def test_board_totals_are_exact_and_rounded_half_up(member_client, company, stages):
    proposal = stages["proposal"]
    # 0.05 × 50 % = 0.025 -> 0.03; 0.01 × 50 % = 0.005 -> 0.01 (half up per opportunity).
    for amount, probability in [
        ("0.05", 50),
        ("0.01", 50),
        ("1234.57", 33),
        ("0.10", 15),
        ("999999.99", 50),
    ]:
        OpportunityFactory(
            company=company,
            stage=proposal,
            expected_amount=Decimal(amount),
            probability=probability,
        )
    OpportunityFactory(company=company, stage=stages["won"], expected_amount=Decimal("500.00"))

    board = member_client.get(BOARD).context["board"]
    column = next(column for column in board.columns if column.stage == proposal)
    assert column.count == 5
    assert column.total == Decimal("1001234.72")
    # 0.03 + 0.01 + 407.41 (407.4081) + 0.02 (0.015) + 500000.00 (499999.995)
    assert column.weighted_total == Decimal("500407.47")
    assert column.weighted_total == sum(card.weighted_amount for card in column.cards)
    assert board.open_count == 5
    assert board.forecast == Decimal("500407.47")
    assert board.won_total == Decimal("500.00")


def test_board_shows_the_totals_and_the_cards(member_client, company, stages):
    seller = SalespersonFactory(company=company, name="Grace Okafor")
    OpportunityFactory(
        company=company,
        stage=stages["proposal"],
        title="Laptop refresh",
        expected_amount=Decimal("12400.00"),
        probability=50,
        salesperson=seller,
    )
    content = member_client.get(BOARD).content.decode()
    assert "Laptop refresh" in content
    # What a reader sees: the amounts with their currency.
    seen = " ".join(html.unescape(re.sub(r"<[^>]+>", "", content)).split())
    assert "12,400.00 EUR" in seen
    assert "6,200.00 EUR" in seen  # weighted, in the column header
    assert "Grace Okafor" in content
    assert f'action="{move_url(Opportunity.objects.get())}"' in content


def _board_queries(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(BOARD)
    assert response.status_code == 200
    return len(captured)


def test_board_queries_do_not_grow_with_opportunities(member_client, company, stages):
    sellers = SalespersonFactory.create_batch(3, company=company)
    LostReasonFactory.create_batch(2, company=company)
    for index in range(5):
        OpportunityFactory(
            company=company,
            stage=list(stages.values())[index % 4],
            salesperson=sellers[index % 3],
        )
    _board_queries(member_client)  # warms the caches the first request fills
    few = _board_queries(member_client)
    for index in range(45):
        OpportunityFactory(
            company=company,
            stage=list(stages.values())[index % 4],
            salesperson=sellers[index % 3],
        )
    assert _board_queries(member_client) == few


def test_a_column_shows_the_newest_cards_and_links_to_the_rest(company, stages, member_client):
    OpportunityFactory.create_batch(7, company=company, stage=stages["proposal"])
    board = pipeline_board(company=company, per_column=5)
    column = next(column for column in board.columns if column.stage == stages["proposal"])
    assert column.count == 7 and len(column.cards) == 5 and column.hidden_count == 2
    newest = Opportunity.objects.filter(stage=stages["proposal"]).order_by("-created_at", "-pk")
    assert [card.pk for card in column.cards] == [opportunity.pk for opportunity in newest[:5]]
    # The page shows the cap's worth and links the rest to the list filtered by the stage.
    OpportunityFactory.create_batch(BOARD_COLUMN_SIZE, company=company, stage=stages["proposal"])
    content = member_client.get(BOARD).content.decode()
    assert "and 7 more" in content
    assert f"{reverse('leads:opportunity_list')}?stage={stages['proposal'].pk}" in content


def _more(client, stage, **params):
    url = reverse("leads:opportunity_board_more", args=[stage.pk])
    return client.get(url, params, headers={"HX-Request": "true"})


def _card_ids(content: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<li class="board-card" id="opportunity-(\d+)"', content)]


def test_show_more_appends_the_next_cards_until_none_are_left(company, stages, member_client):
    OpportunityFactory.create_batch(
        BOARD_COLUMN_SIZE * 2 + 3, company=company, stage=stages["proposal"]
    )
    newest = list(
        Opportunity.objects.filter(stage=stages["proposal"])
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
    )
    board = member_client.get(BOARD).content.decode()
    assert _card_ids(board) == newest[:BOARD_COLUMN_SIZE]
    assert f"?offset={BOARD_COLUMN_SIZE}&amp;owner=all" in board

    second = _more(member_client, stages["proposal"], offset=BOARD_COLUMN_SIZE, owner="all")
    content = second.content.decode()
    assert _card_ids(content) == newest[BOARD_COLUMN_SIZE : BOARD_COLUMN_SIZE * 2]
    # The move forms come back to the board, not to this fragment.
    assert f'name="next" value="{BOARD}?owner=all"' in content
    # The column's link is redrawn (out of band) for what is still hidden.
    assert 'hx-swap-oob="true"' in content and "and 3 more" in content
    assert f"?offset={BOARD_COLUMN_SIZE * 2}&amp;owner=all" in content

    last = _more(member_client, stages["proposal"], offset=BOARD_COLUMN_SIZE * 2, owner="all")
    content = last.content.decode()
    assert _card_ids(content) == newest[BOARD_COLUMN_SIZE * 2 :]
    assert 'hx-swap-oob="delete"' in content and "more" not in content.split("oob")[-1]


def test_show_more_keeps_the_salesperson_and_the_users_access(client, company, stages):
    seller = MembershipFactory(company=company, role="salesperson").user
    sam = SalespersonFactory(company=company, user=seller)
    dana = SalespersonFactory(company=company)
    OpportunityFactory.create_batch(
        BOARD_COLUMN_SIZE + 2, company=company, stage=stages["proposal"], salesperson=sam
    )
    danas = OpportunityFactory.create_batch(
        BOARD_COLUMN_SIZE + 1, company=company, stage=stages["proposal"], salesperson=dana
    )
    login_as(client, seller, company)
    board = client.get(BOARD, {"salesperson": dana.pk})
    assert f"?offset={BOARD_COLUMN_SIZE}&amp;salesperson={dana.pk}" in board.content.decode()
    more = _more(client, stages["proposal"], offset=BOARD_COLUMN_SIZE, salesperson=dana.pk)
    (card,) = more.context["column"].cards
    assert card == danas[0]  # the oldest of Dana's, none of Sam's
    assert not card.movable  # a salesperson moves only their own


def test_show_more_without_htmx_is_the_list_and_another_companys_stage_is_a_404(
    member_client, company, stages, other_company
):
    url = reverse("leads:opportunity_board_more", args=[stages["proposal"].pk])
    response = member_client.get(url, {"offset": "15"})
    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('leads:opportunity_list')}?stage={stages['proposal'].pk}"
    )
    with scopes_disabled():
        foreign = OpportunityStageFactory(company=other_company)
    assert _more(member_client, foreign, offset=0).status_code == 404
    assert _more(member_client, stages["proposal"], offset="nonsense").status_code == 200


def test_board_filters_by_salesperson(member_client, company, stages):
    grace = SalespersonFactory(company=company)
    other = SalespersonFactory(company=company)
    mine = OpportunityFactory(company=company, stage=stages["proposal"], salesperson=grace)
    OpportunityFactory(company=company, stage=stages["proposal"], salesperson=other)
    response = member_client.get(BOARD, {"salesperson": grace.pk})
    cards = [card for column in response.context["board"].columns for card in column.cards]
    assert cards == [mine]
    assert response.context["selected_salesperson"] == grace
    # An unknown or another company's id shows everyone's.
    response = member_client.get(BOARD, {"salesperson": "nonsense"})
    assert response.context["board"].open_count == 2


def cards_of(response):
    return [card for column in response.context["board"].columns for card in column.cards]


@pytest.fixture
def seller_client(client, company, salesperson_user):
    SalespersonFactory(company=company, user=salesperson_user, name="Sam Seller")
    return login_as(client, salesperson_user, company)


def test_mine_shows_the_users_own_opportunities(client, company, stages, salesperson_user):
    own = SalespersonFactory(company=company, user=salesperson_user)
    mine = OpportunityFactory(company=company, stage=stages["prospecting"], salesperson=own)
    OpportunityFactory(company=company, stage=stages["prospecting"])
    login_as(client, salesperson_user, company)
    response = client.get(BOARD, {"owner": "mine"})
    assert cards_of(response) == [mine]
    assert response.context["showing_mine"]
    assert response.context["owner_choice"] == "mine"
    assert '?owner=mine&amp;remember=1" aria-current="true">Mine</a>' in response.content.decode()


def test_a_salesperson_starts_on_their_own_opportunities(seller_client, company, stages):
    own = Salesperson.objects.get(name="Sam Seller")
    mine = OpportunityFactory(company=company, stage=stages["prospecting"], salesperson=own)
    theirs = OpportunityFactory(company=company, stage=stages["prospecting"])

    response = seller_client.get(BOARD)
    assert cards_of(response) == [mine]
    assert response.context["owner_choice"] == "mine"
    assert response.context["selected_salesperson"] == own

    response = seller_client.get(BOARD, {"owner": "all", "remember": "1"})  # the toggle's link
    assert set(cards_of(response)) == {mine, theirs}
    assert '?owner=all&amp;remember=1" aria-current="true">Everyone' in response.content.decode()
    # Remembered for the board...
    assert set(cards_of(seller_client.get(BOARD))) == {mine, theirs}
    # ...and apart from the opportunity list, which keeps its own choice.
    list_response = seller_client.get(reverse("leads:opportunity_list"))
    assert list_response.context["owner_choice"] == "mine"


def test_picking_everyone_or_a_salesperson_in_the_filter_overrides_mine(
    seller_client, company, stages
):
    grace = SalespersonFactory(company=company, name="Grace Okafor")
    graces = OpportunityFactory(company=company, stage=stages["proposal"], salesperson=grace)
    OpportunityFactory(company=company, stage=stages["proposal"])
    # The filter form sends owner=all with the select, so "Everyone" means everyone.
    form = seller_client.get(BOARD).content.decode()
    assert '<input type="hidden" name="owner" value="all">' in form
    response = seller_client.get(BOARD, {"salesperson": grace.pk, "owner": "all"})
    assert cards_of(response) == [graces]
    assert not response.context["showing_mine"]
    # Even without owner=all, a picked salesperson wins, as on the lists.
    assert cards_of(seller_client.get(BOARD, {"salesperson": grace.pk})) == [graces]
    response = seller_client.get(BOARD, {"salesperson": "", "owner": "all"})
    assert response.context["board"].open_count == 2


@pytest.mark.parametrize("role", ["owner", "admin", "manager"])
def test_managers_and_up_start_on_everyones(client, company, stages, role):
    user = MembershipFactory(company=company, role=role).user
    own = SalespersonFactory(company=company, user=user)
    OpportunityFactory(company=company, stage=stages["prospecting"], salesperson=own)
    OpportunityFactory(company=company, stage=stages["prospecting"])
    login_as(client, user, company)
    response = client.get(BOARD)
    assert response.context["owner_choice"] == "all"
    assert response.context["board"].open_count == 2
    assert len(cards_of(client.get(BOARD, {"owner": "mine"}))) == 1


@pytest.mark.parametrize(
    "old, new",
    [
        ("?mine=1", "?owner=mine"),
        ("?mine=1&salesperson=", "?salesperson=&owner=mine"),
        ("?mine=1&owner=all", "?owner=all"),
        ("?mine=0", ""),
    ],
)
def test_old_mine_links_still_work(seller_client, company, stages, old, new):
    response = seller_client.get(BOARD + old)
    assert response.status_code == 302
    assert response["Location"] == BOARD + new


def test_an_old_mine_link_lands_on_the_users_own(client, company, stages, salesperson_user):
    own = SalespersonFactory(company=company, user=salesperson_user)
    mine = OpportunityFactory(company=company, stage=stages["prospecting"], salesperson=own)
    OpportunityFactory(company=company, stage=stages["prospecting"])
    login_as(client, salesperson_user, company)
    client.get(BOARD, {"owner": "all"})  # the remembered choice does not beat the link
    response = client.get(BOARD, {"mine": "1"}, follow=True)
    assert response.redirect_chain == [(f"{BOARD}?owner=mine", 302)]
    assert cards_of(response) == [mine]


def test_mine_without_a_place_on_the_sales_team_says_so(member_client, company, stages):
    OpportunityFactory(company=company, stage=stages["prospecting"])
    for response in (
        member_client.get(BOARD, {"owner": "mine"}),
        member_client.get(BOARD, {"mine": "1"}, follow=True),
    ):
        assert response.context["board"].open_count == 1
        assert "You are not on the sales team" in response.content.decode()
        assert ">Mine</a>" not in response.content.decode()


def test_the_owner_toggle_costs_no_query(seller_client, company, stages):
    """The user's salesperson row comes from the filter's list of salespeople."""
    OpportunityFactory(company=company, stage=stages["prospecting"])
    seller_client.get(BOARD, {"owner": "mine"})  # warms caches, stores the choice
    with CaptureQueriesContext(connection) as mine:
        seller_client.get(BOARD, {"owner": "mine"})
    # The middleware's membership query finds the user's own row in a subquery; the board's
    # list of salespeople is the only other read.
    salespeople_reads = [
        query
        for query in mine
        if 'FROM "crm_salesperson"' in query["sql"] and '"crm_membership"' not in query["sql"]
    ]
    assert len(salespeople_reads) == 1


def test_board_without_stages_explains_what_to_do(member_client, company):
    response = member_client.get(BOARD)
    assert response.status_code == 200
    assert "no pipeline stages yet" in response.content.decode()


def test_board_never_shows_another_companys_opportunities(
    member_client, company, other_company, stages
):
    with scopes_disabled():
        OpportunityFactory(company=other_company, title="Globex secret deal")
    response = member_client.get(BOARD)
    assert "Globex secret deal" not in response.content.decode()
    assert response.context["board"].open_count == 0


# --- moving -----------------------------------------------------------------------------------


def test_move_goes_back_to_the_board_with_its_filters(member_client, member, company, stages):
    opportunity = OpportunityFactory(company=company, stage=stages["prospecting"])
    back = f"{BOARD}?salesperson=3"
    response = member_client.post(
        move_url(opportunity), {"stage": stages["proposal"].pk, "next": back}
    )
    assert response.status_code == 302
    assert response["Location"] == back
    opportunity.refresh_from_db()
    assert (opportunity.stage, opportunity.probability) == (stages["proposal"], 50)
    row = OpportunityStageChange.objects.get(opportunity=opportunity)
    assert (row.from_stage, row.to_stage, row.changed_by) == (
        stages["prospecting"],
        stages["proposal"],
        member,
    )
    page = member_client.get(back)
    assert f"{opportunity} moved to Proposal." in page.content.decode()


def test_move_without_next_or_with_a_foreign_next_goes_to_the_opportunity(
    member_client, company, stages
):
    opportunity = OpportunityFactory(company=company, stage=stages["prospecting"])
    response = member_client.post(
        move_url(opportunity),
        {"stage": stages["proposal"].pk, "next": "https://evil.example.com/"},
    )
    assert response["Location"] == opportunity.get_absolute_url()
    response = member_client.post(move_url(opportunity), {"stage": stages["won"].pk})
    assert response["Location"] == opportunity.get_absolute_url()


def test_move_with_a_probability(member_client, company, stages):
    opportunity = OpportunityFactory(company=company, stage=stages["prospecting"])
    member_client.post(move_url(opportunity), {"stage": stages["proposal"].pk, "probability": 65})
    opportunity.refresh_from_db()
    assert opportunity.probability == 65


def test_moving_to_lost_without_a_reason_explains_and_changes_nothing(
    member_client, company, stages
):
    opportunity = OpportunityFactory(company=company, stage=stages["prospecting"], title="Laptops")
    response = member_client.post(
        move_url(opportunity), {"stage": stages["lost"].pk, "next": BOARD}, follow=True
    )
    assert response.redirect_chain == [(BOARD, 302)]
    assert "Laptops was not moved: Lost reason: Say why the opportunity was lost." in (
        response.content.decode()
    )
    opportunity.refresh_from_db()
    assert opportunity.stage == stages["prospecting"]
    assert not OpportunityStageChange.objects.exists()


def test_moving_to_lost_with_a_reason(member_client, company, stages):
    opportunity = OpportunityFactory(company=company, stage=stages["proposal"])
    reason = LostReasonFactory(company=company)
    member_client.post(
        move_url(opportunity), {"stage": stages["lost"].pk, "lost_reason": reason.pk}
    )
    opportunity.refresh_from_db()
    assert (opportunity.stage, opportunity.lost_reason) == (stages["lost"], reason)


def test_another_companys_stage_or_reason_is_an_unknown_choice(
    member_client, company, other_company, stages
):
    with scopes_disabled():
        foreign_stage = OpportunityStageFactory(company=other_company)
        foreign_reason = LostReasonFactory(company=other_company)
    opportunity = OpportunityFactory(company=company, stage=stages["prospecting"])
    response = member_client.post(move_url(opportunity), {"stage": foreign_stage.pk}, follow=True)
    assert "Select a valid choice" in response.content.decode()
    member_client.post(
        move_url(opportunity), {"stage": stages["lost"].pk, "lost_reason": foreign_reason.pk}
    )
    opportunity.refresh_from_db()
    assert opportunity.stage == stages["prospecting"]


def test_moving_to_the_same_stage_says_so(member_client, company, stages):
    opportunity = OpportunityFactory(company=company, stage=stages["proposal"], title="Desks")
    response = member_client.post(
        move_url(opportunity), {"stage": stages["proposal"].pk}, follow=True
    )
    assert "Desks is already in Proposal." in response.content.decode()
    assert not OpportunityStageChange.objects.exists()


def test_move_is_post_only_and_another_companys_opportunity_is_a_404(
    client, company, other_company, other_member, stages
):
    opportunity = OpportunityFactory(company=company, stage=stages["prospecting"])
    login_as(client, other_member, other_company)
    with scopes_disabled():
        foreign_stage = OpportunityStageFactory(company=other_company)
    response = client.post(move_url(opportunity), {"stage": foreign_stage.pk})
    assert response.status_code == 404
    opportunity.refresh_from_db()
    assert opportunity.stage == stages["prospecting"]


def test_move_endpoint_refuses_get(member_client, company, stages):
    opportunity = OpportunityFactory(company=company, stage=stages["prospecting"])
    assert member_client.get(move_url(opportunity)).status_code == 405


# --- the opportunity page ------------------------------------------------------------------------


def test_opportunity_page_shows_the_stage_history_and_a_move_form(
    member_client, member, company, stages
):
    opportunity = opportunity_save(
        opportunity=Opportunity(company=company, title="Desks", stage=stages["prospecting"]),
        actor=member,
    )
    opportunity_set_stage(opportunity=opportunity, stage=stages["proposal"], actor=member)
    response = member_client.get(opportunity.get_absolute_url())
    content = response.content.decode()
    assert [stay.stage for stay in response.context["stage_history"]] == [
        stages["prospecting"],
        stages["proposal"],
    ]
    assert "Stage history" in content
    assert "from Prospecting" in content
    assert "so far" in content
    assert f'action="{move_url(opportunity)}"' in content
    move_form = content.split(f'action="{move_url(opportunity)}"', 1)[1].split("</form>", 1)[0]
    assert f'<option value="{stages["proposal"].pk}" selected>' in move_form


def test_the_kept_move_form_follows_the_stage_and_the_stage_names(
    member_client, member, company, stages
):
    """The move form's fields are kept per process: under the opportunity's stage, and under the
    company's lists version, which a renamed stage changes."""
    opportunity = opportunity_save(
        opportunity=Opportunity(company=company, title="Desks", stage=stages["prospecting"]),
        actor=member,
    )

    def move_form() -> str:
        content = member_client.get(opportunity.get_absolute_url()).content.decode()
        return content.split(f'action="{move_url(opportunity)}"', 1)[1].split("</form>", 1)[0]

    assert f'<option value="{stages["prospecting"].pk}" selected>' in move_form()
    opportunity_set_stage(opportunity=opportunity, stage=stages["proposal"], actor=member)
    assert f'<option value="{stages["proposal"].pk}" selected>' in move_form()
    stages["proposal"].name = "Offer sent"
    stages["proposal"].save()
    assert f'<option value="{stages["proposal"].pk}" selected>Offer sent</option>' in move_form()


def test_opportunity_page_queries_do_not_grow_with_its_history(
    member_client, member, company, stages
):
    opportunity = opportunity_save(
        opportunity=Opportunity(company=company, title="Desks", stage=stages["prospecting"]),
        actor=member,
    )
    opportunity_set_stage(opportunity=opportunity, stage=stages["proposal"], actor=member)
    member_client.get(opportunity.get_absolute_url())  # warms the content-type cache
    with CaptureQueriesContext(connection) as few:
        member_client.get(opportunity.get_absolute_url())
    for _round in range(5):
        opportunity_set_stage(opportunity=opportunity, stage=stages["prospecting"], actor=member)
        opportunity_set_stage(opportunity=opportunity, stage=stages["proposal"], actor=member)
    with CaptureQueriesContext(connection) as many:
        response = member_client.get(opportunity.get_absolute_url())
    assert len(response.context["stage_history"]) == 12
    assert len(many) == len(few)


def test_the_edit_form_no_longer_moves_the_stage(member_client, company, stages):
    opportunity = OpportunityFactory(company=company, stage=stages["prospecting"])
    response = member_client.post(
        reverse("leads:opportunity_update", args=[opportunity.pk]),
        {
            "title": "Renamed",
            "stage": stages["won"].pk,
            "probability": 20,
            "expected_amount": "10.00",
        },
    )
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert (opportunity.title, opportunity.stage) == ("Renamed", stages["prospecting"])
    assert not OpportunityStageChange.objects.exists()


def test_a_lost_opportunitys_edit_form_asks_for_the_reason(member_client, company, stages):
    reason = LostReasonFactory(company=company)
    opportunity = OpportunityFactory(company=company, stage=stages["lost"], lost_reason=reason)
    url = reverse("leads:opportunity_update", args=[opportunity.pk])
    assert "lost_reason" in member_client.get(url).context["form"].fields
    response = member_client.post(url, {"title": "X", "probability": 0, "expected_amount": "0"})
    assert response.status_code == 200
    assert "lost_reason" in response.context["form"].errors
    open_one = OpportunityFactory(company=company, stage=stages["proposal"])
    form = member_client.get(reverse("leads:opportunity_update", args=[open_one.pk])).context[
        "form"
    ]
    assert "lost_reason" not in form.fields


def test_navigation_and_list_link_to_the_board(member_client, company):
    content = member_client.get(reverse("leads:opportunity_list")).content.decode()
    assert content.count(f'href="{BOARD}"') == 2  # the sidebar and the list's header
    board = member_client.get(BOARD).content.decode()
    assert f'<a href="{BOARD}" aria-current="page">' in board
