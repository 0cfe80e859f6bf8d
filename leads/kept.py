"""The figures the database keeps for this app's pages (``crm.kept_figures``): the pipeline per
(stage, salesperson) and the new leads per (UTC day, source, status). The migrations install
them; the models are ``PipelineFigure`` and ``LeadDayFigure``."""

from __future__ import annotations

from crm.kept_figures import KeptFigures, Key, Total

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
