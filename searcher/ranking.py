"""How results are ranked: the weights of news relevance, as one value.

A :class:`Ranking` is handed to :func:`searcher.open_index` (default: the
one this release ships). Each field is one idea, measured on the judged
query sets (``python -m benchmarks.relevance``, RELEVANCE.md):

* ``field_boosts``: BM25F weights of the fields a word is looked up in;
  titles say what an article is about, exact word forms outrank other
  derivations of the same root ("perdagangan" above "pedagang");
* ``concepts``: read plain queries as words, thesaurus concepts and pairs
  (:mod:`searcher.query.concepts`); off, a query is Whoosh's OR of its words with
  an all-words bonus (the ranking before concepts);
* ``coordination``: an article's score is multiplied by the share of the
  query it covers (words weighted by their rarity) to this power: an article
  about one word of "penusukan wiranto" falls below those about both;
  ``long_coordination`` for questions and queries of more than ``LONG_QUERY``
  words (pasted headlines), where missing a word is ordinary;
* ``pair_weight``: weight of neighbouring query words found together (the
  pair fields);
* ``thesaurus``: the data files of synonym groups (``searcher/data``);
* ``alternative_weight``: weight of a concept's other expressions (synonyms,
  acronyms) against the query's own words; a concept scores the best of its
  expressions, never their sum;
* ``scattered_weight``: the weight of a multiword concept's words found apart
  (the concept found together counts in full);
* ``variant_weight``: a word the index barely knows (in 0-2 articles) also
  finds better-known spellings (antibiotik -> antibiotika, semiconductor ->
  semikonduktor) at this weight;
* ``neighbour_weight``: a word of a short query also finds up to
  ``neighbour_limit`` words the corpus uses in the same contexts (learned at
  index time, :mod:`searcher.neighbours`), each at least
  ``neighbour_similarity`` similar, at this weight times its similarity,
  counted within the word's concept (best of); names are never expanded;
  with ``neighbours_match`` a neighbour also puts an article in the match set
  and counts as covering the word, otherwise it only adds to the score;
  with ``neighbour_substitutes``, never a word the corpus often writes beside
  the query word (an antonym, the other party: menguat/melemah, guru/siswa);
* ``require_names``: the words of a query the corpus writes as names
  (capitalised in running text, :mod:`searcher.neighbours`) are required in
  long queries too (not in questions), and are relaxed away last;
* ``match_all``: a plain query's results are the articles holding every one
  of its concepts (a word with its inflections, or any expression of a
  thesaurus group); when fewer than ``relax_below`` articles (two pages) do,
  the least informative concept is left out, then the next
  (:func:`searcher.whoosh.evaluator.match_set`); off, any concept is enough
  (before #21). Questions and queries of more than ``LONG_QUERY`` words
  require their concepts only with ``long_match_all`` (they paraphrase: on
  TyDi QA requiring them cost 0.09 nDCG@10). Ranking within the set is unchanged;
* ``recency_days``: the ``blend`` sort multiplies an article's score by
  ``1 - recency_weight + recency_weight * 0.5 ** (age / recency_days)``, its
  age in days counted from the newest article of the index (an exponential
  date decay, as Elasticsearch's ``function_score`` ``exp``);
* ``related_pairs``: how many key word pairs of an article (besides its key
  words) find its related articles, at ``related_pair_weight``; 0: key words
  of the body only (before #11); ``related_days``: an article that many days
  from it weighs about 0.68 of one on the same day (a story is told within
  weeks), 0: dates do not count; ``related_story_weight``: an article of the
  same story (:mod:`searcher.whoosh.grouping`) scores that much more (0: stories
  do not count).
"""

from __future__ import annotations

from dataclasses import dataclass

from searcher.synonyms import THESAURUS

# BM25's parameters for every field, on both backends (Whoosh's defaults).
BM25_PARAMETERS = {"B": 0.75, "K1": 1.2}

LONG_QUERY = 4  # words (stop words left out): longer queries are coordinated more softly
DEFAULT_FIELD_BOOSTS = (("title", 2.0), ("body", 1.0), ("title_exact", 1.5), ("body_exact", 0.5))


@dataclass(frozen=True)
class Ranking:
    """The ranking of plain queries (see the module doc); hashable, so it keys caches."""

    field_boosts: tuple[tuple[str, float], ...] = DEFAULT_FIELD_BOOSTS
    concepts: bool = True
    coordination: float = 2.0
    long_coordination: float = 1.0
    pair_weight: float = 0.5
    alternative_weight: float = 0.8
    scattered_weight: float = 0.5
    variant_weight: float = 0.5
    neighbour_weight: float = 0.0
    neighbour_limit: int = 3
    neighbour_similarity: float = 0.5
    neighbours_match: bool = True
    neighbour_substitutes: bool = True
    require_names: bool = True
    title_pair_boost: float = 2.0
    thesaurus: tuple[str, ...] = THESAURUS
    match_all: bool = True
    relax_below: int = 20
    long_match_all: bool = False
    recency_days: float = 7.0
    recency_weight: float = 0.5
    related_pairs: int = 10
    related_pair_weight: float = 1.0
    related_days: float = 30.0
    related_story_weight: float = 0.5

    @property
    def boosts(self) -> dict[str, float]:
        return dict(self.field_boosts)


# The ranking before concepts (one OR of the words plus an all-words bonus).
WORDS_ONLY = Ranking(
    concepts=False, thesaurus=("synonyms.txt",), related_pairs=0, related_days=0.0, match_all=False
)
DEFAULT = Ranking()
