"""Parsing a user's query into a Whoosh query tree (the query's parser).

Query language (Whoosh's parser with our analysis):

* plain words: read as words, concepts and pairs (:mod:`searcher.query.nodes`);
  every concept is required, and left out, least informative first, only
  when too few articles hold them all (:func:`searcher.whoosh.evaluator.match_set`);
  with operators, words side by side are all required (``a b OR c``: a and
  either b or c);
* ``"exact phrase"``, ``OR``, ``AND``, ``NOT word`` / ``-word``, ``+word``;
* ``field:value`` for ``title``/``judul``, ``source``/``sumber``,
  ``category``/``kategori``, and ``tanggal:[2019-09-01 TO 2019-09-30]``;
* acronyms and synonyms expand (:mod:`searcher.synonyms`);
* wildcards (``korup*``) and fuzzy terms (``korupsi~``), expanded later to a
  bounded number of words (:mod:`searcher.query.expansion`).

Any string returns a query or raises :class:`~searcher.errors.QueryError`.
"""

from __future__ import annotations

import re

from whoosh import qparser, query
from whoosh.qparser import QueryParserError, syntax

from searcher.analysis import analyze
from searcher.categories import normalize_label
from searcher.errors import QueryError
from searcher.lru import LRU, deep_sizeof
from searcher.query import concepts
from searcher.query.nodes import Concepts, LiteralPhrase
from searcher.query.text import clean_query, extract_dates, only_negations
from searcher.ranking import DEFAULT as DEFAULT_RANKING
from searcher.ranking import LONG_QUERY, Ranking
from searcher.request import MAX_EXPANDING_TERMS, WILDCARD_PREFIX, Filters
from searcher.schema import FIELD_BOOSTS, make_schema
from searcher.stemmer import current
from searcher.synonyms import expand_synonyms, query_pieces
from searcher.tokenizer import find_words, normalize

OR_GROUP = qparser.OrGroup
ALL_WORDS_BOOST = 1.0  # weight of the all-words (AND) version of a plain query
# Only for queries of two to four words: one word has nothing to add, and a
# long question ("siapakah arsitek balai kota seoul yang pertama") rarely has
# every word in one document; there the bonus costs time and precision
# (TyDi QA, BENCHMARKS.md).
ALL_WORDS_MAX = 4
# The all-words bonus only needs to find the documents; two fields are enough.
ALL_WORDS_FIELDS = {"title": 2.0, "body": 1.0}
FILTER_FIELDS = ("source", "category")
# Indonesian names of the fields a query may name (judul:, sumber:, kategori:).
QUERY_FIELD_ALIASES = {"title": ["judul"], "source": ["sumber"], "category": ["kategori"]}
# What Whoosh's parser raises on input it cannot read (deep brackets, odd operators;
# NotImplementedError: an operator left without its operand, "[(-x)", #24).
PARSE_ERRORS = (QueryParserError, IndexError, ValueError, RecursionError, NotImplementedError)


_PARSERS: dict = {}  # parsers hold no per-parse state: built once per process
_SCHEMA = make_schema()  # an open index's schema equals it (checked when opened)


def _parser(group, boosts):
    key = (group, tuple(boosts.items()))
    parser = _PARSERS.get(key)
    if parser is None:
        parser = qparser.MultifieldParser(list(boosts), _SCHEMA, fieldboosts=boosts, group=group)
        # Ranges only on dates (taken out of the text by _extract_dates): a range
        # of words ("[a TO zzzz]") walked the whole dictionary for 8-20 s (#12).
        parser.remove_plugin_class(qparser.RangePlugin)
        # +/- only at the start of a word: "e-KTP" and "COVID-19" are words, not negations.
        parser.add_plugin(_PlusMinusPlugin(plusexpr=r"(?<![^\s(])\+", minusexpr=r"(?<![^\s(])-"))
        parser.add_plugin(_FuzzyTermPlugin())
        parser.add_plugin(qparser.FieldAliasPlugin(QUERY_FIELD_ALIASES))
        _PARSERS[key] = parser
    return parser


def parse_parts(text: str, *, all_words: bool = True, ranking: Ranking = DEFAULT_RANKING):
    """``(words, restrictions, date_range)`` for a user string (raises QueryError).

    ``words`` is what ranks (None when the query is only restrictions),
    ``restrictions`` the source/category clauses every result must pass and
    ``date_range`` a required DateRange or None. Wildcards are not expanded yet.
    """
    text, date_filter = extract_dates(clean_query(text))
    if ranking.concepts:
        read = read_concepts(text, ranking)
        if read is not None:
            return read[0], read[1], date_filter
    excluded = only_negations(text)
    if excluded:
        # "-banjir" alone: everything except (Whoosh would drop the clause).
        text = f"NOT ({excluded})"
    expanded = expand_synonyms(text, ranking.thesaurus)
    # Words side by side: every one required (#21), unless the ranking is the
    # one before or the query a question or long (as plain queries: any word
    # enough, documents with all of them first).
    every_word = ranking.match_all and not paraphrase(text)
    group = qparser.AndGroup if every_word else OR_GROUP
    try:
        loose = _parser(group, FIELD_BOOSTS).parse(expanded)
        strict = _parser(qparser.AndGroup, ALL_WORDS_FIELDS).parse(expanded)
    except PARSE_ERRORS:  # the parser's failures are the input's
        raise QueryError(
            "q: cannot understand the query; check its brackets, quotes and "
            "operators (AND, OR, NOT)"
        ) from None
    check_expanding_terms(loose)
    # The AND parse keeps the user's structure ("sumber:a OR sumber:b" stays
    # one clause), so restrictions are read from it.
    strict, filters = split_filters(strict)
    loose = literal_phrases(
        _without_filters(loose), written_phrases(text), literal=ranking.match_all
    )
    if strict is None or strict is query.NullQuery:
        # Only restrictions: everything that passes them. No restriction and no
        # word ("!!!!", '""'): nothing (#12; a bare "*" is Every, not NullQuery).
        loose = None if filters or date_filter is not None else query.NullQuery
    elif (
        all_words
        and ALL_WORDS_BOOST
        and not every_word
        and strict != loose
        and 2 <= len(analyze(text)) <= ALL_WORDS_MAX
    ):
        # Every word is optional, but documents with all of them come first.
        loose = query.Or([loose, strict.with_boost(ALL_WORDS_BOOST)])
    if loose is not None:
        loose = lift_negations(loose)
    return loose, filters, date_filter


def paraphrase(text: str) -> bool:
    """A question or a query of more than LONG_QUERY words (stop words left out),
    whose words are not all required (see :func:`searcher.whoosh.evaluator.match_set`)."""
    words = [normalize(m.group()) for m in find_words(text)]
    return len(
        analyze(text)
    ) > LONG_QUERY or not concepts.question_words().interrogatives.isdisjoint(words)


# Parsed queries kept (news queries repeat; a parse takes milliseconds), in bytes; by
# the current vocabulary (searcher.stemmer), whose stems the parsed terms are.
PARSE_CACHE_BYTES = 8 << 20


def _parsed() -> LRU:
    return current().cache(
        "query.parsed", lambda: LRU(PARSE_CACHE_BYTES, sizeof=deep_sizeof, max_entries=1024)
    )


def parse(text: str, ranking: Ranking = DEFAULT_RANKING):
    """The whole Whoosh query for a user string, wildcards not yet expanded (shared:
    do not change it)."""
    key = (text, ranking)
    cache = _parsed()
    parsed = cache.get(key)
    if parsed is None:
        parsed = _parse(text, ranking)
        cache.put(key, parsed)
    return parsed


parse.cache_clear = lambda: _parsed().clear()  # type: ignore[attr-defined]


def _parse(text: str, ranking: Ranking):
    loose, filters, date_filter = parse_parts(text, ranking=ranking)
    if loose is None:
        loose = query.Every()
    if date_filter is not None:
        filters.append(date_filter)
    return query.And([loose, *filters]) if filters else loose


RESTRICTION_PIECE = re.compile(r"^(?:source|sumber|category|kategori):\S", re.IGNORECASE)


def read_concepts(text: str, ranking: Ranking):
    """``(Concepts query, restrictions)`` for a query of plain words (and
    source/category restrictions), or None for any other query (parsed by Whoosh)."""
    pieces = query_pieces(text)
    words = [p for p in pieces if not RESTRICTION_PIECE.match(p)]
    plain = concepts.read_plain_query(words, ranking.thesaurus)
    if plain is None:
        return None
    restrictions = [p for p in pieces if RESTRICTION_PIECE.match(p)]
    filters = []
    if restrictions:
        try:
            parsed = _parser(qparser.AndGroup, ALL_WORDS_FIELDS).parse(" ".join(restrictions))
        except PARSE_ERRORS:  # the parser's failures are the input's
            raise QueryError(
                "q: cannot understand the query's sumber:/kategori: restrictions"
            ) from None
        rest, filters = split_filters(parsed)
        if rest is not None and rest is not query.NullQuery:
            return None  # not only restrictions after all: the general path
    return Concepts.build(plain, ranking), filters


def check_expanding_terms(parsed) -> None:
    """At most MAX_EXPANDING_TERMS wildcard/fuzzy words as typed (the parser makes one
    copy per field of each, stemmed or not: counted per field)."""
    kinds = (query.FuzzyTerm, query.Wildcard, query.Prefix, query.Regex)
    by_field: dict = {}  # field -> {(kind, text)}
    stack = [parsed]
    while stack:
        node = stack.pop()
        if isinstance(node, kinds):
            by_field.setdefault(node.fieldname, set()).add((type(node), node.text))
        elif isinstance(node, query.Query):
            stack.extend(node.children())
    typed = max(map(len, by_field.values()), default=0)
    if typed > MAX_EXPANDING_TERMS:
        raise QueryError(
            f"q: too many wildcard or fuzzy words (word*, word~): {typed}, "
            f"at most {MAX_EXPANDING_TERMS} per query"
        )
    for words in by_field.values():
        for kind, text in words:
            if (
                kind in (query.Wildcard, query.Prefix)
                and len(re.split(r"[*?]", text, maxsplit=1)[0]) < WILDCARD_PREFIX
            ):
                shown = f"{text}*" if kind is query.Prefix else text
                raise QueryError(
                    f"q: a wildcard needs at least {WILDCARD_PREFIX} letters "
                    f"before its first * or ? ({shown!r})"
                )


def filter_query(filters: Filters):
    clauses = []
    for fieldname, values in (("source", filters.sources), ("category", filters.categories)):
        if values:
            clauses.append(
                query.Or([query.Term(fieldname, _filter_value(fieldname, v)) for v in values])
            )
    if filters.since or filters.until:
        clauses.append(query.DateRange("published", filters.since, filters.until))
    return query.And(clauses) if clauses else None


def _filter_value(fieldname: str, value: str) -> str:
    """A filter's term: a category label normalised as the indexed ones were."""
    return normalize_label(value) if fieldname == "category" else value.lower()


class _PlusMinusPlugin(qparser.PlusMinusPlugin):
    """``+word`` / ``-word`` inside brackets too: Whoosh sorts only the top-level group,
    and a sign left in a bracket ("(-banjir) dan", "banjir (+)") raised
    ``NotImplementedError`` (#24)."""

    def do_plusminus(self, parser, group):
        for i, node in enumerate(group):
            if type(node) in (syntax.OrGroup, syntax.AndGroup) and any(
                isinstance(child, (self.Plus, self.Minus)) for child in node
            ):
                group[i] = self.do_plusminus(parser, node)
        return super().do_plusminus(parser, group)


class _FuzzyTermPlugin(qparser.FuzzyTermPlugin):
    """``word~`` / ``word~2`` only at the end of a word: "L'Arc~en~Ciel" is a name."""

    expr = re.compile(r"(?<=\S)~(?P<maxdist>[0-9])?(/(?P<prefix>[1-9][0-9]*))?(?=[\s)]|$)")


def _is_filter(node) -> bool:
    """True if every leaf of ``node`` is a source/category clause."""
    leaves = [node] if node.is_leaf() else list(node.leaves())
    return bool(leaves) and all(getattr(q, "fieldname", None) in FILTER_FIELDS for q in leaves)


def split_filters(parsed):
    """``(rest, filters)``: top-level source/category clauses become required.

    In ``sumber:kompas banjir`` the field clause is a restriction, not one more
    optional word. ``rest`` is None when the query is only restrictions.
    """
    if _is_filter(parsed):
        return None, [parsed]
    if type(parsed) is query.AndNot:  # "banjir sumber:kompas -jakarta"
        rest, filters = split_filters(parsed.a)
        return query.AndNot(rest if rest is not None else query.Every(), parsed.b), filters
    if not isinstance(parsed, query.And):
        return parsed, []
    filters = [q for q in parsed.subqueries if _is_filter(q)]
    rest = [q for q in parsed.subqueries if not _is_filter(q)]
    if not filters:
        return parsed, []
    return (rest[0] if len(rest) == 1 else query.And(rest, boost=parsed.boost)), filters


_LITERAL_SLOP = 4  # positions a stemmed phrase's words may lie apart (stop words between)
_QUOTED = re.compile(r'"([^"]+)"')


def written_phrases(text: str) -> dict[tuple[str, ...], tuple[str, ...]]:
    """The quoted phrases of a query: their words as the exact field holds them
    (stop words left out) -> every word as written (normalised), stop words too."""
    found = {}
    for quoted in _QUOTED.findall(text):
        written = tuple(normalize(m.group()) for m in find_words(quoted))
        exact = tuple(w.exact for w in concepts.analyse_words(quoted))
        if len(exact) > 1:
            found[exact] = written
    return found


def literal_phrases(node, written: dict | None = None, *, literal: bool = True):
    """Quoted phrases as written (#21): ``"perdagangan orang"`` is these word forms
    in this order, not "pedagang orang".

    The multifield parser puts each phrase into an OR over the fields; each
    exact field's copy becomes a :class:`LiteralPhrase` over its stemmed
    sibling (whose positions find the candidates), and the stemmed copies go.
    Without ``literal`` (the ranking before #21), the stemmed copies stay and
    the exact ones go (they keep no positions).
    """
    written = written or {}
    if isinstance(node, query.CompoundQuery):
        node = node.apply(lambda child: literal_phrases(child, written, literal=literal))
    if type(node) is not query.Or:
        return node
    phrases = {q.fieldname: q for q in node.subqueries if type(q) is query.Phrase}
    if not any(name.endswith("_exact") for name in phrases):
        return node
    kept = []
    for child in node.subqueries:
        if type(child) is not query.Phrase:
            kept.append(child)
        elif child.fieldname.endswith("_exact"):
            stemmed = phrases.get(child.fieldname[: -len("_exact")])
            if stemmed is not None and literal:
                # Stop words between the words leave gaps in the stemmed positions:
                # a loose phrase finds the candidates, the written text decides.
                loose = query.Phrase(
                    stemmed.fieldname,
                    stemmed.words,
                    slop=_LITERAL_SLOP,
                    boost=child.boost * stemmed.boost,
                )
                words = tuple(child.words)
                kept.append(
                    LiteralPhrase(
                        loose,
                        written.get(words, words),
                        stemmed.fieldname,
                        every_word=words in written,
                    )
                )
        elif f"{child.fieldname}_exact" not in phrases or not literal:
            kept.append(child)
    if not kept:
        return query.NullQuery
    return kept[0] if len(kept) == 1 else query.Or(kept, boost=node.boost)


def _without_filters(parsed):
    """The OR parse without its restriction clauses (they are applied as filters)."""
    if _is_filter(parsed):
        return query.Every()
    if type(parsed) in (query.Or, query.And):
        rest = [q for q in parsed.subqueries if not _is_filter(q)]
        return rest[0] if len(rest) == 1 else type(parsed)(rest, boost=parsed.boost)
    if type(parsed) is query.AndNot:  # "banjir sumber:kompas -jakarta" with words required
        return query.AndNot(_without_filters(parsed.a), parsed.b)
    return parsed


def lift_negations(node):
    """``a b NOT c`` in an OR group means "a or b, but not c".

    Whoosh puts ``NOT c`` into the OR as one more optional clause (which then
    matches nearly everything); here it becomes an exclusion of the group.
    """
    if isinstance(node, query.CompoundQuery):
        node = node.apply(lift_negations)
    if isinstance(node, query.Or):
        negated = [q.query for q in node.subqueries if isinstance(q, query.Not)]
        if negated:
            kept = [q for q in node.subqueries if not isinstance(q, query.Not)]
            base = (
                (kept[0] if len(kept) == 1 else query.Or(kept, boost=node.boost))
                if kept
                else query.Every()
            )
            return query.AndNot(base, negated[0] if len(negated) == 1 else query.Or(negated))
    return node
