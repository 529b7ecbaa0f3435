"""Per-word Sastrawi stemming with protected words (tests/data/golden_stems.tsv)."""

from __future__ import annotations

from pathlib import Path

import pytest

import searcher
from searcher import stemmer
from searcher.resources import read_lines
from searcher.stemmer import protected_words

GOLDEN = Path(__file__).parent / "data" / "golden_stems.tsv"


def golden_pairs() -> list[tuple[str, str]]:
    pairs = []
    for number, line in enumerate(GOLDEN.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        word, tab, stem = line.partition("\t")
        assert tab and stem and "\t" not in stem, f"{GOLDEN}:{number}: expected word<TAB>stem"
        pairs.append((word, stem))
    return pairs


def test_the_golden_file_has_a_few_hundred_pairs():
    assert len(golden_pairs()) >= 200


@pytest.mark.parametrize(("word", "stem"), golden_pairs(), ids=[w for w, _ in golden_pairs()])
def test_golden_stem(word, stem):
    assert searcher.stem_word(word) == stem


@pytest.mark.parametrize("word", ["bekasi", "bali", "pemilu", "penyelidikan"])
def test_protected_words_are_not_stemmed(word):
    assert searcher.stem_word(word) == word


def test_regular_derivations_are_stemmed():
    assert [searcher.stem_word(w) for w in ["perdagangan", "memberantas", "pemberantasan"]] == [
        "dagang",
        "berantas",
        "berantas",
    ]


def test_every_protected_entry_is_lowercase_and_returned_unchanged():
    entries = read_lines("protected.txt")
    assert [e for e in entries if e != e.lower() or " " in e] == []
    assert [e for e in entries if searcher.stem_word(e) != e] == []
    assert protected_words() == frozenset(entries)


@pytest.mark.parametrize("word", ["2019", "10.000", "2,5", "covid-19", "ke-42", "g20"])
def test_numbers_and_codes_are_not_stemmed(word):
    assert searcher.stem_word(word) == word


def test_reduplication_stems_to_the_base_word():
    assert searcher.stem_word("anak-anak") == "anak"


def test_an_empty_stem_falls_back_to_the_word():
    for word in ["a", "x", "nya"]:
        assert searcher.stem_word(word)


def test_stems_are_cached(monkeypatch):
    calls = []
    real = stemmer.sastrawi_stem
    monkeypatch.setattr(stemmer, "sastrawi_stem", lambda word: calls.append(word) or real(word))
    stemmer.clear_known_stems()
    assert searcher.stem_word("keberangkatan") == "berangkat"
    assert searcher.stem_word("keberangkatan") == "berangkat"
    assert calls == ["keberangkatan"]
    stemmer.clear_known_stems()


# Snippets skip stemming words that cannot match (searcher.snippets: MatchTerms.cores),
# relying on this: a word contains its stem minus the stem's first letter.
@pytest.mark.parametrize(("word", "stem"), golden_pairs(), ids=[w for w, _ in golden_pairs()])
def test_a_word_contains_its_stem_but_for_the_first_letter(word, stem):
    assert stem[1:] in word


@pytest.mark.slow
def test_every_click_id_word_contains_its_stem_but_for_the_first_letter():
    import gzip
    import json

    from searcher.stopwords import is_stop_word
    from searcher.tokenizer import words
    from tests.support import shared_path

    vocabulary: set[str] = set()
    with gzip.open(shared_path("data/news/clickid-2019.jsonl.gz"), "rt", encoding="utf-8") as f:
        for line in f:
            article = json.loads(line)
            vocabulary.update(words(f"{article.get('title', '')} {article.get('content', '')}"))
    forms = {
        part
        for word in vocabulary
        for part in [word, *word.split("-")]
        if part and not is_stop_word(part)
    }
    assert len(forms) > 100_000
    assert [w for w in forms if searcher.stem_word(w)[1:] not in w] == []
