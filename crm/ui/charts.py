"""Charts drawn by the server: data in, geometry out; templates in ``crm/templates/crm/charts/``
turn the geometry into SVG.

No chart library and no JavaScript. Each function here is pure: it takes labels and numbers
(``Decimal`` or ``int``, never float) and returns a frozen dataclass that says where every bar
goes and what every piece of text reads. The templates only place it, and autoescape the labels.

Geometry: horizontal positions are percentages of the chart's width, vertical ones pixels. The
SVG has ``width="100%"`` and a pixel height, so a chart fills a 390 px phone or a wide card alike
and its text keeps a readable size; a viewBox would shrink the labels with the chart. Shapes that
must stretch (the funnel's connectors) sit in a nested SVG whose viewBox is 100 wide and does not
keep its aspect ratio.

Every chart template draws an ``<svg role="img">`` named by its ``<title>`` and described by its
``<desc>``, then the same numbers as a table under "Show the numbers"; rows with a ``url`` get a
link laid over them (``_row_links.html``), since an image may not contain links. Nothing is told
by colour alone: each bar carries its numbers as text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.money import minor_units

Number = Decimal | int
Formatter = Callable[[Decimal], str]

HUNDRED = Decimal(100)
# A value above zero never draws thinner than this (percent of the width): a sliver says
# "something", no bar says "nothing".
MIN_VISIBLE_WIDTH = Decimal("0.8")
LABEL_CHARS = 26

# Row layouts, in pixels.
BAR_ROW = 56  # label line, bar, gap
BAR_LABEL_Y = 16  # text baseline from the row's top
BAR_Y = 24
BAR_HEIGHT = 20
FUNNEL_ROW = 56  # label line and bar; FUNNEL_BAR_HEIGHT tall bars
FUNNEL_BAR_HEIGHT = 32
FUNNEL_CONNECTOR = 36
STACKED_ROW = 72


def _decimal(value: Number | None) -> Decimal:
    if value is None:
        return Decimal(0)
    if isinstance(value, float):
        raise TypeError("charts take Decimal or int, not float")
    return Decimal(value)


def format_number(value: Number, places: int = 0) -> str:
    """``12345.6`` -> ``"12,346"``: rounded half up, grouped in the active locale's style."""
    quantum = Decimal(1).scaleb(-places)
    rounded = _decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    return number_format(rounded, places, use_l10n=True, force_grouping=True)


def format_money(amount: Number, currency: str, places: int = 2) -> str:
    """``format_money(Decimal("1234.5"), "EUR")`` -> ``"1,234.50 EUR"`` (as the lists show it);
    never more places than the currency has (rupiah: none)."""
    return f"{format_number(amount, min(places, minor_units(currency)))} {currency}"


def money_formatter(currency: str, places: int = 2) -> Formatter:
    return lambda amount: format_money(amount, currency, places)


def percent(part: Number, whole: Number) -> Decimal | None:
    """``part`` as a percentage of ``whole``, one decimal place; None when ``whole`` is zero."""
    whole = _decimal(whole)
    if whole == 0:
        return None
    return (_decimal(part) * HUNDRED / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def format_percent(value: Decimal | None) -> str:
    """``Decimal("33.3")`` -> ``"33.3%"``; whole numbers lose their ``.0``; None is a dash."""
    if value is None:
        return "–"
    places = 0 if value == value.to_integral_value() else 1
    return _("%(value)s%%") % {"value": format_number(value, places)}


def scale(value: Number, maximum: Number) -> Decimal:
    """The width of ``value`` in percent of a chart whose longest bar is ``maximum``."""
    value, maximum = _decimal(value), _decimal(maximum)
    if value <= 0 or maximum <= 0:
        return Decimal(0)
    width = min(value * HUNDRED / maximum, HUNDRED)
    return max(width, MIN_VISIBLE_WIDTH).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def short_label(label: str, chars: int = LABEL_CHARS) -> str:
    return Truncator(str(label)).chars(chars)


def _summary(parts: Sequence[str], limit: int = 12) -> str:
    shown = list(parts[:limit])
    if len(parts) > limit:
        shown.append(_("and %(count)s more") % {"count": len(parts) - limit})
    return "; ".join(shown) + "."


# --- horizontal bars ------------------------------------------------------------------------


@dataclass(frozen=True)
class Datum:
    """One row of input: a label, its value, optionally a second value (the weighted amount
    next to the total) and the page that lists what the row counts."""

    label: str
    value: Number
    secondary: Number | None = None
    url: str = ""
    note: str = ""  # extra words under the bar, e.g. "4 opportunities"
    count: int | None = None  # what the table's count column shows (see count_label)


@dataclass(frozen=True)
class BarRow:
    label: str
    short_label: str
    value: Decimal
    value_text: str
    width: Decimal
    secondary: Decimal | None
    secondary_text: str
    secondary_width: Decimal
    url: str
    note: str
    top: int
    # The table's texts: exact (cents) where the chart rounds.
    exact_text: str = ""
    secondary_exact_text: str = ""
    count_text: str = ""

    @property
    def label_y(self) -> int:
        return self.top + BAR_LABEL_Y

    @property
    def bar_y(self) -> int:
        return self.top + BAR_Y

    @property
    def inner_y(self) -> int:
        """The second series is a narrower bar drawn inside the first."""
        return self.top + BAR_Y + BAR_HEIGHT // 4

    @property
    def detail_y(self) -> int:
        return self.top + BAR_Y + BAR_HEIGHT + 14


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str
    rows: tuple[BarRow, ...]
    value_label: str
    secondary_label: str
    label_header: str
    count_label: str
    empty_text: str
    row_height: int
    bar_height: int = BAR_HEIGHT
    kind: str = "bar"
    template: str = "crm/charts/bar.html"

    @property
    def is_empty(self) -> bool:
        return not any(row.value or row.secondary for row in self.rows)

    @property
    def has_secondary(self) -> bool:
        return any(row.secondary is not None for row in self.rows)

    @property
    def height(self) -> int:
        return self.row_height * len(self.rows)

    @property
    def link_pitch(self) -> int:
        """Pixels from one row's link to the next (a CSS class: no inline style under CSP)."""
        return self.row_height

    @property
    def inner_height(self) -> int:
        return self.bar_height // 2


def bar_chart(
    *,
    id: str,
    title: str,
    data: Sequence[Datum],
    value_label: str,
    secondary_label: str = "",
    label_header: str = "",
    count_label: str = "",
    format_value: Formatter = format_number,
    format_exact: Formatter | None = None,
    empty_text: str = "",
) -> BarChart:
    """Horizontal bars, longest = full width, in the order given.

    With a second series (``Datum.secondary``, e.g. the weighted amount) each row draws the total
    as an outlined bar and the second value as a solid bar inside it, on the same scale.
    ``format_value`` writes the chart's numbers, ``format_exact`` the table's (default: the same).
    """
    format_exact = format_exact or format_value
    values = [_decimal(d.value) for d in data]
    secondaries = [None if d.secondary is None else _decimal(d.secondary) for d in data]
    maximum = max([*values, *(s for s in secondaries if s is not None)], default=Decimal(0))
    has_secondary = any(s is not None for s in secondaries)
    row_height = BAR_ROW + (16 if has_secondary or any(d.note for d in data) else 0)
    rows = []
    for index, (datum, value, secondary) in enumerate(zip(data, values, secondaries, strict=True)):
        rows.append(
            BarRow(
                label=str(datum.label),
                short_label=short_label(datum.label),
                value=value,
                value_text=format_value(value),
                width=scale(value, maximum),
                secondary=secondary,
                secondary_text="" if secondary is None else format_value(secondary),
                secondary_width=scale(secondary or 0, maximum),
                url=datum.url,
                note=str(datum.note),
                top=index * row_height,
                exact_text=format_exact(value),
                secondary_exact_text="" if secondary is None else format_exact(secondary),
                count_text="" if datum.count is None else format_number(datum.count),
            )
        )
    description = _summary(
        [
            f"{row.label}: {row.value_text}"
            + (f" ({secondary_label} {row.secondary_text})" if row.secondary is not None else "")
            for row in rows
        ]
    )
    return BarChart(
        id=id,
        title=str(title),
        description=description,
        rows=tuple(rows),
        value_label=str(value_label),
        secondary_label=str(secondary_label),
        label_header=str(label_header),
        count_label=str(count_label),
        empty_text=str(empty_text or gettext_lazy("Nothing to show for this period yet.")),
        row_height=row_height,
    )


# --- funnel ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelStage:
    """One step of input: what is counted, how many, and where to see them."""

    label: str
    count: int
    url: str = ""


@dataclass(frozen=True)
class FunnelStep:
    label: str
    short_label: str
    count: int
    count_text: str
    width: Decimal
    # Conversion from the step before (None for the first step, or when the step before is 0).
    rate: Decimal | None
    rate_text: str
    url: str
    top: int

    @property
    def value_text(self) -> str:
        return self.count_text

    @property
    def x(self) -> Decimal:
        """Bars are centred: a funnel, not a bar chart."""
        return (HUNDRED - self.width) / 2

    @property
    def label_y(self) -> int:
        return self.top + BAR_LABEL_Y

    @property
    def bar_y(self) -> int:
        return self.top + BAR_Y

    @property
    def bottom(self) -> int:
        return self.top + BAR_Y + FUNNEL_BAR_HEIGHT


@dataclass(frozen=True)
class FunnelConnector:
    """The band under a step, narrowing to the next step's width, with the conversion rate."""

    top: int
    height: int
    points: str  # in a 100 × height viewBox that stretches to the chart's width
    rate_text: str

    @property
    def text_y(self) -> int:
        return self.top + self.height // 2 + 5


@dataclass(frozen=True)
class FunnelChart:
    id: str
    title: str
    description: str
    steps: tuple[FunnelStep, ...]
    connectors: tuple[FunnelConnector, ...]
    overall_rate: Decimal | None
    overall_rate_text: str
    empty_text: str
    bar_height: int = FUNNEL_BAR_HEIGHT
    row_height: int = FUNNEL_ROW
    kind: str = "funnel"
    template: str = "crm/charts/funnel.html"

    @property
    def is_empty(self) -> bool:
        return not self.steps or self.steps[0].count == 0

    @property
    def height(self) -> int:
        return self.steps[-1].bottom if self.steps else 0

    @property
    def link_pitch(self) -> int:
        return FUNNEL_ROW + FUNNEL_CONNECTOR


def funnel_chart(
    *, id: str, title: str, stages: Sequence[FunnelStage], empty_text: str = ""
) -> FunnelChart:
    """Steps from the widest (leads) down, each with the share of the step before it.

    Widths are relative to the largest count, so a later step that is larger (it counts
    something the first step does not) cannot overflow the chart.
    """
    maximum = max((stage.count for stage in stages), default=0)
    steps: list[FunnelStep] = []
    for index, stage in enumerate(stages):
        previous = steps[-1] if steps else None
        rate = None if previous is None else percent(stage.count, previous.count)
        steps.append(
            FunnelStep(
                label=str(stage.label),
                short_label=short_label(stage.label),
                count=stage.count,
                count_text=format_number(stage.count),
                width=scale(stage.count, maximum),
                rate=rate,
                rate_text=format_percent(rate),
                url=stage.url,
                top=index * (FUNNEL_ROW + FUNNEL_CONNECTOR),
            )
        )
    connectors = tuple(
        _connector(upper, lower) for upper, lower in zip(steps, steps[1:], strict=False)
    )
    overall = percent(steps[-1].count, steps[0].count) if len(steps) > 1 else None
    parts = [f"{step.label}: {step.count_text}" for step in steps]
    parts += [
        _("%(rate)s of them became %(label)s") % {"rate": step.rate_text, "label": step.label}
        for step in steps[1:]
    ]
    return FunnelChart(
        id=id,
        title=str(title),
        description=_summary(parts),
        steps=tuple(steps),
        connectors=connectors,
        overall_rate=overall,
        overall_rate_text=format_percent(overall),
        empty_text=str(empty_text or gettext_lazy("Nothing to show for this period yet.")),
    )


def _svg_number(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def _connector(upper: FunnelStep, lower: FunnelStep) -> FunnelConnector:
    height = lower.top - upper.bottom
    points = " ".join(
        [
            f"{_svg_number(upper.x)},0",
            f"{_svg_number(upper.x + upper.width)},0",
            f"{_svg_number(lower.x + lower.width)},{height}",
            f"{_svg_number(lower.x)},{height}",
        ]
    )
    return FunnelConnector(
        top=upper.bottom, height=height, points=points, rate_text=lower.rate_text
    )


# --- stacked bars ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """One kind of segment in a stacked bar; ``style`` picks its fill (see app.css)."""

    key: str
    label: str
    style: int = 0  # 0..3: solid blue, solid teal, hatched amber, solid grey


@dataclass(frozen=True)
class StackedDatum:
    label: str
    values: Sequence[Number]  # one per series, in the series' order
    url: str = ""


@dataclass(frozen=True)
class Segment:
    series: Series
    value: Decimal
    value_text: str
    x: Decimal
    width: Decimal


@dataclass(frozen=True)
class StackedRow:
    label: str
    short_label: str
    total: Decimal
    total_text: str
    value_texts: tuple[str, ...]  # one per series, zeros included (the table's cells)
    segments: tuple[Segment, ...]
    breakdown: str  # the segments as words: "5 converted · 4 open · 3 lost"
    url: str
    top: int

    @property
    def value_text(self) -> str:
        return self.total_text

    @property
    def label_y(self) -> int:
        return self.top + BAR_LABEL_Y

    @property
    def bar_y(self) -> int:
        return self.top + BAR_Y

    @property
    def detail_y(self) -> int:
        return self.top + BAR_Y + BAR_HEIGHT + 16


@dataclass(frozen=True)
class StackedChart:
    id: str
    title: str
    description: str
    series: tuple[Series, ...]
    rows: tuple[StackedRow, ...]
    label_header: str
    total_label: str
    empty_text: str
    row_height: int = STACKED_ROW
    bar_height: int = BAR_HEIGHT
    kind: str = "stacked"
    template: str = "crm/charts/stacked.html"

    @property
    def is_empty(self) -> bool:
        return not any(row.total for row in self.rows)

    @property
    def height(self) -> int:
        return self.row_height * len(self.rows)

    @property
    def link_pitch(self) -> int:
        return self.row_height


def stacked_bar_chart(
    *,
    id: str,
    title: str,
    series: Sequence[Series],
    data: Sequence[StackedDatum],
    label_header: str = "",
    total_label: str = "",
    format_value: Formatter = format_number,
    empty_text: str = "",
) -> StackedChart:
    """One bar per row, split into the series' segments; the longest total is the full width."""
    totals = []
    for datum in data:
        if len(datum.values) != len(series):
            raise ValueError(f"{datum.label!r} has {len(datum.values)} values for {len(series)}")
        values = [_decimal(v) for v in datum.values]
        if any(v < 0 for v in values):
            raise ValueError("stacked bars cannot show negative values")
        totals.append(sum(values, Decimal(0)))
    maximum = max(totals, default=Decimal(0))
    rows = []
    for index, (datum, total) in enumerate(zip(data, totals, strict=True)):
        segments = []
        running = Decimal(0)
        for kind, raw in zip(series, datum.values, strict=True):
            value = _decimal(raw)
            # Positions come from the running total, so rounding never leaves gaps or overlaps.
            x = scale(running, maximum) if running else Decimal(0)
            running += value
            end = scale(running, maximum) if running else Decimal(0)
            if value:
                segments.append(
                    Segment(
                        series=kind,
                        value=value,
                        value_text=format_value(value),
                        x=x,
                        width=end - x,
                    )
                )
        value_texts = tuple(format_value(_decimal(raw)) for raw in datum.values)
        breakdown = " · ".join(
            f"{text} {kind.label}" for kind, text in zip(series, value_texts, strict=True)
        )
        rows.append(
            StackedRow(
                label=str(datum.label),
                short_label=short_label(datum.label),
                total=total,
                total_text=format_value(total),
                value_texts=value_texts,
                segments=tuple(segments),
                breakdown=breakdown,
                url=datum.url,
                top=index * STACKED_ROW,
            )
        )
    return StackedChart(
        id=id,
        title=str(title),
        description=_summary([f"{row.label}: {row.total_text} ({row.breakdown})" for row in rows]),
        series=tuple(series),
        rows=tuple(rows),
        label_header=str(label_header),
        total_label=str(total_label),
        empty_text=str(empty_text or gettext_lazy("Nothing to show for this period yet.")),
    )
