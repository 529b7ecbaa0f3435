"""Our Whoosh codec (searcher.whoosh.codec): ranked fields' postings as memory-mapped columns.

The index must stay a Whoosh index: Whoosh opens it, and Whoosh's own searcher
finds the same documents in it as in an index of the same articles written by
Whoosh's codec, term by term and for phrases; merges keep the columns; the
search takes the columns' fast path (no fallback counted).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.query import Or, Phrase, Term

import searcher
from searcher import Article
from searcher.whoosh import codec, internals
from searcher.whoosh.storage import INDEX_NAME

SAMPLE = Path(__file__).resolve().parent.parent / "corpus" / "sample.jsonl"
EXTRA = [
    Article(
        "tppo-1",
        "Perdagangan Orang",
        "Polisi membongkar perdagangan orang di Bekasi. "
        "Perdagangan orang itu melibatkan tiga orang.",
        source="Kompas",
        published=datetime(2019, 9, 10),
    ),
    Article(
        "covid-1",
        "COVID-19 di Jakarta",
        "Kasus COVID-19 naik; e-KTP warga dicek.",
        published=datetime(2019, 9, 11),
    ),
]


def _articles():
    return [*searcher.read_articles(str(SAMPLE)), *EXTRA]


def _build(location: Path, *, plain: bool, monkeypatch, procs: int = 1) -> str:
    """The articles in three commits, one deleted: several segments and a deletion."""
    if plain:  # Whoosh's own codec (with short lists inlined), as before issue 22
        monkeypatch.setattr(codec, "index_codec", lambda: internals.InliningCodec())
    articles = _articles()
    for start in range(0, len(articles), 20):
        searcher.build_index(articles[start : start + 20], location, procs=procs)
    assert searcher.delete_documents([articles[3].id], location).deleted == 1
    monkeypatch.undo()
    return str(location)


def _term_results(location: str) -> dict:
    """Every ranked field's every term: the ids Whoosh's searcher finds, document and
    total frequencies; and some phrases."""
    ix = whoosh_index.open_dir(location, indexname=INDEX_NAME)
    found = {}
    with ix.searcher() as s:
        reader = s.reader()
        for field in codec.RANKED_FIELDS:
            for text in reader.field_terms(field):
                hits = s.search(Term(field, text), limit=None)
                found[field, text] = (
                    sorted(hit["id"] for hit in hits),
                    reader.doc_frequency(field, text),
                    reader.frequency(field, text),
                )
        # What each segment's dictionary says of each term (Whoosh's scorers read it).
        for number, (leaf, _) in enumerate(reader.leaf_readers()):
            for field in codec.RANKED_FIELDS:
                for text in leaf.field_terms(field):
                    info = leaf.term_info(field, text)
                    found["info", number, field, text] = (
                        info.weight(),
                        info.doc_frequency(),
                        info.min_length(),
                        info.max_length(),
                        info.max_weight(),
                        info.min_id(),
                        info.max_id(),
                    )
        # Whoosh's own top 10 with its block-quality skipping, scores included.
        for words in (["jakarta", "presiden", "harga"], ["dagang", "orang", "bekasi"]):
            query = Or([Term("body", w) for w in words] + [Term("title", w) for w in words])
            found["top", tuple(words)] = [
                (hit["id"], round(hit.score, 5)) for hit in s.search(query, limit=10)
            ]
        for words in (["dagang", "orang"], ["polisi", "bongkar"], ["covid-19", "jakarta"]):
            hits = s.search(Phrase("body", words), limit=None)
            found["phrase", tuple(words)] = sorted(hit["id"] for hit in hits)
    ix.close()
    return found


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    monkeypatch = pytest.MonkeyPatch()
    columnar = _build(
        tmp_path_factory.mktemp("columnar") / "index", plain=False, monkeypatch=monkeypatch
    )
    plain = _build(tmp_path_factory.mktemp("plain") / "index", plain=True, monkeypatch=monkeypatch)
    return columnar, plain


def _segments(location: str) -> list:
    ix = whoosh_index.open_dir(location, indexname=INDEX_NAME)
    segments = ix._segments()
    ix.close()
    return segments


def test_new_segments_keep_ranked_postings_in_columns(both):
    columnar, plain = both
    assert all(isinstance(s.codec(), codec.ColumnarCodec) for s in _segments(columnar))
    assert not any(isinstance(s.codec(), codec.ColumnarCodec) for s in _segments(plain))
    assert list(Path(columnar).glob("*.cpi")) and not list(Path(plain).glob("*.cpi"))


@pytest.mark.slow  # builds, merges and compares whole indexes
def test_whoosh_finds_the_same_documents_as_in_a_plain_index(both):
    columnar, plain = both
    ours, theirs = _term_results(columnar), _term_results(plain)
    assert len(ours) > 1000
    assert ours == theirs
    assert "tppo-1" in ours["phrase", ("dagang", "orang")]


def test_read_postings_gives_the_arrays_of_whooshs_matchers(both):
    columnar, _ = both
    ix = whoosh_index.open_dir(columnar, indexname=INDEX_NAME)
    with ix.searcher() as s:
        for sub, _ in s.leaf_searchers():
            reader = sub.reader()
            for field in ("body", "title_exact", "body_pairs"):
                for text in list(reader.field_terms(field))[:200]:
                    ids, weights = internals.read_postings(reader, field, text)
                    matcher = reader.postings(field, text)
                    matcher = getattr(matcher, "child", matcher)  # deleted ones too
                    matcher.reset()
                    expected = []
                    while matcher.is_active():
                        expected.append((matcher.id(), matcher.weight()))
                        matcher.next()
                    assert list(zip(ids.tolist(), weights.tolist(), strict=True)) == expected
            empty = internals.read_postings(reader, "body", "tidakadakatasepertiini")
            assert len(empty[0]) == 0 and empty[0].dtype == np.int64
    ix.close()


def test_searches_take_the_columns_fast_path(both):
    columnar, plain = both
    before = internals.FALLBACKS.copy()
    with searcher.open_index(columnar, result_cache=0) as index:
        ours = [(h.id, round(h.score, 6)) for h in index.search("perdagangan orang").hits]
    assert ours and before == internals.FALLBACKS
    with searcher.open_index(plain, result_cache=0) as index:
        theirs = [(h.id, round(h.score, 6)) for h in index.search("perdagangan orang").hits]
    assert (internals.FALLBACKS - before)["columnar_postings"] > 0  # the old path, counted
    assert ours == theirs


def test_search_results_are_the_same_as_with_whooshs_codec(both):
    columnar, plain = both
    queries = [
        "presiden",
        "perdagangan orang",
        "banjir bekasi",
        '"perdagangan orang"',
        "korup*",
        "covid",
        "jakarta -banjir",
        "judul:harga",
    ]

    def results(location):
        with searcher.open_index(location, result_cache=0) as index:
            return [
                [(h.id, round(h.score, 6)) for h in index.search(q, per_page=50).hits]
                for q in queries
            ]

    assert results(columnar) == results(plain)


@pytest.mark.slow  # builds, merges and compares whole indexes
def test_a_merge_keeps_the_columns_and_the_results(tmp_path, both):
    columnar, _ = both
    before = _term_results(columnar)
    merged = tmp_path / "merged"
    merged.mkdir()
    for file in Path(columnar).iterdir():
        if file.is_file():
            (merged / file.name).write_bytes(file.read_bytes())
    ix = whoosh_index.open_dir(str(merged), indexname=INDEX_NAME)
    ix.writer(codec=codec.index_codec(), compound=False).commit(optimize=True)
    ix.close()
    segments = _segments(str(merged))
    assert len(segments) == 1 and isinstance(segments[0].codec(), codec.ColumnarCodec)
    after = _term_results(str(merged))

    def found(results):  # the merge drops the deleted document: its counts change
        ids = {
            key: value if key[0] == "phrase" else value[0]
            for key, value in results.items()
            if key[0] not in ("top", "info")
        }  # (scores and each segment's statistics change too)
        return {key: value for key, value in ids.items() if value}

    assert found(after) == found(before)


def test_terms_with_one_hash_are_found_through_whooshs_dictionary(tmp_path, monkeypatch):
    monkeypatch.setattr(codec, "term_key", lambda fieldname, btext: 7)  # every term collides
    location = str(tmp_path / "index")
    searcher.build_index(EXTRA, location)
    header = next(Path(location).glob("*.cph")).read_text()
    assert '"hashed": false' in header
    with searcher.open_index(location, result_cache=0) as index:
        assert [h.id for h in index.search("perdagangan orang").hits] == ["tppo-1"]
        assert [h.id for h in index.search("covid").hits] == ["covid-1"]
    assert _term_results(location)["body", "bongkar"][0] == ["tppo-1"]


@pytest.mark.slow  # builds, merges and compares whole indexes
def test_a_parallel_build_writes_columns(tmp_path, monkeypatch, both):
    _, plain = both
    location = _build(tmp_path / "index", plain=False, monkeypatch=monkeypatch, procs=2)
    assert all(isinstance(s.codec(), codec.ColumnarCodec) for s in _segments(location))
    assert _term_results(location) == _term_results(plain)


def test_on_another_whoosh_new_segments_use_whooshs_codec(tmp_path, monkeypatch):
    monkeypatch.setattr(internals, "FAST", False)
    before = internals.FALLBACKS.copy()
    location = str(tmp_path / "index")
    searcher.build_index(EXTRA, location)
    assert not any(isinstance(s.codec(), codec.ColumnarCodec) for s in _segments(location))
    assert (internals.FALLBACKS - before)["index_codec"] == 1
    with searcher.open_index(location, result_cache=0) as index:
        assert [h.id for h in index.search("perdagangan orang").hits] == ["tppo-1"]
