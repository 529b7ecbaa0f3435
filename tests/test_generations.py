"""One call of the library reads one index generation (#24): a search whose nested calls
(spelling suggestions) ran after another process committed refreshed the thread's
searcher in the middle of the search and closed the reader the search was using
(``whoosh.reading.ReaderClosed``: 500 on the web during the soak with ``fetch --every``).
"""

from __future__ import annotations

import searcher
from tests.support import article


def test_a_commit_during_a_search_does_not_close_its_reader(tiny_corpus, tmp_path):
    location = str(tmp_path / "index")
    first = tiny_corpus.jsonl("a.jsonl", article("a-1", "Banjir besar melanda kota Jakarta."))
    searcher.index_sources([str(first)], location)
    later = tiny_corpus.jsonl("b.jsonl", article("b-1", "Banjir kembali melanda kota Bekasi."))
    with searcher.open_index(location, refresh_seconds=0, result_cache=0) as index:
        assert [hit.id for hit in index.search("banjir").hits] == ["a-1"]
        suggest = index.suggest  # a nested API call of every search (its spelling step)
        committed = []

        def suggest_after_a_commit(text, **options):
            if not committed:  # another writer commits while this search runs
                committed.append(searcher.index_sources([str(later)], location))
            return suggest(text, **options)

        index.suggest = suggest_after_a_commit
        result = index.search("banjir", facets=True)
        assert committed[0].added == 1
        assert [hit.id for hit in result.hits] == ["a-1"]  # the generation it began with
        index.suggest = suggest
        assert sorted(hit.id for hit in index.search("banjir").hits) == ["a-1", "b-1"]


def test_stored_fields_stay_readable_after_a_merge_deleted_their_file(sample_index, tmp_path):
    # A commit that merges segments deletes the old ones' files; a searcher not yet
    # refreshed had not opened its stored fields yet (Whoosh opens them at first use):
    # TypeError in Whoosh's stored_fields, a 500 in the soak (#24).
    import shutil

    copy = tmp_path / "ix"
    shutil.copytree(sample_index, copy)
    with searcher.open_index(copy, result_cache=0) as index:
        index.parse("banjir")  # this thread's view of the generation, no stored field read
        for stored in copy.glob("*._stored.col"):
            stored.unlink()  # what the merging commit's clean-up does
        result = index.search("perdagangan orang", facets=True, collapse="story")
        assert result.hits and all(hit.title for hit in result.hits)
