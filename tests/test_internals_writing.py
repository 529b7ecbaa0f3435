"""The writing side of Whoosh's internals (searcher.whoosh.internals): our writers'
hooks, the bulk writer, raw date columns, each behind the version gate, with the
fallbacks counted and giving the same index."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

import searcher
from searcher import Article, stemtable
from searcher.whoosh import codec, internals
from searcher.whoosh.storage import INDEX_NAME, make_schema

ARTICLES = [
    Article(
        f"a{n}",
        f"Perdagangan orang {n}",
        f"Polisi membongkar perdagangan orang di Bekasi, kasus ke-{n}. Banjir merendam COVID-19.",
        source="Kompas",
        published=datetime(2019, 9, 1 + n % 28, 7, 30),
    )
    for n in range(60)
]
QUERIES = ["perdagangan orang", "banjir bekasi", '"perdagangan orang"', "covid", "kasus 7"]


def _results(location: str) -> list:
    """Every match of each query with its score, all pages: the documents tie on
    score, and which of them fill the first page follows the document numbers,
    which a parallel build orders by whichever worker finished first."""
    found = []
    with searcher.open_index(location, result_cache=0) as index:
        for q in QUERIES:
            hits, page = [], 1
            while True:
                result = index.search(q, page=page, per_page=100)
                hits += [(hit.id, round(hit.score, 6)) for hit in result.hits]
                if page * 100 >= result.total:
                    break
                page += 1
            found.append(hits)
    return found


def _toc_generations(folder: Path) -> set[str]:
    return {p.name for p in folder.glob(f"_{INDEX_NAME}_*.toc")}


@pytest.mark.parametrize("procs", [1, 2])
def test_the_writers_hook_runs_once_the_segment_is_written_before_the_toc(tmp_path, procs):
    folder = tmp_path / "index"
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), make_schema(), indexname=INDEX_NAME)
    tocs = _toc_generations(folder)
    seen = []

    def hook():
        seen.append((_toc_generations(folder), {p.name for p in folder.glob("*.cph")}))

    options = {"codec": codec.index_codec(), "compound": False}
    if procs == 1:
        writer = internals.segment_writer(ix, hook, **options)
        assert isinstance(writer, internals.BulkSegmentWriter)
    else:
        writer = internals.ParallelWriter(
            ix, internals.WorkerTask, hook, procs=2, multisegment=True, batchsize=10, **options
        )
    for article in ARTICLES:
        writer.add_document(id=article.id, title=article.title, body=article.body)
    writer.commit()
    assert len(seen) == 1
    tocs_then, columns_then = seen[0]
    assert tocs_then == tocs  # no new table of contents yet ...
    assert len(_toc_generations(folder)) == 1 and _toc_generations(folder) != tocs
    ix.close()
    ix = whoosh_index.open_dir(str(folder), indexname=INDEX_NAME)
    segments = ix._segments()
    ix.close()
    assert len(segments) == procs  # one segment per process ...
    for segment in segments:  # ... each written before the hook ran
        assert segment.make_filename(".cph") in columns_then
    with whoosh_index.open_dir(str(folder), indexname=INDEX_NAME).searcher() as s:
        assert s.doc_count() == len(ARTICLES)


@pytest.mark.parametrize("procs", [1, 2])
def test_indexing_takes_no_fallback_on_this_whoosh(tmp_path, procs):
    before = internals.FALLBACKS.copy()
    location = str(tmp_path / "index")
    searcher.build_index(ARTICLES[:30], location, procs=procs)
    searcher.build_index(ARTICLES[30:], location, procs=procs)  # cleans, then adds
    assert searcher.delete_documents(["a3"], location).deleted == 1
    assert before == internals.FALLBACKS


def test_on_another_whoosh_indexing_falls_back_counted_to_the_same_results(tmp_path, monkeypatch):
    fast = str(tmp_path / "fast")
    searcher.build_index(ARTICLES[:30], fast, procs=2)
    searcher.build_index(ARTICLES[30:], fast, procs=2)
    monkeypatch.setattr(internals, "FAST", False)
    before = internals.FALLBACKS.copy()
    slow = str(tmp_path / "slow")
    searcher.build_index(ARTICLES[:30], slow, procs=2)
    searcher.build_index(ARTICLES[30:], slow, procs=2)
    fell_back = internals.FALLBACKS - before
    assert {"parallel_writing", "segment_writer", "index_codec"} <= set(fell_back)
    assert fell_back["remove_unused_segment_files"] >= 1  # the second run, on an index
    monkeypatch.undo()
    assert _results(slow) == _results(fast)
    # The hooks ran: the stem table holds the words, as with our writers.
    assert stemtable.read_table(Path(slow)) == stemtable.read_table(Path(fast))
    assert stemtable.read_table(Path(slow))["perdagangan"] == "dagang"


def test_a_date_columns_raw_numbers_read_back_as_the_dates(tmp_path):
    location = str(tmp_path / "index")
    searcher.build_index(ARTICLES[:3], location)
    ix = whoosh_index.open_dir(location, indexname=INDEX_NAME)
    with ix.reader() as reader:
        ids = list(reader.column_reader("id"))
        raw = list(reader.column_reader("published", translate=False))
    ix.close()
    published = {a.id: a.published for a in ARTICLES}
    for doc_id, value in zip(ids, raw, strict=True):
        assert internals.column_datetime(value) == published[doc_id]
        day = published[doc_id].date().toordinal() - 1
        assert value // internals.DATETIME_DAY == day
    assert internals.column_datetime(2**80) is None


def _segment_count(location: str) -> int:
    ix = whoosh_index.open_dir(location, indexname=INDEX_NAME)
    count = len(ix._segments())
    ix.close()
    return count


def _term_documents(location: str) -> dict:
    """Whoosh's own searcher: each ranked field's each term's documents (ids)."""
    from whoosh.query import Term

    found = {}
    ix = whoosh_index.open_dir(location, indexname=INDEX_NAME)
    with ix.searcher() as s:
        for field in codec.RANKED_FIELDS:
            for text in s.reader().field_terms(field):
                hits = s.search(Term(field, text), limit=None)
                found[field, text] = sorted(hit["id"] for hit in hits)
    ix.close()
    return found


def test_a_parallel_build_ends_as_one_segment_with_the_same_results(tmp_path):
    many = [
        Article(f"m{n}", f"{a.title} {n % 7}", f"{a.body} Nomor {n}.", published=a.published)
        for n, a in enumerate(ARTICLES * 5)
    ]
    one, two = str(tmp_path / "one"), str(tmp_path / "two")
    searcher.build_index(many[:200], one, procs=1)
    searcher.build_index(many[:200], two, procs=2)  # 100 documents a job: both workers
    assert _segment_count(two) == 1
    assert _term_documents(two) == _term_documents(one)
    assert [sorted(r) for r in _results(two)] == [sorted(r) for r in _results(one)]
    # A second run with deletions (updates) in the merged segment (Whoosh's merge
    # policy then treats the two indexes' segments differently: ids compared only).
    changed = [Article(a.id, a.title, a.body + " Diperbarui.") for a in many[:30]]
    for location, procs in ((one, 1), (two, 2)):
        searcher.build_index(changed + many[200:], location, procs=procs)
    assert _segment_count(two) <= 2  # the second run's segments merged too
    assert _term_documents(two) == _term_documents(one)
    assert [sorted(i for i, _ in r) for r in _results(two)] == [
        sorted(i for i, _ in r) for r in _results(one)
    ]
