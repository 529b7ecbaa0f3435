"""Splitting Indonesian text into words.

A *word* here is a run of Unicode letters and digits (apostrophes inside
allowed), optionally joined by hyphens into one token, because Indonesian
writes meaning into the hyphen:
reduplication (``anak-anak``, ``kasus-kasus``), prefixed acronyms (``e-KTP``)
and names with numbers (``COVID-19``, ``KTT ke-42``). Decimal numbers keep
their separators (``2,5``, ``10.000``) so amounts stay one token.

The tokenizer only finds words and their character offsets; lowercasing,
stop words and stemming are separate steps (see :mod:`searcher.analysis`).
Offsets let the highlighter mark words in the original text.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterator
from itertools import accumulate

from searcher.lru import WordCache

# \w is Unicode-aware in Python 3; underscores are not word characters in news
# text. An apostrophe between letters belongs to the word (Jum'at, Al-Qur'an).
# Combining marks (U+0300-U+036F) are part of the word they decorate, so text
# in decomposed form (NFD: "Nin" + U+0303 + "o") is not split mid-word.
_LETTERS = r"(?:[^\W_][\u0300-\u036f]*)+"
_WORD = rf"{_LETTERS}(?:['\u2019]{_LETTERS})*"
TOKEN_PATTERN = re.compile(
    r"\d+(?:[.,]\d+)+"  # numbers with thousands/decimal separators: 10.000, 2,5
    rf"|{_WORD}(?:[-\u2010\u2011]{_WORD})*"  # words, hyphenated compounds
)
# The same tokens for text without combining marks (nearly all news text),
# found about twice as fast: the regex engine runs over [^\W_]+ in one step.
_PLAIN_WORD = r"[^\W_]+(?:['\u2019][^\W_]+)*"
_PLAIN_PATTERN = re.compile(
    r"\d+(?:[.,]\d+)+"
    rf"|{_PLAIN_WORD}(?:[-\u2010\u2011]{_PLAIN_WORD})*"
)
_COMBINING = re.compile(r"[\u0300-\u036f]")


def find_words(text: str) -> Iterator[re.Match]:
    """The match of every word in ``text`` (``TOKEN_PATTERN``, faster)."""
    pattern = TOKEN_PATTERN if _COMBINING.search(text) else _PLAIN_PATTERN
    return pattern.finditer(text)


_TOKEN_SPLIT = re.compile(f"({TOKEN_PATTERN.pattern})")
_PLAIN_SPLIT = re.compile(f"({_PLAIN_PATTERN.pattern})")


def word_starts(text: str) -> tuple[list[str], list[int]]:
    """The words of ``text`` (as ``find_words``) and where each starts.

    Found by ``re.split`` and summed lengths, without a match object per word
    (those cost more than the regex itself).
    """
    pattern = _TOKEN_SPLIT if _COMBINING.search(text) else _PLAIN_SPLIT
    parts = pattern.split(text)  # text between words, word, text between words, ...
    offsets = list(accumulate(map(len, parts), initial=0))
    return parts[1::2], offsets[1:-1:2]


def tokenize(text: str) -> Iterator[tuple[str, int, int]]:
    """Yield ``(word, start, end)`` for every word in ``text``, case preserved."""
    for match in find_words(text):
        yield match.group(), match.start(), match.end()


_FOLD = str.maketrans({"\u2010": "-", "\u2011": "-", "'": None, "\u2019": None})


# Normalised forms of words seen, in bytes (words of at most 64 characters).
NORMALIZE_CACHE_BYTES = 16 << 20
_NORMALIZED = WordCache(NORMALIZE_CACHE_BYTES)


def normalize(word: str) -> str:
    """Lowercase a word, drop apostrophes and accents, unify hyphens.

    "Jum'at" and "Jumat", "Qur'an" and "Quran", "Wahhāb" and "Wahhab",
    "Định" and "Dinh" are written both ways, so they become one term.
    """
    found = _NORMALIZED.get(word)
    if found is None:
        found = _normalize(word)
        _NORMALIZED.put(word, found, sys.getsizeof(found))
    return found


def _normalize(word: str) -> str:
    word = word.casefold().translate(_FOLD)
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("đ", "d")


def words(text: str) -> list[str]:
    """The normalised words of ``text``, in order (no stop words removed)."""
    return [normalize(m.group()) for m in find_words(text)]
