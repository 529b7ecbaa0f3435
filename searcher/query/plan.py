"""A parsed query as plain data, for search backends other than Whoosh.

:func:`plan_query` runs the one query parser we have (Whoosh's, with our
analysis, synonyms, negation and date handling) and turns its tree into these
nodes, so a second backend compiles the very same query into its own syntax
instead of parsing the user's text again.

Fields are the index fields: ``title``/``body`` hold stems, ``title_exact``/
``body_exact`` hold unstemmed words. Restrictions (source, category, dates)
are not nodes of the match tree but fields of :class:`QueryPlan`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from whoosh import query

from searcher.errors import QueryError
from searcher.query import concepts
from searcher.query.highlight import match_terms
from searcher.query.nodes import LiteralPhrase
from searcher.query.parser import FIELD_BOOSTS, RESTRICTION_PIECE, parse_parts
from searcher.query.text import clean_query, extract_dates
from searcher.ranking import LONG_QUERY, Ranking
from searcher.request import FUZZY_PREFIX, MAX_FUZZY_DISTANCE, MAX_FUZZY_LETTERS
from searcher.snippets import MatchTerms
from searcher.synonyms import query_pieces


@dataclass(frozen=True)
class Term:
    field: str
    text: str


@dataclass(frozen=True)
class Phrase:
    field: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Pattern:
    """A wildcard word: ``*`` any letters, ``?`` one letter (``korup*``)."""

    field: str
    text: str


@dataclass(frozen=True)
class Fuzzy:
    """A word or its near spellings (``korupsi~``) within ``distance`` edits."""

    field: str
    text: str
    distance: int


@dataclass(frozen=True)
class AllOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Preferring:
    """``required`` must match; documents also matching ``optional`` rank higher."""

    required: Node
    optional: Node


@dataclass(frozen=True)
class Excluding:
    """Documents matching ``positive`` but not ``negative``."""

    positive: Node
    negative: Node


@dataclass(frozen=True)
class Everything:
    """Every document (a query of only restrictions or only exclusions)."""


@dataclass(frozen=True)
class Nothing:
    """No document (e.g. a wildcard that matches no word)."""


Node = (
    Term | Phrase | Pattern | Fuzzy | AllOf | AnyOf | Preferring | Excluding | Everything | Nothing
)


@dataclass(frozen=True)
class Restriction:
    """Documents whose ``field`` (source or category) is one of ``values``, or
    with ``negated``, none of them."""

    field: str
    values: tuple[str, ...]
    negated: bool = False


@dataclass(frozen=True)
class Unit:
    """A concept of a plain query (#21): a word with its inflections, or a thesaurus
    span with any of its expressions; ``label`` as typed. A template word
    ("pengertian", "letak" in a question) is never ``required``."""

    label: str
    node: Node
    required: bool = True


@dataclass(frozen=True)
class QueryPlan:
    """Everything a backend needs to run a query the way the Whoosh backend does.

    ``units``: a plain query's concepts, which the match set requires (and
    relaxes, least informative first); empty for any other query, whose
    ``match`` is the whole story. ``long``: a question or a long query.
    """

    match: Node
    restrictions: tuple[Restriction, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    highlight: MatchTerms = field(default_factory=MatchTerms)
    units: tuple[Unit, ...] = ()
    long: bool = False


_PLAN_RANKING = Ranking(concepts=False)  # the words, with every thesaurus file


def plan_query(text: str) -> QueryPlan:
    """The query as plain data (the nodes above) for another backend.

    The same parsing, synonyms, negation and date handling as Whoosh searches
    use; the all-words bonus is left to the backend's ranker and wildcards to
    its own expansion.
    """
    # The other backend has no pair fields: its queries are the words with
    # their synonyms, ranked by its own ranker (README, "Scaling out").
    words, filters, date_filter = parse_parts(text, all_words=False, ranking=_PLAN_RANKING)
    restrictions = tuple(_restriction(node) for node in filters)
    since = until = None
    if date_filter is not None:
        since, until = date_filter.startdate, date_filter.enddate
    match = _plan_node(words) if words is not None else Everything()
    highlight_terms = match_terms(words) if words is not None else MatchTerms()
    plain = _plain_query(text)
    units: tuple[Unit, ...] = ()
    if plain is not None and words is not None:
        units = _units(plain)
    long = plain is not None and (len(plain.words) > LONG_QUERY or plain.question)
    return QueryPlan(match, restrictions, since, until, highlight_terms, units, long)


def _plain_query(text: str) -> concepts.PlainQuery | None:
    """The query's words read as concepts, when it is a plain query."""
    cleaned, _ = extract_dates(clean_query(text))
    pieces = [p for p in query_pieces(cleaned) if not RESTRICTION_PIECE.match(p)]
    return concepts.read_plain_query(pieces, _PLAN_RANKING.thesaurus)


def _word(word: concepts.Word) -> Node:
    return AnyOf(
        tuple(
            Term(name, word.exact if name.endswith("_exact") else word.stem)
            for name in FIELD_BOOSTS
        )
    )


def _units(plain: concepts.PlainQuery) -> tuple[Unit, ...]:
    """Each concept of a plain query as a node (the Whoosh backend's units, #21)."""
    spans = {c.start: c for c in plain.concepts}
    units, i = [], 0
    while i < len(plain.words):
        concept = spans.get(i)
        end = concept.end if concept else i + 1
        words = plain.words[i:end]
        own = _word(words[0]) if len(words) == 1 else AllOf(tuple(_word(w) for w in words))
        others = []
        for expression in concept.alternatives if concept else ():
            if len(expression) == 1:
                others.append(_word(expression[0]))
            else:
                stems = tuple(w.stem for w in expression)
                others += [Phrase("title", stems), Phrase("body", stems)]
        node = AnyOf((own, *others)) if others else own
        units.append(
            Unit(" ".join(w.exact for w in words), node, min(w.weight for w in words) >= 1.0)
        )
        i = end
    return tuple(units)


def _restriction(node) -> Restriction:
    negated = isinstance(node, query.Not)
    if negated:
        node = node.query
    leaves = [node] if node.is_leaf() else list(node.leaves())
    fields = {leaf.fieldname for leaf in leaves}
    simple = isinstance(node, query.Term) or (
        isinstance(node, query.Or) and all(isinstance(q, query.Term) for q in node.subqueries)
    )
    if len(fields) != 1 or not simple:
        raise QueryError(
            "source/category: combine restrictions only as "
            "sumber:a OR sumber:b, or NOT sumber:a, on this backend"
        )
    return Restriction(fields.pop(), tuple(leaf.text for leaf in leaves), negated)


def _plan_node(node) -> Node:
    """A Whoosh query tree as the nodes above."""
    if isinstance(node, query.Every):
        return Everything()
    if node is query.NullQuery or isinstance(node, type(query.NullQuery)):
        return Nothing()
    fieldname = getattr(node, "fieldname", None)
    if fieldname is not None and fieldname not in FIELD_BOOSTS:
        raise QueryError(
            f"{fieldname}: on this backend a {fieldname} clause can only "
            "restrict the whole query (e.g. sumber:kompas banjir)"
        )
    if isinstance(node, query.FuzzyTerm) and not (
        FUZZY_PREFIX <= len(node.text) <= MAX_FUZZY_LETTERS
    ):
        return Term(fieldname, node.text)  # as typed, like _bound_expansions
    if isinstance(node, query.FuzzyTerm):
        return Fuzzy(fieldname, node.text, min(node.maxdist, MAX_FUZZY_DISTANCE))
    if isinstance(node, query.Prefix):
        return Pattern(fieldname, node.text + "*")
    if isinstance(node, query.Wildcard):
        return Pattern(fieldname, node.text)
    if isinstance(node, query.Term):
        return Term(fieldname, node.text)
    if isinstance(node, LiteralPhrase):  # as written: the exact field (positions there)
        return Phrase(f"{node.stored}_exact", node.exact_words)
    if isinstance(node, query.Phrase):
        return Phrase(fieldname, tuple(node.words))
    if isinstance(node, query.AndNot):
        return Excluding(_plan_node(node.a), _plan_node(node.b))
    if isinstance(node, query.AndMaybe):
        return Preferring(_plan_node(node.a), _plan_node(node.b))
    if isinstance(node, query.Not):
        return Excluding(Everything(), _plan_node(node.query))
    if isinstance(node, (query.And, query.Require)):
        children = list(node.children())
        negated = [q.query for q in children if isinstance(q, query.Not)]
        kept = tuple(_plan_node(q) for q in children if not isinstance(q, query.Not))
        positive = (kept[0] if len(kept) == 1 else AllOf(kept)) if kept else Everything()
        if not negated:
            return positive
        negative = [_plan_node(q) for q in negated]
        return Excluding(positive, negative[0] if len(negative) == 1 else AnyOf(tuple(negative)))
    if isinstance(node, query.Or):
        children = tuple(_plan_node(q) for q in node.subqueries)
        return children[0] if len(children) == 1 else AnyOf(children)
    raise QueryError(f"this backend cannot run a {type(node).__name__} query")


# Dashes: "-" and "+" are operators only attached to what follows ("-kpk",
# "+kpk", -"frasa", -(a OR b)), as in web search engines; a dash between spaces
# is punctuation ("JAKARTA - Presiden", "15 - 16 Desember"), and so are the
