"""Tantivy and bm25s on the same tokens as ours: the engines people would pick instead (#22).

Both get the words our analysis gives (:func:`searcher.analysis.analyze`: our
tokenizer, our stop list, the cached Sastrawi stems), joined by spaces, so the
comparison times the engines and not their analysis:

* **Tantivy** (``tantivy`` on PyPI, the Rust engine's Python binding): ``title``
  and ``body`` text fields with Tantivy's ``whitespace`` tokenizer, ``id``
  stored; one writer (Tantivy's own threads), one commit. A query is an OR of
  term queries on both fields (BM25), top 10, no snippets.
* **bm25s** (``bm25s`` on PyPI, sparse BM25 matrices in numpy/scipy): the
  title and body tokens of an article as one document; a query's tokens
  retrieve the top 10, no snippets.

Neither makes snippets, and neither is installed by default: ``pip install
-c constraints.txt -e ".[bench]"``. :mod:`benchmarks.harness` runs them as the
engines ``tantivy`` and ``bm25s`` beside ours and the plain reference.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from searcher.models import Article

OTHER_ENGINES = ("tantivy", "bm25s")


def tokens(text: str) -> list[str]:
    """Our index terms of ``text`` (stems of the non-stop words), in order."""
    from searcher.analysis import analyze

    return analyze(text)


@dataclass(frozen=True)
class Found:
    """What a benchmark query needs of a result: its hit count and the top ids."""

    total: int
    ids: list[str]


def build(engine: str, articles: Iterable[Article], path: str | os.PathLike) -> int:
    """Index ``articles`` with ``engine`` into a new folder ``path``; the count added."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    if engine == "tantivy":
        return _build_tantivy(articles, folder)
    if engine == "bm25s":
        return _build_bm25s(articles, folder)
    raise ValueError(f"engine: {engine!r} is not one of {OTHER_ENGINES}")


def _tantivy_schema():
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", tokenizer_name="whitespace")
    builder.add_text_field("body", tokenizer_name="whitespace")
    return builder.build()


def _build_tantivy(articles: Iterable[Article], folder: Path) -> int:
    import tantivy

    index = tantivy.Index(_tantivy_schema(), path=str(folder))
    writer = index.writer()
    count = 0
    for article in articles:
        writer.add_document(
            tantivy.Document(
                id=article.id,
                title=" ".join(tokens(article.title)),
                body=" ".join(tokens(article.body)),
            )
        )
        count += 1
    writer.commit()
    writer.wait_merging_threads()
    return count


def _build_bm25s(articles: Iterable[Article], folder: Path) -> int:
    import bm25s

    ids, corpus = [], []
    for article in articles:
        ids.append(article.id)
        corpus.append(tokens(article.title) + tokens(article.body))
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    retriever.save(str(folder / "bm25s"))
    (folder / "ids.pickle").write_bytes(pickle.dumps(ids))
    return len(ids)


def open_engine(engine: str, path: str | os.PathLike):
    """``(search function, close function)``: the search takes a query string and
    returns a :class:`Found` of its top 10."""
    folder = Path(path)
    if engine == "tantivy":
        import tantivy

        index = tantivy.Index.open(str(folder))
        index.reload()
        searcher = index.searcher()
        schema = index.schema

        def search_tantivy(text: str) -> Found:
            words = list(dict.fromkeys(tokens(text)))
            if not words:
                return Found(0, [])
            clauses = [
                (tantivy.Occur.Should, tantivy.Query.term_query(schema, field, word))
                for word in words
                for field in ("title", "body")
            ]
            result = searcher.search(tantivy.Query.boolean_query(clauses), 10)
            ids = [searcher.doc(address)["id"][0] for _, address in result.hits]
            return Found(result.count or 0, ids)

        return search_tantivy, lambda: None
    if engine == "bm25s":
        import bm25s

        retriever = bm25s.BM25.load(str(folder / "bm25s"))
        ids = pickle.loads((folder / "ids.pickle").read_bytes())
        vocabulary = retriever.vocab_dict

        def search_bm25s(text: str) -> Found:
            words = [word for word in tokens(text) if word in vocabulary]
            if not words:
                return Found(0, [])
            found, scores = retriever.retrieve([words], k=10, show_progress=False)
            top = [ids[int(d)] for d, s in zip(found[0], scores[0], strict=True) if s > 0]
            return Found(len(top), top)

        return search_bm25s, lambda: None
    raise ValueError(f"engine: {engine!r} is not one of {OTHER_ENGINES}")
