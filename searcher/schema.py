"""The index's fields: what each holds, how it is analysed, and how much a word found
in it weighs (:data:`FIELD_BOOSTS`).

The search engine is built on these: the query parser reads the fields' analysers
from here, both storages (the Whoosh folder, :mod:`searcher.whoosh.storage`, and a
Manticore/Sphinx cluster, :mod:`searcher.manticore`) store and rank the same fields
with the same weights. It sits below :mod:`searcher.query`, so nothing here imports
a storage.
"""

from __future__ import annotations

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, Schema

from searcher.analysis import (
    LEAD_PAIRS,
    AnalysedText,
    exact_analyzer,
    pair_analyzer,
    stemming_analyzer,
)
from searcher.categories import CategoryFilter
from searcher.ranking import DEFAULT as DEFAULT_RANKING

# Bump when the fields or the analysis change: old indexes must be rebuilt.
# 5: CLICK-ID bodies in paragraphs (#21); 6: ``indexed``, when each article was
# (re)indexed (saved searches, #26).
SCHEMA_VERSION = 6


# Weights of the fields a plain word is looked up in (BM25 per field, summed):
# titles say what an article is about; exact word forms outrank stemmed ones.
FIELD_BOOSTS = dict(DEFAULT_RANKING.field_boosts)


def make_schema() -> Schema:
    stemmed, exact = stemming_analyzer(), exact_analyzer()
    # A typed word that analyses into several tokens (L'Arc, kompas.com) is a phrase.
    phrase = "phrase"
    # Each text is analysed once for its three fields (searcher.analysis.AnalysedText);
    # the analyzers given are what queries use, and give the same terms.
    return Schema(
        id=ID(unique=True, stored=True, sortable=True),
        title=AnalysedText("stemmed", analyzer=stemmed, stored=True, multitoken_query=phrase),
        # Exact forms only add weight to single words: no positions (phrases
        # match on the stemmed fields), a smaller index and less work per word.
        title_exact=AnalysedText("exact", analyzer=exact, phrase=False, multitoken_query="and"),
        body=AnalysedText("stemmed", analyzer=stemmed, stored=True, multitoken_query=phrase),
        body_exact=AnalysedText("exact", analyzer=exact, phrase=False, multitoken_query="and"),
        # Neighbouring words as one term ("dagang orang"): proximity and
        # multiword terms at the cost of a word lookup (searcher.query.concepts);
        # in bodies, the lead's pairs only.
        title_pairs=AnalysedText("pairs", analyzer=pair_analyzer(), phrase=False),
        body_pairs=AnalysedText(
            "pairs", LEAD_PAIRS, analyzer=pair_analyzer(LEAD_PAIRS), phrase=False
        ),
        url=STORED(),
        # Matched case-insensitively; the column keeps the original spelling for facets.
        source=KEYWORD(stored=True, sortable=True, lowercase=True, commas=True),
        category=_category_field(),
        category_raw=STORED(),
        author=STORED(),
        published=DATETIME(stored=True, sortable=True),
        # When the article was last added or changed (UTC): what saved searches
        # call new (searcher.watch), whatever its publication date.
        indexed=DATETIME(stored=True, sortable=True),
        hash=ID(sortable=True),
        schema_version=STORED(),
    )


def _category_field() -> KEYWORD:
    """Like ``source``, with each label normalised (in documents and in queries)."""
    field = KEYWORD(stored=True, sortable=True, lowercase=True, commas=True)
    field.analyzer = field.analyzer | CategoryFilter()
    return field
