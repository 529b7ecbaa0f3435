"""Word neighbours learned from the indexed corpus itself (#23).

A hand-written thesaurus cannot list every way news says a thing: divorce
stories say "selebriti" or "pesohor", not "artis". Words used in the same
contexts are found from the corpus's own co-occurrence statistics, and a
query word may also find its nearest neighbours, at a low weight that grows
with their similarity (:meth:`Model.neighbours`).

The model
    A word-context matrix of positive pointwise mutual information (PPMI)
    over a window of ``WINDOW`` words either side (stop words left out first),
    with context distribution smoothing (``ALPHA``), reduced to ``DIMENSIONS``
    dimensions by a randomised truncated SVD, the singular values weighted by
    their square root (Levy, Goldberg & Dagan, "Improving distributional
    similarity with lessons learned from word embeddings", TACL 2015: with
    these settings SVD matches word2vec on word similarity). Chosen over
    gensim's word2vec: NumPy only (no new dependency, no compiled extension),
    deterministic (a fixed random seed; the same corpus gives the same file,
    so unit tests on small hand-built corpora can expect exact neighbours),
    and fast enough to rebuild after an index run (CLICK-ID: about a minute).

Names
    Distributional neighbours of a name are other names of the same kind
    (malaysia -> thailand, a footballer -> his team-mates), never the same
    thing. Each vocabulary word's capitalised share (counted in running text,
    not after a sentence's end) is kept; a word written with a capital at
    least ``NAME_SHARE`` of the time (``PROTECTED_NAME_SHARE`` for a word of
    the protected list, ``data/protected.txt``) is a name: a name is never
    expanded, and never offered as a neighbour.

The file
    ``NEIGHBOURS_FILE`` (NumPy ``.npz``, no pickles) in the index folder:
    the vocabulary (UTF-8 bytes and end offsets), unit vectors (float16),
    capitalised shares and the number of documents learned from. A corpus of
    fewer than ``MIN_TOKENS`` words is too small to learn from: no file.

Pure NumPy: knows nothing of Whoosh (:mod:`searcher.whoosh.learned` feeds it
an index's texts and hooks it in after a commit).
"""

from __future__ import annotations

import math
import os
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from searcher.files import written_atomically
from searcher.stemmer import protected_words
from searcher.stopwords import is_stop_word
from searcher.tokenizer import find_words, normalize

NEIGHBOURS_FILE = "neighbours.npz"
FORMAT = 1
WINDOW = 2  # words either side (2 found more substitutes than 4: RELEVANCE.md)
ASSOCIATES = 32
ASSOCIATE_PMI = 1.0
ALPHA = 0.75  # context distribution smoothing
DIMENSIONS = 100
MIN_COUNT = 10  # a word seen fewer times has no reliable contexts
MAX_VOCABULARY = 40_000
MIN_TOKENS = 200_000  # a smaller corpus is too small to learn from
NAME_SHARE = 0.5
PROTECTED_NAME_SHARE = 0.25
SEED = 23
SENTENCE_END = frozenset('.!?:;"\u201c\u201d(')


@dataclass
class Counts:
    """What a corpus pass gathers: token ids per text and each word's casing."""

    texts: list[list[str]] = field(default_factory=list)
    keep_texts: bool = True  # False: casing and frequency only (no vectors to learn)
    frequency: Counter = field(default_factory=Counter)
    capitalised: Counter = field(default_factory=Counter)  # in running text
    running: Counter = field(default_factory=Counter)  # seen in running text
    documents: int = 0

    def add(self, text: str, *, casing: bool = True) -> None:
        """One text's words (stop words and non-words left out, as gaps); with
        ``casing``, its capitals in running text are counted (not for titles,
        which some outlets write in title case)."""
        words: list[str] = []
        previous_end = 0
        for match in find_words(text):
            written = match.group()
            word = normalize(written)
            gap = text[previous_end : match.start()]
            first = not words
            previous_end = match.end()
            if not word.isalpha() or len(word) < 3 or is_stop_word(word):
                words.append("")  # a gap: keeps distances, joins nothing
                continue
            words.append(word)
            # At a text's or a sentence's start a capital says nothing.
            if casing and not first and not any(c in SENTENCE_END for c in gap):
                self.running[word] += 1
                if written[0].isupper():
                    self.capitalised[word] += 1
        self.frequency.update(w for w in words if w)
        if self.keep_texts:
            self.texts.append(words)

    def add_document(self, title: str, body: str) -> None:
        self.add(title, casing=False)
        self.add(body)
        self.documents += 1

    @property
    def tokens(self) -> int:
        return sum(self.frequency.values())


@dataclass(frozen=True, eq=False)  # identity: its neighbours are cached by instance
class Model:
    """Learned word vectors (unit length) and each word's capitalised share."""

    words: tuple[str, ...]
    vectors: np.ndarray  # float32, one unit row per word
    capitalised: np.ndarray  # float32 share in running text
    documents: int
    associates: np.ndarray | None = None  # int32 (words, ASSOCIATES), -1 padded

    def __post_init__(self):
        object.__setattr__(self, "index", {w: i for i, w in enumerate(self.words)})

    @property
    def has_vectors(self) -> bool:
        """Whether neighbours were learned (not only the words' casing)."""
        return self.vectors.ndim == 2 and self.vectors.shape[1] > 0

    def is_name(self, word: str) -> bool:
        """Whether the corpus writes ``word`` as a name (see the module doc)."""
        i = self.index.get(word)
        if i is None:
            return False
        share = float(self.capitalised[i])
        return share >= NAME_SHARE or (word in protected_words() and share >= PROTECTED_NAME_SHARE)

    def neighbours(
        self, word: str, limit: int = 3, threshold: float = 0.5, *, substitutes: bool = False
    ) -> list[tuple[str, float]]:
        """Up to ``limit`` ``(word, cosine similarity)``, most similar first, each at
        least ``threshold``; none for a name or an unknown word, and never a name.
        With ``substitutes``, never a word the corpus writes *beside* this one
        (one of its associates): "melemah" next to "menguat", "siswa" next to
        "guru" are the other side or the other party, not another way to say it."""
        return list(self._neighbours(word, limit, threshold, substitutes))

    @lru_cache(maxsize=4096)  # noqa: B019 (a model lives as long as its index)
    def _neighbours(self, word: str, limit: int, threshold: float, substitutes: bool):
        i = self.index.get(word)
        if i is None or not self.has_vectors or self.is_name(word):
            return ()
        similarity = self.vectors @ self.vectors[i]
        similarity[i] = -1.0
        if substitutes and self.associates is not None:
            beside = self.associates[i]
            similarity[beside[beside >= 0]] = -1.0
            # ... and the words that have this one as an associate
            similarity[np.flatnonzero((self.associates == i).any(axis=1))] = -1.0
        order = np.argsort(-similarity, kind="stable")
        found = []
        for j in order[: 20 * limit + 20].tolist():
            if similarity[j] < threshold or len(found) >= limit:
                break
            other = self.words[j]
            if not self.is_name(other):
                found.append((other, round(float(similarity[j]), 4)))
        return tuple(found)


def learn(
    counts: Counts,
    *,
    min_tokens: int = MIN_TOKENS,
    min_count: int = MIN_COUNT,
    dimensions: int = DIMENSIONS,
    window: int = WINDOW,
    vectors: bool = True,
) -> Model | None:
    """The model of a corpus pass, or None when it has fewer than ``min_tokens``
    words (too small to learn from). Words seen fewer than ``min_count`` times
    are left out of the vocabulary. Without ``vectors`` only the words' casing is
    learned (names; seconds, where vectors take minutes on CLICK-ID): the model
    then offers no neighbours."""
    if counts.tokens < min_tokens:
        return None
    kept = [w for w, n in counts.frequency.most_common() if n >= min_count]
    kept = sorted(kept[:MAX_VOCABULARY], key=lambda w: (-counts.frequency[w], w))
    if len(kept) < 2:
        return None
    shares = np.array(
        [counts.capitalised[w] / counts.running[w] if counts.running[w] else 0.0 for w in kept],
        dtype=np.float32,
    )
    if not vectors or not counts.texts:
        empty = np.zeros((len(kept), 0), dtype=np.float32)
        return Model(tuple(kept), empty, shares, counts.documents, None)
    index = {w: i for i, w in enumerate(kept)}
    size = len(kept)
    stream = []
    for words in counts.texts:
        stream.extend(index.get(w, -1) for w in words)
        stream.extend([-1] * window)  # no window crosses two texts
    ids = np.array(stream, dtype=np.int64)
    codes = []
    for distance in range(1, window + 1):
        a, b = ids[:-distance], ids[distance:]
        both = (a >= 0) & (b >= 0) & (a != b)
        codes.append(a[both] * size + b[both])
        codes.append(b[both] * size + a[both])
    pairs, counted = np.unique(np.concatenate(codes), return_counts=True)
    rows, cols = pairs // size, pairs % size
    values = counted.astype(np.float64)
    row_sums = np.bincount(rows, weights=values, minlength=size)
    col_sums = np.bincount(cols, weights=values, minlength=size) ** ALPHA
    total, col_total = values.sum(), col_sums.sum()
    pmi = np.log(values * col_total / (row_sums[rows] * col_sums[cols]))
    positive = pmi > 0
    rows, cols, pmi = rows[positive], cols[positive], pmi[positive].astype(np.float32)
    del total
    associates = _associates(rows, cols, values[positive], pmi, size)
    vectors = _svd_vectors(rows, cols, pmi, size, min(dimensions, size - 1))
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = np.where(norms > 0, vectors / np.maximum(norms, 1e-12), 0.0).astype(np.float32)
    return Model(tuple(kept), vectors, shares, counts.documents, associates)


def _associates(rows, cols, counted, pmi, size: int) -> np.ndarray:
    """Each word's ``ASSOCIATES`` most frequent window companions among those seen
    together at least ``e ** ASSOCIATE_PMI`` times more often than chance."""
    keep = pmi >= ASSOCIATE_PMI
    rows, cols, counted = rows[keep], cols[keep], counted[keep]
    order = np.lexsort((cols, -counted, rows))
    rows, cols = rows[order], cols[order]
    first = np.searchsorted(rows, np.arange(size))
    rank = np.arange(len(rows)) - first[rows]
    table = np.full((size, ASSOCIATES), -1, dtype=np.int32)
    top = rank < ASSOCIATES
    table[rows[top], rank[top]] = cols[top]
    return table


def _multiply(rows, cols, values, size, dense: np.ndarray) -> np.ndarray:
    """The sparse matrix (``rows``, ``cols``, ``values``; size x size) times ``dense``."""
    out = np.zeros((size, dense.shape[1]), dtype=np.float32)
    step = 1 << 18
    for start in range(0, len(rows), step):
        r, c, v = (
            rows[start : start + step],
            cols[start : start + step],
            values[start : start + step],
        )
        order = np.argsort(r, kind="stable")
        r, c, v = r[order], c[order], v[order]
        products = dense[c] * v[:, None]
        first = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
        out[r[first]] += np.add.reduceat(products, first, axis=0)
    return out


def _svd_vectors(rows, cols, values, size: int, rank: int) -> np.ndarray:
    """``U * sqrt(S)`` of a randomised truncated SVD (Halko, Martinsson & Tropp
    2011: ``rank`` + 10 samples, two power iterations)."""
    rng = np.random.default_rng(SEED)
    samples = min(rank + 10, size)
    sketch = _multiply(rows, cols, values, size, rng.standard_normal((size, samples), np.float32))
    basis, _ = np.linalg.qr(sketch)
    for _ in range(2):
        basis, _ = np.linalg.qr(_multiply(cols, rows, values, size, basis))  # M.T @ Q
        basis, _ = np.linalg.qr(_multiply(rows, cols, values, size, basis))  # M @ Q
    small = _multiply(cols, rows, values, size, basis).T  # Q.T @ M
    u, s, _ = np.linalg.svd(small, full_matrices=False)
    return (basis @ u[:, :rank]) * np.sqrt(s[:rank])


# -- the file ------------------------------------------------------------------
def save(model: Model, folder: str | os.PathLike) -> Path:
    """Write the model as ``NEIGHBOURS_FILE`` in ``folder`` (atomically)."""
    target = Path(folder) / NEIGHBOURS_FILE
    encoded = [w.encode("utf-8") for w in model.words]
    ends = np.cumsum([len(b) for b in encoded], dtype=np.int64)
    with written_atomically(target) as out:
        np.savez_compressed(
            out,
            format=np.array(FORMAT),
            words=np.frombuffer(b"".join(encoded), dtype=np.uint8),
            ends=ends,
            vectors=model.vectors.astype(np.float16),
            capitalised=model.capitalised.astype(np.float32),
            documents=np.array(model.documents),
            associates=model.associates
            if model.associates is not None
            else np.full((len(model.words), 0), -1, dtype=np.int32),
        )
    return target


def load(folder: str | os.PathLike) -> Model:
    """The model saved in ``folder``; ``ValueError`` naming the file when it is
    missing, damaged or of another format."""
    path = Path(folder) / NEIGHBOURS_FILE
    try:
        with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as data:
            if int(data["format"]) != FORMAT:
                raise ValueError(f"{path}: format {int(data['format'])}, expected {FORMAT}")
            raw = data["words"].tobytes()
            ends = data["ends"]
            starts = np.r_[0, ends[:-1]]
            words = tuple(raw[s:e].decode("utf-8") for s, e in zip(starts, ends, strict=True))
            vectors = data["vectors"].astype(np.float32)
            capitalised = data["capitalised"].astype(np.float32)
            documents = int(data["documents"])
            associates = data["associates"].astype(np.int32) if "associates" in data else None
    except (
        OSError,
        KeyError,
        ValueError,
        TypeError,
        AttributeError,
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
    ) as error:
        if isinstance(error, ValueError) and str(error).startswith(str(path)):
            raise
        raise ValueError(f"{path}: cannot read the learned neighbours ({error})") from None
    if vectors.shape != (len(words), vectors.shape[1] if vectors.ndim == 2 else -1) or len(
        capitalised
    ) != len(words):
        raise ValueError(f"{path}: the learned neighbours' arrays do not agree")
    if associates is not None and (len(associates) != len(words) or associates.shape[1] == 0):
        associates = None
    return Model(words, vectors, capitalised, documents, associates)


def stale(model: Model | None, documents: int, *, vectors: bool = False) -> bool:
    """Whether a model learned from ``model.documents`` should be learned again
    for a corpus of ``documents``: missing, without the vectors now asked for, or
    the corpus grew or shrank by a fifth (a few new articles hardly move
    co-occurrence statistics)."""
    if model is None or (vectors and not model.has_vectors):
        return True
    return not math.isclose(model.documents, documents, rel_tol=0.2)
