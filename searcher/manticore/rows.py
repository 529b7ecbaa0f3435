"""SphinxQL pieces the Manticore backend's queries share: the columns read, the orders,
the ranking expression (BM25F over the fields' weights), and result rows made into the
shared plain results (:func:`_hit`, :func:`_stored`)."""

from __future__ import annotations

from searcher.manticore.schema import (
    moment,
)
from searcher.models import (
    Hit,
)
from searcher.ranking import BM25_PARAMETERS as BM25F_ARGS
from searcher.results import (
    make_hit,
)
from searcher.schema import FIELD_BOOSTS
from searcher.snippets import MatchTerms

MAX_FACET_VALUES = 1000
# Field weights as whole numbers (the engine's requirement), in the same
# proportions as the Whoosh backend's; each field's weight also tells the
# ranker which field it is looking at (title_exact 3, title 4: a title).
FIELD_WEIGHTS = {name: round(boost * 2) for name, boost in FIELD_BOOSTS.items()}
TITLE_WEIGHT = min(FIELD_WEIGHTS["title"], FIELD_WEIGHTS["title_exact"])
AVERAGES_SECONDS = 30.0  # how long average field lengths are reused
# BM25 per field, summed with the field weights, like Whoosh's BM25F. The
# engine's own bm25f() needs field lengths that Sphinx 2.2 does not keep for
# real-time indexes, so the formula is spelt out over its per-field factors:
# sum_idf (plain idf of the matched words), hit_count/word_count (their mean
# frequency) and our stored term counts for the length normalisation.
# Measured on TyDi QA (BENCHMARKS.md) against the engine's built-in rankers.
RANKER = (
    "expr('1000*sum(user_weight*sum_idf*(hit_count/word_count)*{k1plus}"
    "/(hit_count/word_count+{K1}*({one_minus_b}+{B}*if(user_weight>={title},"
    "title_terms/{{title_avg}},body_terms/{{body_avg}}))))'), "
    "field_weights=({weights}), idf='plain'"
).format(
    k1plus=BM25F_ARGS["K1"] + 1,
    one_minus_b=1 - BM25F_ARGS["B"],
    title=TITLE_WEIGHT,
    weights=",".join(f"{name}={weight}" for name, weight in FIELD_WEIGHTS.items()),
    **BM25F_ARGS,
)


def _select(columns: str, table: str, where: list[str], extra: str = "") -> str:
    clause = " WHERE " + " AND ".join(where) if where else ""
    return f"SELECT {columns} FROM {table}{clause}{extra}"


_HIT_COLUMNS = (
    "id, article_id, title_text, body_text, url, source, category, published, "
    "dated, category_raw, author, duplicate, story, WEIGHT()"
)
# The same with, when collapsing copies, how many matches each group holds.
_GROUP_COLUMNS = _HIT_COLUMNS.replace("WEIGHT()", "COUNT(*), WEIGHT()")
_ORDER = {
    "relevance": "WEIGHT() DESC, id ASC",
    "newest": "dated DESC, published DESC, id ASC",
    "oldest": "dated DESC, published ASC, id ASC",
    "blend": "blended DESC, id ASC",
}
MAX_STORY_ARTICLES = 10_000
MAX_HEADLINE_ROWS = 20  # a story's rows read for its other headlines (each way)


def _partial_warning(text: str) -> str:
    if "agent" in text or "not reachable" in text:
        return f"partial results: a shard did not answer ({text})"
    return text


def _day_text(day: int) -> str:
    return f"{day // 10000:04d}-{day // 100 % 100:02d}-{day % 100:02d}"


def _with_expanded(terms: MatchTerms, expanded: set) -> MatchTerms:
    if not expanded:
        return terms
    stems = {w for f, w in expanded if not f.endswith("_exact")}
    exact = {w for f, w in expanded if f.endswith("_exact")}
    return MatchTerms(
        terms.stems | stems, terms.exact | exact, terms.stem_phrases, terms.exact_phrases
    )


def _stored(row) -> dict:
    """A result row as the stored fields the shared builders take."""
    _, article_id, title, body, url, source, category, published, dated, raw, author = row[:11]
    return {
        "id": article_id,
        "title": title,
        "body": body,
        "url": url,
        "source": source,
        "category": category,
        "published": moment(published, dated),
        "category_raw": raw,
        "author": author,
    }


def _hit(row, terms: MatchTerms | None) -> Hit:
    return make_hit(_stored(row), float(row[-1]) / 10000, terms)
