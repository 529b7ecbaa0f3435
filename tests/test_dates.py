"""Publication dates as Indonesian news sites write them (searcher.dates)."""

from __future__ import annotations

from datetime import datetime

import pytest

from searcher.dates import DateError, parse_date, parse_user_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-09-10", datetime(2019, 9, 10)),
        ("2019-09-10 13:30", datetime(2019, 9, 10, 13, 30)),
        ("2019-09-10T13:30:05", datetime(2019, 9, 10, 13, 30, 5)),
        ("2019-09-10T13:30:00+07:00", datetime(2019, 9, 10, 13, 30)),
        ("2019-09-10T06:30:00Z", datetime(2019, 9, 10, 13, 30)),
        ("2019-09-10T13:30:00+08:00", datetime(2019, 9, 10, 12, 30)),
    ],
)
def test_iso_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Selasa (10/9/2019)", datetime(2019, 9, 10)),
        ("10/09/2019 13:30 WIB", datetime(2019, 9, 10, 13, 30)),
        ("10-9-2019", datetime(2019, 9, 10)),
        ("10 September 2019", datetime(2019, 9, 10)),
        ("10 Sep 2019", datetime(2019, 9, 10)),
        ("10 Agustus 2019 pukul 08.15", datetime(2019, 8, 10, 8, 15)),
        ("Selasa, 10 Sep 2019 | 13:30 WIB", datetime(2019, 9, 10, 13, 30)),
        ("Jumat, 1 Nopember 2019", datetime(2019, 11, 1)),
        ("3 Mei 2024", datetime(2024, 5, 3)),
    ],
)
def test_indonesian_dates(text, expected):
    assert parse_date(text) == expected


def test_a_separate_wib_time_is_combined_with_the_date():
    assert parse_date("2019-09-10", "13:30 WIB") == datetime(2019, 9, 10, 13, 30)
    assert parse_date("10 September 2019", "13.30") == datetime(2019, 9, 10, 13, 30)


def test_a_time_inside_the_date_wins_over_the_separate_time():
    assert parse_date("2019-09-10 08:00", "13:30 WIB") == datetime(2019, 9, 10, 8, 0)


@pytest.mark.parametrize(
    ("text", "time", "expected"),
    [
        ("10 September 2019", "13:30 WITA", datetime(2019, 9, 10, 12, 30)),
        ("10 September 2019", "13:30 WIT", datetime(2019, 9, 10, 11, 30)),
        ("2019-09-10 13:30 UTC", "", datetime(2019, 9, 10, 20, 30)),
        ("2019-09-10 01:00 WITA", "", datetime(2019, 9, 10, 0, 0)),
        ("1 Jan 2020 00:30 WITA", "", datetime(2019, 12, 31, 23, 30)),
    ],
)
def test_other_zones_are_converted_to_wib(text, time, expected):
    assert parse_date(text, time) == expected


@pytest.mark.parametrize("text", ["", "   ", "-"])
def test_an_empty_date_is_none(text):
    assert parse_date(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "kemarin",
        "31 Februari 2019",
        "2019-02-30",
        "10 Foo 2019",
        "2019-09-10 25:00",
        "99/99/2019",
        "13:30 WIB",
        "2019",
        "September 2019",
    ],
)
def test_bad_dates_raise_date_error_naming_the_text(text):
    with pytest.raises(DateError) as error:
        parse_date(text)
    assert repr(text) in str(error.value)


def test_date_error_is_a_value_error():
    assert issubclass(DateError, ValueError)


@pytest.mark.parametrize(
    ("text", "end", "expected"),
    [
        ("2024", False, datetime(2024, 1, 1)),
        ("2024", True, datetime(2024, 12, 31, 23, 59, 59, 999999)),
        ("2024-02", False, datetime(2024, 2, 1)),
        ("2024-02", True, datetime(2024, 2, 29, 23, 59, 59, 999999)),
        ("2023-02", True, datetime(2023, 2, 28, 23, 59, 59, 999999)),
        ("2024-12", True, datetime(2024, 12, 31, 23, 59, 59, 999999)),
        ("2024-02-10", False, datetime(2024, 2, 10)),
        ("2024-02-10", True, datetime(2024, 2, 10, 23, 59, 59, 999999)),
        ("10 Februari 2024", True, datetime(2024, 2, 10, 23, 59, 59, 999999)),
        (" 2024-02-10T08:00 ", True, datetime(2024, 2, 10, 8, 0)),
    ],
)
def test_user_dates_partial_forms_and_end(text, end, expected):
    assert parse_user_date(text, end=end) == expected


@pytest.mark.parametrize("text", ["2024-13", "2024-00-01", "x", "", "kemarin"])
def test_bad_user_dates_raise_date_error(text):
    with pytest.raises(DateError):
        parse_user_date(text)


def test_an_iso_week_is_monday_to_sunday():
    # The timeline's periods over a wider span are ISO weeks; a bar's filter is its week.
    assert parse_user_date("2019-W37") == datetime(2019, 9, 9)
    assert parse_user_date("2019-W37", end=True) == datetime(2019, 9, 15, 23, 59, 59, 999999)
    assert parse_user_date("2020-W01") == datetime(2019, 12, 30)  # ISO year != calendar year
    with pytest.raises(DateError, match="impossible week"):
        parse_user_date("2019-W54")
