"""The query parser against expansion bombs and random syntax (issue 5): only results or
a QueryError naming ``q``, with the work bounded by what a parse may expand into.

Moved from test_hardening.py (#25).
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import searcher
import searcher.query.parser
import searcher.request
from tests.support import PROPERTY, SYNTAX, run, synthetic_records, write_jsonl

pytestmark = pytest.mark.slow  # a 1,200-article index and large Hypothesis runs

BOMB_ARTICLES = 1200  # the index of the expansion-bomb tests
HANG_SECONDS = 120  # a child process that runs longer than this is hung, not slow


# -- the query parser: expansion bombs and random syntax --------------------------------
@pytest.fixture(scope="module")
def big_ix(tmp_path_factory):
    """1,200 articles, each with one word of its own (kode00000...) to expand into."""
    folder = tmp_path_factory.mktemp("bombs")
    records = []
    for record in synthetic_records(BOMB_ARTICLES, body_chars=500):
        record["body"] += f" kode{record['id'][-5:]}"
        records.append(record)
    source = write_jsonl(folder / "big.jsonl", records)
    searcher.index_sources([source], folder / "ix", procs=1)
    with searcher.open_index(folder / "ix") as ix:
        yield ix


def search_outcome(ix, text: str, **options):
    """The result or the QueryError; anything else propagates and fails the test.

    A QueryError is our own sentence naming the query (``q: ...``), never Python's.
    """
    try:
        return ix.search(text, **options)
    except searcher.QueryError as error:
        assert str(error).startswith("q: "), str(error)
        return error


BOMBS = [
    "a*",
    "*a*",
    "b?????",
    "x~9",
    "(" * 500,
    '"' * 999,
    "NOT " * 200,
    "OR " * 300,
    "AND " * 250,
    "ko*",
    "kode*",
    "*de*",
    "?o?e*",
    "kode0000~2",
    "kode*~",
    "k*e*0*1*",
    "kode* " * 100,
    "x~9 " * 150,
    "(kode* OR " * 100,
    '"kode* salinan*"',
    "title:*a*",
    "[" * 300,
    "{" * 300,
    "^" * 500,
    "a^999999999999",
    "-" * 500,
    "+" * 500,
    "published:[0001 TO 2019]",
    "sumber:*",
    "NOT (" * 150,
]


@pytest.mark.parametrize("text", BOMBS, ids=lambda t: repr(t[:20]))
def test_expansion_bombs_give_bounded_results_or_a_query_error_naming_q(big_ix, text):
    outcome = search_outcome(big_ix, text)
    if isinstance(outcome, searcher.SearchResult):
        assert outcome.total <= BOMB_ARTICLES
        assert len(outcome.hits) == min(10, outcome.total)
    # The work is bounded by what the parse may expand into (each wildcard/fuzzy word
    # into at most MAX_EXPANSIONS words per field), not by a stopwatch.
    try:
        parsed = big_ix.parse(text)
    except searcher.QueryError:
        return
    leaves = [parsed] if parsed.is_leaf() else list(parsed.leaves())
    assert len(leaves) <= 4 * 2 * searcher.request.MAX_EXPANSIONS * max(
        1, searcher.request.MAX_EXPANDING_TERMS
    ) + 4 * len(text)


def test_a_wildcard_expands_to_a_bounded_number_of_words(big_ix):
    # 1,200 distinct kodeNNNNN words: the expansion keeps at most MAX_EXPANSIONS.
    result = big_ix.search("kode*", per_page=1)
    assert 0 < result.total <= searcher.request.MAX_EXPANSIONS


def test_a_bare_star_is_every_document_not_every_word(big_ix):
    # "*" once read every term's postings (30 s); it is one Every query, like "sumber:*".
    from whoosh import query

    parsed = big_ix.parse("*")
    leaves = [parsed] if parsed.is_leaf() else list(parsed.leaves())
    assert leaves and all(type(leaf) is query.Every and not leaf.fieldname for leaf in leaves)
    assert big_ix.search("*").total == big_ix.search("sumber:*").total == BOMB_ARTICLES


def test_a_large_fuzzy_distance_is_capped(sample_ix):
    from whoosh import query

    parsed = sample_ix.parse("perdagangan~9")
    assert not any(isinstance(leaf, query.FuzzyTerm) for leaf in parsed.leaves())
    fuzzy = searcher.query.parser.parse("perdagangan~9")
    assert {leaf.maxdist for leaf in fuzzy.leaves()} == {9}  # as typed ...
    expanded = {leaf.text for leaf in parsed.leaves() if leaf.fieldname == "body_exact"}
    # ... but expanded within MAX_FUZZY_DISTANCE edits: "pedagang" is 4 edits away.
    assert "perdagangan" in expanded and "pedagang" not in expanded
    assert len(expanded) <= searcher.request.MAX_EXPANSIONS


def test_a_large_fuzzy_distance_finishes_in_a_child_process(sample_index):
    # A hang detector in a child process (a runaway query can be killed there), not a timing.
    script = (
        "import sys, searcher\n"
        "with searcher.open_index(sys.argv[1]) as ix:\n"
        "    print(ix.search('perdagangan~9').total)\n"
    )
    try:
        done = run([sys.executable, "-c", script, str(sample_index)], timeout=HANG_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"perdagangan~9 ran for more than {HANG_SECONDS} s")
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 0


syntax_query = st.one_of(
    st.lists(
        st.sampled_from(SYNTAX + ["kode", "kode0", "salinan", "*", "?", "~9"]), max_size=40
    ).map("".join),
    st.text(max_size=200),
)


@PROPERTY
@given(text=syntax_query, sort=st.sampled_from(searcher.SORTS), page=st.integers(1, 3))
@example(text="*" * 50, sort="newest", page=1)
@example(text='"' + "kode* " * 50 + '"', sort="relevance", page=1)
def test_any_query_string_returns_results_or_a_query_error_naming_q(big_ix, text, sort, page):
    outcome = search_outcome(big_ix, text, sort=sort, page=page, facets=True)
    if isinstance(outcome, searcher.SearchResult):
        assert outcome.total <= BOMB_ARTICLES
        assert len(outcome.hits) == max(0, min(10, outcome.total - (page - 1) * 10))
        assert sum(f.count for f in outcome.facets["source"]) == outcome.total
