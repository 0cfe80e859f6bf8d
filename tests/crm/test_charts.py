"""Chart geometry (crm.ui.charts) and its SVG templates: scaling, zeros, rates, escaping."""

from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.ui.charts import (
    MIN_VISIBLE_WIDTH,
    Datum,
    FunnelStage,
    Series,
    StackedDatum,
    bar_chart,
    format_money,
    format_number,
    format_percent,
    funnel_chart,
    money_formatter,
    percent,
    scale,
    stacked_bar_chart,
)

# --- numbers --------------------------------------------------------------------------------


def test_numbers_are_grouped_and_rounded_half_up():
    assert format_number(Decimal("1234567.5")) == "1,234,568"
    assert format_number(Decimal("2.5")) == "3"  # not banker's rounding
    assert format_number(7) == "7"
    assert format_number(Decimal("0.125"), 2) == "0.13"


def test_money_carries_the_currency():
    assert format_money(Decimal("1234.5"), "EUR") == "1,234.50 EUR"
    assert format_money(Decimal("1234.5"), "USD", 0) == "1,235 USD"
    assert money_formatter("GBP")(Decimal("0")) == "0.00 GBP"


def test_charts_refuse_floats():
    with pytest.raises(TypeError):
        scale(0.1, 1)
    with pytest.raises(TypeError):
        bar_chart(id="c", title="t", data=[Datum("a", 1.5)], value_label="v")


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (1, 3, Decimal("33.3")),
        (2, 3, Decimal("66.7")),
        (5, 5, Decimal("100.0")),
        (0, 5, Decimal("0.0")),
        (5, 0, None),  # no denominator: no rate, not a division error
        (0, 0, None),
        (Decimal("1"), Decimal("8"), Decimal("12.5")),
    ],
)
def test_percent(part, whole, expected):
    assert percent(part, whole) == expected


def test_percent_text():
    assert format_percent(Decimal("50.0")) == "50%"
    assert format_percent(Decimal("33.3")) == "33.3%"
    assert format_percent(None) == "–"


@pytest.mark.parametrize(
    ("value", "maximum", "width"),
    [
        (100, 100, Decimal("100")),
        (50, 200, Decimal("25")),
        (1, 3, Decimal("33.33")),
        (0, 100, Decimal("0")),
        (-5, 100, Decimal("0")),
        (5, 0, Decimal("0")),
        (150, 100, Decimal("100")),  # never wider than the chart
        (1, 100_000, MIN_VISIBLE_WIDTH),  # above zero is never invisible
    ],
)
def test_scale(value, maximum, width):
    assert scale(value, maximum) == width


# No deadline: a busy test worker (browser tests run in the same pool) is not a slow chart.
@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False),
        min_size=1,
        max_size=30,
    )
)
def test_bar_widths_stay_in_the_chart_and_keep_the_order(values):
    chart = bar_chart(id="c", title="t", data=[Datum(str(v), v) for v in values], value_label="v")
    widths = [row.width for row in chart.rows]
    assert all(Decimal(0) <= width <= 100 for width in widths)
    for (a, width_a), (b, width_b) in zip(
        zip(values, widths, strict=True), zip(values[1:], widths[1:], strict=True), strict=False
    ):
        if a < b:
            assert width_a <= width_b
    if max(values) > 0:
        assert max(widths) == 100
    else:
        assert chart.is_empty


# --- bar charts -----------------------------------------------------------------------------


def test_bar_chart_scales_to_the_largest_value_and_stacks_rows():
    chart = bar_chart(
        id="pipeline",
        title="Pipeline",
        data=[
            Datum("Prospecting", Decimal("2000.00"), Decimal("200.00"), url="/p/", count=1200),
            Datum("Proposal", Decimal("8000.00"), Decimal("4000.00")),
            Datum("Negotiation", Decimal("0"), Decimal("0")),
        ],
        value_label="Expected amount",
        secondary_label="Weighted",
        format_value=money_formatter("EUR", 0),
        format_exact=money_formatter("EUR"),
    )
    first, second, third = chart.rows
    assert (first.width, second.width, third.width) == (Decimal(25), Decimal(100), Decimal(0))
    # The weighted series shares the scale of the totals.
    assert (first.secondary_width, second.secondary_width) == (Decimal("2.5"), Decimal(50))
    assert first.value_text == "2,000 EUR"
    assert first.exact_text == "2,000.00 EUR"
    assert first.secondary_text == "200 EUR"
    assert [row.top for row in chart.rows] == [0, chart.row_height, 2 * chart.row_height]
    assert chart.height == 3 * chart.row_height
    assert chart.has_secondary and not chart.is_empty
    assert first.url == "/p/"
    assert (first.count_text, second.count_text) == ("1,200", "")
    assert "Proposal: 8,000 EUR (Weighted 4,000 EUR)" in chart.description


@pytest.mark.parametrize("data", [[], [Datum("A", 0), Datum("B", Decimal("0.00"))]])
def test_bar_chart_without_data_is_empty(data):
    chart = bar_chart(id="c", title="t", data=data, value_label="v", empty_text="Nothing yet.")
    assert chart.is_empty
    assert chart.empty_text == "Nothing yet."
    html = render_to_string(chart.template, {"chart": chart})
    assert "Nothing yet." in html
    assert "<svg" not in html


def test_long_labels_are_shortened_in_the_chart_but_whole_in_the_table():
    label = "A stage with a name far too long for one line of a phone"
    chart = bar_chart(id="c", title="t", data=[Datum(label, 1, url="/x/")], value_label="v")
    assert chart.rows[0].short_label.endswith("…")
    assert len(chart.rows[0].short_label) <= 26
    html = render_to_string(chart.template, {"chart": chart})
    assert f">{label}</a>" in html  # the table's link
    assert f'title="{label}"' in html  # the row link's tooltip


class _Svg(HTMLParser):
    def __init__(self):
        super().__init__()
        self.svgs = []
        self.links = []
        self.texts = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "svg" and attrs.get("role") == "img":
            self.svgs.append(attrs)
        if tag == "a":
            self.links.append(attrs)

    def handle_data(self, data):
        if data.strip():
            self.texts.append(data.strip())


def test_bar_chart_renders_an_accessible_svg_and_a_table():
    chart = bar_chart(
        id="chart-x",
        title="Open pipeline",
        data=[Datum("Proposal", 10, url="/o/?stage=1"), Datum("Won", 5)],
        value_label="Amount",
        label_header="Stage",
    )
    html = render_to_string(chart.template, {"chart": chart, "link_hint": "list them"})
    parsed = _Svg()
    parsed.feed(html)
    (svg,) = parsed.svgs
    assert svg["aria-labelledby"] == "chart-x-title"
    assert svg["aria-describedby"] == "chart-x-desc"
    assert svg["width"] == "100%"
    assert '<title id="chart-x-title">Open pipeline</title>' in html
    assert '<desc id="chart-x-desc">Proposal: 10; Won: 5.</desc>' in html
    assert "<table" in html and '<th scope="col">Stage</th>' in html
    # Only rows with a url get a link: one laid over the bar, one in the table.
    assert [link["href"] for link in parsed.links] == ["/o/?stage=1", "/o/?stage=1"]
    assert "Proposal: 10 (list them)" in html


def test_labels_are_escaped_everywhere():
    evil = '<script>alert("x")</script>'
    charts = [
        bar_chart(id="b", title=evil, data=[Datum(evil, 3, url="/?q=<b>")], value_label=evil),
        funnel_chart(id="f", title=evil, stages=[FunnelStage(evil, 3), FunnelStage("b", 1)]),
        stacked_bar_chart(
            id="s",
            title=evil,
            series=[Series("a", evil)],
            data=[StackedDatum(evil, [2])],
            label_header=evil,
        ),
    ]
    for chart in charts:
        html = render_to_string(chart.template, {"chart": chart})
        assert "<script>" not in html
        assert "&lt;script&gt;" in html
        assert "?q=<b>" not in html


def test_svg_numbers_are_not_localized():
    """A German decimal comma in width="42,5%" would break the drawing."""
    chart = bar_chart(id="c", title="t", data=[Datum("a", 85), Datum("b", 200)], value_label="v")
    with translation.override("de"):
        html = render_to_string(chart.template, {"chart": chart})
    assert 'width="42.50%"' in html
    assert "42,5" not in html


# --- funnel ---------------------------------------------------------------------------------


def test_funnel_rates_between_steps():
    chart = funnel_chart(
        id="f",
        title="Funnel",
        stages=[
            FunnelStage("Leads", 40, "/l/"),
            FunnelStage("Opportunities", 10),
            FunnelStage("Customers", 4),
        ],
    )
    leads, opportunities, customers = chart.steps
    assert leads.rate is None and leads.width == 100 and leads.x == 0
    assert opportunities.rate == Decimal("25.0") and opportunities.rate_text == "25%"
    assert customers.rate == Decimal("40.0")
    assert opportunities.width == 25
    assert opportunities.x == Decimal("37.5")  # centred
    assert chart.overall_rate == Decimal("10.0")
    assert chart.overall_rate_text == "10%"
    assert len(chart.connectors) == 2
    connector = chart.connectors[0]
    assert connector.top == leads.bottom
    assert connector.points == f"0,0 100,0 62.5,{connector.height} 37.5,{connector.height}"
    assert connector.rate_text == "25%"
    assert "Opportunities: 10" in chart.description
    assert "25% of them became Opportunities" in chart.description


def test_funnel_with_zero_steps_has_no_rate_instead_of_a_division_error():
    chart = funnel_chart(
        id="f",
        title="Funnel",
        stages=[FunnelStage("Leads", 0), FunnelStage("Opportunities", 0), FunnelStage("C", 0)],
    )
    assert chart.is_empty
    assert [step.rate for step in chart.steps] == [None, None, None]
    assert chart.overall_rate is None and chart.overall_rate_text == "–"
    assert all(step.width == 0 for step in chart.steps)


def test_funnel_middle_zero_gives_a_dash_after_it():
    chart = funnel_chart(
        id="f",
        title="t",
        stages=[FunnelStage("Leads", 5), FunnelStage("Opportunities", 0), FunnelStage("C", 0)],
    )
    assert [step.rate_text for step in chart.steps] == ["–", "0%", "–"]
    assert not chart.is_empty


def test_a_later_step_larger_than_the_first_does_not_overflow():
    chart = funnel_chart(
        id="f", title="t", stages=[FunnelStage("Leads", 2), FunnelStage("Customers", 8)]
    )
    assert [step.width for step in chart.steps] == [Decimal(25), Decimal(100)]
    assert chart.steps[1].rate == Decimal("400.0")


def test_funnel_renders_counts_rates_and_a_table():
    chart = funnel_chart(
        id="chart-funnel",
        title="Sales funnel",
        stages=[FunnelStage("Leads", 1200, "/leads/"), FunnelStage("Opportunities", 300)],
    )
    html = render_to_string(chart.template, {"chart": chart})
    assert 'role="img"' in html
    assert "1,200" in html and "↓ 25% converted" in html
    assert 'preserveAspectRatio="none"' in html
    assert '<a href="/leads/">Leads</a>' in html


def test_empty_funnel_says_so():
    chart = funnel_chart(id="f", title="t", stages=[], empty_text="No leads.")
    assert chart.is_empty and chart.height == 0
    assert "No leads." in render_to_string(chart.template, {"chart": chart})


# --- stacked bars ---------------------------------------------------------------------------

OUTCOMES = [Series("won", "converted", 0), Series("open", "open", 1), Series("lost", "lost", 2)]


def test_stacked_segments_follow_each_other_without_gaps():
    chart = stacked_bar_chart(
        id="s",
        title="Sources",
        series=OUTCOMES,
        data=[StackedDatum("Web", [3, 0, 1], url="/w/"), StackedDatum("Fair", [1, 1, 6])],
    )
    web, fair = chart.rows
    assert (web.total, fair.total) == (4, 8)
    # Zero values draw no segment but keep their place in the words and the table.
    assert [segment.series.key for segment in web.segments] == ["won", "lost"]
    assert web.value_texts == ("3", "0", "1")
    assert web.breakdown == "3 converted · 0 open · 1 lost"
    assert [(s.x, s.width) for s in web.segments] == [
        (0, Decimal("37.5")),
        (Decimal("37.5"), Decimal("12.5")),
    ]
    assert [(s.x, s.width) for s in fair.segments] == [
        (0, Decimal("12.5")),
        (Decimal("12.5"), Decimal("12.5")),
        (Decimal(25), Decimal(75)),
    ]
    assert fair.segments[-1].x + fair.segments[-1].width == 100
    assert "Web: 4 (3 converted · 0 open · 1 lost)" in chart.description


def test_stacked_chart_checks_its_input():
    with pytest.raises(ValueError):
        stacked_bar_chart(id="s", title="t", series=OUTCOMES, data=[StackedDatum("a", [1, 2])])
    with pytest.raises(ValueError):
        stacked_bar_chart(id="s", title="t", series=OUTCOMES, data=[StackedDatum("a", [1, -1, 0])])


def test_stacked_chart_without_data_is_empty():
    empty = stacked_bar_chart(
        id="s", title="t", series=OUTCOMES, data=[StackedDatum("a", [0, 0, 0])]
    )
    assert empty.is_empty
    assert stacked_bar_chart(id="s", title="t", series=OUTCOMES, data=[]).is_empty


def test_stacked_chart_renders_a_legend_patterns_and_a_table():
    chart = stacked_bar_chart(
        id="chart-sources",
        title="Sources",
        series=OUTCOMES,
        data=[StackedDatum("Web", [3, 2, 1], url="/w/")],
        label_header="Source",
        total_label="Leads",
    )
    html = render_to_string(chart.template, {"chart": chart})
    assert 'fill="url(#chart-sources-hatch)"' in html
    assert '<pattern id="chart-sources-hatch"' in html
    assert "3 converted · 2 open · 1 lost" in html
    assert '<th scope="col" class="num">Converted</th>' in html
    assert '<a href="/w/">Web</a>' in html


def test_every_chart_places_its_row_links_with_a_stylesheet_class():
    """Row links sit over the rows by a pitch class (no inline style: CSP forbids it); a chart
    whose pitch has no rule in app.css would stack every link at the top."""
    from pathlib import Path

    import crm

    css = (Path(crm.__file__).parent / "static" / "crm" / "app.css").read_text()
    charts = [
        bar_chart(id="a", title="A", data=[Datum("x", 1, url="/x/")], value_label="V"),
        bar_chart(
            id="b",
            title="B",
            data=[Datum("x", 1, 1, url="/x/")],
            value_label="V",
            secondary_label="S",
        ),
        funnel_chart(id="f", title="F", stages=[FunnelStage("Leads", 3, url="/l/")]),
        stacked_bar_chart(
            id="s",
            title="S",
            series=[Series("a", "A", style=0)],
            data=[StackedDatum("x", (1,), url="/x/")],
        ),
    ]
    for chart in charts:
        assert (
            f".chart-links.pitch-{chart.link_pitch} li {{ height: {chart.link_pitch}px; }}" in css
        )
        html = render_to_string(chart.template, {"chart": chart})
        assert f'class="chart-links pitch-{chart.link_pitch}"' in html
        assert "style=" not in html
