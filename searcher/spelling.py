"""Near spellings of a word, for "did you mean" and fuzzy terms, on either backend.

Generating a word's one-edit variants and looking each up is far cheaper
than walking the whole term dictionary with an automaton (Whoosh's
``terms_within``: 160 ms for one word on CLICK-ID, against a few ms here).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from searcher.stemmer import stem_word

ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
# Bounds on the work of one suggestion (#12: a 1,000-letter word took 3-12 s,
# 90 random words 4.6 s): longer words are not checked (a word's one-edit
# variants grow with its length), only the first rare words get variants,
# and fewer still the two-edit scan of the term dictionary.
MAX_WORD_LETTERS = 30
MAX_RARE_WORDS = 3
MAX_FAR_WORDS = 1
# Letters a preferred correction keeps from the typed word: the first letters are
# rarely the misspelled ones ("bupti" is "bupati" rather than the commoner
# "bukti"); the same prefix as rare words' better-known spellings, so the
# suggestion is the spelling the search uses (#21).
KEPT_PREFIX = 3


def edits(word: str, prefix: int = 0, *, swaps: bool = True) -> list[str]:
    """Spellings one edit (delete, swap, replace, insert) away, ``prefix`` letters kept.

    Letters outside ``ALPHABET`` are deleted, swapped or replaced but never inserted.
    Without ``swaps``, the Levenshtein neighbours only (as Whoosh's ``terms_within``).
    """
    head, tail = word[:prefix], word[prefix:]
    splits = [(tail[:i], tail[i:]) for i in range(len(tail) + 1)]
    out = dict.fromkeys(
        [head + a + b[1:] for a, b in splits if b]
        + [head + a + b[1] + b[0] + b[2:] for a, b in splits if swaps and len(b) > 1]
        + [head + a + c + b[1:] for a, b in splits if b for c in ALPHABET if c != b[0]]
        + [head + a + c + b for a, b in splits for c in ALPHABET]
    )
    out.pop(word, None)
    return [w for w in out if len(w) > prefix]


_WORD = re.compile(r"[^\W\d_]{4,}")
Counts = Callable[[list[str]], dict[str, int]]


def _checked(piece: str) -> bool:
    """Words worth checking: four to MAX_WORD_LETTERS letters, short acronyms (KPK, OJK)
    left alone."""
    return (
        len(piece) <= MAX_WORD_LETTERS
        and bool(_WORD.fullmatch(piece))
        and not (piece.upper() == piece and len(piece) < 6)
    )


def did_you_mean(
    text: str,
    exact_counts: Counts,
    stem_counts: Counts,
    far: Callable[[str], Iterable[str]] | None = None,
    known: Callable[[str], bool] | None = None,
) -> str | None:
    """``text`` with rare words replaced by much more frequent near spellings, or None.

    ``exact_counts(words)`` and ``stem_counts(stems)`` give how many documents
    hold each; a word counts as rare below 3 documents, unless its stem is
    common ("dagang"). A replacement must occur in over 3 documents and ten
    times as many as the word; among those, one that keeps the word's first
    ``KEPT_PREFIX`` letters is preferred. One-edit variants are tried first, then
    ``far(word)`` (two edits) for words longer than five letters. ``known(word)``,
    when given, says whether the index may hold a word at all (its stem table):
    only those variants are counted, a few instead of hundreds of lookups.
    """
    pieces = re.split(r"(\s+)", text)
    words = list(dict.fromkeys(p.lower() for p in pieces if _checked(p)))
    if not words:
        return None
    counts = exact_counts(words)
    stem_of = {word: stem_word(word) for word in words}
    stems = stem_counts(list(set(stem_of.values())))
    rare = [w for w in words if counts.get(w, 0) < 3 and stems.get(stem_of[w], 0) < 3]
    rare = rare[:MAX_RARE_WORDS]
    if not rare:
        return None
    near = {word: edits(word, 1) for word in rare}
    if known is not None:
        near = {word: [c for c in candidates if known(c)] for word, candidates in near.items()}
    found = exact_counts([c for candidates in near.values() for c in candidates])
    choices = {}
    far_left = MAX_FAR_WORDS
    for word in rare:
        floor = max(3, counts.get(word, 0) * 10)
        head = word[:KEPT_PREFIX]
        best = _most_frequent(
            [c for c in near[word] if c.startswith(head)], found, floor
        ) or _most_frequent(near[word], found, floor)
        if best is None and far is not None and len(word) > 5 and far_left:
            far_left -= 1
            candidates = list(far(word))
            best = _most_frequent(candidates, exact_counts(candidates), floor)
        if best is not None:
            choices[word] = best
    if not choices:
        return None
    return "".join(choices.get(p.lower(), p) if _checked(p) else p for p in pieces)


def _most_frequent(candidates: list[str], counts: dict[str, int], floor: int) -> str | None:
    best, best_count = None, floor
    for candidate in candidates:
        if counts.get(candidate, 0) > best_count:
            best, best_count = candidate, counts[candidate]
    return best
