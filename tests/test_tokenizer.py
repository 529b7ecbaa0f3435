"""The tokenizer: which character runs are words, and where they are."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from searcher.tokenizer import TOKEN_PATTERN, find_words, normalize, tokenize, words


def test_hyphenated_words_stay_one_token():
    assert words("anak-anak COVID-19 e-KTP KTT ke-42 kasus-kasus") == [
        "anak-anak",
        "covid-19",
        "e-ktp",
        "ktt",
        "ke-42",
        "kasus-kasus",
    ]


def test_unicode_hyphens_are_normalised_to_ascii():
    assert words("COVID\u201019 anak\u2011anak") == ["covid-19", "anak-anak"]


def test_dangling_hyphens_are_not_part_of_a_word():
    assert words("anak- -anak -- pra-") == ["anak", "anak", "pra"]


def test_numbers_keep_their_separators():
    assert words("Tahun 2019 harga Rp 10.000 naik 2,5 persen atau 1.250.000,75") == [
        "tahun",
        "2019",
        "harga",
        "rp",
        "10.000",
        "naik",
        "2,5",
        "persen",
        "atau",
        "1.250.000,75",
    ]


def test_sentence_punctuation_after_a_number_is_not_kept():
    assert words("Pada 2019. Lalu 2,5, lalu 10.000!") == [
        "pada",
        "2019",
        "lalu",
        "2,5",
        "lalu",
        "10.000",
    ]


def test_unicode_letters_are_word_characters():
    text = "Café Niño São Paulo Ñandú Москва 北京 Zürich"
    assert [word for word, _, _ in tokenize(text)] == [
        "Café",
        "Niño",
        "São",
        "Paulo",
        "Ñandú",
        "Москва",
        "北京",
        "Zürich",
    ]


def test_accents_are_folded_so_both_spellings_match():
    assert words("Café Niño São Ñandú Zürich Wahhāb") == [
        "cafe",
        "nino",
        "sao",
        "nandu",
        "zurich",
        "wahhab",
    ]
    assert words("Москва 北京") == ["москва", "北京"]


def test_decomposed_accents_give_the_same_words_as_composed_ones():
    composed = "Café Niño"
    decomposed = unicodedata.normalize("NFD", composed)
    assert words(decomposed) == words(composed)
    assert len(words(decomposed)) == 2


def test_an_apostrophe_inside_a_word_is_dropped_not_a_split():
    assert words("Jum'at Al-Qur’an 'kutip'") == ["jumat", "al-quran", "kutip"]


def test_words_are_lowercased():
    assert words("BANJIR Bekasi dki МОСКВА") == ["banjir", "bekasi", "dki", "москва"]
    assert normalize("COVID-19") == "covid-19"


def test_underscores_and_punctuation_split_words():
    assert words('snake_case foo.bar, baz!(qux) "kutip" a/b #tagar @akun') == [
        "snake",
        "case",
        "foo",
        "bar",
        "baz",
        "qux",
        "kutip",
        "a",
        "b",
        "tagar",
        "akun",
    ]


def test_offsets_point_at_the_original_text():
    text = "Banjir di Bekasi, 10.000 warga (COVID-19) mengungsi."
    assert list(tokenize(text)) == [
        ("Banjir", 0, 6),
        ("di", 7, 9),
        ("Bekasi", 10, 16),
        ("10.000", 18, 24),
        ("warga", 25, 30),
        ("COVID-19", 32, 40),
        ("mengungsi", 42, 51),
    ]


def test_offsets_slice_back_to_every_token_including_non_ascii():
    text = "Naïve café — Москва: anak-anak, 2,5 ton; 北京!"
    tokens = list(tokenize(text))
    assert [word for word, _, _ in tokens] == [
        "Naïve",
        "café",
        "Москва",
        "anak-anak",
        "2,5",
        "ton",
        "北京",
    ]
    for word, start, end in tokens:
        assert text[start:end] == word


def test_text_without_words_has_no_tokens():
    assert words("") == []
    assert words("  ... !!! --- ___ ") == []


# Characters that decide token boundaries, plus letters of other scripts and marks.
_TRICKY = "aZ09 _-\u2010\u2011'\u2019.,;:!?()\"\n\té\u00e9ñ\u0303\u0301Ж日١"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_TRICKY, max_size=60) | st.text(max_size=60))
def test_the_fast_word_pattern_finds_the_same_words(text):
    # find_words picks a simpler regex for text without combining marks.
    want = [(m.group(), m.start(), m.end()) for m in TOKEN_PATTERN.finditer(text)]
    assert [(m.group(), m.start(), m.end()) for m in find_words(text)] == want


def test_combining_marks_stay_inside_their_word():
    decomposed = "Nin\u0303o dan Jose\u0301"
    assert [m.group() for m in find_words(decomposed)] == ["Nin\u0303o", "dan", "Jose\u0301"]
