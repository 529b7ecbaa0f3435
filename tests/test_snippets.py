"""Snippets and highlighting: inflected forms marked, HTML escaped (searcher.snippets)."""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import searcher
from searcher.snippets import _PASSAGE_END, MatchTerms, highlight, make_snippet

DAGANG = MatchTerms(stems=frozenset({"dagang"}))


def marked(snippet) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", snippet.html)


def query_terms(text: str) -> MatchTerms:
    """What a plain query matches: its stems and its exact words."""
    return MatchTerms(
        stems=frozenset(searcher.analyze(text)), exact=frozenset(searcher.analyze(text, stem=False))
    )


def test_a_stem_marks_its_inflected_forms_in_any_case():
    snippet = highlight("Perdagangan orang dan perdagangan barang; misi dagang.", DAGANG)
    assert snippet.html == (
        "<mark>Perdagangan</mark> orang dan <mark>perdagangan</mark> barang; "
        "misi <mark>dagang</mark>."
    )


def test_memberantas_marks_pemberantasan():
    snippet = highlight("Satgas Pemberantasan TPPO dibentuk.", query_terms("memberantas"))
    assert marked(snippet) == ["Pemberantasan"]


def test_covid_marks_covid_19():
    assert marked(highlight("Vaksin COVID-19 dan covid baru.", query_terms("covid"))) == [
        "COVID-19",
        "covid",
    ]


def test_covid_19_marks_the_whole_compound_only():
    assert marked(highlight("Vaksin COVID-19 untuk 19 orang.", query_terms("covid-19"))) == [
        "COVID-19"
    ]


def test_stop_words_are_never_marked():
    terms = MatchTerms(stems=frozenset({"di", "banjir"}), exact=frozenset({"di"}))
    assert marked(highlight("Banjir di Bekasi", terms)) == ["Banjir"]


def test_an_exact_term_marks_only_that_form():
    terms = MatchTerms(exact=frozenset({"perdagangan"}))
    assert marked(highlight("Perdagangan dan pedagang", terms)) == ["Perdagangan"]


def test_html_in_the_text_is_escaped_and_marks_stay_tags():
    snippet = make_snippet('<b>Dagang</b> & "perdagangan" <script>x</script>', DAGANG)
    assert snippet.html == (
        "&lt;b&gt;<mark>Dagang</mark>&lt;/b&gt; &amp; &quot;<mark>perdagangan"
        "</mark>&quot; &lt;script&gt;x&lt;/script&gt;"
    )


def test_plain_text_and_terminal_forms():
    snippet = highlight("Misi <dagang> RI", DAGANG)
    assert snippet.text == "Misi <dagang> RI"
    assert snippet.render("[", "]") == "Misi <[dagang]> RI"
    assert snippet.render("\033[1m", "\033[0m") == "Misi <\033[1mdagang\033[0m> RI"


def test_the_passage_with_the_match_is_chosen():
    text = (
        "Kalimat pembuka tanpa apa-apa. Kalimat kedua juga tidak. "
        "Di sini ada perdagangan orang. Penutup berita."
    )
    snippet = make_snippet(text, DAGANG)
    assert snippet.text.startswith("… Di sini ada perdagangan orang.")
    assert marked(snippet) == ["perdagangan"]


def test_passages_with_more_distinct_terms_win():
    text = (
        "Perdagangan naik. Cuaca cerah sekali hari ini. Lalu lintas padat. "
        "Perdagangan orang di Batam terbongkar. Harga cabai turun."
    )
    snippet = make_snippet(text, query_terms("perdagangan orang"), passages=1)
    assert snippet.text.startswith("… Perdagangan orang di Batam terbongkar.")


def test_two_passages_never_repeat_text():
    text = (
        "Perdagangan naik. Cuaca cerah. Lalu lintas padat. Harga cabai turun. Misi dagang ke India."
    )
    snippet = make_snippet(text, DAGANG, passages=2)
    assert snippet.text.count("Misi dagang") == 1
    assert marked(snippet) == ["Perdagangan", "dagang"]


def test_distant_passages_are_joined_with_an_ellipsis():
    filler = " ".join(["Cuaca cerah hari ini."] * 30)
    text = f"Perdagangan naik. {filler} Misi dagang ke India."
    snippet = make_snippet(text, DAGANG, passages=2)
    assert " … " in snippet.text
    assert snippet.text.startswith("Perdagangan naik.")
    assert snippet.text.endswith("Misi dagang ke India.")
    assert marked(snippet) == ["Perdagangan", "dagang"]


def test_no_match_gives_the_lede():
    text = "Kalimat pertama berita. Kalimat kedua berita. Kalimat ketiga."
    for terms in (DAGANG, MatchTerms()):
        snippet = make_snippet(text, terms)
        assert snippet.text.startswith("Kalimat pertama berita.")
        assert marked(snippet) == []


def test_empty_text_gives_an_empty_snippet():
    assert not make_snippet("", DAGANG)
    assert make_snippet("", DAGANG).html == ""


@pytest.mark.parametrize("max_chars", [80, 160, 260])
def test_length_is_bounded_and_the_match_is_inside(max_chars):
    words = " ".join(["kata"] * 400)
    text = f"{words} perdagangan {words}. {words}"
    snippet = make_snippet(text, DAGANG, max_chars=max_chars)
    assert len(snippet.text) <= max_chars + len("… ") + len(" …")
    assert marked(snippet) == ["perdagangan"]


def test_a_long_lede_is_bounded_too():
    text = " ".join(["kata"] * 1000)
    assert len(make_snippet(text, DAGANG).text) <= 260 + 4


# -- through the index ----------------------------------------------------------------
def test_hits_for_dagang_mark_the_inflected_forms(sample_ix):
    result = sample_ix.search("dagang", per_page=20)
    assert result.total >= 5
    forms = set()
    for hit in result.hits:
        words = marked(hit.snippet)
        assert words, hit.id
        assert {searcher.stem_word(w.lower()) for w in words} == {"dagang"}
        forms |= {w.lower() for w in words}
    assert {"perdagangan", "memperdagangkan"} & forms


def test_hits_for_perdagangan_orang_mark_both_words(sample_ix):
    for hit in sample_ix.search("perdagangan orang", per_page=5).hits:
        words = {w.lower() for w in marked(hit.snippet)}
        assert words & {"perdagangan", "tppo"}, hit.id


def test_hits_for_memberantas_mark_pemberantasan(sample_ix):
    found = {
        w.lower()
        for hit in sample_ix.search("memberantas", per_page=20).hits
        for w in marked(hit.snippet)
    }
    assert {"memberantas", "pemberantasan"} <= found


def test_title_highlight_marks_the_query_words(sample_ix):
    hit = sample_ix.search("title:bekasi").hits[0]
    assert "<mark>Bekasi</mark>" in hit.title_highlighted.html


def test_negated_words_are_not_marked(sample_ix):
    for hit in sample_ix.search("banjir -bekasi").hits:
        assert "bekasi" not in {w.lower() for w in marked(hit.snippet)}


@pytest.mark.parametrize(
    "text",
    [
        "perdagangan orang",
        "dagang",
        "banjir bekasi",
        "tppo",
        "covid-19 vaksin",
        "harga beras",
        "pemilu",
    ],
)
def test_every_snippet_piece_is_text_of_the_article(sample_ix, text):
    for hit in sample_ix.search(text, per_page=20).hits:
        body = " ".join(sample_ix.get(hit.id).body.split())
        pieces = [p.strip() for p in hit.snippet.text.split("…") if p.strip()]
        assert pieces, hit.id
        assert [p for p in pieces if p not in body] == [], hit.id


_PUNCTUATION = "ab A,.!?…\"'”’)\n \t"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_PUNCTUATION, max_size=40))
def test_passage_ends_are_found_as_by_the_plain_pattern(text):
    # The pattern in snippets starts with a lookahead only to skip positions fast.
    plain = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+|\n+|(?<=\w),(?=[A-Z\"“])")
    want = [match.span() for match in plain.finditer(text)]
    assert [match.span() for match in _PASSAGE_END.finditer(text)] == want


# Words for the matched-words property below: stop words, inflections of two stems,
# a compound, and words that match nothing.
_WORDS = [
    "yang",
    "dan",
    "Perdagangan",
    "dagang",
    "pedagang",
    "orang",
    "Orang",
    "tindak",
    "pidana",
    "COVID-19",
    "covid",
    "vaksin",
    "Jakarta",
    "beras",
    "di",
    "harga",
]


def _plain_words(text: str, terms: MatchTerms):
    """The matched words and phrase words of ``text``, word by word (the definition
    the fast walk in ``snippets._Words`` must keep)."""
    from searcher.snippets import _word_forms
    from searcher.tokenizer import word_starts

    words, starts = word_starts(text)
    phrases = bool(terms.stem_phrases or terms.exact_phrases)
    hits, phrase_words, place = [], [], 0
    for word, start in zip(words, starts, strict=True):
        forms = _word_forms(word)
        norm, stop, stem, _ = forms
        term = terms.term_for(forms)
        if term:
            hits.append((start, start + len(word), term))
        vocabulary = terms.phrase_vocabulary
        if phrases and not stop and (norm in vocabulary or stem in vocabulary):
            phrase_words.append((place, start, start + len(word), norm, stem))
        place += not stop
    return hits, phrase_words


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(_WORDS), max_size=40),
    st.sampled_from(["dagang", "perdagangan orang", "tindak pidana perdagangan orang", "covid"]),
    st.booleans(),
)
def test_matched_words_are_the_word_by_word_ones(words, query, as_phrase):
    from searcher.snippets import _Words

    text = " ".join(words)
    terms = query_terms(query)
    if as_phrase:
        terms = MatchTerms(
            stems=terms.stems,
            stem_phrases=frozenset({tuple(searcher.analyze(query))}),
            exact_phrases=frozenset({tuple(searcher.analyze(query, stem=False))}),
        )
    found = _Words(text, terms)
    hits, phrase_words = _plain_words(text, terms)
    assert found.hits == hits
    assert found.phrase_words == phrase_words
    for start, end in [(0, len(text)), (0, len(text) // 2), (len(text) // 3, len(text))]:
        # every hit inside the range, in order, phrases marked under their phrase
        inside = [hit[:2] for hit in found.matches(start, end)]
        assert inside == sorted(set(inside))
        assert all(start <= s and e <= end for s, e in inside)


_OVERLAPPING = """
from searcher.snippets import MatchTerms, _Words
terms = MatchTerms(
    stems=frozenset({"utang", "luar", "negeri", "indonesia"}),
    stem_phrases=frozenset(
        {("luar", "negeri"), ("utang", "luar"), ("utang", "luar", "negeri"),
         ("negeri", "indonesia")}
    ),
)
text = "Bank mencatat utang luar negeri Indonesia naik."
print([term for _, _, term in _Words(text, terms).matches(0, len(text))])
"""


def test_overlapping_phrases_mark_the_same_terms_in_every_process():
    # Which phrase names a word found in two used to follow the frozenset's order, which
    # follows string hashes: another process could choose another passage (#22).
    import subprocess
    import sys

    from tests.support import ROOT

    seen = set()
    for seed in ("1", "2", "3", "4", "5"):
        completed = subprocess.run(
            [sys.executable, "-c", _OVERLAPPING],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        seen.add(completed.stdout.strip())
    # shorter phrases first, the longer one last: it names the words it covers
    assert seen == {
        "['utang luar negeri', 'utang luar negeri', 'utang luar negeri', 'negeri indonesia']"
    }


def test_forms_are_weighed_as_deep_sizeof_weighs_them():
    from searcher.lru import deep_sizeof
    from searcher.snippets import _forms_size, _word_forms

    for word in ["Perdagangan", "COVID-19", "yang", "e-KTP", "Jum'at", "xqzzyk"]:
        for stem in (True, False):
            forms = _word_forms(word, stem=stem)
            assert _forms_size(forms) == deep_sizeof(forms), forms
