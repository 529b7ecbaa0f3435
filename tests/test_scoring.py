"""Scoring over arrays (searcher.scoring) and the array search against Whoosh's own.

The unit tests use hand-made arrays with exact expectations. The equivalence
tests run the same parsed queries through Whoosh's collector (``limit=None``,
every match scored) and through ``Index.search``: totals, order and scores
must agree, on a multi-segment index with deleted documents, with filters,
date sorts and facets.
"""

from __future__ import annotations

import json
import math
import threading

import numpy as np
import pytest
from whoosh import sorting
from whoosh.scoring import bm25 as whoosh_bm25

import searcher
from searcher import results, scoring
from searcher.query.parser import filter_query
from searcher.ranking import WORDS_ONLY
from searcher.whoosh import columns
from searcher.whoosh.columns import as_datetime
from tests.support import SAMPLE


def matches(mask, score):
    return scoring.Matches(np.array(mask, dtype=bool), np.array(score, dtype=float))


# -- scoring.py ------------------------------------------------------------------------


def test_bm25_equals_whooshs_formula_for_every_posting():
    tf = np.array([1, 2, 7], dtype=np.float32)
    lengths = np.array([10.0, 250.0, 3.0])
    got = scoring.bm25(2.5, tf, lengths, 120.0, 0.75, 1.2)
    want = [
        whoosh_bm25(2.5, float(t), float(n), 120.0, 0.75, 1.2)
        for t, n in zip(tf, lengths, strict=True)
    ]
    assert got.tolist() == want  # same operations in the same order: equal floats


def test_postings_spread_their_scores_over_the_documents():
    got = scoring.Postings(np.array([0, 2, 4]), np.array([1.5, 2.0, 3.0])).dense(5)
    assert got.mask.tolist() == [True, False, True, False, True]
    assert got.score.tolist() == [1.5, 0.0, 2.0, 0.0, 3.0]


def test_or_adds_scores_and_applies_the_boost():
    a = matches([1, 1, 0, 0], [1.0, 2.0, 0, 0])
    b = matches([0, 1, 1, 0], [0, 3.0, 4.0, 0])
    got = scoring.any_of(4, [a, b], boost=2.0)
    assert got.mask.tolist() == [True, True, True, False]
    assert got.score.tolist() == [2.0, 10.0, 8.0, 0.0]


def test_and_keeps_documents_matching_every_part():
    a = matches([1, 1, 0, 1], [1.0, 2.0, 0, 5.0])
    b = matches([0, 1, 1, 1], [0, 3.0, 4.0, 1.0])
    got = scoring.all_of(4, [a, b])
    assert got.mask.tolist() == [False, True, False, True]
    assert got.score.tolist() == [0.0, 5.0, 0.0, 6.0]


def test_or_and_and_take_postings_and_arrays_alike():
    postings = scoring.Postings(np.array([1, 3]), np.array([2.0, 4.0]))
    arrays = matches([1, 1, 0, 0], [1.0, 1.0, 0, 0])
    either = scoring.any_of(4, iter([postings, arrays]))
    assert (either.mask.tolist(), either.score.tolist()) == (
        [True, True, False, True],
        [1.0, 3.0, 0.0, 4.0],
    )
    both = scoring.all_of(4, iter([postings, arrays]))
    assert (both.mask.tolist(), both.score.tolist()) == (
        [False, True, False, False],
        [0.0, 3.0, 0.0, 0.0],
    )


def test_and_not_maybe_and_require_score_like_whooshs_matchers():
    a = matches([1, 1, 0, 1], [1.0, 2.0, 0, 5.0])
    b = matches([0, 1, 1, 0], [0, 3.0, 4.0, 0])
    excluded = scoring.excluding(a, b)
    assert (excluded.mask.tolist(), excluded.score.tolist()) == (
        [True, False, False, True],
        [1.0, 0.0, 0.0, 5.0],
    )
    maybe = scoring.maybe(a, b)
    assert (maybe.mask.tolist(), maybe.score.tolist()) == (
        [True, True, False, True],
        [1.0, 5.0, 0.0, 5.0],
    )
    required = scoring.requiring(a, b)
    assert (required.mask.tolist(), required.score.tolist()) == (
        [False, True, False, False],
        [0.0, 2.0, 0.0, 0.0],
    )


def test_ranked_orders_by_score_then_document_number():
    docnums = np.array([7, 3, 9, 1, 5])
    scores = np.array([2.0, 5.0, 2.0, 2.0, 1.0])
    top = scoring.ranked(docnums, scores, 3)
    assert docnums[top].tolist() == [3, 1, 7]  # 5.0, then the 2.0 tie by document number
    assert docnums[scoring.ranked(docnums, scores, 10)].tolist() == [3, 1, 7, 9, 5]
    assert scoring.ranked(docnums, scores, 0).tolist() == []


def test_sorted_by_date_puts_undated_documents_last_both_ways():
    docnums = np.array([0, 1, 2, 3, 4])
    moments = np.array([20, 0, 10, 20, 0])
    dated = np.array([True, False, True, True, False])
    newest = scoring.sorted_by_date(docnums, moments, dated, 5, newest=True)
    oldest = scoring.sorted_by_date(docnums, moments, dated, 5, newest=False)
    assert docnums[newest].tolist() == [3, 0, 2, 4, 1]  # ties: descending, like Whoosh's reverse
    assert docnums[oldest].tolist() == [2, 0, 3, 1, 4]


def test_group_counts():
    names = ["kompas", "detik", None]
    assert scoring.group_counts(np.array([0, 2, 0, 1, 0]), names) == {
        "kompas": 3,
        "detik": 1,
        None: 1,
    }


# -- the array search equals Whoosh's collector ----------------------------------------

QUERIES = [
    "perdagangan orang",
    "TPPO",
    "korupsi",
    "revisi UU KPK",
    "KPK",
    '"perdagangan orang"',
    "banjir OR gempa",
    "banjir -Jakarta",
    "perdagangan NOT orang",
    "-banjir",
    "+korupsi dana",
    "judul:perdagangan",
    "sumber:kompas banjir",
    "kategori:nasional",
    "korup*",
    "korupsi~",
    "tanggal:2019",
    "perdagangan tanggal:[2019-01-01 TO 2019-06-30]",
    "*",
    "ekspor impor neraca",
    "anak-anak",
    "COVID-19",
    "Bekasi",
    "presidn Jokowi",
    "xyzzy tidak ada",
]


def whoosh_matches(index, text: str, **options) -> tuple[int, list[tuple[str, float]], dict]:
    """Total, (id, score) of every match in order, and groups, by Whoosh's collector."""
    whoosh_searcher = index._searcher()
    parsed = index.parse(text)
    results = whoosh_searcher.search(parsed, limit=None, optimize=False, **options)
    ranked = [(hit.fields()["id"], hit.score) for hit in results]
    groups = {name: results.groups(name) for name in options.get("groupedby", {})}
    return len(results), ranked, groups


# What the index promises, as keys for Whoosh's own sorting and grouping: undated
# articles last whichever the direction, and no day for them.
def newest_key(value):
    return -1 if as_datetime(value) is None else value


def oldest_key(value):
    return 2**64 if as_datetime(value) is None else value


def day_of(value):
    moment = as_datetime(value)
    return moment.strftime("%Y-%m-%d") if moment else None


def assert_same_ranking(ours, theirs):
    assert [hit_id for hit_id, _ in ours] == [hit_id for hit_id, _ in theirs]
    for (_, mine), (_, whooshs) in zip(ours, theirs, strict=True):
        assert math.isclose(mine, whooshs, rel_tol=1e-9, abs_tol=1e-12)


@pytest.fixture(scope="module")
def updated_index(tmp_path_factory):
    """The sample corpus in several segments, with some articles replaced (deletions)."""
    folder = tmp_path_factory.mktemp("arrays")
    articles = [
        json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    index_dir = folder / "index"
    for start in range(0, len(articles), 15):  # three commits: three segments
        batch = folder / f"batch{start}.jsonl"
        batch.write_text(
            "".join(json.dumps(a) + "\n" for a in articles[start : start + 15]), encoding="utf-8"
        )
        searcher.build_index(searcher.read_articles([batch]), index_dir, procs=1)
    changed = [
        dict(a, body=a["body"] + " Perdagangan orang dan korupsi dibahas lagi.")
        for a in articles[::4]
    ]  # re-indexed: their old versions become deletions
    batch = folder / "changed.jsonl"
    batch.write_text("".join(json.dumps(a) + "\n" for a in changed), encoding="utf-8")
    searcher.build_index(searcher.read_articles([batch]), index_dir, procs=1)
    with searcher.open_index(index_dir) as index:
        reader = index._searcher().reader()
        assert len(reader.leaf_readers()) > 1 and reader.has_deletions()
    return index_dir


@pytest.fixture()
def arrays_index(updated_index, monkeypatch):
    """Whoosh's own query semantics (OR of the words, an all-words bonus), which its
    collector can check; plain queries read as concepts are ranked by our own
    rules, tested in test_relevance.py."""
    with searcher.open_index(updated_index, ranking=WORDS_ONLY, result_cache=0) as index:
        yield index


@pytest.mark.parametrize("text", QUERIES)
def test_array_search_equals_whooshs_collector(arrays_index, text):
    total, ranked, _ = whoosh_matches(arrays_index, text)
    for _ in range(2):  # the second time from the posting cache
        # As typed: a correction (#21) would search other words than the collector.
        result = arrays_index.search(text, per_page=100, snippets=False, as_typed=True)
        assert result.total == total
        assert_same_ranking([(hit.id, hit.score) for hit in result.hits], ranked[:100])


@pytest.mark.parametrize("text", ["korupsi", "perdagangan orang", "-banjir", "*"])
def test_pages_of_the_array_search_follow_whooshs_order(arrays_index, text):
    _, ranked, _ = whoosh_matches(arrays_index, text)
    pages = [arrays_index.search(text, page=page, per_page=4, snippets=False) for page in (1, 2)]
    assert [hit.id for page in pages for hit in page.hits] == [hit_id for hit_id, _ in ranked[:8]]


@pytest.mark.parametrize("text", ["korupsi", "perdagangan orang", "*", "-banjir"])
def test_filters_match_whooshs_filter(arrays_index, text):
    filters = searcher.Filters.build(source=["Kompas", "detik"], since="2019-01-01")
    total, ranked, _ = whoosh_matches(arrays_index, text, filter=filter_query(filters))
    result = arrays_index.search(text, per_page=100, filters=filters, snippets=False)
    assert result.total == total
    assert_same_ranking([(hit.id, hit.score) for hit in result.hits], ranked)


@pytest.mark.parametrize("sort", ["newest", "oldest"])
@pytest.mark.parametrize("text", ["perdagangan", "*"])
def test_date_sorts_match_whooshs_sorting(arrays_index, text, sort):
    key = newest_key if sort == "newest" else oldest_key
    facet = sorting.TranslateFacet(key, sorting.FieldFacet("published"))
    _, ranked, _ = whoosh_matches(arrays_index, text, sortedby=facet, reverse=sort == "newest")
    result = arrays_index.search(text, per_page=100, sort=sort, snippets=False)
    assert [hit.id for hit in result.hits] == [hit_id for hit_id, _ in ranked]


@pytest.mark.parametrize("text", ["perdagangan orang", "*", "korupsi -suap"])
def test_facets_match_whooshs_groups(arrays_index, text):
    groupedby = {
        "source": sorting.FieldFacet("source"),
        "category": sorting.FieldFacet("category"),
        "day": sorting.TranslateFacet(day_of, sorting.FieldFacet("published")),
    }
    _, _, groups = whoosh_matches(arrays_index, text, groupedby=groupedby, maptype=sorting.Count)
    result = arrays_index.search(text, facets=True, snippets=False)
    for name in ("source", "category"):
        assert result.facets[name] == results.facet_counts(groups[name])
    assert result.histogram == results.date_histogram(groups["day"])
    assert sum(f.count for f in result.facets["source"]) == result.total


def test_the_posting_cache_stays_within_its_limit(updated_index, monkeypatch):
    with searcher.open_index(updated_index, result_cache=0, posting_cache_bytes=20_000) as index:
        for text in QUERIES:
            index.search(text, snippets=False)
            assert index._postings.size <= 20_000
        assert index._postings.size > 0


def test_threads_share_the_posting_cache_and_get_the_same_results(updated_index, monkeypatch):
    with searcher.open_index(updated_index, result_cache=0) as index:
        want = {text: index.search(text, snippets=False) for text in QUERIES[:10]}
        failures = []

        def work():
            for text in QUERIES[:10] * 3:
                got = index.search(text, snippets=False)
                if (got.total, [h.id for h in got.hits]) != (
                    want[text].total,
                    [h.id for h in want[text].hits],
                ):
                    failures.append(text)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []


def test_segment_columns_are_read_once_for_all_threads(updated_index, monkeypatch):
    reads = []
    read_columns = columns.read_columns
    monkeypatch.setattr(
        columns, "read_columns", lambda reader: reads.append(reader) or read_columns(reader)
    )
    with searcher.open_index(updated_index, result_cache=0) as index:
        segments = len(index._searcher().reader().leaf_readers())
        results = []
        threads = [
            threading.Thread(
                target=lambda: results.append(index.search("korupsi", facets=True, sort="newest"))
            )
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(results) == 4 and len({result.total for result in results}) == 1
    assert len(reads) == segments  # once per segment, not once per thread's reader


def test_stats_count_only_live_articles(arrays_index):
    # The updated index holds deleted (replaced) versions of every fourth article.
    stats = arrays_index.stats()
    everything = arrays_index.search("*", per_page=100, facets=True, snippets=False)
    assert stats.documents == everything.total
    assert stats.sources == everything.facets["source"]
    assert stats.categories == everything.facets["category"]
    dates = [hit.published for hit in everything.hits if hit.published]
    assert (stats.earliest, stats.latest) == (min(dates), max(dates))
