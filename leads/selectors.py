"""Reads that span models: the pipeline and lead boards, an opportunity's stage history, time in
stage.

Money is summed in whole cents as integers, so SQLite (which keeps decimals as floats) and
PostgreSQL give the same totals to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Sum,
)
from django.utils import timezone

from crm.models import Company
from crm.sql_reads import Joined, PlainRead
from leads.models import (
    Lead,
    LostReason,
    Opportunity,
    OpportunityStage,
    OpportunityStageChange,
    PipelineFigure,
    StageStayFigure,
    WishListItem,
)

CENT = Decimal("0.01")
SECONDS_PER_DAY = Decimal(86400)
# Cards a column shows at first, and each "Show more" adds: what a person scans on one screen.
BOARD_COLUMN_SIZE = 12


def _from_cents(cents: int | None) -> Decimal:
    return (Decimal(cents or 0) / 100).quantize(CENT)


def _days(duration: timedelta) -> Decimal:
    return (Decimal(duration.total_seconds()) / SECONDS_PER_DAY).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def _newest_per_group(queryset, *, field: str, keys: list, limit: int, offset: int = 0):
    """``queryset`` narrowed to its ``limit`` newest rows (after skipping ``offset``) for each of
    ``keys`` of ``field``, in one query: a UNION ALL of one LIMIT per key, each read backwards
    off the company-first (company, field, created_at, id) index. A window function over the
    whole company would number, and so sort, every row of it. Where the database cannot LIMIT
    the parts of a UNION (SQLite, through Django), one query per key does the same."""
    parts = [
        queryset.filter(**{field: key}).order_by("-created_at", "-pk")[offset : offset + limit]
        for key in keys
    ]
    if not parts:
        return []
    if not connections[queryset.db].features.supports_slicing_ordering_in_compound:
        return [row for part in parts for row in part]
    first, *rest = parts
    return list(first.union(*rest, all=True)) if rest else list(first)


# --- the pipeline board ----------------------------------------------------------------------


@dataclass
class BoardColumn:
    """One stage of the board: its newest cards and the figures of all its opportunities."""

    stage: OpportunityStage
    cards: list[Opportunity] = field(default_factory=list)
    count: int = 0
    total: Decimal = Decimal("0.00")
    weighted_total: Decimal = Decimal("0.00")
    offset: int = 0  # cards before these, already on the page ("Show more")

    @property
    def shown_count(self) -> int:
        return self.offset + len(self.cards)

    @property
    def hidden_count(self) -> int:
        """Opportunities in the stage that the column does not show (it shows the newest)."""
        return max(self.count - self.shown_count, 0)


@dataclass
class Board:
    columns: list[BoardColumn]

    def _columns(self, kind: str) -> list[BoardColumn]:
        return [column for column in self.columns if column.stage.kind == kind]

    @property
    def open_count(self) -> int:
        return sum(column.count for column in self._columns(OpportunityStage.Kind.OPEN))

    @property
    def open_total(self) -> Decimal:
        return sum(
            (column.total for column in self._columns(OpportunityStage.Kind.OPEN)),
            Decimal("0.00"),
        )

    @property
    def forecast(self) -> Decimal:
        """The weighted total of the open stages: what the open pipeline is expected to bring."""
        return sum(
            (column.weighted_total for column in self._columns(OpportunityStage.Kind.OPEN)),
            Decimal("0.00"),
        )

    @property
    def won_total(self) -> Decimal:
        return sum(
            (column.total for column in self._columns(OpportunityStage.Kind.WON)), Decimal("0.00")
        )


def _board_opportunities(company: Company, salesperson_id: int | None, visible: Q | None):
    opportunities = Opportunity.objects.filter(company=company)
    if visible is not None:
        opportunities = opportunities.filter(visible)
    if salesperson_id is not None:
        opportunities = opportunities.filter(salesperson_id=salesperson_id)
    return opportunities


def _stage_figures(
    company: Company, salesperson_id: int | None, visible: Q | None, *, stage_id: int | None = None
):
    """The count and sums per stage of the opportunities the board shows, from the pipeline
    figures kept per (stage, salesperson) (``leads.PipelineFigure``): a few dozen rows however
    many opportunities there are. ``visible`` names opportunities by their salesperson (the
    access levels: all, some salespeople and the unassigned, none), which the figures carry."""
    figures = PipelineFigure.objects.filter(company=company)
    if visible is not None:
        figures = figures.filter(visible)
    if salesperson_id is not None:
        figures = figures.filter(salesperson_id=salesperson_id)
    if stage_id is not None:
        figures = figures.filter(stage_id=stage_id)
    return (
        figures.order_by()
        .values("stage_id")
        .annotate(
            count=Sum("opportunity_count"),
            total_cents=Sum("amount_cents"),
            weighted_cents=Sum("weighted_cents"),
        )
    )


def _opportunity_cards(opportunities):
    return opportunities.select_related("salesperson").only(
        "pk",
        "company_id",
        "title",
        "stage_id",
        "probability",
        "expected_amount",
        "expected_close_date",
        "created_at",
        "salesperson_id",
        "salesperson__name",
    )


def pipeline_board(
    *,
    company: Company,
    salesperson_id: int | None = None,
    visible: Q | None = None,
    per_column: int = BOARD_COLUMN_SIZE,
) -> Board:
    """One column per stage in the company's order, with the ``per_column`` newest cards each;
    ``visible`` narrows the opportunities to those the user sees (``crm.access``), figures too.

    Three queries however many opportunities there are: the stages, the figures per stage
    (one aggregate, so the counts and totals are right whatever the columns show), and the
    cards (``_newest_per_group``: a huge stage costs no more than a small one).
    """
    stages = list(OpportunityStage.objects.filter(company=company).order_by("order", "pk"))
    opportunities = _board_opportunities(company, salesperson_id, visible)
    columns = {stage.pk: BoardColumn(stage=stage) for stage in stages}
    for row in _stage_figures(company, salesperson_id, visible):
        column = columns[row["stage_id"]]
        column.count = row["count"]
        column.total = _from_cents(row["total_cents"])
        column.weighted_total = _from_cents(row["weighted_cents"])

    for card in _newest_per_group(
        _opportunity_cards(opportunities),
        field="stage_id",
        keys=list(columns),
        limit=per_column,
    ):
        columns[card.stage_id].cards.append(card)
    return Board(columns=[columns[stage.pk] for stage in stages])


def pipeline_column_more(
    *,
    company: Company,
    stage: OpportunityStage,
    salesperson_id: int | None = None,
    visible: Q | None = None,
    offset: int,
    per_column: int = BOARD_COLUMN_SIZE,
) -> BoardColumn:
    """The next ``per_column`` cards of one stage after the first ``offset`` (a column's
    "Show more"), with the stage's count so the column can say how many are left."""
    opportunities = _board_opportunities(company, salesperson_id, visible).filter(stage=stage)
    cards = list(
        _opportunity_cards(opportunities).order_by("-created_at", "-pk")[
            offset : offset + per_column
        ]
    )
    figures = list(_stage_figures(company, salesperson_id, visible, stage_id=stage.pk))
    count = figures[0]["count"] if figures else 0
    return BoardColumn(stage=stage, cards=cards, count=count, offset=offset)


# --- the lead board ---------------------------------------------------------------------------


@dataclass
class LeadBoardColumn:
    """One lead status: its newest cards and how many leads have it."""

    status: str
    label: str
    cards: list[Lead] = field(default_factory=list)
    count: int = 0
    offset: int = 0  # cards before these, already on the page ("Show more")

    @property
    def shown_count(self) -> int:
        return self.offset + len(self.cards)

    @property
    def hidden_count(self) -> int:
        return max(self.count - self.shown_count, 0)


def _board_leads(company: Company, salesperson_id: int | None, visible: Q | None):
    leads = Lead.objects.filter(company=company)
    if visible is not None:
        leads = leads.filter(visible)
    if salesperson_id is not None:
        leads = leads.filter(salesperson_id=salesperson_id)
    return leads


def _lead_cards(leads):
    return leads.select_related("salesperson").only(
        "pk",
        "company_id",
        "first_name",
        "last_name",
        "organization_name",
        "status",
        "created_at",
        "salesperson_id",
        "salesperson__name",
    )


def lead_board(
    *,
    company: Company,
    salesperson_id: int | None = None,
    visible: Q | None = None,
    per_column: int = BOARD_COLUMN_SIZE,
) -> list[LeadBoardColumn]:
    """One column per lead status in the order a lead moves through them, with the
    ``per_column`` newest cards each; ``visible`` narrows the leads to those the user sees.

    Two queries however many leads there are: the count per status, and the cards (one LIMIT
    per status, as the pipeline board does).
    """
    leads = _board_leads(company, salesperson_id, visible)
    columns = {
        status: LeadBoardColumn(status=status, label=label) for status, label in Lead.Status.choices
    }
    for row in leads.order_by().values("status").annotate(count=Count("pk")):
        if row["status"] in columns:
            columns[row["status"]].count = row["count"]
    for card in _newest_per_group(
        _lead_cards(leads), field="status", keys=list(columns), limit=per_column
    ):
        columns[card.status].cards.append(card)
    return list(columns.values())


def lead_column_more(
    *,
    company: Company,
    status: str,
    salesperson_id: int | None = None,
    visible: Q | None = None,
    offset: int,
    per_column: int = BOARD_COLUMN_SIZE,
) -> LeadBoardColumn:
    """The next ``per_column`` cards of one lead status after the first ``offset``."""
    leads = _board_leads(company, salesperson_id, visible).filter(status=status)
    cards = list(_lead_cards(leads).order_by("-created_at", "-pk")[offset : offset + per_column])
    return LeadBoardColumn(
        status=status,
        label=dict(Lead.Status.choices)[status],
        cards=cards,
        count=leads.count(),
        offset=offset,
    )


# --- the wish list on a lead's or an opportunity's page -----------------------------------------


def has_wish_list(owner_field: str) -> Exists:
    """Whether the lead or opportunity (``owner_field``) has a wish list, for ``annotate`` on
    the query that reads it for its page: most have none, and then ``wish_list_of`` need not
    ask."""
    return Exists(
        WishListItem.objects.filter(company=OuterRef("company"), **{owner_field: OuterRef("pk")})
    )


def wish_list_of(owner: Lead | Opportunity) -> list[WishListItem]:
    """The items of the owner's wish list with their products; no query when the owner was read
    with ``has_wish_list`` false."""
    if getattr(owner, "has_wish_list", True) is False:
        return []
    return list(owner.wish_list.select_related("product"))


# --- stage history and time in stage ---------------------------------------------------------


@dataclass(frozen=True)
class StageStay:
    """The time an opportunity spent in one stage: from its history row to the next one, or
    until now while it is still there."""

    change: OpportunityStageChange
    left_at: datetime | None
    duration: timedelta

    @property
    def stage(self) -> OpportunityStage:
        return self.change.to_stage

    @property
    def is_current(self) -> bool:
        return self.left_at is None

    @property
    def days(self) -> Decimal:
        return _days(self.duration)


# An opportunity's stage changes, oldest first, as ``OpportunityStageChange.objects.filter(
# company=..., opportunity=...).select_related("from_stage", "to_stage", "changed_by",
# "lost_reason").order_by("changed_at", "pk")`` reads them: building and compiling that queryset
# was most of what the history cost the opportunity's page.
_STAGE_HISTORY = PlainRead(
    OpportunityStageChange,
    "h",
    joined=(
        Joined("f", OpportunityStage, "h", "from_stage"),
        Joined("t", OpportunityStage, "h", "to_stage"),
        Joined("u", get_user_model(), "h", "changed_by"),
        Joined("r", LostReason, "h", "lost_reason"),
    ),
    where="h.company_id = %s AND h.opportunity_id = %s",
    order="h.changed_at, h.id",
)


def opportunity_stage_history(
    opportunity: Opportunity, *, now: datetime | None = None
) -> list[StageStay]:
    """Every stage the opportunity has been in, oldest first, with the time spent there."""
    changes = _STAGE_HISTORY.read([opportunity.company_id, opportunity.pk])
    now = now or timezone.now()
    stays = []
    for change in changes:
        duration = max((change.left_at or now) - change.changed_at, timedelta(0))
        stays.append(StageStay(change=change, left_at=change.left_at, duration=duration))
    return stays


@dataclass(frozen=True)
class StageAverage:
    stage: OpportunityStage
    average_days: Decimal | None  # None: no opportunity has left this stage yet
    stays: int


def average_days_in_stage(
    company: Company, since: date | datetime | None = None
) -> list[StageAverage]:
    """Per stage, in the company's order: the average days opportunities spent there before
    moving on, over the stays that ended at or after ``since`` (every stay if None).

    Only finished stays count: an opportunity still in a stage has not finished its time there,
    and won or lost are where opportunities stay. The database keeps, per UTC day a stay ended
    and stage, how many ended and how long they had lasted in all (``StageStayFigure``, a few
    rows a day however long the history), so the whole UTC days from ``since`` on are a sum of
    those; the hours between ``since`` and the next UTC midnight, where the company's days start
    at another hour, are read off the history rows themselves (the (company, left_at) index).
    """
    totals: dict[int, list[int]] = {}

    def add(stage_id: int, stays: int, microseconds: int) -> None:
        total = totals.setdefault(stage_id, [0, 0])
        total[0] += stays
        total[1] += microseconds

    figures = StageStayFigure.objects.filter(company=company)
    if since is not None:
        if isinstance(since, date) and not isinstance(since, datetime):
            since = timezone.make_aware(datetime.combine(since, time.min))
        start = since.astimezone(UTC)
        midnight = datetime.combine(start.date(), time.min, tzinfo=UTC)
        if start > midnight:
            midnight += timedelta(days=1)
            hours = (
                OpportunityStageChange.objects.filter(
                    company=company, left_at__gte=since, left_at__lt=midnight
                )
                .order_by()
                .values_list("to_stage_id")
                .annotate(
                    stays=Count("*"),
                    spent=Sum(
                        ExpressionWrapper(
                            F("left_at") - F("changed_at"), output_field=DurationField()
                        )
                    ),
                )
            )
            for stage_id, stays, spent in hours:
                add(stage_id, stays, spent // timedelta(microseconds=1))
        figures = figures.filter(day__gte=midnight.date())
    rows = (
        figures.order_by()
        .values_list("stage_id")
        # A key's figures are the sum of its slots (crm.kept_figures.SLOTS).
        .annotate(stays=Sum("stay_count"), spent=Sum("microseconds"))
    )
    for stage_id, stays, microseconds in rows:
        add(stage_id, int(stays or 0), int(microseconds or 0))
    averages = []
    for stage in OpportunityStage.objects.filter(company=company).order_by("order", "pk"):
        stays, microseconds = totals.get(stage.pk, (0, 0))
        averages.append(
            StageAverage(
                stage=stage,
                average_days=_days(timedelta(microseconds=microseconds / stays)) if stays else None,
                stays=stays,
            )
        )
    return averages
