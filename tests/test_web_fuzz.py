"""Hostile web parameters (issue 5): Hypothesis over the search parameters; every answer
is 200 or 400, never 500, and a 400 names one parameter the request had.

Moved from test_hardening.py (#25); fixed lists of bad parameters are in test_web.py.
"""

from __future__ import annotations

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from tests.support import PROPERTY, SYNTAX

# -- hostile web parameters ---------------------------------------------------------------
query_text = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(SYNTAX), max_size=25).map("".join),
    st.sampled_from(
        [
            "",
            " ",
            "a" * 1000,
            "a" * 1001,
            "(" * 500,
            '"' * 999,
            "NOT " * 200,
            "OR " * 300,
            "*",
            "a*",
            "*a*",
            "x~9",
            "published:[2019 TO 2018]",
        ]
    ),
)
number_text = st.one_of(
    st.integers(1, 3).map(str),
    st.sampled_from(
        ["10000", "10001", "100", "101", " 2 ", "0", "-1", "1e3", "٣", "0x10", "1_0", "99999999999"]
    ),
    st.text(max_size=12),
)
date_text = st.one_of(
    st.from_regex(r"\A\d{4}(-\d{1,2}(-\d{1,2})?)?\Z"),
    st.sampled_from(
        [
            "2019-09-01",
            "2019-09",
            "2019",
            "1 September 2019",
            "17 Agustus 1945",
            "31/12/2019",
            "kemarin",
            "2019-09-01T10:00",
            "2019-02-30",
            "0001-01-01",
            "9999-12-31",
            "9999-12-31 23:59",
            "0001-01-01 00:00+0700",
        ]
    ),
    st.text(max_size=25),
)
choice_text = st.one_of(
    st.sampled_from(
        [
            "relevansi",
            "terbaru",
            "terlama",
            "newest",
            "oldest",
            "relevance",
            "Kompas",
            "Detik",
            "nasional",
            "x" * 201,
            "",
        ]
    ),
    st.text(max_size=30),
)
web_params = st.fixed_dictionaries(
    {},
    optional={
        "q": query_text,
        "page": number_text,
        "per_page": number_text,
        "sort": choice_text,
        "since": date_text,
        "until": date_text,
        "source": choice_text,
        "category": choice_text,
        "facets": st.sampled_from(["", "1", "0", "ya", "maybe"]),
    },
)


@PROPERTY
@given(params=web_params)
def test_web_parameters_are_200_or_400_never_500(sample_client, params):
    for url in ("/search", "/api/search"):
        response = sample_client.get(url, query_string=params)
        text = response.get_data(as_text=True)
        assert response.status_code in (200, 400), (url, params, response.status_code)
        assert "Traceback" not in text
        event(f"{url} {response.status_code}")
        if url == "/api/search":
            body = response.get_json()
            if response.status_code == 200:
                shown = max(
                    0, min(body["per_page"], body["total"] - (body["page"] - 1) * body["per_page"])
                )
                assert len(body["hits"]) == shown, body
            else:
                # One line naming a parameter the request had (or q, the default).
                assert body["status"] == 400 and "\n" not in body["error"]
                assert body["parameter"] in {*params, "q"}, body
                assert body["error"].startswith(f"{body['parameter']}: "), body


@pytest.mark.parametrize(
    "args",
    [
        {"q": "banjir", "since": "0000"},
        {"q": "banjir", "until": "9999"},
        {"q": "banjir", "until": "9999-12"},
        {"q": "banjir", "since": "000\u09e6"},  # Bengali zero: \\d matches any script's digits
        {"q": "banjir published:[2019 TO 9999]"},
    ],
    ids=["since-0000", "until-9999", "until-9999-12", "since-bengali-0", "q-range-9999"],
)
def test_out_of_range_years_are_400_not_500(sample_client, args):
    for url in ("/search", "/api/search"):
        response = sample_client.get(url, query_string=args)
        assert response.status_code in (200, 400), (url, response.status_code)
