"""A segment's columnar postings gathered per document, then sorted and laid out with numpy.

Whoosh's writer sends every posting through its posting pool: a Python tuple
per posting, sorted in Python, spilled to run files, merged, then handed one
by one to the field writer, which looks up the document's field length per
posting. For the ranked fields (:data:`searcher.whoosh.codec.RANKED_FIELDS`)
our writer instead keeps, per field, four flat arrays that grow by a
document's whole term dictionary at a time (:meth:`FieldPostings.add`): its
term numbers (each distinct term of the batch numbered once), document
number, count, and for positional fields the positions. At the segment's end
:meth:`FieldPostings.layout` sorts the whole batch at once (terms in byte
order, documents ascending within a term) and computes every term's
statistics with numpy's ``reduceat``; only the term dictionary (one entry per
term, not per posting) is written in Python.

Postings that still come one at a time (Whoosh merging segments, or a
document added through Whoosh's own writer) join the same arrays
(:meth:`FieldPostings.add_posting`), so every segment is laid out here.
Nothing here depends on Whoosh.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterable
from itertools import repeat

import numpy as np


def term_key(fieldname: str, btext: bytes) -> int:
    """The 64-bit hash a term is found by in a segment's term table."""
    digest = hashlib.blake2b(fieldname.encode("utf-8") + b"\x00" + btext, digest_size=8)
    return int.from_bytes(digest.digest(), "little")


class _Numbering(dict):
    """term -> its number, numbering a new term on first sight."""

    def __missing__(self, term: str) -> int:
        number = self[term] = len(self)
        return number


class Layout:
    """One field's postings of a segment, sorted: ``words`` (distinct terms, byte
    order), for each term ``starts`` / ``counts`` (its slice of the postings),
    ``weights`` (total), ``max_weights``, ``first`` / ``last`` (document numbers),
    and the postings' ``ids``, ``posting_weights`` and ``positions``."""

    __slots__ = (
        "counts",
        "first",
        "ids",
        "last",
        "max_weights",
        "posting_weights",
        "positions",
        "starts",
        "weights",
        "words",
    )


class FieldPostings:
    """One field's postings of the batch being written (see the module docstring)."""

    def __init__(self, positional: bool):
        self.positional = positional
        self.numbers = _Numbering()
        self.terms = array("I")
        self.docs = array("I")
        self.weights = array("f")
        self.positions = array("I")

    def __len__(self) -> int:
        return len(self.terms)

    def add(self, docnum: int, items: dict) -> int:
        """Add one document's terms: term -> positions (a positional field) or
        term -> count. Returns the document's field length (the sum of counts)."""
        if not items:
            return 0
        self.terms.extend(map(self.numbers.__getitem__, items))
        self.docs.extend(repeat(docnum, len(items)))
        if self.positional:
            values = items.values()
            counts = list(map(len, values))
            for positions in values:
                self.positions.extend(positions)
        else:
            counts = list(items.values())
        self.weights.extend(counts)
        return sum(counts)

    def add_posting(self, btext: bytes, docnum: int, weight: float, positions) -> None:
        """Add one posting (``positions``: a list for a positional field, else None)."""
        self.terms.append(self.numbers[btext.decode("utf-8")])
        self.docs.append(docnum)
        self.weights.append(weight)
        if self.positional:
            if len(positions) != weight:
                raise ValueError(
                    f"a columnar posting's weight ({weight}) must be its number of "
                    f"positions ({len(positions)})"
                )
            self.positions.extend(positions)

    def add_arrays(self, words: list[str], counts, docs, weights, positions) -> None:
        """Add a whole field of another segment (a merge): its terms in order, each
        term's number of postings, and the postings' new document numbers (-1: a
        deleted document, dropped), weights and positions, as arrays."""
        keep = np.asarray(docs) >= 0
        numbers = np.fromiter(map(self.numbers.__getitem__, words), np.uint32, len(words))
        self.terms.frombytes(np.repeat(numbers, counts)[keep].tobytes())
        self.docs.frombytes(np.asarray(docs)[keep].astype(np.uint32).tobytes())
        weights = np.asarray(weights, dtype=np.float32)
        self.weights.frombytes(weights[keep].tobytes())
        if self.positional:
            kept = np.repeat(keep, weights.astype(np.int64))
            self.positions.frombytes(np.asarray(positions)[kept].astype(np.uint32).tobytes())

    def layout(self) -> Layout:
        """The postings sorted by term (byte order: Python orders str by code point,
        as UTF-8 orders bytes), then document; with each term's statistics."""
        numbers = self.numbers
        words = sorted(numbers)
        rank = np.empty(len(words), dtype=np.int64)
        rank[np.fromiter(map(numbers.__getitem__, words), np.int64, len(words))] = np.arange(
            len(words)
        )
        terms = rank[np.frombuffer(self.terms, dtype=np.uint32)]
        docs = np.frombuffer(self.docs, dtype=np.uint32)
        weights = np.frombuffer(self.weights, dtype=np.float32)
        order = np.lexsort((docs, terms))
        out = Layout()
        out.words = words
        out.ids = docs[order]
        out.posting_weights = weights[order]
        out.counts = np.bincount(terms, minlength=len(words)).astype(np.int64)
        out.starts = np.zeros(len(words), dtype=np.int64)
        np.cumsum(out.counts[:-1], out=out.starts[1:])
        if len(order):
            out.weights = np.add.reduceat(out.posting_weights.astype(np.float64), out.starts)
            out.max_weights = np.maximum.reduceat(out.posting_weights, out.starts)
            out.first = out.ids[out.starts]
            out.last = out.ids[out.starts + out.counts - 1]
        else:
            out.weights = out.max_weights = out.first = out.last = np.zeros(0)
        if self.positional and len(order):
            counts = weights.astype(np.int64)
            begins = np.zeros(len(counts), dtype=np.int64)
            np.cumsum(counts[:-1], out=begins[1:])
            lengths = counts[order]
            # Each sorted posting's positions: its run of the insertion-order array.
            shift = np.repeat(begins[order] - (np.cumsum(lengths) - lengths), lengths)
            gather = shift + np.arange(int(lengths.sum()), dtype=np.int64)
            out.positions = np.frombuffer(self.positions, dtype=np.uint32)[gather]
        else:
            out.positions = np.zeros(0, dtype=np.uint32)
        return out


class BatchPostings:
    """Every columnar field's :class:`FieldPostings` of one segment being written."""

    def __init__(self):
        self.fields: dict[str, FieldPostings] = {}

    def field(self, fieldname: str, positional: bool) -> FieldPostings:
        found = self.fields.get(fieldname)
        if found is None:
            found = self.fields[fieldname] = FieldPostings(positional)
        return found

    def names(self) -> list[str]:
        return sorted(name for name, postings in self.fields.items() if len(postings))


def smallest_dtype(values: np.ndarray, integral_limit: int = 1 << 16) -> str:
    """``<u2`` when every value is a whole number below 65,536, else the values' own
    width (``<u4`` for positions, ``<f4`` for weights): most counts and positions fit."""
    if not len(values):
        return "<u2"
    if values.dtype.kind == "f" and not bool(np.all(values == np.floor(values))):
        return "<f4"
    if float(values.max()) < integral_limit and float(values.min()) >= 0:
        return "<u2"
    return "<f4" if values.dtype.kind == "f" else "<u4"


def as_stored(values: np.ndarray, dtype: str) -> bytes:
    return np.ascontiguousarray(values.astype(dtype)).tobytes()


def concatenate(parts: Iterable[np.ndarray], dtype) -> np.ndarray:
    parts = [p for p in parts if len(p)]
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)
