"""Indonesian formatting of dates and numbers for the pages."""

from __future__ import annotations

from datetime import date, datetime

MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
MONTHS_SHORT = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


def format_date(moment: datetime | date | None, style: str = "short") -> str:
    """``14 Jun 2023`` (short), ``Rabu, 14 Juni 2023, 10.15 WIB`` (long); "" for None.

    Stored times are Jakarta time; a time of exactly midnight usually means
    the source gave only a date, so it is left out.
    """
    if moment is None:
        return ""
    if style == "short":
        return f"{moment.day} {MONTHS_SHORT[moment.month - 1]} {moment.year}"
    text = f"{DAYS[moment.weekday()]}, {moment.day} {MONTHS[moment.month - 1]} {moment.year}"
    if isinstance(moment, datetime) and (moment.hour, moment.minute) != (0, 0):
        text += f", {moment.hour:02d}.{moment.minute:02d} WIB"
    return text


def format_number(value: int | float, decimals: int = 0) -> str:
    """Indonesian digits: ``25.506``, ``0,07``."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_day(value: str) -> str:
    """A date typed in a filter, ``2019-09-01`` → ``1 Sep 2019`` (other text unchanged)."""
    try:
        return format_date(date.fromisoformat(value.strip()))
    except ValueError:
        return value
