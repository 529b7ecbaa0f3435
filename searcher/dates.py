"""Parsing publication dates as Indonesian news sites write them.

Accepted (case-insensitive, day names and "pukul" optional):

* ISO 8601: ``2019-09-10``, ``2019-09-10T13:30:00+07:00``, ``2019-09-10 13:30``
* numeric day/month/year: ``Selasa (10/9/2019)``, ``10/09/2019 13:30 WIB``, ``10-9-2019``
* month names, Indonesian or English, full or short:
  ``10 September 2019``, ``Selasa, 10 Sep 2019 | 13:30 WIB``, ``10 Agustus 2019 pukul 08.15``

Times may use ``:`` or ``.`` and carry a zone (WIB, WITA, WIT, GMT+7, Z,
+07:00). All dates are returned as naive datetimes in Jakarta time (WIB),
the wall clock Indonesian readers expect; a date without a time is midnight.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

WIB = timezone(timedelta(hours=7))
_ZONES = {"wib": 7, "wita": 8, "wit": 9, "utc": 0, "gmt": 0, "z": 0}

MONTHS = {
    "januari": 1, "jan": 1, "january": 1,
    "februari": 2, "feb": 2, "pebruari": 2, "february": 2,
    "maret": 3, "mar": 3, "march": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "agustus": 8, "agu": 8, "agt": 8, "ags": 8, "aug": 8, "august": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "oct": 10, "october": 10,
    "november": 11, "nov": 11, "nop": 11, "nopember": 11,
    "desember": 12, "des": 12, "dec": 12, "december": 12,
}  # fmt: skip

_TIME = (
    r"(?:\s*(?:[|,]|\bpukul\b|\bjam\b|t)?\s*"
    r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?:[:.](?P<second>\d{2})(?:\.\d+)?)?)?"
    r"\s*(?P<zone>wib|wita|wit|utc|gmt|z|[+-]\d{2}:?\d{2}|gmt\s*[+-]\s*\d{1,2})?"
)
# re.ASCII: \d is 0-9 only (int() would accept other scripts' digits, datetime not).
_ISO = re.compile(rf"(?P<year>\d{{4}})-(?P<month>\d{{1,2}})-(?P<day>\d{{1,2}}){_TIME}$", re.ASCII)
_NUMERIC = re.compile(
    rf"(?P<day>\d{{1,2}})[/-](?P<month>\d{{1,2}})[/-](?P<year>\d{{4}}|\d{{2}})\)?{_TIME}$",
    re.ASCII,
)
_NAMED = re.compile(
    rf"(?P<day>\d{{1,2}})\s+(?P<month>[a-z]+)\.?,?\s+(?P<year>\d{{4}}){_TIME}$", re.ASCII
)
_DAY_NAME = re.compile(
    r"^(?:senin|selasa|rabu|kamis|jum'?at|sabtu|minggu|ahad|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b[\s,(]*"
)
_TIME_ONLY = re.compile(rf"^{_TIME}$", re.ASCII)
# Years a news date can have; also keeps datetime arithmetic away from year 1 and 9999.
MIN_YEAR, MAX_YEAR = 1800, 2200


class DateError(ValueError):
    """A date string we cannot read."""


def parse_date(text: str, time_text: str = "") -> datetime | None:
    """Parse ``text`` (and an optional separate time such as "13:30 WIB").

    Returns ``None`` for an empty value (or "-"), raises :class:`DateError`
    for anything else that is not a recognisable date.
    """
    value = " ".join(str(text).split()).strip().lower()
    if value in ("", "-", "null", "none"):
        return None
    value = _DAY_NAME.sub("", value).strip().strip("()").strip()
    for pattern in (_ISO, _NUMERIC, _NAMED):
        match = pattern.match(value)
        if match:
            break
    else:
        raise DateError(f"unrecognised date {text!r}")
    parts = match.groupdict()
    month = parts["month"]
    month_number = MONTHS.get(month) if not month.isdigit() else int(month)
    if month_number is None:
        raise DateError(f"unknown month {month!r} in {text!r}")
    year = int(parts["year"])
    if year < 100:
        year += 2000
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DateError(f"year out of range ({MIN_YEAR}-{MAX_YEAR}) in {text!r}")
    try:
        moment = datetime(year, month_number, int(parts["day"]))
    except ValueError as error:
        raise DateError(f"impossible date {text!r} ({error})") from None
    if not parts["hour"] and time_text:
        extra = _TIME_ONLY.match(" ".join(str(time_text).split()).lower())
        if extra and extra.group("hour"):
            parts = {**parts, **{k: v for k, v in extra.groupdict().items() if v}}
    if parts["hour"]:
        hour, minute = int(parts["hour"]), int(parts["minute"])
        second = int(parts["second"] or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise DateError(f"impossible time in {text!r}")
        moment = moment.replace(hour=hour, minute=minute, second=second)
    zone = _zone(parts.get("zone"))
    if zone is not None:
        moment = moment.replace(tzinfo=zone).astimezone(WIB).replace(tzinfo=None)
    return moment


def _zone(text: str | None) -> timezone | None:
    if not text:
        return None
    text = text.replace(" ", "")
    if text in _ZONES:
        return timezone(timedelta(hours=_ZONES[text]))
    match = re.fullmatch(r"(?:gmt)?([+-])(\d{1,2}):?(\d{2})?", text)
    if not match:
        return None
    sign = -1 if match.group(1) == "-" else 1
    delta = timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0))
    return timezone(sign * delta)


def parse_user_date(text: str, *, end: bool = False) -> datetime:
    """A date from a user (CLI/web filter): ISO or Indonesian; year or year-month too.

    With ``end=True`` a bare day, month or year means its last moment, so
    ``--until 2019-09`` includes all of September.
    """
    value = text.strip()
    partial = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?", value, re.ASCII)
    if partial:
        year, month = int(partial.group(1)), int(partial.group(2) or 0)
        if month > 12:
            raise DateError(f"impossible month in {text!r}")
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise DateError(f"year out of range ({MIN_YEAR}-{MAX_YEAR}) in {text!r}")
        if not end:
            return datetime(year, month or 1, 1)
        if month == 0:
            return datetime(year + 1, 1, 1) - timedelta(microseconds=1)
        first_next = datetime(year + (month == 12), month % 12 + 1, 1)
        return first_next - timedelta(microseconds=1)
    moment = parse_date(value)
    if moment is None:
        raise DateError(f"empty date {text!r}")
    if end and moment.time() == datetime.min.time():
        moment += timedelta(days=1) - timedelta(microseconds=1)
    return moment


# Dates written inside an article's text: "10 September 2019", "(10/9/2019)", and the
# day-and-month "(8/5)" that news uses for recent days, read with a year the text gives.
_NAMED_IN_TEXT = re.compile(r"\b(\d{1,2})\s+([A-Za-z]{3,9})\.?,?\s+((?:19|20)\d\d)\b", re.ASCII)
_NUMERIC_IN_TEXT = re.compile(r"\((\d{1,2})/(\d{1,2})/((?:19|20)\d\d)\)", re.ASCII)
_DAY_MONTH_IN_TEXT = re.compile(r"\((\d{1,2})/(\d{1,2})\)", re.ASCII)
_YEAR_IN_TEXT = re.compile(r"(?:\u00a9|copyright)\D{0,40}?((?:19|20)\d\d)\b", re.IGNORECASE)
TEXT_SCAN_CHARS = 20_000  # how much of a text is searched for dates


def date_in_text(text: str) -> datetime | None:
    """The latest date an article's text states, as its publication date (None: none).

    A news text names its own day or earlier ones ("Senin (8/5)", "pada 10 September
    2019"), so the latest stated day is the nearest to publication. Full dates come
    first; a day and month without a year ("(8/5)") count only when the text states
    its year (a copyright line, "\u00a9 ANTARA 2023") or a full date elsewhere.
    """
    scanned = text[:TEXT_SCAN_CHARS]
    found: list[datetime] = []
    for day, month, year in _NAMED_IN_TEXT.findall(scanned):
        number = MONTHS.get(month.lower())
        if number is not None:
            found.append(_date_or_none(int(year), number, int(day)))
    found += [
        _date_or_none(int(y), int(m), int(d)) for d, m, y in _NUMERIC_IN_TEXT.findall(scanned)
    ]
    found = [moment for moment in found if moment is not None]
    years = [int(y) for y in _YEAR_IN_TEXT.findall(scanned)] or [m.year for m in found]
    if years:
        year = max(years)
        found += [
            moment
            for d, m in _DAY_MONTH_IN_TEXT.findall(scanned)
            if (moment := _date_or_none(year, int(m), int(d))) is not None
        ]
    return max(found, default=None)


def _date_or_none(year: int, month: int, day: int) -> datetime | None:
    try:
        return datetime(year, month, day) if MIN_YEAR <= year <= MAX_YEAR else None
    except ValueError:
        return None
