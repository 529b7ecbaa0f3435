"""Our query nodes on top of Whoosh's: a plain query read as words, concepts and pairs.

:class:`Concepts` holds a plain query (:mod:`searcher.query.concepts`) as
Whoosh clauses and the weights that combine them; :class:`PairPhrase` and
:class:`AllWords` are a concept's multiword expressions. They are evaluated
over arrays by :mod:`searcher.whoosh.evaluator`; for Whoosh itself they are
ORs and ANDs of their parts.
"""

from __future__ import annotations

from typing import NamedTuple

from whoosh import query

from searcher.analysis import pair_term
from searcher.query import concepts
from searcher.ranking import DEFAULT as DEFAULT_RANKING
from searcher.ranking import LONG_QUERY, Ranking
from searcher.stemmer import stem_word
from searcher.stopwords import is_stop_word

PAIR_FIELDS = ("title_pairs", "body_pairs")  # neighbouring stems as one term


class PairPhrase(query.Or):
    """Neighbouring-word pairs that together stand for a phrase (``words``, stems):
    all its pairs in the title, or all in the body.

    A concept's multiword expressions are looked up as pair terms: the cost
    of a few word lookups instead of reading positions.
    """

    def __init__(self, subqueries, boost=1.0, words: tuple[str, ...] = ()):
        super().__init__(subqueries, boost=boost)
        self.words = tuple(words)

    @property
    def units(self) -> int:
        """How many terms' scores add up in a field (the phrase's words - 1)."""
        return max(len(self.words) - 1, 1)

    def apply(self, fn):
        return self  # pair terms: nothing to expand or rewrite


class LiteralPhrase(query.WrappingQuery):
    """A quoted phrase as written: these word forms (``words``, normalised), in
    this order, in the stored text ``stored`` ("title" or "body"); #21.

    ``child`` is the phrase on the stemmed field (Whoosh's positions), whose
    matches are the candidates; the evaluator keeps those whose stored text
    holds the words side by side: with ``every_word`` (a phrase the user
    typed) each word as written, stop words included; otherwise (a thesaurus
    expression) stop words between them are skipped, as the exact field's
    analysis drops them. The exact fields keep no positions (a smaller
    index), so the written order is read from the text.
    """

    def __init__(
        self, child, words: tuple[str, ...] = (), stored: str = "body", every_word: bool = False
    ):
        super().__init__(child)
        self.words = tuple(words)
        self.stored = stored
        self.every_word = every_word

    @property
    def exact_words(self) -> tuple[str, ...]:
        """The words the exact field holds (stop words left out)."""
        return tuple(w for w in self.words if not is_stop_word(w))

    def _rewrap(self, child):
        return LiteralPhrase(child, self.words, self.stored, self.every_word)

    def apply(self, fn):
        return self  # written words: nothing to expand or rewrite

    def __eq__(self, other):
        return (
            type(other) is LiteralPhrase
            and self.child == other.child
            and self.words == other.words
            and self.stored == other.stored
            and self.every_word == other.every_word
        )

    def __hash__(self):
        return hash((LiteralPhrase, self.child, self.words, self.stored, self.every_word))

    def __repr__(self):
        return f"LiteralPhrase({self.stored}, {self.words!r})"


class AllWords(query.And):
    """Every word of an expression, anywhere in the article (``units``: how many)."""

    @property
    def units(self) -> int:
        return len(self.subqueries)

    def apply(self, fn):
        return self


class Concepts(query.Or):
    """A plain query read as words, concepts and pairs (:mod:`searcher.query.concepts`).

    It matches what any of its words or concepts match (every word optional,
    as before). The score adds up, per word, its BM25F over the fields; per
    concept, the best of its words or of its other expressions (never their
    sum); per neighbouring pair found together, a proximity bonus. Then the
    score is multiplied by the share of the query the article covers (words
    weighted by rarity) to the power ``ranking.coordination`` (for questions and
    long queries ``ranking.long_coordination``).
    Evaluated by :func:`_evaluate_concepts`; for Whoosh it is an OR of its parts.
    """

    def __init__(self, subqueries, boost=1.0):
        super().__init__(subqueries, boost=boost)
        self.words: list = []  # one clause per query word of ``plain``
        self.pairs: list = []  # (index of the first word, clause)
        self.concepts: list[ConceptClauses] = []
        self.plain: concepts.PlainQuery | None = None
        self.ranking: Ranking = DEFAULT_RANKING
        self.names: frozenset[int] = frozenset()  # positions of words written as names

    def apply(self, fn):
        return self  # built from analysed words: nothing to expand or rewrite

    @classmethod
    def build(cls, plain: concepts.PlainQuery, ranking: Ranking) -> Concepts:
        boosts = ranking.boosts
        words = [word_clause(w, boosts) for w in plain.words]
        pairs = []
        if ranking.pair_weight:
            for i, first, second in plain.pairs():
                weight = ranking.pair_weight * min(first.weight, second.weight)
                pairs.append(
                    (i, _pair_clause((first.stem, second.stem), weight, ranking.title_pair_boost))
                )
        known = []
        for concept in plain.concepts if ranking.alternative_weight else ():
            clauses, weights = [], []
            span = plain.words[concept.start : concept.end]
            if len(span) > 1:  # the query's own expression, found together
                clauses.append(
                    _pair_clause(tuple(w.stem for w in span), 1.0, ranking.title_pair_boost)
                )
                weights.append(1.0)
            for expression in concept.alternatives:
                found, weighed = _expressions(expression, ranking.alternative_weight, ranking)
                clauses += found
                weights += weighed
            known.append(_concept(concept.start, concept.end, clauses, weights, ranking))
        parts = words + [c for _, c in pairs] + [c for k in known for c in k.clauses]
        node = cls(parts)
        node.words, node.plain, node.pairs = words, plain, pairs
        node.concepts, node.ranking = known, ranking
        return node

    def with_variants(self, variants) -> Concepts:
        """A copy where rare words (``variants(word)``: other spellings the index
        knows better) also find those spellings, at ``ranking.variant_weight``."""
        ranking = self.ranking
        if not ranking.variant_weight or len(self.plain.words) > LONG_QUERY:
            return self  # a long query (a pasted headline) has words enough
        inside = {i for known in self.concepts for i in range(known.start, known.end)}
        added = []
        for i, word in enumerate(self.plain.words):
            found = [] if i in inside else variants(word)
            if found:
                clauses = [word_clause(w, ranking.boosts) for w in found]
                added.append(
                    _concept(i, i + 1, clauses, [ranking.variant_weight] * len(found), ranking)
                )
        if not added:
            return self
        node = Concepts(list(self.subqueries) + [c for k in added for c in k.clauses])
        node.words, node.plain, node.pairs = self.words, self.plain, self.pairs
        node.ranking = ranking
        node.concepts = sorted(self.concepts + added, key=lambda known: known.start)
        return node

    def with_names(self, is_name) -> Concepts:
        """A copy knowing which of its words the corpus writes as names
        (``is_name(word form)``), required with ``ranking.require_names``."""
        if not self.ranking.require_names:
            return self
        names = frozenset(i for i, w in enumerate(self.plain.words) if is_name(w.exact))
        if not names:
            return self
        node = Concepts(list(self.subqueries))
        node.words, node.plain, node.pairs = self.words, self.plain, self.pairs
        node.ranking, node.concepts, node.names = self.ranking, self.concepts, names
        return node

    def with_neighbours(self, neighbours) -> Concepts:
        """A copy where each word may also find its learned neighbours
        (``neighbours(word)``: ``[(word form, similarity)]``, :mod:`searcher.neighbours`),
        each at ``ranking.neighbour_weight`` times its similarity, in its exact
        form (the stem of "penghasilan" is "hasil"). A neighbour counts within the
        word's concept: the best of the word, its synonyms and its neighbours,
        never their sum. Words of a multiword concept, template words and long
        queries find none; a name is never expanded (the model's gate)."""
        ranking = self.ranking
        plain = self.plain
        if not ranking.neighbour_weight or len(plain.words) > LONG_QUERY:
            return self
        own = {w.exact for w in plain.words} | {w.stem for w in plain.words}
        known = {k.start: k for k in self.concepts}
        multiword = {i for k in self.concepts if k.end - k.start > 1 for i in range(k.start, k.end)}
        boosts = _exact_boosts(ranking)
        added, changed = [], False
        for i, word in enumerate(plain.words):
            if i in multiword or word.weight < 1.0:
                continue
            found = [
                (form, similarity)
                for form, similarity in neighbours(word.exact)
                if form not in own and stem_word(form) not in own
            ]
            if not found:
                continue
            clauses = [
                LearnedWord(word_clause(concepts.Word(form, form, word.weight), boosts).subqueries)
                for form, _ in found
            ]
            weights = [ranking.neighbour_weight * similarity for _, similarity in found]
            concept = _concept(i, i + 1, clauses, weights, ranking)
            if i in known:  # a synonym's or a spelling's concept: one best-of
                old = known[i]
                concept = ConceptClauses(
                    i, i + 1, old.clauses + concept.clauses, old.weights + concept.weights
                )
            known[i] = concept
            added += clauses
            changed = True
        if not changed:
            return self
        node = Concepts(list(self.subqueries) + added)
        node.words, node.plain, node.pairs = self.words, plain, self.pairs
        node.ranking = ranking
        node.concepts = sorted(known.values(), key=lambda k: k.start)
        return node


def _exact_boosts(ranking: Ranking) -> dict[str, float]:
    """A word's field boosts on the exact fields alone: each exact field weighs
    what the field and its stemmed twin weigh together."""
    boosts = ranking.boosts
    return {
        f: b + boosts.get(f.removesuffix("_exact"), 0.0)
        for f, b in boosts.items()
        if f.endswith("_exact")
    }


def _expressions(expression: tuple[concepts.Word, ...], weight: float, ranking: Ranking):
    """``(clauses, weights)`` for another expression of a concept: one word, or
    several found together (title or lead pairs) or, at ``scattered_weight``, in
    their written forms anywhere (the pair fields hold a body's lead only)."""
    if len(expression) == 1:
        return [word_clause(expression[0], ranking.boosts)], [weight]
    together = _pair_clause(tuple(w.stem for w in expression), 1.0, ranking.title_pair_boost)
    # Apart, only the expression's own word forms count: "perdagangan" and
    # "manusia" in one article, not any derivation of "dagang" beside "manusia".
    exact = {f: b for f, b in ranking.boosts.items() if f.endswith("_exact")}
    anywhere = AllWords([word_clause(w, exact) for w in expression])
    return [together, anywhere], [weight, weight * ranking.scattered_weight]


class LearnedWord(query.Or):
    """A learned neighbour of a query word (:meth:`Concepts.with_neighbours`): its
    exact form over the exact fields. It widens the match set and the word's
    coverage only with ``ranking.neighbours_match``; otherwise it only scores."""


class ConceptClauses(NamedTuple):
    """A concept of a plain query as Whoosh queries: words ``start``..``end`` of the
    query, a clause per expression and the weight of each clause's score."""

    start: int
    end: int
    clauses: list
    weights: list[float]


def _concept(
    start: int, end: int, clauses: list, weights: list[float], ranking: Ranking
) -> ConceptClauses:
    """Each clause's weight as a stand-in for the ``end - start`` words of the span
    (its score per looked-up term counts once per word, plus the pair bonus)."""
    span = end - start
    stand_in = span * (1 + ranking.pair_weight * (span > 1))
    return ConceptClauses(
        start,
        end,
        clauses,
        [
            weight * stand_in / getattr(clause, "units", 1)
            for clause, weight in zip(clauses, weights, strict=True)
        ],
    )


def word_clause(word: concepts.Word, boosts: dict[str, float]):
    """One word over the four fields, as the multifield parser builds it."""
    return query.Or(
        [
            query.Term(f, word.exact if f.endswith("_exact") else word.stem, boost=b * word.weight)
            for f, b in boosts.items()
        ]
    )


def _pair_clause(stems: tuple[str, ...], weight: float, title_boost: float):
    """Stems that stand together: every neighbouring pair, in titles or bodies."""
    terms = [pair_term(a, b) for a, b in zip(stems, stems[1:], strict=False)]

    def in_field(fieldname, boost):
        pairs = [query.Term(fieldname, t, boost=boost) for t in terms]
        return pairs[0] if len(pairs) == 1 else query.And(pairs)

    return PairPhrase(
        [in_field("title_pairs", weight * title_boost), in_field("body_pairs", weight)], words=stems
    )
