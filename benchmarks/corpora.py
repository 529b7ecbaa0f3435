"""What the benchmarks read: the corpus, as a stream of articles, and the queries.

A library module: the scripts (``run``, ``stream``, ``profiling``, ``load``,
``relevance``) import their paths and inputs from here, never from each other.

* :func:`article_stream`: the corpus' articles, ``scale`` times over (copies
  with new ids, generated on the fly, never written anywhere).
* :func:`read_queries`: a query file, one query a line.
* :func:`distinct_queries`: the stream of distinct queries a news search box
  gets, shuffled with a fixed seed: the news dev queries and
  ``benchmarks/queries.txt``, TyDi QA questions, and corpus titles (whole and
  their first four words). Every query is different, so no result cache helps.
"""

from __future__ import annotations

import gzip
import itertools
import json
import os
import random
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
DEFAULT_CORPUS = SHARED / "data" / "news" / "clickid-2019.jsonl.gz"
DEFAULT_QUERIES = Path(__file__).resolve().parent / "queries.txt"
NEWS_SOURCES = [SHARED / "seeds", DEFAULT_CORPUS]
NEWS_EVAL = SHARED / "data" / "eval" / "news-clickid-dev"
TYDI_EVAL = SHARED / "data" / "eval" / "tydiqa-id"


def article_stream(
    corpus: Sequence[str | os.PathLike], scale: int = 1, limit: int | None = None
) -> Iterator:
    """The corpus' articles (rejected records dropped), ``scale`` times over.

    The first copy keeps the original ids and dates; copy ``k`` (k >= 1) gets the id
    ``"{id}~{k}"`` and its date ``k`` years later (365 days times ``k``: CLICK-ID's
    2019 becomes 2020, 2021, ...), so a larger corpus spreads over more days as a
    growing archive does. With ``limit`` only the first ``limit`` articles are used.
    """
    from searcher import Article, read_articles

    for copy in range(scale):
        articles = (r for r in read_articles(corpus) if isinstance(r, Article))
        if limit is not None:
            articles = itertools.islice(articles, limit)
        for article in articles:
            if copy == 0:
                yield article
            else:
                published = article.published
                if published is not None:
                    published += timedelta(days=365 * copy)
                yield replace(article, id=f"{article.id}~{copy}", published=published)


def read_queries(path: str | os.PathLike) -> list[str]:
    """One query per line; blank lines and lines starting with ``#`` are skipped."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    queries = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    if not queries:
        raise SystemExit(f"{path}: no queries")
    return queries


def _titles(corpus: str | os.PathLike) -> Iterator[str]:
    """The raw ``title`` of every record of a JSONL(.gz) corpus file."""
    path = Path(corpus)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as stream:
        for line in stream:
            if line.strip():
                title = json.loads(line).get("title") or ""
                if title:
                    yield title


def distinct_queries(
    count: int, seed: int = 7, titles_from: str | os.PathLike = DEFAULT_CORPUS
) -> list[str]:
    """``count`` distinct queries of every kind, in a shuffled order.

    Titles come from ``titles_from`` (a JSONL file, gzipped or not): whole, and
    their first four words, as people type a headline they half remember.
    """
    from searcher import evaluation

    for needed in (NEWS_EVAL / "queries.tsv", TYDI_EVAL / "queries.tsv", Path(titles_from)):
        if not needed.is_file():
            raise SystemExit(f"distinct query stream: {needed} not found")
    news = list(evaluation.read_queries(NEWS_EVAL / "queries.tsv").values())
    bench = read_queries(DEFAULT_QUERIES)
    questions = list(evaluation.read_queries(TYDI_EVAL / "queries.tsv").values())
    titles = []
    for title in _titles(titles_from):
        titles += [title, " ".join(title.split()[:4])]
    rng = random.Random(seed)
    rng.shuffle(questions)
    rng.shuffle(titles)
    pool = news + bench + questions[: count // 3] + titles[:count]
    unique = list(dict.fromkeys(q.strip() for q in pool if q.strip()))
    rng.shuffle(unique)
    return unique[:count]
