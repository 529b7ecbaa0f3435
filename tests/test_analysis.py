"""The analysis chain: one set of steps for index and query (searcher.analysis)."""

from __future__ import annotations

import pickle

import pytest

import searcher
from searcher.analysis import (
    AnalysedText,
    analyse_text,
    analyze_with_offsets,
    exact_analyzer,
    pair_analyzer,
    stemming_analyzer,
)

TEXT = "Vaksin COVID-19 untuk anak-anak di e-KTP Bekasi"


def tokens(analyzer, text, **options):
    return [(t.text, t.pos) for t in analyzer(text, positions=True, **options)]


def test_analyze_lowercases_drops_stop_words_and_stems():
    assert searcher.analyze("Perdagangan orang di Bekasi") == ["dagang", "orang", "bekasi"]


def test_analyze_without_stemming_keeps_word_forms():
    assert searcher.analyze("Perdagangan orang di Bekasi", stem=False) == [
        "perdagangan",
        "orang",
        "bekasi",
    ]


def test_analyze_is_query_mode_without_compound_parts():
    assert searcher.analyze(TEXT) == ["vaksin", "covid-19", "anak", "e-ktp", "bekasi"]


def test_analyze_with_offsets_points_at_the_original_words():
    text = "Perdagangan orang di Bekasi"
    assert list(analyze_with_offsets(text)) == [
        ("dagang", 0, 11),
        ("orang", 12, 17),
        ("bekasi", 21, 27),
    ]


def test_stemming_analyzer_adds_compound_parts_at_the_same_position():
    assert tokens(stemming_analyzer(), TEXT) == [
        ("vaksin", 0),
        ("covid-19", 1),
        ("covid", 1),
        ("19", 1),
        ("anak", 3),  # anak-anak stems to anak: no extra parts
        ("e-ktp", 5),
        ("e", 5),
        ("ktp", 5),
        ("bekasi", 6),
    ]


def test_stop_words_keep_their_position_gap():
    # "untuk" (2) and "di" (4) are dropped, the positions of the rest are kept,
    # so phrase queries do not match across a removed word.
    positions = [pos for _, pos in tokens(stemming_analyzer(), TEXT)]
    assert 2 not in positions and 4 not in positions


def test_stemming_analyzer_in_query_mode_has_no_compound_parts():
    assert tokens(stemming_analyzer(), TEXT, mode="query") == [
        ("vaksin", 0),
        ("covid-19", 1),
        ("anak", 3),
        ("e-ktp", 5),
        ("bekasi", 6),
    ]


def test_exact_analyzer_keeps_word_forms_and_adds_parts():
    assert tokens(exact_analyzer(), "Perdagangan anak-anak COVID-19") == [
        ("perdagangan", 0),
        ("anak-anak", 1),
        ("anak", 1),
        ("covid-19", 2),
        ("covid", 2),
        ("19", 2),
    ]


def test_exact_analyzer_in_query_mode_has_no_compound_parts():
    assert tokens(exact_analyzer(), "Perdagangan anak-anak COVID-19", mode="query") == [
        ("perdagangan", 0),
        ("anak-anak", 1),
        ("covid-19", 2),
    ]


def test_analyzer_character_offsets_point_at_the_original_words():
    found = [(t.text, t.startchar, t.endchar) for t in stemming_analyzer()("Di Bekasi", chars=True)]
    assert found == [("bekasi", 3, 9)]


def test_analyzer_stems_equal_stem_word():
    text = "Pemerintah memberantas perdagangan orang di perbatasan"
    stems = [t.text for t in stemming_analyzer()(text, mode="query")]
    assert stems == [searcher.stem_word(w) for w in searcher.analyze(text, stem=False)]


def test_analyzer_and_analyze_agree_in_query_mode():
    text = "Kasus-kasus COVID-19 dan e-KTP: siapakah yang bertanggung jawab?"
    assert [t.text for t in stemming_analyzer()(text, mode="query")] == searcher.analyze(text)


@pytest.mark.parametrize("make", [stemming_analyzer, exact_analyzer])
def test_analyzers_pickle_small_and_unpickle_equal(make):
    analyzer = make()
    data = pickle.dumps(analyzer)
    assert len(data) < 2000
    restored = pickle.loads(data)
    assert restored == analyzer
    assert tokens(restored, TEXT) == tokens(analyzer, TEXT)


def test_the_two_analyzers_differ():
    assert stemming_analyzer() != exact_analyzer()


# Texts with every case the one-pass analysis must treat as the analyzers do: stop
# words between words (positions keep their gaps, pairs skip them), hyphenated
# compounds (parts at the word's position; codes not stemmed), reduplication, accents,
# apostrophes, numbers with separators, a word repeated, and an empty text.
ONE_PASS_TEXTS = [
    TEXT,
    "Kebakaran hutan dan lahan di Riau: kebakaran hutan meluas, 10.000 hektare terbakar.",
    "Jum'at, Al-Qur'an dibaca; Định dan Wahhāb ke-42 di KTT, anak-anak ber-KTP.",
    "Perdagangan orang ... perdagangan ORANG, para pelaku diberantas oleh polisi-polisi.",
    "dan yang di",
    "",
]


@pytest.mark.parametrize("text", ONE_PASS_TEXTS)
@pytest.mark.parametrize(
    ("kind", "limit", "analyzer", "phrase"),
    [
        ("stemmed", None, stemming_analyzer(), True),
        ("exact", None, exact_analyzer(), False),
        ("pairs", None, pair_analyzer(), False),
        ("pairs", 3, pair_analyzer(3), False),
    ],
)
def test_one_pass_fields_index_what_their_analyzers_give(text, kind, limit, analyzer, phrase):
    from whoosh.fields import TEXT as WhooshText

    one_pass = AnalysedText(kind, limit, analyzer=analyzer, phrase=phrase)
    plain = WhooshText(analyzer=analyzer, phrase=phrase)
    positional = kind == "stemmed" and phrase
    expected = {
        btext.decode("utf-8"): plain.format.decode_positions(value) if positional else count
        for btext, count, _, value in plain.index(text)
    }
    assert one_pass.terms(text) == expected
    # Whoosh's own writer (another Whoosh version) indexes the field as a TEXT field.
    assert sorted(one_pass.index(text)) == sorted(plain.index(text))


def test_one_pass_analysis_is_shared_by_the_fields_of_a_text():
    text = "Perdagangan orang di pelabuhan."
    assert analyse_text(text) is analyse_text(text)
    other = "Perdagangan orang di pelabuhan."[:-1] + "!"
    assert analyse_text(other) is not analyse_text(text)
    assert analyse_text(text).stems == ["dagang", "orang", "labuh"]
    assert analyse_text(text).pairs(1) == {"dagang orang": 1}


def test_one_pass_field_kind_is_checked():
    with pytest.raises(ValueError, match="kind: 'stem'"):
        AnalysedText("stem", analyzer=stemming_analyzer())
