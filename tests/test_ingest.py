"""Hostile corpus input (issue #12): surrogates, one path as a string, huge articles,
gzip bombs, FIFOs, links out of the folder, a BOM, ``javascript:`` links, missing paths.

Each test builds its own small corpus; nothing here reads ../shared.
"""

from __future__ import annotations

import gzip
import json
import os
import threading
import tracemalloc
from pathlib import Path

import pytest

import searcher
from searcher import cli
from searcher.ingest import MAX_BODY_CHARS, bounded_lines, read_jsonl
from tests.support import article
from web import close_index, create_app


def read(*paths, **options):
    return list(searcher.read_articles(list(paths), **options))


def good(records):
    return {r.id: r for r in records if isinstance(r, searcher.Article)}


def bad(records):
    return [str(r) for r in records if isinstance(r, searcher.Rejected)]


# -- 1. lone surrogates --------------------------------------------------------------------
SURROGATE_LINES = [
    '{"id": "surr", "title": "judul \\ud800", "body": "surrogate \\ud800 lone"}',
    '{"id": "bad-\\udfff", "body": "surrogate dalam id"}',
    '{"id": "src", "body": "surrogate dalam sumber", "source": "Kabar\\ud83d"}',
    '{"id": "ok", "body": "surrogate tidak ada di sini"}',
]


def test_lone_surrogates_are_replaced_and_an_unencodable_id_is_rejected_alone(tiny_corpus):
    path = tiny_corpus.jsonl("s.jsonl", *SURROGATE_LINES)
    records = read(path)
    articles = good(records)
    assert set(articles) == {"surr", "src", "ok"}
    assert articles["surr"].body == "surrogate \ufffd lone"
    assert articles["surr"].title == "judul \ufffd"
    assert articles["src"].source == "Kabar\ufffd"
    assert bad(records) == [
        f"{path}:2: the id holds '\\udfff', which is not a character (a lone surrogate)"
    ]


def test_an_index_with_surrogate_records_serves_every_page(tiny_corpus, tmp_path):
    path = tiny_corpus.jsonl("s.jsonl", *SURROGATE_LINES)
    report = searcher.index_sources([path], tmp_path / "ix", procs=1)
    assert (report.added, len(report.rejected)) == (3, 1)
    app = create_app({"TESTING": True, "INDEX": str(tmp_path / "ix")})
    try:
        client = app.test_client()
        for url in (
            "/search?q=surrogate",
            "/api/search?q=surrogate",
            "/article/surr",
            "/api/article/surr",
            "/article/src?q=sumber",
            "/api/stats",
            "/",
        ):
            assert client.get(url).status_code == 200, url
        hits = client.get("/api/search?q=surrogate").get_json()["hits"]
        assert {hit["id"] for hit in hits} == {"surr", "src", "ok"}
    finally:
        close_index(app)


# -- 2. one path as a string ----------------------------------------------------------------
def test_one_string_or_path_is_one_source(tiny_corpus, tmp_path):
    path = tiny_corpus.jsonl("x.jsonl", article("a1"), article("a2"))
    assert searcher.index_sources(str(path), tmp_path / "i1", procs=1).added == 2
    assert searcher.index_sources(path, tmp_path / "i2", procs=1).added == 2
    assert set(good(searcher.read_articles(str(path)))) == {"a1", "a2"}


@pytest.mark.parametrize("paths", [5, None, [5], [b"corpus"], {"a": 1}.items(), b"corpus"])
def test_anything_but_paths_is_a_searcher_error(paths, tmp_path):
    with pytest.raises(searcher.SearcherError, match="^paths: expected a path or a list"):
        searcher.index_sources(paths, tmp_path / "ix")
    assert not (tmp_path / "ix").exists()


# -- 6. article size ----------------------------------------------------------------------------
def test_an_article_over_the_size_limit_is_rejected_with_its_size(tiny_corpus):
    huge = "kata " * (MAX_BODY_CHARS // 5 + 1)
    path = tiny_corpus.jsonl(
        "big.jsonl",
        article("big", huge),
        article("ok"),
        article("long-title", title="judul " * 300),
    )
    records = read(path)
    assert set(good(records)) == {"ok"}
    size = len(huge.strip())
    assert bad(records) == [
        f"{path}:1: the body is {size:,} characters long; at most {MAX_BODY_CHARS:,} are accepted",
        f"{path}:3: the title is 1,799 characters long; at most 1,000 are accepted",
    ]


def test_snippets_and_related_articles_only_read_the_start_of_a_long_article(tmp_path):
    from searcher.snippets import SCAN_CHARS

    filler = "Warga kota menunggu kabar dari pemerintah daerah. " * (3 * SCAN_CHARS // 50)
    body = f"{filler}Banjir besar melanda Bekasi."
    assert len(body) > SCAN_CHARS
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(
        "\n".join(
            json.dumps(r)
            for r in (
                article("long", body, title="Kabar kota"),
                article(
                    "other", "Warga kota menunggu kabar pemerintah daerah.", title="Kabar lain"
                ),
            )
        )
        + "\n",
        encoding="utf-8",
    )
    searcher.index_sources(corpus, tmp_path / "ix", procs=1)
    with searcher.open_index(tmp_path / "ix") as ix:
        [hit] = ix.search("banjir").hits
        # the match lies beyond the scanned part: the snippet is the lede, not the match
        assert hit.id == "long" and "Banjir" not in hit.snippet.text
        assert hit.snippet.text.startswith("Warga kota") and hit.snippet.text.endswith("…")
        assert [h.id for h in ix.more_like_this("long")] == ["other"]


# -- 7. gzip bombs --------------------------------------------------------------------------------
def test_an_endless_line_is_rejected_with_its_line_number_in_bounded_memory(tmp_path):
    limit = 64 * 1024
    bomb = tmp_path / "bomb.jsonl.gz"
    with gzip.open(bomb, "wb") as stream:
        stream.write(json.dumps(article("first")).encode() + b"\n")
        for _ in range(64):  # 64 MiB of zeros on line 2
            stream.write(bytes(1024 * 1024))
        stream.write(b"\n" + json.dumps(article("after")).encode() + b"\n")
    tracemalloc.start()
    try:
        records = list(read_jsonl(bomb, max_record_bytes=limit))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert set(good(records)) == {"first", "after"}
    assert bad(records) == [
        f"{bomb}:2: the record is longer than 65,536 bytes; skipped without reading it"
    ]
    assert peak < 4 * 1024 * 1024  # the line is 64 MiB; the reader holds ~the limit


def test_a_flood_of_newlines_keeps_line_numbers_and_memory_bounded(tmp_path):
    flood = tmp_path / "flood.jsonl.gz"
    with gzip.open(flood, "wb") as stream:
        for _ in range(16):
            stream.write(b"\n" * (1024 * 1024) + b"  \r\n")
        stream.write(b"{broken\n")
    tracemalloc.start()
    try:
        records = list(read_jsonl(flood, max_record_bytes=1024))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    line = 16 * (1024 * 1024 + 1) + 1
    assert [r.location for r in records] == [f"{flood}:{line}"]
    assert peak < 2 * 1024 * 1024


@pytest.mark.parametrize("chunking", [1, 3, 7, 64 * 1024])
def test_bounded_lines_splits_like_splitlines(chunking, monkeypatch):
    import io

    from searcher.ingest import lines as line_reader

    monkeypatch.setattr(line_reader, "_CHUNK", chunking)
    data = b"  \nab\n\n  cd  \n" + b"x" * 12 + b"\nlast"
    lines = list(bounded_lines(io.BytesIO(data), 10, skip_blank=False))
    assert lines == [(1, b"  "), (2, b"ab"), (3, b""), (4, b"  cd  "), (5, None), (6, b"last")]
    lines = list(bounded_lines(io.BytesIO(data), 10, skip_blank=True))
    assert [(n, raw) for n, raw in lines if raw is None or raw.strip()] == [
        (2, b"ab"),
        (4, b"  cd  "),
        (5, None),
        (6, b"last"),
    ]


def test_an_overlong_csv_line_is_rejected_and_the_rest_kept(tiny_corpus):
    path = tiny_corpus.raw("a.csv", b"id,body\na1,pendek\na2," + b"x" * 5000 + b"\na3,juga\n")
    records = read(path, max_record_bytes=1000)
    assert set(good(records)) == {"a1", "a3"}
    assert bad(records) == [
        f"{path}:3: the record is longer than 1,000 bytes; skipped without reading it"
    ]


def test_an_oversized_document_file_is_rejected_unread(tiny_corpus):
    tiny_corpus.text("besar.txt", "Judul\n\n" + "isi " * 1000)
    tiny_corpus.text("kecil.txt", "Judul\n\nisi pendek")
    records = read(tiny_corpus.root, max_record_bytes=1000)
    assert set(good(records)) == {"corpus/kecil.txt"}
    assert bad(records) == [
        f"{tiny_corpus.root / 'besar.txt'}: the file is longer than "
        "1,000 bytes; skipped without reading it"
    ]


# -- 8. FIFOs and other special files ----------------------------------------------------------
def test_a_fifo_in_a_folder_is_skipped_with_a_note(tiny_corpus):
    tiny_corpus.text("berita.txt", "Judul\n\nIsi berita.")
    fifo = tiny_corpus.path("pipa.jsonl")
    os.mkfifo(fifo)
    result: list = []
    reader = threading.Thread(target=lambda: result.extend(read(tiny_corpus.root)), daemon=True)
    reader.start()
    reader.join(60)  # a hang guard, not a timing: reading a FIFO blocks forever
    assert not reader.is_alive(), "the reader opened the FIFO"
    assert set(good(result)) == {"corpus/berita.txt"}
    assert bad(result) == [f"{fifo}: not a regular file (a FIFO); skipped"]


def test_a_fifo_given_as_a_source_is_a_corpus_error(tmp_path):
    fifo = tmp_path / "pipa.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(
        searcher.CorpusError,
        match=r"pipa.jsonl: not a regular file or a "
        r"folder \(a FIFO\)",
    ):
        searcher.read_articles([fifo])


# -- 9. links ----------------------------------------------------------------------------------
@pytest.fixture
def linked_corpus(tmp_path) -> Path:
    outside = tmp_path / "rahasia.txt"
    outside.write_text("Rahasia\n\nIsi file di luar korpus.", encoding="utf-8")
    folder = tmp_path / "korpus"
    folder.mkdir()
    (folder / "berita.txt").write_text("Judul\n\nIsi berita.", encoding="utf-8")
    (folder / "passwd.txt").symlink_to(outside)
    (folder / "salinan.txt").symlink_to(folder / "berita.txt")  # stays inside: read
    return folder


def test_links_out_of_the_folder_are_not_followed(linked_corpus):
    records = read(linked_corpus)
    assert set(good(records)) == {"korpus/berita.txt", "korpus/salinan.txt"}
    target = (linked_corpus.parent / "rahasia.txt").resolve()
    assert bad(records) == [
        f"{linked_corpus / 'passwd.txt'}: a link to {target}, outside the "
        "folder; skipped (--follow-links reads it)"
    ]


def test_links_out_of_the_folder_are_followed_when_asked(linked_corpus, tmp_path, capsys):
    records = read(linked_corpus, follow_links=True)
    assert set(good(records)) == {"korpus/berita.txt", "korpus/salinan.txt", "korpus/passwd.txt"}
    assert not bad(records)
    index = str(tmp_path / "ix")
    assert cli.main(["index", str(linked_corpus), "--index", index, "--quiet", "--procs", "1"]) == 1
    assert "outside the folder; skipped" in capsys.readouterr().err
    assert (
        cli.main(
            [
                "index",
                str(linked_corpus),
                "--index",
                index,
                "--quiet",
                "--procs",
                "1",
                "--follow-links",
            ]
        )
        == 0
    )
    assert "1 added" in capsys.readouterr().out


# -- 10. a byte order mark ------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["bom.jsonl", "bom.jsonl.gz"])
def test_a_jsonl_file_starting_with_a_bom_keeps_record_one(tiny_corpus, name):
    path = tiny_corpus.jsonl(
        name, b"\xef\xbb\xbf" + json.dumps(article("a1")).encode(), article("a2")
    )
    records = read(path)
    assert set(good(records)) == {"a1", "a2"} and not bad(records)


def test_a_bom_elsewhere_is_still_an_error(tiny_corpus):
    path = tiny_corpus.jsonl(
        "bom.jsonl", article("a1"), b"\xef\xbb\xbf" + json.dumps(article("a2")).encode()
    )
    assert [r.split(": ", 1)[0] for r in bad(read(path))] == [f"{path}:2"]


# -- 16. links that are not web links -------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://kabar.example/a", "https://kabar.example/a"),
        ("HTTP://kabar.example/b", "HTTP://kabar.example/b"),
        ("javascript:alert(1)", ""),
        (" JavaScript:alert(1)", ""),
        ("data:text/html,x", ""),
        ("//kabar.example/c", ""),
        ("http://", ""),
        ("http://[::1", ""),
        ("kabar.example", ""),
    ],
)
def test_only_http_urls_are_kept_at_ingest(tiny_corpus, url, kept):
    path = tiny_corpus.jsonl("u.jsonl", article("a1", url=url))
    [record] = read(path)
    assert record.url == kept


def test_a_stored_javascript_url_is_never_returned(tmp_path):
    # An index written before the check: the url goes straight into the index.
    unsafe = searcher.Article("a1", "Judul", "Isi berita banjir.", url="javascript:alert(1)")
    searcher.build_index([unsafe], tmp_path / "ix", procs=1)
    with searcher.open_index(tmp_path / "ix") as ix:
        assert ix.get("a1").url == ""
        assert ix.search("banjir").hits[0].url == ""
    app = create_app({"TESTING": True, "INDEX": str(tmp_path / "ix")})
    try:
        client = app.test_client()
        assert client.get("/api/article/a1").get_json()["url"] == ""
        assert client.get("/api/search?q=banjir").get_json()["hits"][0]["url"] == ""
    finally:
        close_index(app)


# -- 17. a missing source creates nothing ---------------------------------------------------------
def test_a_missing_source_creates_no_index_folder(tiny_corpus, tmp_path, capsys):
    good_path = tiny_corpus.jsonl("a.jsonl", article("a1"))
    index = tmp_path / "ix"
    with pytest.raises(searcher.CorpusError, match="tidak-ada.jsonl: no such file or folder"):
        searcher.index_sources([good_path, tmp_path / "tidak-ada.jsonl"], index)
    assert not index.exists()
    assert (
        cli.main(
            ["index", str(good_path), str(tmp_path / "tidak-ada"), "--index", str(index), "--quiet"]
        )
        == 2
    )
    assert "no such file or folder" in capsys.readouterr().err
    assert not index.exists()


def test_corpus_error_is_a_searcher_error():
    assert issubclass(searcher.CorpusError, searcher.SearcherError)
    assert issubclass(searcher.CorpusError, OSError)


def test_csv_with_old_mac_line_ends_is_still_read(tiny_corpus):
    path = tiny_corpus.raw("mac.csv", b'id,body\ra1,"satu\rdua"\ra2,tiga\r')
    records = read(path)
    assert {key: a.body for key, a in good(records).items()} == {"a1": "satu\ndua", "a2": "tiga"}


def test_following_links_stops_at_a_cycle(tiny_corpus):
    tiny_corpus.text("a/berita.txt", "Judul\n\nIsi berita.")
    (tiny_corpus.root / "a" / "putar").symlink_to(tiny_corpus.root)
    records = read(tiny_corpus.root, follow_links=True)
    assert set(good(records)) == {"corpus/a/berita.txt"} and not bad(records)
    assert set(good(read(tiny_corpus.root))) == {"corpus/a/berita.txt"}
