"""The Indonesian analysis chain, built once and used for indexing and queries.

Whoosh analyzers are small composable objects: a tokenizer piped into
filters with ``|``. Ours::

    IndonesianTokenizer() | StopFilter() | StemFilter() | CompoundPartsFilter()

* :class:`IndonesianTokenizer` finds words (hyphenated compounds kept whole,
  see :mod:`searcher.tokenizer`) and lowercases them.
* :class:`StopFilter` drops the curated stop words (:mod:`searcher.stopwords`).
* :class:`StemFilter` replaces each word with its Sastrawi stem
  (:mod:`searcher.stemmer`); protected words pass unchanged.
* :class:`CompoundPartsFilter` also indexes the parts of a hyphenated word
  at the same position, so "covid" finds "COVID-19" and "ktp" finds "e-KTP".
  It works at index time only: a query for "covid-19" asks for the whole.

Three analyzers come out of it: :func:`stemming_analyzer` for the ``title``
and ``body`` fields, :func:`exact_analyzer` (no stemming) for the
``*_exact`` fields that let exact word forms rank above stemmed matches, and
:func:`pair_analyzer` (:class:`PairFilter`: neighbouring stems as one term)
for the ``*_pairs`` fields that rank words standing together first.

The Whoosh schema pickles analyzers into the index, so these classes hold no
state: the stop list, protected words and stem cache live in module-level
functions and are found by name when an index is opened.

:func:`analyze_with_offsets` runs the same steps without Whoosh for the
snippet highlighter, so what is highlighted is exactly what was matched.
"""

from __future__ import annotations

from collections.abc import Iterator

from whoosh.analysis import Composable, Filter, Token, Tokenizer

from searcher.stemmer import known_stems, learn_stem, stem_word
from searcher.stopwords import is_stop_word, stop_words
from searcher.tokenizer import find_words, normalize


class IndonesianTokenizer(Tokenizer):
    """Words and hyphenated compounds, lowercased, with positions and offsets."""

    def __eq__(self, other):
        return type(self) is type(other)

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = normalize(value)
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar = start_char
                token.endchar = start_char + len(value)
            yield token
            return
        for pos, match in enumerate(find_words(value), start_pos):
            word = match.group()
            if keeporiginal:
                token.original = word
            token.text = normalize(word)
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


class StopFilter(Filter):
    """Removes the curated stop words (see ``data/stopwords.txt``)."""

    def __eq__(self, other):
        return type(self) is type(other)

    def __call__(self, tokens):
        stops = stop_words()
        for token in tokens:
            if token.text not in stops:
                yield token
            elif not token.removestops:
                # Whoosh asks to keep stopped tokens when it needs positions
                # of every word (e.g. highlighting); flag them instead.
                token.stopped = True
                yield token


class StemFilter(Filter):
    """Replaces each word with its Sastrawi stem: a known stem (the index's stem
    table) when there is one; words being indexed are learned for the table."""

    def __eq__(self, other):
        return type(self) is type(other)

    def __call__(self, tokens):
        known = known_stems()
        for token in tokens:
            if not token.stopped:
                text = token.text
                stem = known.get(text)
                if stem is None:
                    stem = learn_stem(text) if token.mode == "index" else stem_word(text)
                token.text = stem
            yield token


class CompoundPartsFilter(Filter):
    """At index time, adds the parts of a hyphenated word at its position.

    ``covid-19`` is indexed as ``covid-19``, ``covid`` and ``19``; a
    reduplication such as ``anak-anak`` has already stemmed to ``anak`` and
    yields nothing extra. Parts go through the same stop and stem steps.
    """

    def __init__(self, stem: bool = True):
        self.stem = stem

    def __eq__(self, other):
        return type(self) is type(other) and self.stem == other.stem

    def __call__(self, tokens):
        for token in tokens:
            yield token
            text = token.text
            if token.mode == "query" or token.stopped or "-" not in text:
                continue
            for part in _compound_parts(text, self.stem and learn_stem):
                token.text = part
                yield token
            token.text = text


def _compound_parts(word: str, stem) -> list[str]:
    """The parts of a hyphenated word, each through ``stem`` (a function) if given."""
    parts = []
    for part in word.split("-"):
        if not part or is_stop_word(part):
            continue
        part = stem(part) if stem else part
        if part != word and part not in parts:
            parts.append(part)
    return parts


class PairFilter(Filter):
    """Each two neighbouring words as one term, ``"dagang orang"``.

    Stop words are skipped, as queries skip them, so "kebakaran hutan dan
    lahan" gives ``bakar hutan`` and ``hutan lahan``. Looking a query's pairs
    up as terms tells, at the cost of a word lookup, which articles hold its
    words together (proximity, multiword terms) without reading positions.
    ``limit`` keeps only the first pairs: a news story says what it is about
    in its lead, and every pair of a whole body would triple the index.
    """

    def __init__(self, limit: int | None = None):
        self.limit = limit

    def __eq__(self, other):
        return type(self) is type(other) and self.limit == other.limit

    def __call__(self, tokens):
        previous, made = None, 0
        for token in tokens:
            if token.stopped:
                continue
            text = token.text
            if previous is not None:
                if self.limit is not None and made >= self.limit:
                    return  # the rest of the text is not even stemmed
                made += 1
                token.text = pair_term(previous, text)
                yield token
            previous = text


def pair_term(first: str, second: str) -> str:
    """The pair fields' term for two neighbouring (analysed) words."""
    return f"{first} {second}"


def stemming_analyzer() -> Composable:
    """Analyzer for stemmed fields: tokens → stop words out → stems → parts."""
    return IndonesianTokenizer() | StopFilter() | StemFilter() | CompoundPartsFilter(stem=True)


def exact_analyzer() -> Composable:
    """Analyzer for exact-form fields: like the stemming one, without stemming."""
    return IndonesianTokenizer() | StopFilter() | CompoundPartsFilter(stem=False)


# Pairs kept from the start of a body: about the first 30 words of a news
# story (its lead sentence, which says what happened): the pair fields hold
# one term per pair, and every pair of every body would triple the index.
LEAD_PAIRS = 20


def pair_analyzer(limit: int | None = None) -> Composable:
    """Analyzer for the pair fields: stems of neighbouring words, two at a time
    (the first ``limit`` pairs only, if given)."""
    return IndonesianTokenizer() | StopFilter() | StemFilter() | PairFilter(limit)


def analyze(text: str, *, stem: bool = True) -> list[str]:
    """The index terms of ``text`` as a list (query mode: no compound parts)."""
    return [term for term, _, _ in analyze_with_offsets(text, stem=stem)]


def analyze_with_offsets(text: str, *, stem: bool = True) -> Iterator[tuple[str, int, int]]:
    """Yield ``(term, start, end)`` for each non-stop word of ``text``."""
    for match in find_words(text):
        word = normalize(match.group())
        if is_stop_word(word):
            continue
        yield (stem_word(word) if stem else word), match.start(), match.end()
