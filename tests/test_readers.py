"""Corpus readers: JSON Lines, CSV, folders of documents, and bad records."""

from __future__ import annotations

import gzip
import json
import re
from datetime import datetime

import pytest

from searcher import Article, CorpusError, Rejected, read_articles
from searcher.dates import date_in_text
from tests.support import article, shared_path


def read(*paths):
    return list(read_articles([str(p) for p in paths]))


def ids(records):
    return [r.id for r in records if isinstance(r, Article)]


def rejections(records):
    return [r for r in records if isinstance(r, Rejected)]


# -- JSON Lines --------------------------------------------------------------------------
def test_jsonl_records_become_articles(tiny_corpus):
    path = tiny_corpus.jsonl(
        "berita.jsonl",
        {
            "id": "a1",
            "title": "  Banjir   di Bekasi ",
            "body": "Air naik.",
            "url": "https://x.example/1",
            "source": "Kabar Kota",
            "category": "Daerah",
            "published": "2024-01-28T06:50:00+07:00",
        },
    )
    assert read(path) == [
        Article(
            id="a1",
            title="Banjir di Bekasi",
            body="Air naik.",
            url="https://x.example/1",
            source="Kabar Kota",
            category="Daerah",
            published=datetime(2024, 1, 28, 6, 50),
        )
    ]  # the outlet's label as it is: the index normalises it (searcher.categories)
    assert read(path)[0].origin == f"{path}:1"


def test_gzipped_jsonl_reads_like_plain_jsonl(tiny_corpus):
    records = [article("a"), article("b")]
    plain = read(tiny_corpus.jsonl("x.jsonl", *records))
    packed = read(tiny_corpus.jsonl("x.jsonl.gz", *records))
    assert packed == plain
    assert [a.origin for a in packed] == [f"{tiny_corpus.root / 'x.jsonl.gz'}:{n}" for n in (1, 2)]


def test_blank_lines_are_skipped_and_line_numbers_stay_true(tiny_corpus):
    path = tiny_corpus.jsonl("x.jsonl", article("a"), "", "   ", article("b"))
    assert [a.origin for a in read(path)] == [f"{path}:1", f"{path}:4"]


@pytest.mark.parametrize(
    ("field", "value", "attribute", "expected"),
    [
        ("content", "Isi dari content.", "body", "Isi dari content."),
        ("text", "Isi dari text.", "body", "Isi dari text."),
        ("date", "10 September 2019", "published", datetime(2019, 9, 10)),
        ("title_slug", "banjir-di-bekasi", "title", "banjir-di-bekasi"),
        ("Title", "Judul Berhuruf Besar", "title", "Judul Berhuruf Besar"),
    ],
)
def test_field_aliases(tiny_corpus, field, value, attribute, expected):
    record = {"id": "a", field: value}
    if attribute != "body":
        record["body"] = "Isi."
    [result] = read(tiny_corpus.jsonl("x.jsonl", record))
    assert getattr(result, attribute) == expected


def test_a_real_title_wins_over_the_title_slug(tiny_corpus):
    [result] = read(
        tiny_corpus.jsonl(
            "x.jsonl",
            {"id": "a", "title_slug": "slug-judul", "title": "Judul Asli", "content": "Isi."},
        )
    )
    assert result.title == "Judul Asli"


def test_date_and_separate_time_raw_are_combined(tiny_corpus):
    [result] = read(
        tiny_corpus.jsonl(
            "x.jsonl", {"id": "a", "content": "Isi.", "date": "2019-09-10", "time_raw": "13:30 WIB"}
        )
    )
    assert result.published == datetime(2019, 9, 10, 13, 30)


def test_a_missing_id_falls_back_to_the_url(tiny_corpus):
    [result] = read(tiny_corpus.jsonl("x.jsonl", {"url": "https://x.example/1", "body": "Isi."}))
    assert result.id == "https://x.example/1"


def test_bad_jsonl_records_are_rejected_with_file_line_and_reason(tiny_corpus):
    path = tiny_corpus.jsonl(
        "campur.jsonl",
        article("good-1"),
        '{"id": "broken", "body": ',
        "[1, 2, 3]",
        {"title": "tanpa id dan isi"},
        b'{"id": "bytes", "body": "\xff rusak"}',
        article("bad-date", published="kemarin sore"),
        {"id": "no-body"},
        article("good-2"),
    )
    records = read(path)
    assert ids(records) == ["good-1", "good-2"]
    reasons = {r.location: r.reason for r in rejections(records)}
    assert list(reasons) == [f"{path}:{n}" for n in (2, 3, 4, 5, 6, 7)]
    assert reasons[f"{path}:2"].startswith("broken JSON")
    assert reasons[f"{path}:3"] == "expected a JSON object, got list"
    assert reasons[f"{path}:4"] == "missing id and body"
    assert reasons[f"{path}:5"].startswith("not valid UTF-8 (byte 0xff")
    assert reasons[f"{path}:6"] == "bad date: unrecognised date 'kemarin sore'"
    assert reasons[f"{path}:7"] == "missing body"


def test_rejected_prints_as_location_colon_reason(tiny_corpus):
    path = tiny_corpus.jsonl("x.jsonl", "{nope")
    [rejected] = read(path)
    assert re.fullmatch(rf"{re.escape(str(path))}:1: broken JSON: .+", str(rejected))


def truncated_gzip(tiny_corpus):
    """A .jsonl.gz of 50 articles cut in the middle of its compressed stream."""
    records = [
        article(f"a{n}", f"Artikel nomor {n} tentang banjir di Bekasi. " * 20) for n in range(50)
    ]
    whole = gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode())
    return tiny_corpus.raw("potong.jsonl.gz", whole[: len(whole) // 2])


def test_a_truncated_gzip_keeps_the_records_before_the_break(tiny_corpus):
    path = truncated_gzip(tiny_corpus)
    result = read(path)
    good = ids(result)
    assert good and good == [f"a{n}" for n in range(len(good))]
    [rejected] = rejections(result)
    assert rejected is result[-1]
    assert rejected.location.startswith(str(path))
    assert "cannot read the rest of the file" in rejected.reason


def test_a_truncated_gzip_is_reported_with_the_line_where_it_broke(tiny_corpus):
    path = truncated_gzip(tiny_corpus)
    result = read(path)
    rejected = rejections(result)[-1]
    assert rejected.location == f"{path}:{len(ids(result)) + 1}"


# -- CSV ---------------------------------------------------------------------------------
def test_csv_with_header_quoted_commas_and_multiline_body(tiny_corpus):
    path = tiny_corpus.raw(
        "b.csv",
        (
            b"id,title,text,date,source\r\n"
            b'1,"Judul, dengan koma","Baris satu.\nBaris dua ""kutip"".",2019-09-10,Kompas\r\n'
            b"2,Dua,Isi dua.,,Tempo\r\n"
        ),
    )
    records = read(path)
    assert records == [
        Article(
            id="1",
            title="Judul, dengan koma",
            body='Baris satu.\nBaris dua "kutip".',
            source="Kompas",
            published=datetime(2019, 9, 10),
        ),
        Article(id="2", title="Dua", body="Isi dua.", source="Tempo"),
    ]
    # the line number is where the record starts, even after a multi-line body
    assert [r.origin for r in records] == [f"{path}:2", f"{path}:4"]


def test_gzipped_csv_and_a_bom_are_read(tiny_corpus):
    data = "\ufeffid,content\na,Isi a.\n".encode()
    path = tiny_corpus.raw("c.csv.gz", gzip.compress(data))
    assert ids(read(path)) == ["a"]


def test_bad_csv_rows_are_rejected_and_good_rows_kept(tiny_corpus):
    path = tiny_corpus.raw(
        "d.csv",
        (
            b"id,body,date\n"
            b"good-1,Isi.,2019-09-10\n"
            b"bytes,\xff rusak,\n"
            b"too-many,Isi.,2019-09-10,extra\n"
            b",,\n"
            b"bad-date,Isi.,32/13/2019\n"
            b",Isi tanpa id.,\n"
            b"good-2,Isi.,\n"
        ),
    )
    records = read(path)
    assert ids(records) == ["good-1", "good-2"]
    assert [(r.location, r.reason.split(":")[0].split(" (")[0]) for r in rejections(records)] == [
        (f"{path}:3", "not valid UTF-8"),
        (f"{path}:4", "4 fields but the header has 3"),
        (f"{path}:6", "bad date"),
        (f"{path}:7", "missing id"),
    ]


# -- folders of documents ----------------------------------------------------------------
def test_folder_of_text_markdown_and_html_documents(tiny_corpus):
    tiny_corpus.text("berita/satu.txt", "Judul Pendek\n\nIsi artikel satu.\n")
    tiny_corpus.text("berita/sub/dua.md", "# Judul Markdown\n\nIsi artikel dua.\n")
    tiny_corpus.text(
        "berita/tiga.html",
        (
            "<html><head><title>Judul  HTML</title>"
            '<meta property="og:url" content="https://x.example/3">'
            '<meta property="og:site_name" content="Situs Contoh">'
            '<meta property="article:published_time" content="2019-09-10T13:30:00+07:00">'
            "<style>p {}</style></head><body><script>var x = 1;</script>"
            "<p>Isi &amp; artikel</p><p>tiga.</p></body></html>"
        ),
    )
    tiny_corpus.text("berita/README.md", "# Bukan artikel\n\nPetunjuk.\n")
    tiny_corpus.text("berita/.tersembunyi.txt", "Rahasia\n\nIsi.\n")
    tiny_corpus.text("berita/catatan.pdf", "bukan teks")
    records = read(tiny_corpus.root / "berita")
    # README, hidden files and unknown types are skipped; files before subfolders.
    assert records == [
        Article(
            id="berita/satu.txt", title="Judul Pendek", body="Isi artikel satu.", source="berita"
        ),
        Article(
            id="berita/tiga.html",
            title="Judul HTML",
            body="Isi & artikel\n\ntiga.",
            url="https://x.example/3",
            source="Situs Contoh",
            published=datetime(2019, 9, 10, 13, 30),
        ),
        Article(
            id="berita/sub/dua.md", title="Judul Markdown", body="Isi artikel dua.", source="berita"
        ),
    ]


def test_a_long_first_line_is_body_and_the_title_is_its_first_sentence(tiny_corpus):
    # #21: not the file name ("Antara Jokowi Laos"); the dateline is not part of the title.
    first = (
        "Jakarta (ANTARA) - Presiden menerima kunjungan delegasi Laos di Istana pada "
        "Selasa pagi. Pertemuan berlangsung satu jam."
    )
    tiny_corpus.text("seeds/antara-jokowi-laos.txt", f"{first}\n\nParagraf kedua.\n")
    [result] = read(tiny_corpus.root / "seeds")
    assert result.title == "Presiden menerima kunjungan delegasi Laos di Istana pada Selasa pagi"
    assert result.body == f"{first}\n\nParagraf kedua."
    assert result.source == "ANTARA"  # the dateline's agency, not the folder
    assert result.published is None  # the text states no date


def test_a_plain_text_takes_its_date_and_source_from_the_text(tiny_corpus):
    text = (
        "Menteri bertemu delegasi Laos membahas perdagangan orang dan narkoba di kawasan "
        "Asia Tenggara, dalam kunjungan yang berlangsung hangat dan akrab selama dua hari "
        "penuh di ibu kota.\n\n"
        "Pertemuan itu menyusul KTT pada Senin (8/5) di Labuan Bajo.\n\n"
        "Copyright \u00a9 Warta Kita 2023"
    )
    tiny_corpus.text("seeds/laos.txt", text)
    tiny_corpus.text("seeds/tanpa.txt", "Judul Pendek\n\nIsi tanpa tanggal (8/5) dan tahun.\n")
    laos, plain = read(tiny_corpus.root / "seeds")
    assert laos.title.startswith("Menteri bertemu delegasi Laos") and laos.title.endswith("\u2026")
    assert len(laos.title) <= 152
    assert (laos.published, laos.source) == (datetime(2023, 5, 8), "Warta Kita")
    # No year anywhere: "(8/5)" is no date; no dateline or copyright: the folder's name.
    assert (plain.title, plain.published, plain.source) == ("Judul Pendek", None, "seeds")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rabu (10/9/2019) lalu, dan Senin (8/9).", datetime(2019, 9, 10)),
        ("Pada 3 Agustus 2019, lalu 12 Sept 2018.", datetime(2019, 8, 3)),
        ("Kamis (31/2) \u00a9 2019", None),  # an impossible day is no date
        ("Tanpa tanggal sama sekali.", None),
    ],
)
def test_dates_stated_in_a_text(text, expected):
    assert date_in_text(text) == expected


def test_the_seeds_get_titles_dates_and_sources_from_their_text():
    seeds = {a.id: a for a in read(shared_path("seeds"))}
    antara = seeds["seeds/antara-jokowi-laos-tppo.txt"]
    prabowo = seeds["seeds/prabowo-laos-tppo.txt"]
    assert antara.title.startswith("Presiden RI Joko Widodo dan Perdana Menteri Laos")
    assert (antara.source, antara.published) == ("ANTARA", datetime(2023, 5, 8))
    assert prabowo.title == (
        "Menteri Pertahanan RI, Prabowo Subianto, kembali menunjukkan "
        "komitmennya dalam memperkuat kerja sama regional"
    )
    assert (prabowo.source, prabowo.published) == ("seeds", None)  # the text names neither


def test_a_single_document_file_is_read_with_its_folder_as_root(tiny_corpus):
    path = tiny_corpus.text("seeds/satu.txt", "Judul\n\nIsi.\n")
    [result] = read(path)
    assert (result.id, result.source, result.origin) == ("seeds/satu.txt", "seeds", str(path))


def test_bad_documents_are_rejected_with_their_path(tiny_corpus):
    tiny_corpus.raw("docs/rusak.txt", b"Judul\n\nIsi \xff rusak.\n")
    tiny_corpus.text("docs/kosong.txt", "Hanya Judul\n")
    tiny_corpus.text("docs/baik.txt", "Judul\n\nIsi baik.\n")
    records = read(tiny_corpus.root / "docs")
    assert ids(records) == ["docs/baik.txt"]
    located = {r.location: r.reason for r in rejections(records)}
    assert located[str(tiny_corpus.root / "docs" / "kosong.txt")] == "missing body"
    assert located[str(tiny_corpus.root / "docs" / "rusak.txt")].startswith("not valid UTF-8")


def test_a_folder_also_reads_record_files_inside_it(tiny_corpus):
    tiny_corpus.jsonl("mix/a.jsonl", article("j1"))
    tiny_corpus.csv("mix/b.csv", ["id", "body"], ["c1", "Isi."])
    tiny_corpus.text("mix/c.txt", "Judul\n\nIsi.\n")
    assert ids(read(tiny_corpus.root / "mix")) == ["j1", "c1", "mix/c.txt"]


# -- unreadable paths ---------------------------------------------------------------------
def test_a_missing_path_raises_corpus_error(tmp_path):
    with pytest.raises(CorpusError, match="no such file or folder"):
        read(tmp_path / "tidak-ada.jsonl")


def test_an_unknown_file_type_raises_corpus_error(tiny_corpus):
    path = tiny_corpus.text("laporan.pdf", "%PDF")
    with pytest.raises(CorpusError, match="unknown format"):
        read(path)


def test_corpus_error_is_an_os_error():
    assert issubclass(CorpusError, OSError)


@pytest.mark.parametrize(
    ("url", "date", "published"),
    [
        # Kompas.com's CLICK-ID dates swap day and month: the URL's date wins.
        (
            "https://nasional.kompas.com/read/2019/09/10/16551861/sby",
            "2019-10-09 16:55",
            datetime(2019, 9, 10, 16, 55),
        ),
        ("https://contoh.id/read/2019/09/10/berita", "2019-09-10", datetime(2019, 9, 10)),
        # Any other disagreement (a late update, a URL of another day) keeps the record's date.
        ("https://contoh.id/read/2019/09/10/berita", "2019-09-12", datetime(2019, 9, 12)),
        ("https://contoh.id/read/2019/03/03/berita", "2019-03-03", datetime(2019, 3, 3)),
        ("https://contoh.id/berita-tanpa-tanggal", "2019-10-09", datetime(2019, 10, 9)),
    ],
)
def test_a_date_with_day_and_month_swapped_is_put_back_by_the_url(
    tiny_corpus, url, date, published
):
    path = tiny_corpus.jsonl("a.jsonl", article("a", url=url, date=date))
    [record] = list(read_articles([str(path)]))
    assert record.published == published
