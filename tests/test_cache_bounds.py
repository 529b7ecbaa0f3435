"""Every cache is bounded in bytes (#24, item 13).

Random distinct query words kept a server's memory rising (95 -> 268 MB in 300 s):
the stem cache held 500,000 words of any length, the parse and result caches counted
entries of any size. Here each cache is filled past its limit and its bytes are
checked, with the interpreter's own allocation count (tracemalloc) as the judge for
the word caches. The plateau of a real server is measured by ``benchmarks/soak.py``.
"""

from __future__ import annotations

import random
import string
import tracemalloc

import pytest

import searcher
from searcher import lru, stemmer, tokenizer
from searcher.lru import LRU, WordCache, deep_sizeof
from searcher.query import parser


def random_words(count: int, length: int, seed: int = 24) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(string.ascii_lowercase, k=length)) for _ in range(count)]


def test_deep_sizeof_counts_what_a_value_holds():
    text = "a" * 10_000
    assert deep_sizeof(text) >= 10_000
    assert deep_sizeof([text, text]) < 2 * 10_000  # the same object counted once
    assert deep_sizeof({"x": [text, "b" * 5_000]}) >= 15_000


def test_a_word_cache_stays_within_its_bytes_as_measured():
    cache = WordCache(2_000_000, max_word=40)
    words = random_words(100_000, 20)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for word in words:
        cache.put(word, word.upper(), 49 + len(word))
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert cache.size <= 2_000_000
    assert held < 2_000_000 * 1.5  # the estimate is close to what CPython allocated
    assert len(cache) > 1_000  # and it does keep words


def test_long_words_are_not_kept():
    cache = WordCache(1 << 20, max_word=64)
    cache.put("x" * 65, "y")
    cache.put("x" * 64, "y")
    assert cache.get("x" * 65) is None and cache.get("x" * 64) == "y"


def test_the_stem_cache_is_bounded_in_bytes_and_keeps_no_long_words(monkeypatch):
    monkeypatch.setattr(stemmer, "_CACHE", WordCache(300_000, stemmer.MAX_STEM_LENGTH))
    for word in random_words(20_000, 12, seed=1):
        stemmer.stem_word(word)
    assert 0 < stemmer._CACHE.size <= 300_000
    long_word = "ab" * 500
    assert stemmer.stem_word(long_word) == long_word
    assert stemmer._CACHE.get(long_word) is None


def test_the_normalize_cache_is_bounded_in_bytes(monkeypatch):
    monkeypatch.setattr(tokenizer, "_NORMALIZED", WordCache(200_000))
    for word in random_words(20_000, 10, seed=2):
        assert tokenizer.normalize(word.upper()) == word
    assert tokenizer._NORMALIZED.size <= 200_000


def test_an_lru_by_bytes_and_entries():
    cache = LRU(10_000, sizeof=deep_sizeof, max_entries=3)
    for n in range(10):
        cache.put(n, "z" * 100)
    assert len(cache) == 3
    cache = LRU(10_000, sizeof=deep_sizeof)
    for n in range(100):
        cache.put(n, "z" * 1_000)
    assert cache.size <= 10_000 and len(cache) < 10


def test_parsed_queries_are_bounded_in_bytes():
    parser.parse.cache_clear()
    for word in random_words(300, 400, seed=3):  # long queries, 300 of them
        parser.parse(word[:200] + " OR " + word[200:])
    assert parser._parsed().size <= parser.PARSE_CACHE_BYTES


def test_searches_remembered_are_bounded_in_bytes(sample_index):
    with searcher.open_index(sample_index, result_cache=10_000, result_cache_bytes=300_000) as ix:
        for word in [
            "banjir",
            "jakarta",
            "polisi",
            "korban",
            "perdagangan",
            "warga",
            "pemerintah",
            "presiden",
            "kota",
            "desa",
        ] * 3:
            for page in (1, 2):
                ix.search(word, page=page, per_page=20, facets=True)
        assert 0 < ix._results.size <= 300_000
    with pytest.raises(searcher.SearcherError, match="result_cache_bytes"):
        searcher.open_index(sample_index, result_cache_bytes=-1)


def test_the_documented_total():
    from searcher import cleaning, snippets
    from searcher.whoosh import reader

    total = (
        reader.POSTING_CACHE_BYTES
        + reader.RESULT_CACHE_BYTES
        + parser.PARSE_CACHE_BYTES
        + stemmer.STEM_CACHE_BYTES
        + tokenizer.NORMALIZE_CACHE_BYTES
        + snippets.FORMS_CACHE_BYTES
        + cleaning.FIX_CACHE_BYTES
    )
    assert total == 176 << 20  # README: "Memory" gives this total
    assert lru.DICT_SLOT > 0
