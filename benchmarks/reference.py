"""The plain reference engine of issue 4: Whoosh defaults plus a Sastrawi filter.

This is the straightforward implementation most projects write, kept deliberately
naive so that every benchmark report can say how far our engine is from it:

* schema ``id`` (``ID``, stored, unique), ``title`` and ``body`` (``TEXT``, stored),
  both analysed by ``RegexTokenizer() | LowercaseFilter() | StopFilter()`` (Whoosh's
  defaults, English stop list) followed by :class:`SastrawiFilter`, which calls
  Sastrawi's ``stem_word`` for every token, with no cache (``stem_cache=True`` gives
  the variant with a 50,000-word LRU cache, as Whoosh's own ``StemFilter`` has by
  default and as Sastrawi's ``CachedStemmer`` does);
* one default ``ix.writer()`` (one process, Whoosh's default memory limit), one commit;
* queries through ``MultifieldParser(["title", "body"], group=OrGroup)``, BM25F
  scoring, and Whoosh's own ``hit.highlights("body")`` for the top 10 hits.

It reads articles with the same code as ours (:func:`searcher.read_articles`), so
only the engine differs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from whoosh import index as whoosh_index
from whoosh.analysis import (
    Composable,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
    Token,
)
from whoosh.fields import ID, TEXT, Schema
from whoosh.qparser import MultifieldParser, OrGroup
from whoosh.scoring import BM25F

from searcher.models import Article

INDEX_NAME = "reference"
_STEMMER = None


def _stemmer():
    """The Sastrawi stemmer object (built once; its stems are never cached)."""
    global _STEMMER
    if _STEMMER is None:
        from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
        from Sastrawi.Stemmer.Stemmer import Stemmer
        from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

        _STEMMER = Stemmer(ArrayDictionary(StemmerFactory().get_words()))
    return _STEMMER


def sastrawi_stem(word: str) -> str:
    """Sastrawi's stem of one word, computed afresh on every call (no cache).

    Whoosh's default tokenizer keeps ``*`` in words (for wildcards) and Sastrawi
    builds regular expressions from the word, so a token like ``*catatan`` (five
    of them in CLICK-ID) makes it raise ``re.error``; such a word stays as it is.
    """
    try:
        return _stemmer().stem_word(word)
    except re.error:
        return word


# Whoosh's StemFilter caches 50,000 words by default; the cached variant does the same.
cached_sastrawi_stem = lru_cache(maxsize=50_000)(sastrawi_stem)


class SastrawiFilter(Filter):
    """Replaces every token's text with its Sastrawi stem."""

    cache = False  # a class default, so schemas pickled without the attribute still load

    def __init__(self, cache: bool = False):
        self.cache = cache

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.cache == other.cache

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        stem = cached_sastrawi_stem if self.cache else sastrawi_stem
        for token in tokens:
            token.text = stem(token.text)
            yield token


def reference_analyzer(stem_cache: bool = False) -> Composable:
    """Whoosh's default text analysis plus the Sastrawi filter."""
    return RegexTokenizer() | LowercaseFilter() | StopFilter() | SastrawiFilter(stem_cache)


def reference_schema(stem_cache: bool = False) -> Schema:
    analyzer = reference_analyzer(stem_cache)
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=analyzer, stored=True),
        body=TEXT(analyzer=analyzer, stored=True),
    )


def build_reference_index(
    articles: Iterable[Article], path: str | os.PathLike, *, stem_cache: bool = False
) -> int:
    """Index ``articles`` into a new index at ``path`` (one writer, one commit).

    Returns the number of articles added.
    """
    os.makedirs(path, exist_ok=True)
    schema = reference_schema(stem_cache)
    ix = whoosh_index.create_in(str(path), schema, indexname=INDEX_NAME)
    writer = ix.writer()
    count = 0
    try:
        for article in articles:
            writer.add_document(id=article.id, title=article.title, body=article.body)
            count += 1
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    ix.close()
    return count


@dataclass(frozen=True)
class ReferenceHit:
    id: str
    title: str
    score: float
    snippet: str  # Whoosh's HTML highlights of the body


@dataclass(frozen=True)
class ReferenceResult:
    query: str
    total: int
    hits: list[ReferenceHit]


class ReferenceIndex:
    """A searcher over a reference index (one Whoosh searcher, BM25F)."""

    def __init__(self, path: str | os.PathLike):
        self._ix = whoosh_index.open_dir(str(path), indexname=INDEX_NAME)
        self._searcher = self._ix.searcher(weighting=BM25F())
        self._parser = MultifieldParser(["title", "body"], self._ix.schema, group=OrGroup)

    def search(self, text: str, limit: int = 10) -> ReferenceResult:
        """The top ``limit`` hits for ``text``, each with highlighted snippets."""
        parsed = self._parser.parse(text)
        results = self._searcher.search(parsed, limit=limit)
        hits = [
            ReferenceHit(
                id=hit["id"],
                title=hit.get("title", ""),
                score=float(hit.score or 0.0),
                snippet=hit.highlights("body"),
            )
            for hit in results
        ]
        return ReferenceResult(query=text, total=len(results), hits=hits)

    def close(self) -> None:
        self._searcher.close()
        self._ix.close()

    def __enter__(self) -> ReferenceIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_reference_index(path: str | os.PathLike) -> ReferenceIndex:
    """Open the reference index at ``path``."""
    return ReferenceIndex(path)
