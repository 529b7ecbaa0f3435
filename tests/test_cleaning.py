"""Text cleaning at ingest (issues #12 and #14): what changes, what stays, idempotence."""

from __future__ import annotations

import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import searcher
from searcher.cleaning import changes, clean_body, clean_text
from tests.support import shared_path

MOJIBAKE = "Sutradara \u201a\u00c4\u00fahebat\u201a\u00c4\u00f9 kata dia.\u00ac\u2020Benar"


@pytest.mark.parametrize(
    ("raw", "clean", "kinds"),
    [
        ("surrogate \ud800 lone", "surrogate \ufffd lone", {"surrogate"}),
        ("a\udc80b\udfff", "a\ufffdb\ufffd", {"surrogate"}),
        (MOJIBAKE, "Sutradara \u201chebat\u201d kata dia.\u00a0Benar", {"mojibake"}),
        (
            "Caf\u00c3\u00a9 \u00e2\u20ac\u0153baru\u00e2\u20ac\u009d",
            "Caf\u00e9 \u201cbaru\u201d",
            {"mojibake"},
        ),
        ("merah \x1b[31mmenyala\x1b[0m\x07", "merah menyala", {"control"}),
        ("baris\r\nkedua\rketiga\x00", "baris\nkedua\nketiga", {"control"}),
        ("Cafe\u0301", "Caf\u00e9", {"nfc"}),
        (
            "Kabar terbaru datang dari pesinetron,.",
            "Kabar terbaru datang dari pesinetron.",
            {"empty-comma"},
        ),
        ("ada Toni, ada Rani, , jadi", "ada Toni, ada Rani, jadi", {"empty-comma"}),
        ("tersebut.,,,,,Ketika", "tersebut.,Ketika", {"empty-comma"}),
        ("posisi  ,.", "posisi.", {"empty-comma"}),
    ],
)
def test_cleaning_repairs_each_kind_of_damage(raw, clean, kinds):
    assert clean_text(raw) == clean
    assert changes(raw) == kinds


@pytest.mark.parametrize(
    "text",
    [
        "Polisi bongkar jaringan perdagangan orang, kata Kapolda.",
        "Café, naïve, Łódź, São Paulo, 3.000\u00d760 meter, 25\u00b0C, \u00a9 2019",
        "Paragraf satu.\n\nParagraf dua,\tdengan tab.",
        "\u201cKutipan\u201d \u2013 dan \u2018kutipan\u2019 \u2026",
        "\u0627\u0644\u0639\u0631\u0628\u064a\u0629 \u4e2d\u6587 \U0001f600",
        "1,5 juta; 2,3 persen",
    ],
)
def test_clean_text_is_left_alone(text):
    assert clean_text(text) == text
    assert changes(text) == set()


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=60)
    | st.text(
        alphabet=st.sampled_from(
            list(
                ",. \n\r\x1b[m\u00c3\u00a9\u00e2\u20ac\u0153"
                "\u201a\u00c4\u00f9\u00ac\u2020e\u0301\ud800"
            )
        ),
        max_size=40,
    )
)
@example("\x1b\x1b[31m[0m")
@example("\u00c3\x00\u00a9")
@example(MOJIBAKE.encode("utf-8").decode("mac_roman"))
def test_cleaning_is_idempotent(text):
    once = clean_text(text)
    assert clean_text(once) == once
    once.encode("utf-8")  # no lone surrogate is left


# -- the cleaning report (benchmarks/cleaning_report.py) ----------------------------------------
def test_the_cleaning_report_counts_changes_by_kind(tmp_path):
    from benchmarks.cleaning_report import read_texts, report

    corpus = tmp_path / "c.jsonl"
    corpus.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {"id": "1", "title": "Bersih", "content": "Isi bersih."},
                {"id": "2", "judul": "Judul,.", "body": MOJIBAKE},
                {"id": "3", "title": "Cafe\u0301", "text": "isi \x1b[1m tebal, , dan \ud800"},
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    result = report(read_texts(corpus))
    assert result["articles"] == 3
    assert result["changed"] == {"articles": 2, "titles": 2, "bodies": 2}
    assert result["by_kind"] == {
        "title": {"surrogate": 0, "control": 0, "mojibake": 0, "nfc": 1, "empty-comma": 1},
        "body": {"surrogate": 1, "control": 1, "mojibake": 1, "nfc": 0, "empty-comma": 1},
    }


@pytest.mark.slow
def test_cleaning_on_click_id_repairs_the_known_mojibake():
    from benchmarks.cleaning_report import read_texts, report

    result = report(read_texts(shared_path("data/news/clickid-2019.jsonl.gz")))
    assert result["articles"] == 25506
    assert result["by_kind"]["body"]["mojibake"] == 8369
    assert result["by_kind"]["title"]["mojibake"] == 72
    assert result["by_kind"]["body"]["surrogate"] == 0


def test_a_headline_whose_body_cleaning_empties_is_kept(tmp_path, tiny_corpus):
    # CLICK-ID has 14 articles whose whole content is "¬†" (a no-break space read as Mac Roman).
    source = tiny_corpus.jsonl(
        "news.jsonl",
        {"id": "kept", "title": "Semasa Hidup, Habibie Dijuluki Mr Crack", "body": "\u00ac\u2020"},
        {"id": "gone", "body": "\u00ac\u2020"},
        {"id": "blank", "title": "Judul", "body": "   "},
    )
    report = searcher.index_sources([str(source)], str(tmp_path / "index"))
    assert report.added == 1
    assert sorted(r.reason for r in report.rejected) == ["missing body", "missing body"]
    with searcher.open_index(str(tmp_path / "index")) as index:
        assert [h.id for h in index.search("habibie").hits] == ["kept"]
        assert index.get("kept").body == ""


# -- CLICK-ID's paragraphs (#21) ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (
            ", - Presiden Jokowi datang.,Lebih lanjut, ia berkata \u201cYa.\u201d,Kemudian pergi.",
            "Presiden Jokowi datang.\n\nLebih lanjut, ia berkata \u201cYa.\u201d"
            "\n\nKemudian pergi.",
        ),
        (
            "-,dikabarkan telah pergi.,Dalam pernyataan itu",
            "dikabarkan telah pergi.\n\nDalam pernyataan itu",
        ),
        (
            "- Para trainee debut., dan,akan menjadi anggota.,Mereka siaran.",
            "Para trainee debut.\n\ndan,akan menjadi anggota.\n\nMereka siaran.",
        ),
        (",,,loading...", "loading..."),
        # wowkeren.com's dash on a line of its own, and a dash glued to the first word
        (
            "-\nKabar datang dari,. Ria dirawat.,,,Beruntung kondisinya membaik.",
            "Kabar datang dari. Ria dirawat.\n\nBeruntung kondisinya membaik.",
        ),
        (
            "-Gubernur DKI Jakarta siap.,Anies berkata",
            "Gubernur DKI Jakarta siap.\n\nAnies berkata",
        ),
        ("-- Penyanyi asal Vietnam menghibur.", "Penyanyi asal Vietnam menghibur."),
    ],
)
def test_click_id_paragraphs_are_restored_and_the_leading_dash_dropped(raw, clean):
    assert clean_body(raw) == clean
    assert clean_body(clean_body(raw)) == clean_body(raw)


@pytest.mark.parametrize(
    "text",
    [
        "Paragraf satu.\n\nParagraf dua.,Tiga tetap.",  # already in paragraphs: another source
        "-5 derajat di puncak, kata petugas.",  # a minus sign, not a dateline's dash
        "Harga naik 2.5,3 persen.,dan turun lagi.",  # no sentence end before a capital
        "Polisi bongkar jaringan perdagangan orang, kata Kapolda.",
    ],
)
def test_other_sources_bodies_keep_their_text(text):
    assert clean_body(text) == text


def test_an_indexed_click_id_body_shows_paragraphs(tmp_path, tiny_corpus):
    source = tiny_corpus.jsonl(
        "clickid.jsonl",
        {
            "id": "c1",
            "title": "Banjir",
            "source": "Kompas.com",
            "content": ", - Banjir merendam Bekasi.,Warga mengungsi ke masjid.",
        },
    )
    searcher.index_sources([str(source)], str(tmp_path / "index"))
    with searcher.open_index(str(tmp_path / "index")) as index:
        assert index.get("c1").body == "Banjir merendam Bekasi.\n\nWarga mengungsi ke masjid."
        snippet = index.search("warga mengungsi").hits[0].snippet.text
    assert ".," not in snippet and "Warga" in snippet
