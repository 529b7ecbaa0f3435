"""The stem table saved with an index (searcher.stemtable): every indexed word with its
stem, so opening the index spares Sastrawi for every word the index holds."""

from __future__ import annotations

import gzip
import logging

import pytest

import searcher
from searcher import stemmer, stemtable
from tests.support import article


@pytest.fixture
def sastrawi_calls(monkeypatch):
    """A fresh process's stemmer (nothing known, nothing cached) that counts the words
    it really stems (our rules and Sastrawi)."""
    calls: list[str] = []
    real = stemmer.sastrawi_stem

    def counting(word: str) -> str:
        calls.append(word)
        return real(word)

    stemmer.clear_known_stems()
    monkeypatch.setattr(stemmer, "sastrawi_stem", counting)
    yield calls
    stemmer.clear_known_stems()


def build(tmp_path, tiny_corpus, *records, name="a.jsonl", **options):
    return searcher.index_sources([tiny_corpus.jsonl(name, *records)], tmp_path / "ix", **options)


TRADE = article("a", "Perdagangan orang diberantas di pelabuhan.", title="Pemberantasan")


def test_indexing_saves_every_indexed_word_with_its_stem(tmp_path, tiny_corpus, sastrawi_calls):
    build(tmp_path, tiny_corpus, TRADE, article("b", "COVID-19 menyebar."))
    table = stemtable.read_table(tmp_path / "ix")
    assert table == {
        "pemberantasan": "berantas",
        "perdagangan": "dagang",
        "orang": "orang",
        "diberantas": "berantas",
        "pelabuhan": "labuh",
        "covid-19": "covid-19",
        "covid": "covid",
        "19": "19",
        "menyebar": "sebar",
        "judul": "judul",
        "b": "b",  # the title "Judul b"
    }
    # Each word was stemmed once, whatever the fields (stemmed, pairs) asking for it.
    assert sorted(sastrawi_calls) == sorted(table)


def test_an_opened_index_stems_its_words_from_the_table(tmp_path, tiny_corpus, sastrawi_calls):
    build(tmp_path, tiny_corpus, TRADE)
    stemmer.clear_known_stems()  # as a fresh server process
    sastrawi_calls.clear()
    with searcher.open_index(tmp_path / "ix") as index:
        found = index.search("perdagangan pelabuhan")
        assert [hit.id for hit in found.hits] == ["a"]
        marked = [text for text, hit in found.hits[0].snippet.fragments if hit]
        assert marked == ["Perdagangan", "pelabuhan"]
        assert index.vocabulary.stem("diberantas") == "berantas"  # the index's words
        # Only the opening's warm-up word and the query's unknown words reach Sastrawi.
        assert "perdagangan" not in sastrawi_calls
        assert "pelabuhan" not in sastrawi_calls
        assert "diberantas" not in sastrawi_calls
        assert "orang" not in sastrawi_calls  # a snippet word
        assert index.vocabulary.stem("keberangkatan") == "berangkat"  # not in the index
        assert sastrawi_calls[-1] == "keberangkatan"
        # A word met only in a query is cached, not added to the table.
        assert "keberangkatan" not in index.vocabulary.known


def test_reindexing_reuses_and_extends_the_table(tmp_path, tiny_corpus, sastrawi_calls):
    build(tmp_path, tiny_corpus, TRADE)
    stemmer.clear_known_stems()  # a new indexing process
    sastrawi_calls.clear()
    build(
        tmp_path,
        tiny_corpus,
        TRADE,
        article("c", "Keberangkatan ditunda."),
        name="b.jsonl",
        rebuild=True,
    )
    # The rebuild stemmed only the new article's words ("Judul c" its title).
    assert sorted(sastrawi_calls) == ["c", "ditunda", "judul", "keberangkatan"]
    table = stemtable.read_table(tmp_path / "ix")
    assert table["keberangkatan"] == "berangkat"
    assert table["perdagangan"] == "dagang"  # kept from the first run
    assert len(table) == 9


def test_a_process_that_knew_the_words_still_saves_them(tmp_path, tiny_corpus, sastrawi_calls):
    build(tmp_path, tiny_corpus, TRADE)  # this process now knows every word of TRADE
    sastrawi_calls.clear()
    searcher.index_sources([tiny_corpus.jsonl("b.jsonl", TRADE)], tmp_path / "other")
    assert sastrawi_calls == []  # nothing stemmed again ...
    # ... and the other index's table has every word all the same.
    assert stemtable.read_table(tmp_path / "other") == stemtable.read_table(tmp_path / "ix")


def test_workers_stems_reach_the_table(tmp_path, tiny_corpus, sastrawi_calls):
    records = [article(f"n{i}", f"Pelabuhan ke-{i} diperdagangkan.") for i in range(30)]
    build(tmp_path, tiny_corpus, *records, procs=2)
    table = stemtable.read_table(tmp_path / "ix")
    assert table["diperdagangkan"] == "dagang"
    assert {f"ke-{i}" for i in range(30)} <= set(table)
    assert not list((tmp_path / "ix").glob(".stems-*"))  # the workers' files are merged


def test_missing_table_is_no_error_and_the_next_run_writes_one(
    tmp_path, tiny_corpus, sastrawi_calls, caplog
):
    build(tmp_path, tiny_corpus, TRADE)
    stemtable.table_path(tmp_path / "ix").unlink()
    stemmer.clear_known_stems()
    with (
        caplog.at_level(logging.WARNING, logger="searcher"),
        searcher.open_index(tmp_path / "ix") as index,
    ):
        assert [hit.id for hit in index.search("perdagangan").hits] == ["a"]
    assert caplog.records == []  # a missing table is no problem, only slower
    assert "perdagangan" in sastrawi_calls
    build(tmp_path, tiny_corpus, article("d", "Pelabuhan baru."), name="d.jsonl")
    assert stemtable.read_table(tmp_path / "ix")["pelabuhan"] == "labuh"


@pytest.mark.parametrize(
    "content",
    [
        b"not gzip at all",
        gzip.compress(b"no header\nkata\n"),
        gzip.compress(b"# searcher stem table 0000\nkata\tk\n"),
    ],
    ids=["not-gzip", "no-header", "other-rules"],
)
def test_an_unusable_table_is_one_warning_and_sastrawi_stems(
    tmp_path, tiny_corpus, sastrawi_calls, caplog, content
):
    build(tmp_path, tiny_corpus, TRADE)
    path = stemtable.table_path(tmp_path / "ix")
    path.write_bytes(content)
    stemmer.clear_known_stems()
    sastrawi_calls.clear()
    with (
        caplog.at_level(logging.WARNING, logger="searcher"),
        searcher.open_index(tmp_path / "ix") as index,
    ):
        assert [hit.id for hit in index.search("perdagangan").hits] == ["a"]
    assert len(caplog.records) == 1
    assert str(path) in caplog.records[0].getMessage()
    assert "stemming without it" in caplog.records[0].getMessage()
    assert "perdagangan" in sastrawi_calls
    assert "kata" not in stemmer.known_stems()
    # The next indexing run replaces it with a table of the words it indexed.
    build(tmp_path, tiny_corpus, TRADE, name="again.jsonl", rebuild=True)
    assert stemtable.read_table(tmp_path / "ix")["perdagangan"] == "dagang"


def test_table_round_trip_and_atomic_write(tmp_path):
    table = {"perdagangan": "dagang", "orang": "orang", "covid-19": "covid-19"}
    stemtable.write_table(tmp_path, table)
    assert stemtable.read_table(tmp_path) == table
    lines = gzip.decompress(stemtable.table_path(tmp_path).read_bytes()).decode().splitlines()
    assert lines[1:] == ["perdagangan\tdagang", "orang", "covid-19"]  # own stem: word alone
    assert [p.name for p in tmp_path.iterdir()] == [stemtable.FILE_NAME]  # no temporary left


def test_leftovers_of_a_killed_run_are_removed_by_the_next(tmp_path, tiny_corpus, sastrawi_calls):
    build(tmp_path, tiny_corpus, TRADE)
    folder = tmp_path / "ix"
    (folder / f".{stemtable.FILE_NAME}.999.tmp").write_bytes(b"half a table")
    (folder / ".stems-999.part").write_text("kata\tk\n")  # a killed worker's stems
    build(tmp_path, tiny_corpus, article("e", "Pelabuhan baru."), name="e.jsonl")
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".stems")) == []
    assert "kata" not in stemtable.read_table(folder)


def test_a_table_that_grew_with_its_index_is_complete_and_spares_dictionary_walks(
    tmp_path, tiny_corpus
):
    build(tmp_path, tiny_corpus, TRADE)
    assert stemtable.is_complete(tmp_path / "ix")
    build(tmp_path, tiny_corpus, article("b", "Presiden meresmikan jalan tol."), name="b.jsonl")
    assert stemtable.is_complete(tmp_path / "ix")  # extended, still complete
    with searcher.open_index(tmp_path / "ix") as index:
        view = index._view()
        assert view.known is not None and view.known("presiden") and view.known("perdagangan")
        assert not view.known("presidn")


def test_an_index_older_than_its_table_keeps_walking_the_dictionary(tmp_path, tiny_corpus):
    build(tmp_path, tiny_corpus, TRADE)
    stemtable.table_path(tmp_path / "ix").unlink()  # as an index built before tables
    build(tmp_path, tiny_corpus, article("b", "Presiden meresmikan jalan tol."), name="b.jsonl")
    assert stemtable.table_path(tmp_path / "ix").exists()
    assert not stemtable.is_complete(tmp_path / "ix")  # "perdagangan" is not in it
    with searcher.open_index(tmp_path / "ix") as index:
        assert index._view().known is None
    build(
        tmp_path,
        tiny_corpus,
        TRADE,
        article("b", "Presiden meresmikan jalan tol."),
        name="c.jsonl",
        rebuild=True,
    )
    assert stemtable.is_complete(tmp_path / "ix")  # a rebuild holds every word again
