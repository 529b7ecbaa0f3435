"""Snippets: the best passage of an article with the matched words marked.

Matching uses the same analysis as the index (:mod:`searcher.analysis`),
so a query for "dagang" marks "perdagangan" and "memberantas" marks
"pemberantasan": a word is marked when its stem (or its exact form) is one
the query matched. The text is cut into passages (sentences, or the comma-
joined paragraphs of some scraped corpora), each passage scored by how many
distinct query terms it holds and how often, and the best one or two are
returned, trimmed around their first match.

A text word's stem comes from the index's stem table (:mod:`searcher.stemtable`,
loaded when the index opens): snippets analyse no word the index holds afresh.
Only words the table lacks (an index built before it existed) go through
Sastrawi, and only those that could match at all.

The result is a :class:`~searcher.models.Snippet` (fragments flagged as
matched or not), which front ends render as escaped HTML with ``<mark>``,
terminal colour or plain text.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from collections.abc import Collection
from dataclasses import dataclass, field
from itertools import accumulate

from searcher.lru import WordCache
from searcher.models import Snippet
from searcher.stemmer import current, known_stems, stem_word
from searcher.stopwords import is_stop_word
from searcher.tokenizer import normalize, word_starts

# A passage ends after . ! ? … (and closing quotes), at line breaks, and at a
# comma glued to a capital (scraped paragraphs joined by commas). The leading
# lookahead lets the regex engine skip most positions at once (2x faster).
_PASSAGE_END = re.compile(r"(?=[\"'”’)\s,])(?:(?<=[.!?…])[\"'”’)]*\s+|\n+|(?<=\w),(?=[A-Z\"“]))")


@dataclass(frozen=True)
class MatchTerms:
    """What the query matched: single words and phrases.

    ``stems`` and ``stem_phrases`` come from the stemmed fields, ``exact`` and
    ``exact_phrases`` from the exact ones. A word that the query only has
    inside a phrase (the "tindak pidana" of an expanded "tindak pidana
    perdagangan orang") is marked only where the whole phrase occurs.
    """

    stems: frozenset[str] = frozenset()
    exact: frozenset[str] = frozenset()
    stem_phrases: frozenset[tuple[str, ...]] = frozenset()
    exact_phrases: frozenset[tuple[str, ...]] = frozenset()
    # Text word -> what it matches, filled while snippets are made (one query's words).
    _memo: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @functools.cached_property
    def cores(self) -> frozenset[str]:
        """What every text word that matches a term contains, in its exact form.

        A word matching an exact form or a compound part contains it; a word whose
        stem is S contains S minus its first letter (Sastrawi strips affixes and at
        most recodes the first letter: memukul -> pukul). Checked on all 120,200
        distinct words of CLICK-ID (tests/test_snippets.py checks the rule).
        """
        stems = self.stems | {word for phrase in self.stem_phrases for word in phrase}
        exact = self.exact | {word for phrase in self.exact_phrases for word in phrase}
        return frozenset({stem[1:] for stem in stems} | exact)

    @functools.cached_property
    def phrase_vocabulary(self) -> frozenset[str]:
        """Every word (exact form or stem) that occurs in a phrase."""
        return frozenset(
            word for phrase in self.stem_phrases | self.exact_phrases for word in phrase
        )

    def term_for(self, forms: tuple) -> str | None:
        """The single query term a text word matches (its stem or exact form), if any,
        given the word's ``_word_forms``."""
        norm, stop, stem, parts = forms
        if stop or not (self.stems or self.exact):
            return None
        if norm in self.exact:
            return norm
        if stem in self.stems:
            return stem
        for part, part_stem in parts:  # a compound matches through its parts: COVID-19 ← "covid"
            if part in self.exact or part_stem in self.stems:
                return part
        return None

    def __bool__(self) -> bool:
        return bool(self.stems or self.exact or self.stem_phrases or self.exact_phrases)


class _Words:
    """A text's matched words, found in one pass: the snippet code asks about
    many overlapping ranges (every passage, the chosen window, its fragments).

    Each distinct word is analysed once per query (``MatchTerms`` remembers),
    and for phrases only the words that occur in a phrase are kept, with
    their place among the text's non-stop words (phrases skip stop words).
    """

    def __init__(self, text: str, terms: MatchTerms):
        self.terms = terms
        memo = terms._memo
        phrases = bool(terms.stem_phrases or terms.exact_phrases)
        vocabulary = terms.phrase_vocabulary if phrases else frozenset()
        words, starts = word_starts(text)
        cores = terms.cores
        cache = _forms()
        for word in set(words).difference(memo):
            forms = cache.get(word) or _word_forms(word, stem=False)
            norm, stop, stem, _ = forms
            if stem is None:  # not in the index's stem table, not stemmed yet
                if not any(core in norm for core in cores):
                    # It cannot match: no need to stem it (Sastrawi is the slow part of
                    # snippets of an index without a stem table). Phrases still count it.
                    memo[word] = (None, stop or not phrases, None)
                    continue
                forms = _word_forms(word)
                stem = forms[2]
            in_phrase = phrases and not stop and (norm in vocabulary or stem in vocabulary)
            memo[word] = (
                terms.term_for(forms),
                stop or not phrases,
                (norm, stem) if in_phrase else None,
            )
        infos = [memo[word] for word in words]  # (term, is a stop word, phrase forms)
        self.hits: list[tuple[int, int, str]] = [
            (start, start + len(word), info[0])
            for word, start, info in zip(words, starts, infos, strict=True)
            if info[0]
        ]
        # (place among non-stop words, start, end, exact form, stem)
        self.phrase_words: list[tuple[int, int, int, str, str]] = []
        if phrases:
            places = accumulate((not info[1] for info in infos), initial=0)
            self.phrase_words = [
                (place, start, start + len(word), *info[2])
                for word, start, info, place in zip(words, starts, infos, places, strict=False)
                if info[2]
            ]  # places has one more item (the count after the last word)
        self.hit_starts = [hit[0] for hit in self.hits]
        self.phrase_starts = [word[1] for word in self.phrase_words]

    def matches(self, start: int, end: int) -> list[tuple[int, int, str]]:
        """``(start, end, term)`` of every matched word within ``[start, end)``, in order."""
        found = {
            hit[0]: hit
            for hit in self.hits[
                bisect_left(self.hit_starts, start) : bisect_left(self.hit_starts, end)
            ]
            if hit[1] <= end
        }
        terms = self.terms
        if self.phrase_words:
            words = [
                w
                for w in self.phrase_words[
                    bisect_left(self.phrase_starts, start) : bisect_left(self.phrase_starts, end)
                ]
                if w[2] <= end
            ]
            for phrases, form in ((terms.stem_phrases, 4), (terms.exact_phrases, 3)):
                for phrase in phrases:
                    size = len(phrase)
                    for i in range(len(words) - size + 1):
                        if words[i + size - 1][0] - words[i][0] == size - 1 and all(
                            words[i + k][form] == phrase[k] for k in range(size)
                        ):
                            key = " ".join(phrase)
                            for k in range(size):
                                found[words[i + k][1]] = (words[i + k][1], words[i + k][2], key)
        return [found[position] for position in sorted(found)]


# text word -> _word_forms, in bytes (words of at most 64 characters; a dict lookup);
# the forms hold stems, so each vocabulary (searcher.stemmer) has its own (_forms()).
FORMS_CACHE_BYTES = 32 << 20
# How much of an article snippets and related articles look at: bounded work per hit
# however long the article (CLICK-ID's longest is ~20,000 characters).
SCAN_CHARS = 50_000


def _word_forms(word: str, *, stem: bool = True) -> tuple:
    """``(exact form, is a stop word, stem, compound parts with their stems)`` of a text
    word; with ``stem=False`` the last two may be None (not known yet: stemming a word
    the index's stem table does not hold is slow)."""
    cache = _forms()
    forms = cache.get(word)
    if forms is None or (stem and forms[2] is None):
        norm = normalize(word)
        if is_stop_word(norm):
            forms = (norm, True, norm, ())
        elif not stem and not _known(norm):
            forms = (norm, False, None, None)
        else:
            parts = (
                tuple((part, stem_word(part)) for part in norm.split("-")) if "-" in norm else ()
            )
            forms = (norm, False, stem_word(norm), parts)
        cache.put(word, forms)  # bounded; emptied when full, refilled by the next words
    return forms


def _forms() -> WordCache:
    """The current vocabulary's word forms."""
    return current().cache("snippets.forms", lambda: WordCache(FORMS_CACHE_BYTES))


def _known(norm: str) -> bool:
    """True when the stems of ``norm`` (and of its parts) are known: no Sastrawi call."""
    known = known_stems()
    return norm in known and ("-" not in norm or all(p in known for p in norm.split("-")))


def highlight(text: str, terms: MatchTerms) -> Snippet:
    """All of ``text`` (e.g. a title) with matched words marked."""
    return Snippet(tuple(_fragments(text, 0, len(text), _Words(text, terms))))


def make_snippet(
    text: str, terms: MatchTerms, *, max_chars: int = 260, passages: int = 2
) -> Snippet:
    """The best passages of ``text`` for ``terms``, at most about ``max_chars``.

    Only the first :data:`SCAN_CHARS` characters are searched for passages.
    """
    whole = len(text.rstrip())
    text = text[:SCAN_CHARS]
    spans = _passages(text)
    if not spans:
        return Snippet()
    words = _Words(text, terms)
    scored = []
    for index, (start, end) in enumerate(spans):
        found = [term for _, _, term in words.matches(start, end)]
        scored.append((len(set(found)), len(found), -index, start, end))
    best = sorted(scored, reverse=True)
    if not best[0][0]:
        chosen = [spans[0]]  # no match in the body: the lede summarises the article
    else:
        chosen = [(start, end) for distinct, _, _, start, end in best[:passages] if distinct]
        chosen.sort()
    budget = max_chars // len(chosen)
    fragments: list[tuple[str, bool]] = []
    previous_end = 0
    for number, (start, end) in enumerate(chosen):
        # A short passage may grow into the text after it, never into the next one.
        limit = chosen[number + 1][0] if number + 1 < len(chosen) else len(text)
        window_start, window_end = _window(text, start, end, budget, words, limit)
        gap = text[previous_end:window_start]
        if gap.strip():  # text left out: say so
            fragments.append(("… " if not fragments else " … ", False))
        elif fragments:
            fragments.append((gap, False))
        fragments.extend(_fragments(text, window_start, window_end, words))
        previous_end = window_end
    if previous_end < whole:
        fragments.append((" …", False))
    return Snippet(tuple(_merge(fragments)))


def _passages(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in _PASSAGE_END.finditer(text):
        if text[start : match.start()].strip():
            spans.append(_strip(text, start, match.start()))
        start = match.end()
    if text[start:].strip():
        spans.append(_strip(text, start, len(text)))
    return spans


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " ,\t\r\n":
        start += 1
    while end > start and text[end - 1] in " ,\t\r\n":
        end -= 1
    return start, end


def _window(
    text: str, start: int, end: int, budget: int, words: _Words, limit: int
) -> tuple[int, int]:
    """About ``budget`` chars of the passage, starting a little before its first match."""
    if end - start <= budget:
        # A short passage ("Itu unsur TPPO yang jelas.") reads better with
        # the text that follows it, up to the budget (and ``limit``).
        limit = min(limit, start + budget)
        if limit > end:
            space = text.rfind(" ", end, limit)
            end = space if space > end else end
        return start, end
    first = next((s for s, _, _ in words.matches(start, end)), start)
    left = max(start, first - budget // 4)
    if left > start:  # begin at a word boundary
        space = text.find(" ", left, first)
        left = space + 1 if space != -1 else left
    right = min(end, left + budget)
    if right < end:
        space = text.rfind(" ", left, right)
        right = space if space > first else right
    return left, right


def _fragments(text: str, start: int, end: int, words: _Words) -> list[tuple[str, bool]]:
    fragments, position = [], start
    for match_start, match_end, _ in words.matches(start, end):
        if match_start > position:
            fragments.append((text[position:match_start], False))
        fragments.append((text[match_start:match_end], True))
        position = match_end
    if position < end:
        fragments.append((text[position:end], False))
    return fragments


def _merge(fragments: Collection[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Join neighbouring unmarked fragments (and collapse whitespace runs)."""
    merged: list[tuple[str, bool]] = []
    for text, hit in fragments:
        text = re.sub(r"\s+", " ", text)
        if merged and not hit and not merged[-1][1]:
            merged[-1] = (merged[-1][0] + text, False)
        elif text:
            merged.append((text, hit))
    return merged
