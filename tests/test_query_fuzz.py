"""Ordinary-looking queries answer with results or one QueryError, never a crash (#24,
item 7).

``banjir (+)`` raised Whoosh's ``NotImplementedError: Plus`` (a sign after a bracket
was taken as an operator with nothing to apply to) and ``*kan-`` a ``re.error``
(Sastrawi compiled the word as a pattern): 500s on the web, tracebacks in the CLI.
Hypothesis assembles queries from operator characters and word pieces (where
those came from) and checks the library, the web app and the CLI.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import searcher
from searcher import cli

PIECES = [
    "banjir",
    "ko",
    "kan",
    "a",
    "me",
    "(",
    ")",
    "+",
    "-",
    "*",
    "?",
    "~",
    "~2",
    '"',
    ":",
    "judul:",
    "sumber:",
    "kategori:",
    "tanggal:",
    "[",
    "]",
    "{",
    "}",
    "^",
    " NOT ",
    " OR ",
    " AND ",
    " TO ",
    " ",
    " ",
    "\\",
    "/",
    ".",
    "!",
    "&",
    "|",
    "2019",
    "-x",
    "x-",
    "'",
    ",",
    "$",
    "ab*",
    "kan-",
    "-nya",
]
query_text = st.one_of(
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=10).map("".join),
    st.text(alphabet=st.sampled_from("ab.*+?()[]{}\\|^$-~ "), max_size=30),
)
FUZZ = settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
REPORTED = [
    "banjir (+)",
    "*kan-",
    "a(-)",
    "x (+) y",
    "judul:(+)",
    "NOT (+)",
    "[(-x)",
    "[(-x-} @)",
    "ab*kan-x",
    "me)kan-y",
    "ab[kan-x",
    "a\\kan-b",
]


def outcome(ix, text: str):
    try:
        return ix.search(text, facets=True, collapse=True)
    except searcher.QueryError as error:
        message = str(error)
        assert message.startswith("q: ") and "\n" not in message, message
        return error


@pytest.mark.parametrize("text", REPORTED)
def test_reported_queries_answer(sample_ix, text):
    outcome(sample_ix, text)


def test_a_sign_after_a_bracket_is_punctuation(sample_ix):
    assert sample_ix.search("banjir (+)").total == sample_ix.search("banjir").total
    # A sign inside brackets is an operator there too (Whoosh sorted only the top level).
    assert sample_ix.search("banjir -bekasi").total == 2
    assert sample_ix.search("(banjir -bekasi)").total == 2
    # With operators, words side by side are all required (#21).
    assert (
        sample_ix.search("kota (banjir -jakarta)").total
        == sample_ix.search("kota AND (banjir AND NOT jakarta)").total
        == 2
    )
    assert sample_ix.search("kota (banjir -bekasi)").total == 0


@FUZZ
@given(text=query_text)
@example(text="banjir (+)")
@example(text="*kan-")
def test_any_query_is_a_result_or_a_one_line_query_error(sample_ix, text):
    outcome(sample_ix, text)


@pytest.mark.parametrize("text", REPORTED)
def test_reported_queries_are_never_500_on_the_web(sample_client, text):
    for path in ("/search", "/api/search", "/article/sample-001"):
        response = sample_client.get(path, query_string={"q": text})
        assert response.status_code in (200, 400), (path, response.status_code)


@pytest.mark.parametrize("text", REPORTED[:6])
def test_reported_queries_give_no_traceback_in_the_cli(sample_index, capsys, text):
    code = cli.main(["query", text, "--index", str(sample_index)])
    assert code in (0, 1, 2)
    assert "Traceback" not in capsys.readouterr().err
