"""The figures the database keeps for this app's pages (``crm.kept_figures``): the pipeline per
(stage, salesperson), the new leads per (UTC day, source, status), the finished stage stays
per (UTC day they ended, stage) and the leads per (salesperson, status), which the lead list's
count adds up. The migrations install them; the models are ``PipelineFigure``,
``LeadDayFigure``, ``StageStayFigure`` and ``LeadCountFigure``."""

from __future__ import annotations

from crm.kept_figures import KeptFigures, Key, Total, list_counts

# The expected amount in whole cents; the forecast is rounded half up per opportunity (amounts
# are never negative, so adding 50 before the integer division rounds half up).
_CENTS = "CAST(ROUND({row}.expected_amount * 100) AS BIGINT)"

PIPELINE = KeptFigures(
    model="leads.PipelineFigure",
    name="leads_pipeline_figures",
    table="leads_pipelinefigure",
    source="leads_opportunity",
    keys=(
        Key("company_id", "{row}.company_id", "{row}.company_id"),
        Key("stage_id", "{row}.stage_id", "{row}.stage_id"),
        Key("salesperson_id", "{row}.salesperson_id", "{row}.salesperson_id", nullable=True),
    ),
    totals=(
        Total("opportunity_count", "1"),
        Total("amount_cents", _CENTS),
        # Σ cents × probability: the dashboard divides the sum by 100 once.
        Total("amount_percent_cents", f"{_CENTS} * {{row}}.probability"),
        # Σ (cents × probability + 50) // 100: the board rounds each opportunity's forecast.
        Total("weighted_cents", f"({_CENTS} * {{row}}.probability + 50) / 100"),
    ),
    watched=("company_id", "stage_id", "salesperson_id", "expected_amount", "probability"),
)

LEAD_DAYS = KeptFigures(
    model="leads.LeadDayFigure",
    name="leads_day_figures",
    table="leads_leaddayfigure",
    source="leads_lead",
    keys=(
        Key("company_id", "{row}.company_id", "{row}.company_id"),
        # The UTC day: a company's own days are whole UTC days plus two edges the reader counts
        # off the leads (``leads.dashboard``), so a change of time zone changes no figure.
        Key("day", "CAST(({row}.created_at AT TIME ZONE 'UTC') AS date)", "date({row}.created_at)"),
        Key("source_id", "{row}.source_id", "{row}.source_id", nullable=True),
        Key("status", "{row}.status", "{row}.status"),
    ),
    totals=(Total("lead_count", "1"),),
    watched=("company_id", "created_at", "source_id", "status"),
)

# A stay's length in whole microseconds, exact on both databases. PostgreSQL's interval has
# microseconds; SQLite stores Django's datetimes as text in UTC, "YYYY-MM-DD HH:MM:SS" with
# ".ffffff" unless the microseconds are zero.
_STAY_MICROSECONDS_PG = (
    "CAST(EXTRACT(EPOCH FROM ({row}.left_at - {row}.changed_at)) * 1000000 AS BIGINT)"
)
_SQLITE_MICROS = (
    "(CASE WHEN length({value}) > 19 THEN CAST(substr({value}, 21, 6) AS INTEGER) ELSE 0 END)"
)
_STAY_MICROSECONDS_SQLITE = (
    "((CAST(strftime('%s', {row}.left_at) AS INTEGER)"
    " - CAST(strftime('%s', {row}.changed_at) AS INTEGER)) * 1000000"
    f" + {_SQLITE_MICROS.format(value='{row}.left_at')}"
    f" - {_SQLITE_MICROS.format(value='{row}.changed_at')})"
)

STAGE_STAYS = KeptFigures(
    model="leads.StageStayFigure",
    name="leads_stage_stay_figures",
    table="leads_stagestayfigure",
    source="leads_opportunitystagechange",
    keys=(
        Key("company_id", "{row}.company_id", "{row}.company_id"),
        # The UTC day the stay ended: the dashboard adds up whole UTC days and counts the hours
        # around them off the history rows (``leads.selectors.average_days_in_stage``).
        Key("day", "CAST(({row}.left_at AT TIME ZONE 'UTC') AS date)", "date({row}.left_at)"),
        Key("stage_id", "{row}.to_stage_id", "{row}.to_stage_id"),
    ),
    totals=(
        Total("stay_count", "1"),
        Total("microseconds", _STAY_MICROSECONDS_PG, sqlite=_STAY_MICROSECONDS_SQLITE),
    ),
    watched=("company_id", "left_at", "changed_at", "to_stage_id"),
    # Only finished stays: a stay still going has no end day and no length yet.
    only="{row}.left_at IS NOT NULL",
)

# The lead list's count per (salesperson, status): crm.ui.pagination adds these up.
LEAD_COUNTS = list_counts(
    model="leads.LeadCountFigure", name="leads_count_figures", source="leads_lead"
)
