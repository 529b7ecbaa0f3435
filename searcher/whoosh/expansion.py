"""A parsed query's open-ended words made concrete against the index's dictionary.

Wildcard and fuzzy words become at most ``MAX_EXPANSIONS`` words each; a
plain query's rare words (df 0-2) also find better-known spellings.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from whoosh import query

from searcher.errors import QueryError
from searcher.query import concepts
from searcher.query.nodes import Concepts
from searcher.request import FUZZY_PREFIX, MAX_EXPANSIONS, MAX_FUZZY_DISTANCE, MAX_FUZZY_LETTERS
from searcher.spelling import MAX_WORD_LETTERS, edits
from searcher.stemmer import stem_word
from searcher.whoosh import internals


def bound_expansions(
    parsed,
    reader,
    frequency=None,
    check: Callable[[], None] = lambda: None,
    known: Callable[[str], bool] | None = None,
    *,
    spellings: bool = True,
    neighbours=None,
):
    """Replace wildcard/fuzzy terms by at most MAX_EXPANSIONS concrete words
    (and, with ``spellings``, let a plain query's rare words find their better-known
    spellings and its words their learned ``neighbours``, a :class:`searcher.neighbours.Model`
    or None)."""
    done: dict = {}  # a word repeated in the query is expanded once
    find_variants = spellings

    def bound(node):
        if isinstance(node, Concepts):
            if not find_variants:
                return node
            node = node.with_variants(lambda word: variants(reader, word, frequency, known))
            if neighbours is not None:
                ranking = node.ranking
                node = node.with_neighbours(
                    lambda word: neighbours.neighbours(
                        word,
                        ranking.neighbour_limit,
                        ranking.neighbour_similarity,
                        substitutes=ranking.neighbour_substitutes,
                    )
                )
                node = node.with_names(neighbours.is_name)
            return node
        if not isinstance(node, (query.Wildcard, query.Prefix, query.FuzzyTerm, query.Regex)):
            return expand(node)
        key = (type(node), node.fieldname, node.text, getattr(node, "maxdist", None))
        if key not in done:
            done[key] = expand(node.with_boost(1.0))
        expanded = done[key]
        if node.boost == 1.0 or expanded is query.NullQuery:
            return expanded
        if isinstance(expanded, query.Or):  # the same words, with this copy's weight
            return query.Or([q.with_boost(node.boost) for q in expanded.subqueries])
        return expanded.with_boost(node.boost)

    def expand(node):
        if isinstance(node, query.Every):
            return query.Every()  # "*": every document, not every word of a field
        if isinstance(node, query.FuzzyTerm) and not (
            FUZZY_PREFIX <= len(node.text) <= MAX_FUZZY_LETTERS
        ):
            return query.Term(node.fieldname, node.text, boost=node.boost)  # as typed
        if isinstance(node, query.FuzzyTerm):
            # Edit distances above 2 build huge automata and match noise; the
            # first letters are rarely the misspelled ones (and bound the scan).
            node = query.FuzzyTerm(
                node.fieldname,
                node.text,
                boost=node.boost,
                maxdist=min(node.maxdist, MAX_FUZZY_DISTANCE),
                prefixlength=max(node.prefixlength, FUZZY_PREFIX),
            )
        if isinstance(node, (query.Wildcard, query.Prefix, query.FuzzyTerm, query.Regex)):
            if (
                isinstance(node, (query.Prefix, query.Wildcard))
                and len(node.text.replace("*", "").replace("?", "")) < 2
            ):
                raise QueryError(f"q: a wildcard needs at least 2 letters ({node.text!r})")
            words = []
            field = reader.schema[node.fieldname]
            for word in internals.expanded_words(node, reader):
                check()
                text = word if isinstance(word, str) else field.from_bytes(word)
                words.append(query.Term(node.fieldname, text, boost=node.boost))
                if len(words) >= MAX_EXPANSIONS:
                    break
            return query.Or(words) if words else query.NullQuery
        return node.apply(bound)

    return bound(parsed)


RARE_DF = 2  # a word in at most this many articles may be a variant spelling
MAX_VARIANTS = 3
VARIANT_PREFIX = 3  # letters a one-edit variant shares with the word


def variants(
    reader, word: concepts.Word, frequency=None, vocabulary: Callable[[str], bool] | None = None
) -> list[concepts.Word]:
    """Better-known spellings of a word the index barely knows (df 0-2):
    the word with a letter or two more ("antibiotik" -> antibiotika), one edit
    away, or spelt the Indonesian way ("semiconductor" -> semikonduktor), each
    found in more articles than the word itself; the most frequent first.

    Frequencies come from ``frequency`` (remembered, shared with "did you mean").
    ``vocabulary(word)`` (the index's stem table) turns the one-edit walk of the term
    dictionary into a few set lookups.
    """
    if frequency is None:

        def frequency(fieldname, term):
            return reader.doc_frequency(fieldname, term)

    if len(word.exact) > MAX_WORD_LETTERS:  # a 900-letter word's edits took 75 MB (#24)
        return []
    known = frequency("body_exact", word.exact)
    if known > RARE_DF or len(word.exact) < 5 or not word.exact.isalpha():
        return []
    field = reader.schema["body_exact"]
    found: dict[str, int] = {}
    for spelling in concepts.loanword_spellings(word.exact):
        # One edit away within the words sharing the first three letters: a
        # short walk of the term dictionary (generating every edit and looking
        # each up costs more on a multi-segment index).
        if vocabulary is not None:
            near = (c for c in edits(spelling, VARIANT_PREFIX, swaps=False) if vocabulary(c))
        else:
            near = reader.terms_within("body_exact", spelling, 1, prefix=VARIANT_PREFIX)
        candidates = [spelling, *itertools.islice(near, 64)]
        for term in itertools.islice(reader.expand_prefix("body_exact", spelling), 64):
            text = term if isinstance(term, str) else field.from_bytes(term)
            if len(text) - len(spelling) <= 2:
                candidates.append(text)
        for candidate in candidates:
            if candidate != word.exact and candidate not in found:
                count = frequency("body_exact", candidate)
                if count > known:
                    found[candidate] = count
    best = sorted(found, key=lambda term: (-found[term], term))[:MAX_VARIANTS]
    return [concepts.Word(term, stem_word(term), word.weight) for term in best]
