"""The curated stop-word list (searcher/data/stopwords.txt)."""

from __future__ import annotations

from collections import Counter

import pytest

import searcher
from searcher.resources import read_lines
from searcher.stopwords import is_stop_word, stop_words
from searcher.tokenizer import words

CONTENT_WORDS = ["orang", "baru", "kasus", "negara", "rakyat", "tahun", "hari", "jalan", "dua"]
QUESTION_WORDS = [
    "apa",
    "apakah",
    "siapa",
    "siapakah",
    "kapan",
    "dimanakah",
    "dimana",
    "bagaimana",
    "mengapa",
    "kenapa",
    "berapa",
]


def test_the_data_file_loads_a_few_hundred_words():
    assert 300 <= len(stop_words()) <= 600
    assert {"yang", "dan", "di", "ke", "dari", "untuk"} <= stop_words()


@pytest.mark.parametrize("word", CONTENT_WORDS)
def test_content_words_news_readers_search_are_not_stop_words(word):
    assert not is_stop_word(word)


@pytest.mark.parametrize("word", QUESTION_WORDS)
def test_question_words_are_stop_words(word):
    assert is_stop_word(word)


def test_a_question_searches_on_its_content_words():
    assert searcher.analyze("Siapakah presiden pertama Indonesia?") == [
        "presiden",
        "pertama",
        "indonesia",
    ]
    assert searcher.analyze("Dimanakah letak Candi Borobudur?") == ["letak", "candi", "borobudur"]


def test_orang_survives_analysis():
    assert searcher.analyze("perdagangan orang", stem=False) == ["perdagangan", "orang"]


def test_no_word_is_listed_twice():
    entries = read_lines("stopwords.txt")
    assert [word for word, count in Counter(entries).items() if count > 1] == []


def test_every_entry_is_one_lowercase_token():
    bad = [
        entry
        for entry in read_lines("stopwords.txt")
        if entry != entry.lower() or words(entry) != [entry]
    ]
    assert bad == []
