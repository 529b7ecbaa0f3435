"""A date fix from the article's own URL: Kompas.com's day and month swapped."""

from __future__ import annotations

import re
from datetime import datetime

_URL_DATE = re.compile(r"/(20\d\d)/(\d\d)/(\d\d)/")


def unswapped(published: datetime | None, url: str) -> datetime | None:
    """The date with day and month put back when the article's own URL says they were
    swapped: 659 Kompas.com articles of CLICK-ID dated 2019-10-09 live under
    /2019/09/10/ (their stories and timelines were a month off). Only the exact
    swap is corrected; any other disagreement keeps the record's date."""
    found = _URL_DATE.search(url) if published is not None else None
    if found is None:
        return published
    year, month, day = map(int, found.groups())
    if month != day and (published.year, published.month, published.day) == (year, day, month):
        return published.replace(month=month, day=day)
    return published
