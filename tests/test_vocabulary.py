"""Each index owns its vocabulary (searcher.stemmer.Vocabulary): its words and their
stems, from its own stem table; with two indexes open, each answers for itself (#25)."""

from __future__ import annotations

import gzip
import threading

import searcher
from searcher import stemmer, stemtable
from tests.support import article

TRADE = article("a", "Perdagangan orang diberantas di pelabuhan.", title="Pemberantasan")
TRIP = article("c", "Keberangkatan kapal ditunda.", title="Perdagangan")


def build(tmp_path, tiny_corpus, name, *records):
    folder = tmp_path / name
    searcher.index_sources([tiny_corpus.jsonl(f"{name}.jsonl", *records)], folder, rebuild=True)
    return folder


def rewrite_stem(folder, word: str, stem: str) -> None:
    """Give ``word`` another stem in ``folder``'s table (same rules: still trusted)."""
    path = stemtable.table_path(folder)
    header, *lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    lines = [line for line in lines if line.split("\t")[0] != word] + [f"{word}\t{stem}"]
    path.write_bytes(gzip.compress(("\n".join([header, *lines]) + "\n").encode()))


def terms(query) -> set[tuple[str, str]]:
    return {
        (field, text.decode() if isinstance(text, bytes) else text)
        for field, text in query.all_terms()
    }


def test_two_open_indexes_each_know_their_own_words(tmp_path, tiny_corpus):
    first = build(tmp_path, tiny_corpus, "first", TRADE)
    second = build(tmp_path, tiny_corpus, "second", TRIP)
    with searcher.open_index(first) as a, searcher.open_index(second) as b:
        assert a.vocabulary.complete and b.vocabulary.complete
        assert a.vocabulary.holds("pelabuhan") is True
        assert b.vocabulary.holds("pelabuhan") is False  # not the union of both tables
        assert b.vocabulary.holds("keberangkatan") is True
        assert a.vocabulary.holds("keberangkatan") is False
        assert [hit.id for hit in a.search("pelabuhan").hits] == ["a"]
        assert [hit.id for hit in b.search("keberangkatan").hits] == ["c"]
        assert b.search("pelabuhan").hits == []


def test_two_indexes_with_different_stem_tables_stem_by_their_own(tmp_path, tiny_corpus):
    first = build(tmp_path, tiny_corpus, "first", TRADE)
    second = build(tmp_path, tiny_corpus, "second", TRIP)
    # The second index's table says "perdagangan" is its own stem (as a protected
    # word would be); the first one's says "dagang".
    rewrite_stem(second, "perdagangan", "perdagangan")
    stemmer.clear_known_stems()
    with searcher.open_index(first) as a, searcher.open_index(second) as b:
        assert a.vocabulary.stem("perdagangan") == "dagang"
        assert b.vocabulary.stem("perdagangan") == "perdagangan"
        # The query parser, run by each index, analyses with that index's stems.
        assert ("body", "dagang") in terms(a.parse("perdagangan"))
        assert ("body", "perdagangan") in terms(b.parse("perdagangan"))
        assert ("body", "dagang") not in terms(b.parse("perdagangan"))
        # Snippets too: each index marks the word by its own stems.
        hit = a.search("dagang").hits[0]
        assert [text for text, marked in hit.snippet.fragments if marked] == ["Perdagangan"]
        # The order they were opened in does not matter; neither does a thread.
        found = {}

        def parse_in_thread() -> None:
            found["b"] = terms(b.parse("perdagangan"))

        thread = threading.Thread(target=parse_in_thread)
        thread.start()
        thread.join()
        assert ("body", "perdagangan") in found["b"]
    # Outside both, the process-wide default vocabulary answers (Sastrawi's stem).
    assert stemmer.current() is stemmer.default_vocabulary()
    assert searcher.stem_word("perdagangan") == "dagang"


def test_an_indexing_run_learns_into_its_own_vocabulary(tmp_path, tiny_corpus):
    stemmer.clear_known_stems()
    build(tmp_path, tiny_corpus, "first", TRADE)
    # The run's words went to its index's table, not to the process's vocabulary.
    assert "pelabuhan" not in stemmer.default_vocabulary().known
    assert stemtable.read_table(tmp_path / "first")["pelabuhan"] == "labuh"


def test_using_makes_a_vocabulary_current_and_restores_the_one_before():
    mine = stemmer.Vocabulary({"kapal": "kapalku"}, complete=True)
    before = stemmer.current()
    with stemmer.using(mine):
        assert stemmer.current() is mine
        assert stemmer.stem_word("kapal") == "kapalku"
        assert searcher.analyze("kapal itu") == ["kapalku"]
    assert stemmer.current() is before
    assert stemmer.stem_word("kapal") == "kapal"
    assert mine.holds("kapal") is True and mine.holds("perahu") is False
    assert stemmer.Vocabulary({"kapal": "kapal"}).holds("perahu") is None  # cannot tell


def test_deleting_through_an_open_index_loads_its_table_into_its_own(tmp_path, tiny_corpus):
    folder = build(tmp_path, tiny_corpus, "first", TRADE, TRIP)
    stemmer.clear_known_stems()
    with searcher.open_index(folder) as index:
        assert index.delete(["c"]).deleted == 1
        assert index.search("keberangkatan").hits == []
        assert index.vocabulary.holds("pelabuhan") is True
    assert "pelabuhan" not in stemmer.default_vocabulary().known
