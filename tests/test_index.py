"""Building and updating the index (searcher.whoosh.writer)."""

from __future__ import annotations

import multiprocessing
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

import searcher
from searcher.whoosh import internals
from searcher.whoosh.writer import BUILD_PREFIX, LOCK_FILE, indexer_lock
from tests.support import SAMPLE, article


def all_ids(index_dir) -> list[str]:
    with searcher.open_index(index_dir) as ix:
        return sorted(hit.id for hit in ix.search("*", per_page=100).hits)


def counts(report) -> tuple[int, int, int, int]:
    return report.added, report.updated, report.unchanged, len(report.rejected)


def test_build_from_the_sample_corpus(tmp_path):
    report = searcher.index_sources([str(SAMPLE)], tmp_path / "ix")
    assert counts(report) == (44, 0, 0, 0)
    assert report.read == 44
    assert searcher.index_exists(tmp_path / "ix")
    with searcher.open_index(tmp_path / "ix") as ix:
        assert ix.stats().documents == 44
        assert ix.get("sample-011").title.startswith("Banjir Rendam Ribuan Rumah di Bekasi")


def test_reindexing_the_same_sources_changes_nothing(tmp_path, tiny_corpus):
    path = tiny_corpus.jsonl("a.jsonl", article("a"), article("b"))
    searcher.index_sources([path], tmp_path / "ix")
    assert counts(searcher.index_sources([path], tmp_path / "ix")) == (0, 0, 2, 0)
    assert all_ids(tmp_path / "ix") == ["a", "b"]


def test_upsert_updates_changed_articles_skips_unchanged_and_adds_new(tmp_path, tiny_corpus):
    ix = tmp_path / "ix"
    searcher.index_sources(
        [
            tiny_corpus.jsonl(
                "v1.jsonl", article("a", "Banjir di Bekasi."), article("b", "Gempa di Bali.")
            )
        ],
        ix,
    )
    report = searcher.index_sources(
        [
            tiny_corpus.jsonl(
                "v2.jsonl",
                article("a", "Banjir di Bekasi."),  # unchanged
                article("b", "Kebakaran hutan di Riau."),  # changed body
                article("c", "Pemilu 2024."),  # new
            )
        ],
        ix,
    )
    assert counts(report) == (1, 1, 1, 0)
    assert report.read == 3
    assert all_ids(ix) == ["a", "b", "c"]
    with searcher.open_index(ix) as index:
        assert index.get("b").body == "Kebakaran hutan di Riau."
        assert [h.id for h in index.search("gempa").hits] == []
        assert [h.id for h in index.search("kebakaran").hits] == ["b"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Judul Baru"),
        ("url", "https://x.example/baru"),
        ("source", "Sumber Baru"),
        ("category", "baru"),
        ("published", "2024-01-01"),
    ],
)
def test_a_change_in_any_indexed_field_is_an_update(tmp_path, tiny_corpus, field, value):
    ix = tmp_path / "ix"
    searcher.index_sources([tiny_corpus.jsonl("v1.jsonl", article("a"))], ix)
    report = searcher.index_sources(
        [tiny_corpus.jsonl("v2.jsonl", article("a", **{field: value}))], ix
    )
    assert counts(report) == (0, 1, 0, 0)


def test_rebuild_holds_exactly_the_new_sources(tmp_path, tiny_corpus):
    ix = tmp_path / "ix"
    searcher.index_sources([tiny_corpus.jsonl("old.jsonl", article("a"), article("b"))], ix)
    report = searcher.index_sources(
        [tiny_corpus.jsonl("new.jsonl", article("b"), article("c"))], ix, rebuild=True
    )
    assert counts(report) == (2, 0, 0, 0)  # a rebuild adds everything afresh
    assert all_ids(ix) == ["b", "c"]


def test_rebuild_with_no_good_article_keeps_the_old_index(tmp_path, tiny_corpus):
    ix = tmp_path / "ix"
    searcher.index_sources([tiny_corpus.jsonl("old.jsonl", article("a"))], ix)
    report = searcher.index_sources([tiny_corpus.jsonl("bad.jsonl", "{broken")], ix, rebuild=True)
    assert counts(report) == (0, 0, 0, 1)
    assert all_ids(ix) == ["a"]


def test_duplicate_ids_in_one_run_are_rejected_naming_both_locations(tmp_path, tiny_corpus):
    first = tiny_corpus.jsonl("one.jsonl", article("a", "Versi pertama."), article("b"))
    second = tiny_corpus.jsonl("two.jsonl", article("c"), article("a", "Versi kedua."))
    report = searcher.index_sources([first, second], tmp_path / "ix")
    assert counts(report) == (3, 0, 0, 1)
    [rejected] = report.rejected
    assert rejected.location == f"{second}:2"
    assert f"{first}:1" in rejected.reason
    assert "duplicate id 'a'" in rejected.reason
    with searcher.open_index(tmp_path / "ix") as ix:
        assert ix.get("a").body == "Versi pertama."


def test_report_counts_add_up_to_the_records_read(tmp_path, tiny_corpus):
    ix = tmp_path / "ix"
    searcher.index_sources([tiny_corpus.jsonl("v1.jsonl", article("a"), article("b"))], ix)
    path = tiny_corpus.jsonl(
        "v2.jsonl",
        article("a"),
        article("b", "Berubah."),
        article("c"),
        "{broken",
        article("c"),
        {"title": "tanpa isi"},
        article("d"),
    )
    report = searcher.index_sources([path], ix)
    assert counts(report) == (2, 1, 1, 3)
    assert report.read == 7
    assert report.to_json() == {
        "added": 2,
        "updated": 1,
        "unchanged": 1,
        "rejected": 3,
        "seconds": round(report.seconds, 2),
    }


def test_the_index_opens_with_open_index(tmp_path, tiny_corpus):
    searcher.index_sources([tiny_corpus.jsonl("a.jsonl", article("a"))], tmp_path / "ix")
    with searcher.open_index(tmp_path / "ix") as ix:
        assert isinstance(ix, searcher.Index)
        assert ix.path == str(tmp_path / "ix")


def test_open_index_uses_searcher_index_from_the_environment(tmp_path, tiny_corpus, monkeypatch):
    searcher.index_sources([tiny_corpus.jsonl("a.jsonl", article("a"))], tmp_path / "ix")
    monkeypatch.setenv("SEARCHER_INDEX", str(tmp_path / "ix"))
    assert searcher.default_index_dir() == str(tmp_path / "ix")
    with searcher.open_index() as ix:
        assert ix.stats().documents == 1


def test_a_missing_index_raises_index_not_found_saying_how_to_build_one(tmp_path):
    with pytest.raises(searcher.IndexNotFoundError) as error:
        searcher.open_index(tmp_path / "nope")
    message = str(error.value)
    assert "python -m searcher index" in message
    assert str(tmp_path / "nope") in message
    assert "\n" not in message


def test_an_empty_folder_is_not_an_index(tmp_path):
    (tmp_path / "empty").mkdir()
    assert not searcher.index_exists(tmp_path / "empty")
    with pytest.raises(searcher.IndexNotFoundError):
        searcher.open_index(tmp_path / "empty")


def test_a_second_indexer_gets_index_busy_quickly(tmp_path, tiny_corpus):
    ix = tmp_path / "ix"
    path = tiny_corpus.jsonl("a.jsonl", article("a"))
    searcher.index_sources([path], ix)
    with indexer_lock(Path(ix), timeout=1):
        started = time.monotonic()
        with pytest.raises(searcher.IndexBusyError, match="another indexer"):
            searcher.index_sources([path], ix, lock_timeout=0.3)
        # It gave up instead of waiting for the holder (a hang detector, not a timing).
        assert time.monotonic() - started < 30
    assert counts(searcher.index_sources([path], ix, lock_timeout=0.3)) == (0, 0, 1, 0)


def test_a_waiting_indexer_proceeds_when_the_lock_is_released(tmp_path, tiny_corpus):
    ix = tmp_path / "ix"
    ix.mkdir()
    path = tiny_corpus.jsonl("a.jsonl", article("a"))
    holding = threading.Event()

    def hold():
        with indexer_lock(ix, timeout=1):
            holding.set()
            time.sleep(0.5)

    thread = threading.Thread(target=hold)
    thread.start()
    holding.wait(5)
    report = searcher.index_sources([path], ix, lock_timeout=10)
    thread.join()
    assert counts(report) == (1, 0, 0, 0)


def test_a_lock_file_that_cannot_be_opened_is_one_clear_error(tmp_path, tiny_corpus):
    ix = tmp_path / "ix"
    (ix / LOCK_FILE).mkdir(parents=True)  # as unopenable as another user's file, for root too
    with pytest.raises(searcher.SearcherError) as error:
        searcher.index_sources([tiny_corpus.jsonl("a.jsonl", article("a"))], ix)
    assert str(error.value) == f"cannot lock the index folder {ix}: Is a directory"


def test_a_stale_building_folder_is_cleaned_up(tmp_path, tiny_corpus):
    ix = tmp_path / "ix"
    stale = ix / f"{BUILD_PREFIX}99999"
    stale.mkdir(parents=True)
    (stale / "_searcher_0.toc").write_bytes(b"half written")
    report = searcher.index_sources([tiny_corpus.jsonl("a.jsonl", article("a"))], ix)
    assert counts(report) == (1, 0, 0, 0)
    assert list(ix.glob(f"{BUILD_PREFIX}*")) == []
    assert all_ids(ix) == ["a"]


def test_a_first_build_that_fails_leaves_no_index(tmp_path, tiny_corpus):
    def records():
        yield searcher.Article(id="a", title="A", body="Isi.")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        searcher.build_index(records(), tmp_path / "ix")
    assert not searcher.index_exists(tmp_path / "ix")
    assert list((tmp_path / "ix").glob(f"{BUILD_PREFIX}*")) == []


def test_an_update_that_fails_keeps_the_last_committed_index(tmp_path, tiny_corpus):
    ix = tmp_path / "ix"
    searcher.index_sources([tiny_corpus.jsonl("a.jsonl", article("a"))], ix)

    def records():
        yield searcher.Article(id="b", title="B", body="Isi.")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        searcher.build_index(records(), ix)
    assert all_ids(ix) == ["a"]


# -- worker processes (procs > 1, the CLI's default on more than one core) -------------------
def test_with_workers_every_article_is_indexed_once_and_a_rerun_changes_nothing(
    tmp_path, tiny_corpus
):
    # 250 articles: three jobs of 100 for Whoosh's workers, so both of them index some.
    records = [article(f"a{n}", f"Berita banjir nomor {n}.") for n in range(250)]
    path = tiny_corpus.jsonl("many.jsonl", *records, article("a7", "Id yang sama lagi."))
    ix = tmp_path / "ix"
    assert counts(searcher.index_sources([path], ix, procs=2)) == (250, 0, 0, 1)
    with searcher.open_index(ix) as index:
        assert index.stats().documents == 250
        assert index.search("banjir", per_page=1).total == 250
        assert index.get("a7").body == "Berita banjir nomor 7."  # the first a7 is kept
    assert counts(searcher.index_sources([path], ix, procs=2)) == (0, 0, 250, 1)


def test_a_failed_run_with_workers_stops_them_and_the_next_run_proceeds(tmp_path, tiny_corpus):
    # Whoosh's cancel leaves its workers waiting for jobs, holding the locks they inherited.
    ix = tmp_path / "ix"
    searcher.index_sources([tiny_corpus.jsonl("a.jsonl", article("a"))], ix)

    def records():
        for n in range(300):
            yield searcher.Article(id=f"n{n}", title="Judul", body="Isi.")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        searcher.build_index(records(), ix, procs=2)
    assert multiprocessing.active_children() == []
    report = searcher.index_sources(
        [tiny_corpus.jsonl("b.jsonl", article("b"))], ix, procs=2, lock_timeout=1
    )
    assert counts(report) == (1, 0, 0, 0)
    assert all_ids(ix) == ["a", "b"]


@pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork",
    reason="the patched writer reaches the workers only when they are forked",
)
def test_a_failed_worker_fails_the_run_instead_of_dropping_its_articles(
    tmp_path, tiny_corpus, monkeypatch, capfd
):
    # Whoosh would commit without the failed worker's segment and report every article added.
    ix = tmp_path / "ix"
    searcher.index_sources([tiny_corpus.jsonl("a.jsonl", article("a"))], ix)
    writer_class = internals.BulkSegmentWriter  # the workers' writer
    add_document = writer_class.add_document

    def fail_on_boom(self, **fields):  # only workers call it: the parent hands out batches
        if fields["id"] == "boom":
            raise RuntimeError("a worker broke")
        add_document(self, **fields)

    monkeypatch.setattr(writer_class, "add_document", fail_on_boom)
    path = tiny_corpus.jsonl("b.jsonl", *[article(f"n{n}") for n in range(250)], article("boom"))
    with pytest.raises(searcher.SearcherError, match="indexing worker process failed"):
        searcher.index_sources([path], ix, procs=2)
    assert "a worker broke" in capfd.readouterr().err  # the worker's own traceback
    assert all_ids(ix) == ["a"]
    assert multiprocessing.active_children() == []


def test_stats_work_on_an_index_built_in_two_runs_the_first_undated(tmp_path, tiny_corpus):
    # e.g. `index ../shared/seeds` (plain text, no dates) and then a dated news corpus
    ix = tmp_path / "ix"
    searcher.index_sources([tiny_corpus.text("seeds/a.txt", "Judul\n\nIsi tanpa tanggal.\n")], ix)
    searcher.index_sources(
        [tiny_corpus.jsonl("news.jsonl", article("b", published="2019-09-10"))], ix
    )
    with searcher.open_index(ix) as index:
        stats = index.stats()
    assert (stats.documents, stats.earliest, stats.latest) == (
        2,
        datetime(2019, 9, 10),
        datetime(2019, 9, 10),
    )


def test_stats_work_on_an_undated_index_built_in_two_runs(tmp_path, tiny_corpus):
    ix = tmp_path / "ix"
    searcher.index_sources([tiny_corpus.text("docs/a.txt", "Judul\n\nIsi satu.\n")], ix)
    searcher.index_sources([tiny_corpus.text("docs/b.txt", "Judul\n\nIsi dua.\n")], ix)
    with searcher.open_index(ix) as index:
        stats = index.stats()
    assert (stats.documents, stats.earliest, stats.latest) == (2, None, None)


def test_stats_describe_the_sample_index(sample_ix):
    stats = sample_ix.stats()
    assert stats.documents == 44
    assert stats.earliest == datetime(2023, 1, 24, 9, 0)
    assert stats.latest == datetime(2025, 6, 3, 18, 45)
    assert sum(f.count for f in stats.sources) == 44
    assert {f.value for f in stats.sources} == {
        "Warta Nusantara",
        "Harian Merdeka Raya",
        "Kabar Kota",
        "Lensa Ekonomi",
        "Sinar Pagi",
        "Jurnal Olahraga",
    }
    assert stats.size_bytes > 0
