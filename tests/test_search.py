"""Searching: query language, filters, sorting, paging, robustness
(searcher.query, searcher.whoosh).

Most tests run on the sample index (corpus/sample.jsonl, see conftest.py); a tiny
hand-made index covers synonyms and undated articles.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import searcher
from searcher import Filters, QueryError
from searcher.collect import FEW_RESULTS
from tests.support import TRAFFICKING, article, sample_records

RECORDS = {r["id"]: r for r in sample_records()}


def ids(result) -> list[str]:
    return [hit.id for hit in result.hits]


def search_ids(ix, text, **options) -> list[str]:
    return ids(ix.search(text, per_page=100, **options))


def published(article_id: str) -> datetime:
    return searcher.dates.parse_date(RECORDS[article_id]["published"])


def stems_of(article_id: str) -> set[str]:
    record = RECORDS[article_id]
    return set(searcher.analyze(record["title"] + "\n" + record["body"]))


@pytest.fixture(scope="module")
def tiny_ix(tmp_path_factory):
    """Synonym pairs that never share a word, and dated and undated articles."""
    folder = tmp_path_factory.mktemp("tiny")
    records = [
        article("syn-narkoba", "Polisi menyita narkoba di pelabuhan."),
        article("syn-narkotika", "Petugas menyita narkotika jenis sabu."),
        article("syn-ktt", "Para pemimpin hadir di KTT kawasan."),
        article("syn-konferensi", "Konferensi tingkat tinggi digelar pekan depan."),
        article("syn-tppo", "Kasus TPPO meningkat tajam."),
        article("syn-perdagangan", "Korban perdagangan orang dipulangkan."),
        article("sort-2023", "Laporan cuaca pagi.", published="2023-05-01"),
        article("sort-undated", "Laporan cuaca siang."),
        article("sort-2024", "Laporan cuaca sore.", published="2024-05-01T10:00:00+07:00"),
        article("sort-2022", "Laporan cuaca malam.", published="2022-05-01"),
    ]
    corpus = folder / "tiny.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records))
    report = searcher.index_sources([corpus], folder / "ix")
    assert report.added == len(records)
    with searcher.open_index(folder / "ix") as index:
        yield index


# -- ranking -------------------------------------------------------------------------
def test_perdagangan_orang_ranks_the_trafficking_articles_first(sample_ix):
    found = search_ids(sample_ix, "perdagangan orang")
    assert set(found[:5]) == TRAFFICKING
    # The trade article holds "perdagangan" but not the concept "perdagangan orang"
    # (#21: every concept of the query is required).
    assert "sample-006" not in found


@pytest.mark.parametrize(
    "text",
    ["banjir bekasi", "harga beras melonjak", "vaksin covid-19 kasus", "pekerja migran ilegal"],
)
def test_documents_with_all_words_rank_first(sample_ix, text):
    words = set(searcher.analyze(text))
    found = search_ids(sample_ix, text)
    complete = [i for i, doc in enumerate(found) if words <= stems_of(doc)]
    partial = [i for i, doc in enumerate(found) if not words <= stems_of(doc)]
    assert complete, "some article holds all the words"
    # Articles missing a word are found only when few hold them all (#21), and after.
    assert not partial or max(complete) < min(partial)
    if partial:
        assert sample_ix.search(text).dropped


def test_exact_case_and_inflection_do_not_matter_for_plain_words(sample_ix):
    assert search_ids(sample_ix, "BEKASI") == search_ids(sample_ix, "bekasi")
    assert set(search_ids(sample_ix, "dagang")) >= {"sample-001", "sample-006"}


def test_hyphenated_words_and_their_parts_are_found(sample_ix):
    assert set(search_ids(sample_ix, "covid-19")) == {"sample-020", "sample-021"}
    assert set(search_ids(sample_ix, "covid")) == {"sample-020", "sample-021"}
    assert set(search_ids(sample_ix, "e-ktp")) == {"sample-016", "sample-022"}
    assert set(search_ids(sample_ix, "ktp")) == {"sample-016", "sample-022"}


# -- query syntax ----------------------------------------------------------------------
def test_phrase_query_needs_the_words_together_and_in_order(sample_ix):
    assert set(search_ids(sample_ix, '"perdagangan orang"')) == {
        "sample-001",
        "sample-002",
        "sample-003",
        "sample-004",
    }
    assert search_ids(sample_ix, '"orang perdagangan"') == []


def test_or_finds_either_word(sample_ix):
    assert set(search_ids(sample_ix, "bekasi OR bali")) == {
        "sample-011",
        "sample-012",
        "sample-013",
        "sample-014",
    }


def test_minus_excludes_a_word(sample_ix):
    assert set(search_ids(sample_ix, "banjir -bekasi")) == {"sample-009", "sample-040"}


def test_and_not_excludes_a_word(sample_ix):
    assert set(search_ids(sample_ix, "banjir AND NOT bekasi")) == {"sample-009", "sample-040"}


def test_not_excludes_a_word(sample_ix):
    assert set(search_ids(sample_ix, "banjir NOT bekasi")) == {"sample-009", "sample-040"}


def test_a_query_of_only_negations_finds_everything_else(sample_ix):
    everything = sample_ix.search("*", per_page=100).hits
    without = search_ids(sample_ix, "-bekasi")
    bekasi = search_ids(sample_ix, "bekasi")
    assert len(everything) == 44
    assert sorted(without) == sorted(h.id for h in everything if h.id not in bekasi)


@pytest.mark.parametrize("prefix", ["title", "judul"])
def test_title_field_searches_titles_only(sample_ix, prefix):
    assert set(search_ids(sample_ix, f"{prefix}:bekasi")) == {"sample-011", "sample-012"}
    # "perdagangan" is in the bodies of 002/004 but only in the titles of 001/003/006
    assert set(search_ids(sample_ix, f"{prefix}:perdagangan")) == {
        "sample-001",
        "sample-003",
        "sample-006",
    }


@pytest.mark.parametrize(
    "text", ['source:"Kabar Kota"', 'sumber:"kabar kota"', 'source:"KABAR KOTA"']
)
def test_source_field_matches_the_whole_source_case_insensitively(sample_ix, text):
    expected = {i for i, r in RECORDS.items() if r["source"] == "Kabar Kota"}
    assert len(expected) == 8
    assert set(search_ids(sample_ix, text)) == expected


def test_source_field_restricts_the_other_words(sample_ix):
    assert set(search_ids(sample_ix, 'banjir sumber:"Kabar Kota"')) == {"sample-011", "sample-012"}
    assert set(search_ids(sample_ix, 'banjir OR bali source:"kabar kota"')) == {
        "sample-011",
        "sample-012",
        "sample-014",
    }


def test_either_of_two_sources(sample_ix):
    expected = {i for i, r in RECORDS.items() if r["source"] in ("Kabar Kota", "Sinar Pagi")}
    assert set(search_ids(sample_ix, 'source:"Kabar Kota" OR source:"Sinar Pagi"')) == expected


@pytest.mark.parametrize("text", ["category:hukum", "kategori:HUKUM"])
def test_category_field(sample_ix, text):
    expected = {i for i, r in RECORDS.items() if r["category"] == "hukum"}
    assert set(search_ids(sample_ix, text)) == expected


def test_published_range_for_a_year(sample_ix):
    expected = {i for i in RECORDS if published(i).year == 2024}
    assert len(expected) == 20
    assert set(search_ids(sample_ix, "published:[2024-01-01 TO 2024-12-31]")) == expected


def test_published_range_for_a_quarter(sample_ix):
    expected = {i for i in RECORDS if datetime(2024, 1, 1) <= published(i) < datetime(2024, 4, 1)}
    assert set(search_ids(sample_ix, "published:[2024-01-01 TO 2024-03-31]")) == expected


def test_published_range_restricts_the_other_words(sample_ix):
    assert search_ids(sample_ix, "banjir published:[2024-01-01 TO 2024-03-01]") == ["sample-011"]


# -- synonyms --------------------------------------------------------------------------
def test_tppo_finds_articles_that_only_say_perdagangan_orang(sample_ix):
    found = set(search_ids(sample_ix, "tppo"))
    assert {"sample-001", "sample-003", "sample-004"} <= found  # no "TPPO" in them
    assert found >= TRAFFICKING


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("narkoba", {"syn-narkoba", "syn-narkotika"}),
        ("narkotika", {"syn-narkoba", "syn-narkotika"}),
        ("ktt", {"syn-ktt", "syn-konferensi"}),
        ("konferensi tingkat tinggi", {"syn-ktt", "syn-konferensi"}),
        ("tppo", {"syn-tppo", "syn-perdagangan"}),
        ("perdagangan orang", {"syn-tppo", "syn-perdagangan"}),
    ],
)
def test_synonyms_expand_at_query_time(tiny_ix, text, expected):
    # every word stays optional ("meningkat" stems to "tingkat"), so other articles may
    # follow; the two that say the same thing in different words come first
    assert set(search_ids(tiny_ix, text)[:2]) == expected


def test_quoted_words_are_not_expanded(tiny_ix):
    assert search_ids(tiny_ix, '"narkoba"') == ["syn-narkoba"]


# -- did you mean ------------------------------------------------------------------------
def test_a_misspelling_is_searched_as_the_right_spelling(sample_ix):
    result = sample_ix.search("perdagngan")
    # A word no article holds is searched as its spelling one edit away, and the
    # result says so; the suggestion is that spelling, only when searching as typed (#21).
    assert (result.corrected_query, result.suggestion) == ("perdagangan", None)
    right = sample_ix.search("perdagangan")
    assert result.total == right.total > 0
    assert [h.id for h in result.hits] == [h.id for h in right.hits]
    typed = sample_ix.search("perdagngan", as_typed=True)
    assert (typed.total, typed.corrected_query, typed.suggestion) == (0, None, "perdagangan")


def test_a_misspelled_word_is_corrected_even_when_other_words_match(sample_ix):
    result = sample_ix.search("perdagngan orang")
    assert result.corrected_query == "perdagangan orang"
    assert ids(result) == ids(sample_ix.search("perdagangan orang"))
    assert sample_ix.search("perdagngan orang", as_typed=True).suggestion == "perdagangan orang"


def test_two_edits_away_are_tried_when_the_search_found_little(sample_ix):
    typed = sample_ix.search("perdagngn", as_typed=True)  # two letters missing
    assert typed.total < FEW_RESULTS
    assert typed.suggestion == "perdagangan"
    assert sample_ix.search("perdagngn").corrected_query == "perdagangan"


def test_two_edits_away_are_not_tried_when_the_search_found_plenty(sample_ix):
    # The two-edit scan walks the term dictionary; a search with many results skips it
    # (one-edit suggestions, above, still come).
    result = sample_ix.search("perdagngn orang")
    assert result.total >= FEW_RESULTS
    assert result.suggestion is None
    assert sample_ix.suggest("perdagngn orang") == "perdagangan orang"


def test_a_well_spelled_query_gets_no_suggestion(sample_ix):
    assert sample_ix.search("perdagangan orang").suggestion is None


# -- filters -----------------------------------------------------------------------------
@pytest.mark.parametrize("source", ["Warta Nusantara", "warta nusantara", ["Warta Nusantara"]])
def test_source_filter(sample_ix, source):
    expected = {i for i, r in RECORDS.items() if r["source"] == "Warta Nusantara"}
    found = search_ids(sample_ix, "*", filters=Filters.build(source=source))
    assert set(found) == expected


def test_several_sources_and_a_category_combine(sample_ix):
    filters = Filters.build(source=["Kabar Kota", "Sinar Pagi"], category="daerah")
    expected = {
        i
        for i, r in RECORDS.items()
        if r["source"] in ("Kabar Kota", "Sinar Pagi") and r["category"] == "daerah"
    }
    assert set(search_ids(sample_ix, "*", filters=filters)) == expected


def test_filters_may_be_given_as_a_dict(sample_ix):
    assert search_ids(sample_ix, "banjir", filters={"category": "internasional"}) == search_ids(
        sample_ix, "banjir", filters=Filters.build(category="internasional")
    )
    assert set(search_ids(sample_ix, "banjir", filters={"category": "internasional"})) == {
        "sample-009",
        "sample-040",
    }


def test_since_and_until_with_a_partial_month(sample_ix):
    found = search_ids(sample_ix, "*", filters=Filters.build(since="2024-02", until="2024-02"))
    assert set(found) == {"sample-003", "sample-014", "sample-015", "sample-030"}


def test_since_and_until_are_inclusive_days(sample_ix):
    filters = Filters.build(since="2024-02-14", until="2024-02-20")
    assert set(search_ids(sample_ix, "*", filters=filters)) == {"sample-003", "sample-014"}


def test_since_alone_and_until_alone(sample_ix):
    since = set(search_ids(sample_ix, "*", filters=Filters.build(since="2025")))
    until = set(search_ids(sample_ix, "*", filters=Filters.build(until="2022")))
    assert since == {i for i in RECORDS if published(i).year == 2025}
    assert until == set()


def test_filters_accept_datetimes(sample_ix):
    filters = Filters.build(since=datetime(2024, 2, 1), until=datetime(2024, 2, 29, 23, 59))
    assert len(search_ids(sample_ix, "*", filters=filters)) == 4


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"since": "kemarin"}, "since"),
        ({"until": "2024-13"}, "until"),
        ({"since": "2024-03", "until": "2024-02"}, "since"),
    ],
)
def test_bad_filter_dates_raise_query_error_naming_the_parameter(options, name):
    with pytest.raises(QueryError, match=f"^{name}:"):
        Filters.build(**options)


# -- sorting ----------------------------------------------------------------------------
def test_sort_newest_orders_by_publication_date_descending(sample_ix):
    found = search_ids(sample_ix, "kasus", sort="newest")
    dates = [published(i) for i in found]
    assert len(found) >= 5
    assert dates == sorted(dates, reverse=True)


def test_sort_oldest_orders_by_publication_date_ascending(sample_ix):
    found = search_ids(sample_ix, "kasus", sort="oldest")
    dates = [published(i) for i in found]
    assert dates == sorted(dates)


def test_sorting_keeps_the_same_matches(sample_ix):
    relevance = search_ids(sample_ix, "kasus")
    assert sorted(search_ids(sample_ix, "kasus", sort="newest")) == sorted(relevance)
    assert sorted(search_ids(sample_ix, "kasus", sort="oldest")) == sorted(relevance)


def test_undated_articles_sort_last_either_way(tiny_ix):
    assert search_ids(tiny_ix, "cuaca", sort="newest") == [
        "sort-2024",
        "sort-2023",
        "sort-2022",
        "sort-undated",
    ]
    assert search_ids(tiny_ix, "cuaca", sort="oldest") == [
        "sort-2022",
        "sort-2023",
        "sort-2024",
        "sort-undated",
    ]


def test_an_unknown_sort_raises_query_error(sample_ix):
    with pytest.raises(QueryError, match="sort"):
        sample_ix.search("banjir", sort="date")


def test_the_sort_is_echoed_in_the_result(sample_ix):
    assert sample_ix.search("banjir", sort="oldest").sort == "oldest"


# -- paging -----------------------------------------------------------------------------
def test_page_two_continues_page_one(sample_ix):
    everything = sample_ix.search("pemerintah", per_page=100)
    first = sample_ix.search("pemerintah", page=1, per_page=5)
    second = sample_ix.search("pemerintah", page=2, per_page=5)
    assert everything.total == first.total == second.total > 10
    assert ids(first) + ids(second) == ids(everything)[:10]
    assert not set(ids(first)) & set(ids(second))
    assert (second.page, second.per_page, second.pages) == (2, 5, -(-first.total // 5))


def test_the_last_page_is_partial_and_pages_beyond_are_empty(sample_ix):
    total = sample_ix.search("*").total
    assert total == 44
    assert len(sample_ix.search("*", page=5, per_page=10).hits) == 4
    beyond = sample_ix.search("*", page=6, per_page=10)
    assert (beyond.hits, beyond.total, beyond.page) == ([], 44, 6)


@pytest.mark.parametrize(
    ("options"),
    [
        {"per_page": 0},
        {"per_page": 101},
        {"per_page": -1},
        {"per_page": "10"},
        {"per_page": 2.5},
        {"per_page": True},
        {"page": 0},
        {"page": -1},
        {"page": "2"},
        {"page": 10_001},
    ],
)
def test_paging_out_of_bounds_raises_query_error(sample_ix, options):
    with pytest.raises(QueryError):
        sample_ix.search("banjir", **options)


def test_paging_bounds_are_inclusive(sample_ix):
    assert sample_ix.search("banjir", per_page=1).per_page == 1
    assert sample_ix.search("banjir", per_page=100).per_page == 100


# -- robustness -------------------------------------------------------------------------
HOSTILE = [
    "",
    " ",
    "(((",
    ")))",
    '"',
    '""',
    "OR",
    "AND",
    "NOT",
    "AND AND",
    "OR OR OR",
    "NOT NOT",
    "title:",
    "source:",
    ":",
    "*",
    "**",
    "a*",
    "?",
    "~",
    "~2",
    "^",
    "^2",
    "banjir^",
    "[",
    "]",
    "{",
    "}",
    "[TO]",
    "x" * 1001,
    "\x00",
    "banjir\x00bekasi",
    "\t\n\r",
    "published:[garbage TO x]",
    "published:[2024 TO",
    'published:"x"',
    "published:>2024",
    "published:2024-99-99",
    "L'Arc~en~Ciel?",
    "😀",
    "🇮🇩 banjir 🌊",
    "url:x",
    "hash:x",
    "id:",
    "schema_version:1",
    "nonexistent:field",
    "\\",
    "\\\\\\",
    "+",
    "-",
    "+-+-",
    "a-",
    "-a-",
    "title:(((",
    "(banjir OR",
    '"unclosed phrase',
    "banjir~99",
    "b?li",
    "???",
    "*banjir*",
    "\u200b",
    "<script>alert(1)</script>",
    "%00",
    "' OR 1=1 --",
    "ﷺ",
    "\ud800",
]


@pytest.mark.parametrize("text", HOSTILE, ids=[repr(t)[:40] for t in HOSTILE])
def test_hostile_queries_return_results_or_raise_query_error(sample_ix, text):
    try:
        result = sample_ix.search(text)
    except QueryError as error:
        assert str(error) and "\n" not in str(error)
    else:
        assert isinstance(result, searcher.SearchResult)


def test_a_query_longer_than_1000_characters_is_a_query_error(sample_ix):
    with pytest.raises(QueryError, match="too long"):
        sample_ix.search("x" * 1001)


def test_a_one_letter_wildcard_is_refused(sample_ix):
    with pytest.raises(QueryError, match="wildcard"):
        sample_ix.search("a*")


def test_a_wildcard_of_two_letters_or_more_expands(sample_ix):
    # Bekasi (011, 012) and "bekas" (used, in 035)
    assert set(search_ids(sample_ix, "bekas*")) == {"sample-011", "sample-012", "sample-035"}


def test_a_question_mark_ending_a_question_is_punctuation(sample_ix):
    assert search_ids(sample_ix, "banjir di bekasi?") == search_ids(sample_ix, "banjir di bekasi")


def test_non_text_queries_are_query_errors(sample_ix):
    with pytest.raises(QueryError):
        sample_ix.search(None)
    with pytest.raises(QueryError):
        sample_ix.search(b"banjir")


def _check_any_text(ix, text):
    try:
        result = ix.search(text)
    except QueryError as error:
        assert str(error).startswith("q: "), str(error)  # our own sentence, naming q
        return
    assert isinstance(result, searcher.SearchResult)
    assert len(result.hits) == min(10, result.total)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=60))
def test_any_text_returns_results_or_raises_query_error(sample_ix, text):
    _check_any_text(sample_ix, text)


SYNTAX = [
    "AND",
    "OR",
    "NOT",
    "(",
    ")",
    '"',
    "*",
    "?",
    "~",
    "^",
    "-",
    "+",
    ":",
    "[",
    "]",
    "{",
    "}",
    "TO",
    "title:",
    "judul:",
    "source:",
    "published:",
    "category:",
    "banjir",
    "bekasi",
    "2024",
    "2024-01-01",
    "perdagangan",
    "orang",
    "tppo",
    "e-ktp",
    "\\",
    "'",
]


@settings(max_examples=200, deadline=None)
@given(
    pieces=st.lists(st.sampled_from(SYNTAX) | st.text(max_size=5), max_size=8),
    glue=st.sampled_from(["", " "]),
)
def test_any_mix_of_query_syntax_returns_results_or_raises_query_error(sample_ix, pieces, glue):
    _check_any_text(sample_ix, glue.join(pieces))


# -- the library API returns plain data ------------------------------------------------
def _modules(value, seen=None) -> set[str]:
    """The modules of every object reachable through dataclass fields and containers."""
    found = {type(value).__module__}
    if dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            found |= _modules(getattr(value, field.name))
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            found |= _modules(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            found |= _modules(key) | _modules(item)
    return found


def test_results_are_plain_dataclasses(sample_ix):
    result = sample_ix.search("perdagangan orang", facets=True)
    assert type(result).__module__ == "searcher.models"
    for hit in result.hits:
        assert type(hit).__module__ == "searcher.models"
        assert type(hit.snippet).__module__ == "searcher.models"
    modules = _modules(result)
    assert not [m for m in modules if m.startswith("whoosh")]
    assert modules <= {"searcher.models", "builtins", "datetime"}


def test_results_are_usable_after_the_index_is_closed(sample_index):
    with searcher.open_index(sample_index) as ix:
        result = ix.search("perdagangan orang")
    hit = result.hits[0]
    assert hit.id in TRAFFICKING
    assert "<mark>" in hit.snippet.html
    assert hit.published.year in (2023, 2024, 2025)
    assert result.to_json()["hits"][0]["id"] == hit.id
    assert dataclasses.asdict(result)["total"] == result.total


def test_hit_fields_come_from_the_stored_article(sample_ix):
    [hit] = sample_ix.search('title:"kolam retensi"').hits
    record = RECORDS["sample-012"]
    assert (hit.id, hit.title, hit.url, hit.source, hit.category) == (
        "sample-012",
        record["title"],
        record["url"],
        record["source"],
        record["category"],
    )
    assert hit.published == datetime(2024, 5, 21, 10, 0)
    assert hit.score > 0


def test_get_returns_the_stored_document(sample_ix):
    document = sample_ix.get("sample-006")
    assert isinstance(document, searcher.Document)
    assert document.title == RECORDS["sample-006"]["title"]
    assert document.body == RECORDS["sample-006"]["body"]
    assert sample_ix.get("no-such-id") is None


# -- threads ----------------------------------------------------------------------------
QUERIES = [
    "perdagangan orang",
    "banjir bekasi",
    "tppo",
    "covid-19",
    "harga beras",
    "pemilu 2024",
    'source:"Kabar Kota" banjir',
    "bali OR bekasi",
    "perdagngan",
    "kasus",
]


def _snapshot(ix, text):
    result = ix.search(text, per_page=20)
    return (
        result.total,
        result.suggestion,
        [(h.id, round(h.score, 6), h.snippet.html) for h in result.hits],
    )


def test_eight_threads_get_the_same_results_as_a_serial_run(sample_index):
    with searcher.open_index(sample_index) as ix:
        expected = {text: _snapshot(ix, text) for text in QUERIES}
    with searcher.open_index(sample_index) as ix:
        outcomes: list = []
        errors: list = []
        start = threading.Barrier(8)

        def work(offset):
            try:
                start.wait()
                for round_ in range(2):
                    for i in range(len(QUERIES)):
                        text = QUERIES[(i + offset + round_) % len(QUERIES)]
                        outcomes.append((text, _snapshot(ix, text)))
            except Exception as error:  # reported below, with the thread's failure
                errors.append(error)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert len(outcomes) == 8 * 2 * len(QUERIES)
    assert [text for text, got in outcomes if got != expected[text]] == []
