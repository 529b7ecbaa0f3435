"""Category labels normalised through searcher/data/categories.txt."""

from __future__ import annotations

import pytest

from searcher.categories import (
    CategoryTableError,
    category_table,
    normalize_category,
    normalize_label,
    parse_table,
)


@pytest.mark.parametrize(
    ("label", "canonical"),
    [
        ("News", "berita"),
        ("Berita", "berita"),
        ("Ekbis", "ekonomi"),
        ("Economy", "ekonomi"),
        ("Ekonomi", "ekonomi"),
        ("Bisnis", "ekonomi"),
        ("MONEY", "ekonomi"),
        ("Bola", "bola"),
        ("Sepakbola", "bola"),
        ("Soccer", "bola"),
        ("Super  Skor", "bola"),
        ("Nasional", "nasional"),
        ("International", "internasional"),
        ("dunia", "internasional"),
        ("Lifestyle", "gaya hidup"),
        ("detikSport", "olahraga"),
        ("Techno", "teknologi"),
        ("Haji", "haji"),
        ("  Kolom  Khusus ", "kolom khusus"),
        ("", ""),
    ],
)
def test_labels_become_their_canonical_name(label, canonical):
    assert normalize_label(label) == canonical


def test_a_list_of_labels_is_normalised_each_and_deduplicated():
    assert normalize_category("Ekbis, Bisnis ,Bola") == "ekonomi, bola"
    assert normalize_category("") == ""


def test_every_canonical_name_is_its_own_label():
    table = category_table()
    assert all(table[canonical] == canonical for canonical in set(table.values()))
    assert all(normalize_label(canonical) == canonical for canonical in set(table.values()))


def test_the_table_format_and_its_errors_name_the_line():
    assert parse_table(["# komentar", "", "ekonomi: Ekbis,  Money ", "bola:sepakbola # ya"]) == {
        "ekonomi": "ekonomi",
        "ekbis": "ekonomi",
        "money": "ekonomi",
        "bola": "bola",
        "sepakbola": "bola",
    }
    with pytest.raises(CategoryTableError, match=r"^categories.txt:2: expected 'canonical: "):
        parse_table(["bola: soccer", "ekonomi ekbis"])
    with pytest.raises(
        CategoryTableError, match=r"^x.txt:3: 'soccer' is already a label of 'bola'$"
    ):
        parse_table(["bola: soccer", "", "olahraga: Soccer"], "x.txt")


def test_an_index_of_the_previous_schema_must_be_rebuilt(tmp_path):
    from whoosh import index as whoosh_index

    from searcher import IndexVersionError, open_index
    from searcher.whoosh.storage import INDEX_NAME, make_schema

    old = make_schema()
    old.remove("category_raw")
    old.remove("author")
    writer = whoosh_index.create_in(str(tmp_path), old, indexname=INDEX_NAME).writer()
    writer.add_document(id="a", title="Banjir", body="Banjir lagi.", schema_version=3)
    writer.commit()
    with pytest.raises(IndexVersionError, match="--rebuild"):
        open_index(tmp_path)
