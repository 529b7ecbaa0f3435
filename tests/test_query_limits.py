"""Bounds on what one query may cost, and the errors past them (hardening issue #12).

Behaviour only, on small corpora built here, never timings: the 1 s figures on
CLICK-ID are measured by hand with ``python -m benchmarks.hostile`` (BENCHMARKS.md).

* ranges only on dates: ``[a TO zzzz]`` is words, not a walk of the dictionary;
* did-you-mean: no work for words over MAX_WORD_LETTERS letters, variants for the
  first MAX_RARE_WORDS rare words only, the two-edit scan for MAX_FAR_WORDS;
* wildcard/fuzzy words per query are capped (QueryError naming ``q``), a huge fuzzy
  word is looked up as typed;
* deep brackets and runs of NOT give our own sentence, parameter ``q``, not
  Python's ("maximum recursion depth", "list index out of range");
* a search past its time budget stops with a QueryError instead of holding a thread;
* pasted CLICK-ID headlines and datelines with " - " find their own article.
"""

from __future__ import annotations

import gzip
import json
import random
import re

import pytest
from whoosh import query

import searcher
from searcher import QueryError, request, spelling
from searcher.query import parser
from searcher.query.plan import plan_query
from searcher.ranking import WORDS_ONLY
from searcher.whoosh.expansion import bound_expansions
from searcher.whoosh.storage import make_schema
from tests.support import shared_path, web_client

ARTICLES = [
    {
        "id": "banjir-1",
        "title": "Banjir Rendam Jakarta",
        "body": "Banjir merendam ribuan rumah di Jakarta Timur pada 15 Desember.",
    },
    {
        "id": "banjir-2",
        "title": "Banjir Bandang di Bali",
        "body": "Banjir bandang melanda Bali pada 16 Desember. Ratusan orang mengungsi.",
    },
    {
        "id": "korupsi-1",
        "title": "KPK Tahan Tersangka Korupsi",
        "body": "Komisi Pemberantasan Korupsi menahan tersangka korupsi proyek jalan.",
    },
    {
        "id": "pemerintah-1",
        "title": "Pemerintah Umumkan Anggaran",
        "body": "Pemerintah mengumumkan anggaran pendidikan. Pemerintah daerah menyambut.",
    },
    {
        "id": "pemerintah-2",
        "title": "Pemerintah Daerah Bangun Jalan",
        "body": "Pemerintah daerah membangun jalan baru. Pemerintah pusat membantu.",
    },
    {
        "id": "pemerintah-3",
        "title": "Rapat Pemerintah",
        "body": "Pemerintah menggelar rapat tentang banjir dan korupsi.",
    },
    {
        "id": "pemerintah-4",
        "title": "Pemerintah dan DPR",
        "body": "Pemerintah dan DPR membahas undang-undang baru bersama pemerintah daerah.",
    },
]


@pytest.fixture(scope="module")
def ix(tmp_path_factory):
    folder = tmp_path_factory.mktemp("limits")
    source = folder / "news.jsonl"
    source.write_text("".join(json.dumps(a) + "\n" for a in ARTICLES), encoding="utf-8")
    report = searcher.index_sources([str(source)], str(folder / "ix"), procs=1)
    assert report.added == len(ARTICLES)
    with searcher.open_index(folder / "ix") as index:
        yield index


@pytest.fixture(scope="module")
def client(ix):
    with web_client(ix.path) as client:
        yield client


def ids(result) -> list[str]:
    return [hit.id for hit in result.hits]


def api_error(client, q: str) -> dict:
    response = client.get("/api/search", query_string={"q": q})
    assert response.status_code == 400, response.get_data(as_text=True)
    return response.get_json()


def leaves(node) -> list:
    return [node] if node.is_leaf() else list(node.leaves())


# -- ranges ------------------------------------------------------------------------------
def test_a_range_of_words_parses_to_no_range_query():
    for text in ("[a TO zzzz]", "{b TO zzzy}", "title:[a TO zzzz]", "judul:[a TO z]"):
        kinds = {type(leaf) for leaf in leaves(parser.parse(text))}
        assert not kinds & {query.TermRange, query.NumericRange}, (text, kinds)
    # The Whoosh parser's reading: the same as the words (plain words are read
    # as concepts by the default ranking, so compare the parser's).
    assert parser.parse("[a TO zzzz]", WORDS_ONLY) == parser.parse("a TO zzzz", WORDS_ONLY)


def test_date_ranges_still_work(ix):
    dated = parser.parse("banjir tanggal:[2019-09-01 TO 2019-09-30]")
    assert any(isinstance(leaf, query.DateRange) for leaf in leaves(dated))


# -- did you mean -------------------------------------------------------------------------
class Lookups:
    """Document counts for did_you_mean that remember what was asked."""

    def __init__(self, counts: dict[str, int]):
        self.counts = counts
        self.asked: list[str] = []
        self.far: list[str] = []

    def __call__(self, words: list[str]) -> dict[str, int]:
        self.asked += words
        return {w: self.counts.get(w, 0) for w in words}

    def near(self, word: str) -> list[str]:
        self.far.append(word)
        return []


def test_a_word_over_the_letter_limit_gets_no_suggestion_computed():
    lookups = Lookups({"pemerintah": 50})
    long_word = "pemerintak" * 100  # 1,000 letters
    assert spelling.did_you_mean(long_word, lookups, lookups, far=lookups.near) is None
    assert lookups.asked == [] and lookups.far == []
    limit = "p" * spelling.MAX_WORD_LETTERS
    spelling.did_you_mean(limit, lookups, lookups)
    assert limit in lookups.asked  # at the limit it is still checked


def test_only_the_first_rare_words_get_variants_and_one_the_two_edit_scan():
    rng = random.Random(4)
    words = ["".join(rng.choice("abcdefghij") for _ in range(10)) for _ in range(90)]
    lookups = Lookups({})
    assert spelling.did_you_mean(" ".join(words), lookups, lookups, far=lookups.near) is None
    variants = {w for w in lookups.asked if w not in words}
    # Variants are one edit away from the first MAX_RARE_WORDS words only.
    first = words[: spelling.MAX_RARE_WORDS]
    assert variants and all(any(v in spelling.edits(w, 1) for w in first) for v in variants)
    assert lookups.far == words[: spelling.MAX_FAR_WORDS]


def test_suggestions_still_come_for_a_misspelling(ix):
    assert ix.search("pemerintak").corrected_query == "pemerintah"  # searched so (#21)
    assert ix.search("pemerintak", as_typed=True).suggestion == "pemerintah"


def test_a_huge_word_gets_no_suggestion_and_finds_nothing(ix):
    result = ix.search("a" * 1000)
    assert (result.total, result.suggestion) == (0, None)


# -- wildcard and fuzzy words ------------------------------------------------------------------
def test_more_fuzzy_words_than_the_cap_is_a_clear_error_naming_q(ix, client):
    words = ["pemerintah", "banjir", "korupsi", "jakarta", "bandang", "anggaran", "rapat"]
    allowed = " ".join(f"{w}~2" for w in words[: request.MAX_EXPANDING_TERMS])
    assert ix.search(allowed.replace(" ", " OR ")).total > 0
    too_many = " ".join(f"{w}~2" for w in words[: request.MAX_EXPANDING_TERMS + 1])
    with pytest.raises(QueryError, match=r"^q: too many wildcard or fuzzy words"):
        ix.search(too_many)
    body = api_error(client, too_many)
    assert body["parameter"] == "q" and "at most" in body["error"]
    wildcards = " ".join(f"{w[:3]}*" for w in words)
    assert api_error(client, wildcards)["error"].startswith("q: too many wildcard")


def test_a_repeated_fuzzy_word_counts_once(ix):
    assert ix.search(" ".join(["pemerintak~"] * 20)).total == 4


@pytest.mark.parametrize("text", ["*merintah", "?emerintah", "p*rintah", "p?merintah", "a*"])
def test_a_wildcard_needs_two_letters_before_it(ix, client, text):
    # "*an*" / "?perdagangan" walked every field's whole dictionary (17.8 s in the soak).
    body = api_error(client, f"banjir {text}")
    assert body["parameter"] == "q"
    assert body["error"] == (
        f"q: a wildcard needs at least 2 letters before its first * or ? ({text!r})"
    )


def test_two_letters_before_the_wildcard_expand(ix):
    assert ix.search("pemer*").total == 4 and ix.search("pe?erintah").total == 4
    assert ix.search("pe*").total == 5  # and "Pemberantasan" (korupsi-1)
    assert set(ids(ix.search("banj*"))) == {"banjir-1", "banjir-2", "pemerintah-3"}


def test_a_fuzzy_word_over_the_letter_limit_is_looked_up_as_typed():
    word = "p" * (request.MAX_FUZZY_LETTERS + 1)
    kinds = {type(leaf) for leaf in leaves(bound_expansions(parser.parse(f"{word}~"), _reader()))}
    assert kinds == {query.Term}
    plan = plan_query(f"{word}~2")
    assert "Fuzzy" not in repr(plan.match)


def test_a_one_letter_fuzzy_word_is_no_python_error(ix):
    assert ix.search("a~2 b~").total == 0  # was "string index out of range"


def _reader():
    class Reader:  # nothing to expand into: only the kinds of the result matter
        schema = make_schema()

    return Reader()


# -- Python's errors never reach the user ----------------------------------------------------
@pytest.mark.parametrize("text", ["(" * 497 + "a" + ")" * 497, "(" * 500, "((" * 11 + "a"])
def test_deep_brackets_are_our_own_error_naming_q(client, text):
    body = api_error(client, text)
    assert body["parameter"] == "q"
    assert body["error"].startswith("q: too many brackets inside brackets")
    assert "recursion" not in body["error"]


def test_brackets_up_to_the_limit_work(ix):
    nested = "(" * request.MAX_NESTING + "banjir" + ")" * request.MAX_NESTING
    assert set(ids(ix.search(nested))) == {"banjir-1", "banjir-2", "pemerintah-3"}


@pytest.mark.parametrize(
    "text", ["NOT " * 249, "NOT NOT " * 124, "NOT NOT " * 124 + "banjir", "NOT " * 248 + "korupsi"]
)
def test_runs_of_not_are_no_python_error(client, text):
    response = client.get("/api/search", query_string={"q": text})
    assert response.status_code == 200, response.get_data(as_text=True)


def test_not_not_is_the_word_itself(ix):
    assert ids(ix.search("NOT NOT " * 124 + "banjir")) == ids(ix.search("banjir"))
    assert set(ids(ix.search("pemerintah " + "NOT " * 3 + "korupsi"))) == {
        "pemerintah-1",
        "pemerintah-2",
        "pemerintah-4",
    }


def test_a_parser_failure_is_our_own_sentence_naming_q(ix, client, monkeypatch):
    class Broken:
        def parse(self, text):
            return [][0]  # what Whoosh's parser did with 249 NOTs

    monkeypatch.setattr(parser, "_parser", lambda *args: Broken())
    parser.parse.cache_clear()
    try:
        body = api_error(client, "banjir OR jakarta")  # plain words never reach the parser
        assert body["parameter"] == "q"
        assert body["error"].startswith("q: cannot understand the query")
        assert "index out of range" not in body["error"]
    finally:
        parser.parse.cache_clear()


# -- the time budget ------------------------------------------------------------------------
def test_a_search_past_its_time_budget_is_a_query_error_naming_q(ix):
    late = {"query_seconds": 0}  # every search is already late
    with searcher.open_index(ix.path, **late) as hurried:
        with pytest.raises(QueryError, match=r"^q: the query needs more than"):
            hurried.search("banjir jakarta", per_page=3)
        assert not hurried.deadline.running  # the next search starts afresh
    with web_client(ix.path, INDEX_OPTIONS=late) as client:
        body = api_error(client, "pemerintah daerah")
    assert body["parameter"] == "q" and "simpler" in body["error"]
    assert ix.search("banjir jakarta", per_page=3).total == 1  # the default budget is ample


# -- dashes in pasted text ------------------------------------------------------------------
def test_dates_with_a_dash_keep_both_days(ix):
    # Every word counts (#21): a dash between spaces excludes nothing.
    assert set(ids(ix.search("banjir - Desember"))) == {"banjir-1", "banjir-2"}
    assert ids(ix.search("banjir 16 - Desember")) == ["banjir-2"]
    assert set(ids(ix.search("banjir -16"))) == {"banjir-1", "pemerintah-3"}  # attached: NOT


CLICKID = "data/news/clickid-2019.jsonl.gz"
HEADLINES = 60  # pasted titles / first sentences holding " - "
OTHERS = 1500  # articles around them (the first ones of the file)


def _first_sentence(body: str) -> str:
    return re.split(r"(?<=[.!?])\s", body.strip(), maxsplit=1)[0]


@pytest.fixture(scope="module")
def clickid_sample(tmp_path_factory):
    """An index of the first OTHERS CLICK-ID articles plus HEADLINES with " - " in their
    title or first sentence, and those pasted texts (cut to 1,000 characters)."""
    path = shared_path(CLICKID)
    chosen, pasted, others = [], [], 0
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        for line in stream:
            record = json.loads(line)
            title, body = record.get("title") or "", record.get("body") or ""
            texts = [t for t in (title, _first_sentence(body)) if " - " in t]
            if texts and len(pasted) < HEADLINES:
                chosen.append(record)
                pasted.append((str(record["id"]), texts[-1][:1000]))
            elif others < OTHERS:
                chosen.append(record)
                others += 1
            if len(pasted) >= HEADLINES and others >= OTHERS:
                break
    assert len(pasted) == HEADLINES
    folder = tmp_path_factory.mktemp("clickid")
    source = folder / "clickid.jsonl"
    source.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in chosen), encoding="utf-8"
    )
    report = searcher.index_sources([str(source)], str(folder / "ix"), procs=1)
    assert report.rejected == []
    with searcher.open_index(folder / "ix") as index:
        yield index, pasted


@pytest.mark.slow  # indexes a CLICK-ID sample
def test_pasted_clickid_headlines_with_a_dash_find_their_own_article(clickid_sample):
    index, pasted = clickid_sample
    missed = []
    for article_id, text in pasted:
        assert " - " in text
        found = [hit.id for hit in index.search(text, per_page=3).hits]
        if article_id not in found:
            missed.append((article_id, text[:80], found))
    assert missed == []


# -- queries without words ---------------------------------------------------------------
@pytest.mark.parametrize("q", ["\\", '""', "!!!!", "- –", "yang"])
def test_a_query_without_words_is_an_empty_page_that_says_why(client, q):
    page = client.get("/search", query_string={"q": q})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "tidak berisi kata untuk dicari" in html and "Tidak ada berita" in html
    body = client.get("/api/search", query_string={"q": q}).get_json()
    assert (body["total"], body["hits"]) == (0, [])
    assert body["message"].startswith("q: the query has no words")
    star = client.get("/api/search", query_string={"q": "*"}).get_json()
    assert star["total"] == len(ARTICLES) and "message" not in star
