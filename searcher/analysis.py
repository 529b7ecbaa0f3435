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

:class:`AnalysedText` fields index a text with all three from one pass over it
(:class:`TextAnalysis`): one tokenisation, one stop-word check and one stem
lookup per word serve the stemmed, exact and pair fields of the same text.
The analyzers stay the fields' analyzers for queries, and give the same terms
(tests/test_analysis.py compares them).

:func:`analyze_with_offsets` runs the same steps without Whoosh for the
snippet highlighter, so what is highlighted is exactly what was matched.
"""

from __future__ import annotations

from collections.abc import Iterator

from whoosh.analysis import Composable, Filter, Token, Tokenizer
from whoosh.fields import TEXT
from whoosh.formats import Positions

from searcher.stemmer import current, known_stems, learn_stem, recording, stem_word
from searcher.stopwords import is_stop_word, stop_words
from searcher.tokenizer import find_words, normalize, word_starts


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
                stem = None if token.mode == "index" else known.get(text)
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


class TextAnalysis:
    """One text's index terms for every kind of field, from one pass over its words.

    ``stemmed``: stem (and stemmed compound part) -> positions, as
    :func:`stemming_analyzer` gives them; ``exact``: word (and part) -> count, as
    :func:`exact_analyzer`; ``stems``: the non-stop words' stems in order, whose
    neighbours make the pair terms (:meth:`pairs`, as :func:`pair_analyzer`).
    Words are stemmed as when indexing: from the known stems, new ones learned.
    """

    __slots__ = ("exact", "stemmed", "stems")

    def __init__(self, text: str):
        known, stops = known_stems(), stop_words()
        stemmed: dict[str, list[int]] = {}
        exact: dict[str, int] = {}
        stems: list[str] = []
        words, _ = word_starts(text)
        for position, word in enumerate(words):
            norm = normalize(word)
            if norm in stops:
                continue
            stem = known.get(norm)
            if stem is None:
                stem = learn_stem(norm)
            stems.append(stem)
            found = stemmed.get(stem)
            if found is None:
                stemmed[stem] = [position]
            else:
                found.append(position)
            exact[norm] = exact.get(norm, 0) + 1
            if "-" in stem:
                for part in _compound_parts(stem, learn_stem):
                    stemmed.setdefault(part, []).append(position)
            if "-" in norm:
                for part in _compound_parts(norm, None):
                    exact[part] = exact.get(part, 0) + 1
        self.stemmed, self.exact, self.stems = stemmed, exact, stems
        words_indexed = recording()
        if words_indexed is not None:  # the known ones too: the index's table needs them
            words_indexed.update(exact)

    def pairs(self, limit: int | None) -> dict[str, int]:
        """Pair term -> count, of the first ``limit`` pairs (all if None)."""
        stems = self.stems
        count = len(stems) - 1 if limit is None else min(limit, len(stems) - 1)
        found: dict[str, int] = {}
        for i in range(max(count, 0)):
            term = pair_term(stems[i], stems[i + 1])
            found[term] = found.get(term, 0) + 1
        return found


# The last texts analysed, with their analysis (kept by the current vocabulary:
# the stems are its own): a document's title and body are each indexed by three
# fields in a row (Whoosh indexes fields in name order), all given the same string.
_RECENT_SIZE = 2


def analyse_text(text: str) -> TextAnalysis:
    """The :class:`TextAnalysis` of ``text``, computed once for the fields in a row."""
    recent = current().cache("analysis.recent", list)
    for seen, analysis in recent:
        if seen is text:
            return analysis
    analysis = TextAnalysis(text)
    recent.insert(0, (text, analysis))
    del recent[_RECENT_SIZE:]
    return analysis


class AnalysedText(TEXT):
    """A TEXT field indexed from the shared one-pass :class:`TextAnalysis`.

    ``kind`` is ``"stemmed"``, ``"exact"`` or ``"pairs"`` (with ``limit``: the
    first pairs only), matching the ``analyzer`` given, which queries still use.
    Our writer (:class:`searcher.whoosh.internals.BulkSegmentWriter`) takes a
    document's terms from :meth:`terms`; Whoosh's own writer (on a Whoosh version
    our writer was not made for) runs the analyzer, as for any TEXT field.
    """

    KINDS = ("stemmed", "exact", "pairs")

    def __init__(self, kind: str, limit: int | None = None, **options):
        if kind not in self.KINDS:
            raise ValueError(f"AnalysedText kind: {kind!r} is not one of {self.KINDS}")
        super().__init__(**options)
        self.kind, self.limit = kind, limit

    def terms(self, value: str) -> dict:
        """The terms of ``value`` for this field, from the shared analysis: term ->
        positions (a stemmed field with positions) or term -> count."""
        analysis = analyse_text(value)
        if self.kind == "stemmed":
            if isinstance(self.format, Positions):
                return analysis.stemmed
            return {term: len(positions) for term, positions in analysis.stemmed.items()}
        if self.kind == "exact":
            return analysis.exact
        return analysis.pairs(self.limit)
