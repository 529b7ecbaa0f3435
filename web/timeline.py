"""The timeline above the results: matches per month or day, as SVG bars.

The library's histogram lists only buckets that have matches ("2019-09" or
"2019-09-10"); a timeline must show the quiet periods too, so the gaps are
filled with zero bars. Each bar carries its tooltip (an SVG ``<title>``) and
a link that narrows the search to that month or day. Geometry is computed
here, so the template only draws rectangles: no JavaScript, no chart library.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from web.formatting import MONTHS, MONTHS_SHORT, format_number

WIDTH = 600  # SVG user units; the SVG is stretched to the column width
HEIGHT = 64
GAP = 0.18  # fraction of a slot left empty between bars
MAX_BUCKETS = 400  # beyond this, the chart would be unreadable: no timeline


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    label: str  # "Juni 2023", "10 September 2019"
    title: str  # tooltip
    since: str  # the bucket's first day (ISO)
    until: str  # the bucket's last day (ISO)


@dataclass(frozen=True)
class Timeline:
    bars: list[Bar]
    by_month: bool
    first_label: str
    last_label: str
    peak: Bar

    @property
    def width(self) -> int:
        return WIDTH

    @property
    def height(self) -> int:
        return HEIGHT


def build(histogram) -> Timeline | None:
    """A timeline from ``SearchResult.histogram``, or None if there is nothing to draw."""
    counts = {}
    for bucket in histogram:
        try:
            counts[_parse(bucket.value)] = bucket.count
        except ValueError:
            continue
    if not counts:
        return None
    by_month = all(len(bucket.value) == 7 for bucket in histogram)
    days = _span(min(counts), max(counts), by_month)
    if len(days) > MAX_BUCKETS:
        return None
    top = max(counts.values())
    slot = WIDTH / len(days)
    bars = []
    for i, start in enumerate(days):
        count = counts.get(start, 0)
        height = max(1.0, (HEIGHT - 2) * count / top) if count else 0.0
        end = _month_end(start) if by_month else start
        bars.append(
            Bar(
                x=round(i * slot + slot * GAP / 2, 2),
                y=round(HEIGHT - height, 2),
                width=round(slot * (1 - GAP), 2),
                height=round(height, 2),
                count=count,
                label=_label(start, by_month, long=True),
                title=f"{_label(start, by_month, long=True)}: {format_number(count)} berita",
                since=start.isoformat(),
                until=end.isoformat(),
            )
        )
    peak = max(bars, key=lambda bar: bar.count)
    return Timeline(bars, by_month, _label(days[0], by_month), _label(days[-1], by_month), peak)


def _parse(value: str) -> date:
    if len(value) == 7:
        return date.fromisoformat(value + "-01")
    return date.fromisoformat(value)


def _span(first: date, last: date, by_month: bool) -> list[date]:
    out = []
    current = first
    while current <= last and len(out) <= MAX_BUCKETS:
        out.append(current)
        if by_month:
            current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
        else:
            current += timedelta(days=1)
    return out


def _month_end(start: date) -> date:
    return start.replace(day=calendar.monthrange(start.year, start.month)[1])


def _label(day: date, by_month: bool, long: bool = False) -> str:
    months = MONTHS if long else MONTHS_SHORT
    if by_month:
        return f"{months[day.month - 1]} {day.year}"
    return f"{day.day} {months[day.month - 1]} {day.year}"
