"""Splitting Indonesian text into words.

A *word* here is a run of Unicode letters and digits, optionally joined by
hyphens into one token, because Indonesian writes meaning into the hyphen:
reduplication (``anak-anak``, ``kasus-kasus``), prefixed acronyms (``e-KTP``)
and names with numbers (``COVID-19``, ``KTT ke-42``). Decimal numbers keep
their separators (``2,5``, ``10.000``) so amounts stay one token.

The tokenizer only finds words and their character offsets; lowercasing,
stop words and stemming are separate steps (see :mod:`searcher.analysis`).
Offsets let the highlighter mark words in the original text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# \w is Unicode-aware in Python 3; underscores are not word characters in news text.
_WORD = r"[^\W_]+"
TOKEN_PATTERN = re.compile(
    rf"\d+(?:[.,]\d+)+"  # numbers with thousands/decimal separators: 10.000, 2,5
    rf"|{_WORD}(?:[-\u2010\u2011]{_WORD})*"  # words, hyphenated compounds
)


def tokenize(text: str) -> Iterator[tuple[str, int, int]]:
    """Yield ``(word, start, end)`` for every word in ``text``, case preserved."""
    for match in TOKEN_PATTERN.finditer(text):
        yield match.group(), match.start(), match.end()


def normalize(word: str) -> str:
    """Lowercase a word and unify the hyphen variants into ``-``."""
    return word.casefold().replace("\u2010", "-").replace("\u2011", "-")


def words(text: str) -> list[str]:
    """The normalised words of ``text``, in order (no stop words removed)."""
    return [normalize(m.group()) for m in TOKEN_PATTERN.finditer(text)]
