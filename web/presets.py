"""Dates people use (#26): the presets beside the date fields, and "2 jam lalu".

Presets ("24 jam", "7 hari", "30 hari", "tahun ini") count back from *now*
(Jakarta time), not from the newest article in the index: "7 hari" means the
last seven days of the calendar everywhere else, and an archive's "last seven
days" labelled like that would mislead. So that they never lead to an empty
page, a preset is shown only when the index holds an article published inside
its window (the newest article's date is read once per index generation): on
a live index that fetches every 15 minutes all four show; on an archive such
as CLICK-ID 2019 none does, and the date fields and the timeline remain.

Relative times: a hit published less than 7 days ago shows "baru saja",
"12 menit lalu", "2 jam lalu", "kemarin" or "3 hari lalu" (an article known
only by its date, at midnight, by days only), with the full date in its
tooltip; older ones show the date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from flask import current_app

from web.formatting import format_date

WIB = timezone(timedelta(hours=7))
RECENT_DAYS = 7  # relative times for hits younger than this


@dataclass(frozen=True)
class Preset:
    label: str
    since: str  # the since parameter: a date, or a date and time for "24 jam"
    active: bool  # the search's since is this preset's


def now() -> datetime:
    """Now in Jakarta time, naive as stored dates are (``NOW`` in the app's config, for
    tests and demonstrations, overrides the clock)."""
    fixed = current_app.config.get("NOW")
    if fixed is not None:
        return fixed
    return datetime.now(WIB).replace(tzinfo=None)


def windows(moment: datetime) -> list[tuple[str, str, datetime]]:
    """``(label, since parameter, start)`` of each preset at ``moment``."""
    day = moment.date()
    start_24 = (moment - timedelta(hours=24)).replace(second=0, microsecond=0)
    out = [("24 jam", start_24.strftime("%Y-%m-%dT%H:%M"), start_24)]
    for days in (7, 30):
        first = day - timedelta(days=days - 1)
        out.append(
            (f"{days} hari", first.isoformat(), datetime.combine(first, datetime.min.time()))
        )
    first_of_year = date(day.year, 1, 1)
    out.append(
        (
            "tahun ini",
            first_of_year.isoformat(),
            datetime.combine(first_of_year, datetime.min.time()),
        )
    )
    return out


def presets(newest: datetime | None, since: str, moment: datetime | None = None) -> list[Preset]:
    """The presets worth showing: those whose window holds the newest article."""
    moment = moment or now()
    if newest is None:
        return []
    return [
        Preset(label, value, since == value)
        for label, value, start in windows(moment)
        if start <= newest
    ]


def relative(moment: datetime | None, reference: datetime | None = None) -> str:
    """ "2 jam lalu" for a recent moment, else the date (``14 Jun 2023``)."""
    if moment is None:
        return ""
    reference = reference or now()
    age = reference - moment
    if age < timedelta(0) or age >= timedelta(days=RECENT_DAYS):
        return format_date(moment)
    date_only = (moment.hour, moment.minute, moment.second) == (0, 0, 0)
    days = (reference.date() - moment.date()).days
    if date_only or age >= timedelta(hours=24):
        return "hari ini" if days == 0 else "kemarin" if days == 1 else f"{days} hari lalu"
    if age < timedelta(minutes=1):
        return "baru saja"
    if age < timedelta(hours=1):
        return f"{age.seconds // 60} menit lalu"
    return f"{age.seconds // 3600} jam lalu"
