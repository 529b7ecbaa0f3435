"""The timeline above the results: matches per month, week or day, as SVG bars.

The library's histogram lists only buckets that have matches ("2019-09",
"2019-W37" or "2019-09-10"; it chooses the bucket from the span of the
matches, so a month of news shows a bar a day); a timeline must show the
quiet periods too, so the gaps are filled with zero bars. Each bar carries
its tooltip (an SVG ``<title>``) and a link that narrows the search to that
month, week or day. Geometry is computed
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
    by_week: bool = False
    noun: str = "berita"  # what a bar counts: "berita" (articles) or "peristiwa" (stories)

    @property
    def unit(self) -> str:
        """ "bulan", "minggu" or "hari": what a bar counts."""
        return "bulan" if self.by_month else "pekan" if self.by_week else "hari"

    @property
    def width(self) -> int:
        return WIDTH

    @property
    def height(self) -> int:
        return HEIGHT


def build(histogram, noun: str = "berita") -> Timeline | None:
    """A timeline from ``SearchResult.histogram``, or None if there is nothing to draw;
    ``noun`` names what the histogram counts ("peristiwa" when a search is collapsed
    by story, #25)."""
    counts = {}
    for bucket in histogram:
        try:
            counts[_parse(bucket.value)] = bucket.count
        except ValueError:
            continue
    if not counts:
        return None
    kinds = {_kind(bucket.value) for bucket in histogram}
    kind = kinds.pop() if len(kinds) == 1 else "day"
    by_month = kind == "month"
    days = _span(min(counts), max(counts), kind)
    if len(days) > MAX_BUCKETS:
        return None
    top = max(counts.values())
    slot = WIDTH / len(days)
    bars = []
    for i, start in enumerate(days):
        count = counts.get(start, 0)
        height = max(1.0, (HEIGHT - 2) * count / top) if count else 0.0
        end = (
            _month_end(start)
            if kind == "month"
            else start + timedelta(days=6)
            if kind == "week"
            else start
        )
        bars.append(
            Bar(
                x=round(i * slot + slot * GAP / 2, 2),
                y=round(HEIGHT - height, 2),
                width=round(slot * (1 - GAP), 2),
                height=round(height, 2),
                count=count,
                label=_label(start, kind, long=True),
                title=f"{_label(start, kind, long=True)}: {format_number(count)} {noun}",
                since=start.isoformat(),
                until=end.isoformat(),
            )
        )
    peak = max(bars, key=lambda bar: bar.count)
    return Timeline(
        bars,
        by_month,
        _label(days[0], kind),
        _label(days[-1], kind),
        peak,
        by_week=kind == "week",
        noun=noun,
    )


def _kind(value: str) -> str:
    return "month" if len(value) == 7 else "week" if "W" in value else "day"


def _parse(value: str) -> date:
    if len(value) == 7:
        return date.fromisoformat(value + "-01")
    if "W" in value:  # an ISO week: its Monday
        year, _, week = value.partition("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    return date.fromisoformat(value)


def _span(first: date, last: date, kind: str) -> list[date]:
    out = []
    current = first
    while current <= last and len(out) <= MAX_BUCKETS:
        out.append(current)
        if kind == "month":
            current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
        else:
            current += timedelta(days=7 if kind == "week" else 1)
    return out


def _month_end(start: date) -> date:
    return start.replace(day=calendar.monthrange(start.year, start.month)[1])


def _label(day: date, kind: str, long: bool = False) -> str:
    months = MONTHS if long else MONTHS_SHORT
    if kind == "month":
        return f"{months[day.month - 1]} {day.year}"
    text = f"{day.day} {months[day.month - 1]} {day.year}"
    return f"pekan {text}" if kind == "week" and long else text
