"""Indonesian stemming: Sastrawi, one word at a time, behind a cache.

Sastrawi's ``stem(text)`` is meant for sentences: it strips every character
that is not an ASCII letter and splits dates, so we call ``stem_word`` on
single, already-tokenised words instead. Each distinct word is stemmed once
per process (news vocabulary is Zipfian: a few hundred thousand distinct
words cover millions of tokens).

What an index knows of its words is its :class:`Vocabulary`: word -> stem
for every word of its stem table (:mod:`searcher.stemtable`, loaded when the
index is opened) and every word an indexing run learns (:meth:`Vocabulary.learn`),
so neither queries nor snippets stem a word the index holds, and re-indexing
stems only words it has never seen. Each open index owns one; with two indexes
open, each answers for itself. Words met at query time only go to the bounded
cache of Sastrawi's answers (shared: the rules are the process's), not the
vocabulary: a server's memory does not grow with what people type.

The vocabulary in use is passed down as the *current* one (:func:`using`, a
context variable): an index makes its own current while one of its methods
runs, an indexing run its own, and the analysis chain (whose Whoosh analyzers
are pickled into the index and so cannot hold an index's state), the query
parser and the snippets ask :func:`current`. Outside any index, a process-wide
default vocabulary serves (a plain :func:`stem_word` call).

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

import contextvars
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

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


class Vocabulary:
    """What one index knows of its words: word -> stem (:attr:`known`), whether that
    is every word it holds (:attr:`complete`), the words an indexing run records
    for its stem table, and the caches of modules above whose entries depend on the
    stems (:meth:`cache`: snippet word forms, the last texts analysed)."""

    def __init__(self, known: dict[str, str] | None = None, *, complete: bool = False):
        self.known: dict[str, str] = dict(known or {})
        self.complete = complete
        # While an indexer runs: every word it indexes (known or new), for its table.
        self.recording: set[str] | None = None
        # stem table file -> (mtime, size) and whether it was usable, when loaded
        # (searcher.stemtable.load)
        self.tables: dict[str, tuple] = {}
        self.caches: dict[str, Any] = {}  # name -> a cache of a module above (cache())

    def __repr__(self) -> str:
        return f"<Vocabulary of {len(self.known):,} words{' (complete)' if self.complete else ''}>"

    def stem(self, word: str) -> str:
        """The stem of one lowercase word: the known one, else Sastrawi behind the cache."""
        stem = self.known.get(word)
        if stem is None:
            stem = cached_stem(word)
        return stem

    def learn(self, word: str) -> str:
        """The stem of a word being indexed, remembered (and, while recording, kept
        for the index's stem table)."""
        if self.recording is not None:
            self.recording.add(word)
        stem = self.known.get(word)
        if stem is None:
            stem = self.known[word] = cached_stem(word)
        return stem

    def cache(self, name: str, make: Callable[[], Any]) -> Any:
        """This vocabulary's cache called ``name``, made by ``make()`` when first asked."""
        found = self.caches.get(name)
        if found is None:
            found = self.caches[name] = make()
        return found

    def holds(self, word: str) -> bool | None:
        """Whether the index holds ``word``; None when the vocabulary cannot tell (its
        table is not complete)."""
        return word in self.known if self.complete else None

    def add(self, entries: Iterable[tuple[str, str]]) -> None:
        """Remember stems (words already known keep theirs)."""
        known = self.known
        for word, stem in entries:
            known.setdefault(word, stem)

    def clear(self) -> None:
        """Forget every stem, table and cached form."""
        self.known.clear()
        self.tables.clear()
        self.caches.clear()
        self.complete = False


_DEFAULT = Vocabulary()  # outside any index
_CURRENT: contextvars.ContextVar[Vocabulary] = contextvars.ContextVar("vocabulary")


def current() -> Vocabulary:
    """The vocabulary in use: the index's whose method is running, the indexing
    run's, else the process-wide default."""
    return _CURRENT.get(_DEFAULT)


def default_vocabulary() -> Vocabulary:
    """The vocabulary used outside any index."""
    return _DEFAULT


@contextmanager
def using(vocabulary: Vocabulary) -> Iterator[Vocabulary]:
    """Make ``vocabulary`` the current one in this thread (and context) while inside."""
    token = _CURRENT.set(vocabulary)
    try:
        yield vocabulary
    finally:
        _CURRENT.reset(token)


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


def cached_stem(word: str) -> str:
    """The stem by our rules, from the bounded cache of Sastrawi's answers."""
    stem = _CACHE.get(word)
    if stem is None:
        stem = sastrawi_stem(word)
        _CACHE.put(word, stem, sys.getsizeof(stem))
    return stem


def stem_word(word: str) -> str:
    """The stem of one lowercase word (protected words and numbers unchanged), by
    the current vocabulary: its known stem, else Sastrawi behind the cache."""
    return _CURRENT.get(_DEFAULT).stem(word)


def learn_stem(word: str) -> str:
    """The stem of a word being indexed, learned by the current vocabulary."""
    return _CURRENT.get(_DEFAULT).learn(word)


def start_recording() -> set[str]:
    """Start collecting the words the current vocabulary learns (see :func:`recording`)."""
    vocabulary = current()
    vocabulary.recording = set()
    return vocabulary.recording


def recording() -> set[str] | None:
    """The words indexed since :func:`start_recording` (None when not recording);
    the indexer empties it as it saves them."""
    return current().recording


def stop_recording() -> None:
    current().recording = None


def known_stems() -> dict[str, str]:
    """The current vocabulary's known stems, word -> stem (callers must not change it)."""
    return current().known


def add_known_stems(entries: Iterable[tuple[str, str]]) -> None:
    """Remember stems in the current vocabulary (words already known keep theirs)."""
    current().add(entries)


def clear_known_stems() -> None:
    """Forget the current vocabulary's stems and the cache: as a fresh process starts."""
    current().clear()
    _CACHE.clear()


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
