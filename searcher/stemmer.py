"""Indonesian stemming: Sastrawi, one word at a time, behind a cache.

Sastrawi's ``stem(text)`` is meant for sentences: it strips every character
that is not an ASCII letter and splits dates, so we call ``stem_word`` on
single, already-tokenised words instead. Each distinct word is stemmed once
per process (news vocabulary is Zipfian: a few hundred thousand distinct
words cover millions of tokens).

Words whose stem is already known skip Sastrawi and the cache: the stem table
saved with an index (:mod:`searcher.stemtable`) fills :func:`known_stems` when
the index is opened, and indexing adds every new word to it
(:func:`learn_stem`), so neither queries nor snippets stem a word the index
holds, and re-indexing stems only words it has never seen. Words met at query
time only go to the bounded cache, not the table: a server's memory does not
grow with what people type.

Words reaching Sastrawi are bounded: at most ``MAX_STEM_LENGTH`` characters,
letters joined by hyphens and nothing else (:func:`stemmable`); anything
else is its own stem. This is a safety rule, not only a speed one: Sastrawi
builds regular expressions from the word it strips (``re.sub(result, "",
word)`` in its prefix and suffix visitors, ``Sastrawi/Stemmer/Context/
Visitor/*.py``), so a query word such as ``ab.*.*.*.*.*.*.*.*.*\\dkan-x``
made a pattern that backtracked for seconds to minutes while holding the
interpreter lock (#24). A word of letters and hyphens makes only literal
patterns (no letter and no hyphen outside a class is special in a regular
expression), so no pattern is ever built from anything else.

Sastrawi over-stems many proper nouns and a few common words (Bekasi→bekas,
Bali→bal, pemilu→milu, penyelidikan→lidi). Words in ``data/protected.txt``
are returned unchanged.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from functools import cache

from searcher.lru import WordCache
from searcher.resources import read_word_list

# Stems of words met outside the stem table (queries, snippets), in bytes: about
# 80,000 typical words. Bounded so that a server's memory does not grow with what
# people type (#24: random distinct words kept it rising).
STEM_CACHE_BYTES = 16 << 20
# Longer words are not stemmed (news words are under 40 letters; an 80-letter
# reduplication, "pertanggungjawaban-pertanggungjawaban" twice, still is).
MAX_STEM_LENGTH = 80
# Bump when the rules of stem_word change (clitics, codes, protected handling):
# stem tables saved by other rules are then not trusted (searcher.stemtable).
RULES_VERSION = 1

# word -> stem for every word of the opened indexes' stem tables and every word
# indexed in this process.
_KNOWN: dict[str, str] = {}
_cleared = 0
# While an indexer runs: every word it indexes (known or new), for its index's table.
_RECORDING: set[str] | None = None


@cache
def protected_words() -> frozenset[str]:
    """Words (lowercase) that are never stemmed."""
    return frozenset(read_word_list("protected.txt"))


@cache
def _sastrawi():
    # Imported lazily: building the stemmer loads a 30k-word dictionary. We
    # use the plain Stemmer (not the factory's CachedStemmer, which caches
    # whole texts and has no per-word entry point); our cache is stem_word's.
    from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
    from Sastrawi.Stemmer.Stemmer import Stemmer
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return Stemmer(ArrayDictionary(StemmerFactory().get_words()))


# Particles and possessives that attach to any word, protected names included
# (pemilunya, Bekasilah): they are removed before the protected-word check.
CLITICS = ("nya", "lah", "kah", "pun", "ku", "mu")


def stem_word(word: str) -> str:
    """The stem of one lowercase word (protected words and numbers unchanged).

    From the known stems when the word is there, else Sastrawi behind the cache.
    """
    stem = _KNOWN.get(word)
    if stem is None:
        stem = _CACHE.get(word)
        if stem is None:
            stem = sastrawi_stem(word)
            _CACHE.put(word, stem, sys.getsizeof(stem))
    return stem


def learn_stem(word: str) -> str:
    """The stem of a word being indexed, remembered in the known stems (and, while
    recording, in the words the indexer saves in its index's stem table)."""
    if _RECORDING is not None:
        _RECORDING.add(word)
    stem = _KNOWN.get(word)
    if stem is None:
        stem = _KNOWN[word] = sastrawi_stem(word)
    return stem


def start_recording() -> set[str]:
    """Start collecting the words indexed in this process (see :func:`recording`)."""
    global _RECORDING
    _RECORDING = set()
    return _RECORDING


def recording() -> set[str] | None:
    """The words indexed since :func:`start_recording` (None when not recording);
    the indexer empties it as it saves them."""
    return _RECORDING


def stop_recording() -> None:
    global _RECORDING
    _RECORDING = None


def known_stems() -> dict[str, str]:
    """The process's known stems, word -> stem (callers must not change it)."""
    return _KNOWN


def add_known_stems(entries: Iterable[tuple[str, str]]) -> None:
    """Remember stems read from a stem table (words already known keep theirs)."""
    for word, stem in entries:
        _KNOWN.setdefault(word, stem)


def clear_known_stems() -> None:
    """Forget every known stem (and the cache): as a fresh process starts."""
    global _cleared
    _KNOWN.clear()
    _CACHE.clear()
    _cleared += 1


def known_generation() -> int:
    """Changes each time the known stems are cleared (tables loaded before are gone)."""
    return _cleared


_CACHE = WordCache(STEM_CACHE_BYTES, max_word=MAX_STEM_LENGTH)


def stemmable(word: str) -> bool:
    """Whether ``word`` may reach Sastrawi: at most ``MAX_STEM_LENGTH`` characters of
    letters, joined by single hyphens (no digit, no punctuation, no empty part)."""
    return len(word) <= MAX_STEM_LENGTH and all(part.isalpha() for part in word.split("-"))


def sastrawi_stem(word: str) -> str:
    """The stem by our rules and Sastrawi, never cached (what the stem table holds)."""
    protected = protected_words()
    if word in protected or not stemmable(word):
        return word
    for clitic in CLITICS:
        if word.endswith(clitic) and word[: -len(clitic)] in protected:
            return word[: -len(clitic)]
    stem = _sastrawi().stem_word(word)
    # Sastrawi returns "" for some inputs; an empty stem would lose the word.
    return stem or word
