"""Near-duplicate articles: MinHash signatures of word shingles, LSH buckets, groups.

Agency copy is republished and outlets reprint each other with a changed
headline or a line added; such articles share almost all of their word
5-grams. An article's *signature* is the MinHash of the set of its body's
word 5-grams (lowercased words of the cleaned body): ``NUM_PERM`` minima of
salted hashes, so the share of equal minima estimates the Jaccard similarity
of two shingle sets. LSH (``BANDS`` bands of ``ROWS`` minima) finds the
candidate pairs without comparing every pair; a candidate is a duplicate when
its estimated Jaccard is at least ``threshold`` (0.8).

Groups are stable: an article joins the group of its most similar earlier
article (ties: the earliest), and a group's id is the id of its first
article. Articles are assigned in (published, id) order within a run, so the
same input gives the same groups whatever the worker count or the file
order; a later run adds its articles to the existing groups.

Hashing is our own (numpy, crc32 of each word) rather than datasketch's
MinHash, which hashes every shingle with SHA-1 in Python: several times
slower, and indexing time is the budget here.
"""

from __future__ import annotations

import re
import zlib

import numpy as np

NUM_PERM = 64
BANDS = 16
# 4 rows a band: a pair at Jaccard 0.8 is a candidate with p = 1 - (1 - 0.8^4)^16 > 0.999.
ROWS = NUM_PERM // BANDS
SHINGLE_WORDS = 5
THRESHOLD = 0.8
_MAX_HASH = np.uint64((1 << 32) - 1)
_WORD = re.compile(r"[^\W_]+")
_SEED = 1  # fixed: signatures must be comparable across runs and processes
_MIXING = np.random.RandomState(_SEED + 1)
_ROW_MULTIPLIERS = _MIXING.randint(0, 1 << 63, size=64, dtype=np.uint64) | np.uint64(1)
_BAND_SALTS = _MIXING.randint(0, 1 << 63, size=NUM_PERM, dtype=np.uint64)


def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """Multiply-shift hash functions ``(a*x + b) mod 2^64 >> 32``, ``a`` odd."""
    generator = np.random.RandomState(_SEED)
    a = generator.randint(0, 1 << 63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = generator.randint(0, 1 << 63, size=num_perm, dtype=np.uint64)
    return a, b


class Signer:
    """MinHash signatures of texts (word hashes remembered across articles)."""

    def __init__(self, num_perm: int = NUM_PERM, shingle_words: int = SHINGLE_WORDS):
        self.num_perm = num_perm
        self.shingle_words = shingle_words
        self.a, self.b = _permutations(num_perm)
        self._word_hashes: dict[str, int] = {}

    def shingle_hashes(self, text: str) -> np.ndarray:
        """32-bit hashes of the distinct word n-grams of ``text`` (of its words if shorter)."""
        known = self._word_hashes
        words = _WORD.findall(text.lower())
        hashes = list(map(known.get, words))  # one C-level lookup per word
        if None in hashes:
            for i, value in enumerate(hashes):
                if value is None:
                    word = words[i]
                    hashes[i] = known[word] = zlib.crc32(word.encode("utf-8", "surrogatepass"))
        values = np.array(hashes, dtype=np.uint64)
        n = self.shingle_words
        if len(values) < n:
            return np.unique(values)
        # Polynomial hash of each window of n word hashes, mod 2^32.
        count = len(values) - n + 1
        combined = np.zeros(count, dtype=np.uint64)
        for offset in range(n):
            combined = (
                combined * np.uint64(1_000_003) + values[offset : offset + count]
            ) & _MAX_HASH
        return np.unique(combined)

    def sign(self, text: str) -> np.ndarray | None:
        """The MinHash signature (``num_perm`` uint32), or None for a text without words."""
        shingles = self.shingle_hashes(text)
        if not len(shingles):
            return None
        # uint64 arithmetic wraps around: that is the "mod 2^64" of multiply-shift.
        values = (self.a[:, None] * shingles[None, :] + self.b[:, None]) >> np.uint64(32)
        return values.min(axis=1).astype(np.uint32)


def similarity(first: np.ndarray, second: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.count_nonzero(first == second)) / len(first)


# An LSH bucket keeps at most this many articles; later ones are not added to it.
# Without a cap, N articles with one body (paywall and boilerplate pages) make one
# bucket of N, and each new one was compared with all of them: 8,000 identical
# articles took 52 s of grouping (#24). A newcomer still meets the first
# MAX_BUCKET articles of every band it shares, and identical signatures are found
# at once by their exact key, so a full bucket only loses the comparison with its
# later near-duplicates (their groups are found through the other bands).
MAX_BUCKET = 64


class DuplicateGroups:
    """Duplicate groups built incrementally, article by article.

    ``add`` must be called in the order that defines "first": the caller
    sorts by (published, id).

    Near-linear however many articles share a text: an article whose signature
    equals an earlier one's joins that article's group without comparisons (the
    most similar earlier article, the earliest on ties: the same result as
    comparing), and only the first article of an exact signature enters the LSH
    buckets, which hold at most ``MAX_BUCKET`` articles each.
    """

    def __init__(
        self, threshold: float = THRESHOLD, bands: int = BANDS, max_bucket: int = MAX_BUCKET
    ):
        self.threshold = threshold
        self.bands = bands
        self.max_bucket = max_bucket
        self._buckets: dict[int, list[int]] = {}
        self._exact: dict[bytes, int] = {}  # signature -> its first article's position
        self.signatures: list[np.ndarray | None] = []
        self.group: list[str] = []  # per article: the id of its group's first article

    def _keys(self, signature: np.ndarray) -> list[int]:
        """One integer per band: its rows mixed into 64 bits, salted by the band's number."""
        rows = signature.reshape(self.bands, -1).astype(np.uint64)
        mixed = (rows * _ROW_MULTIPLIERS[: rows.shape[1]]).sum(axis=1) + _BAND_SALTS[: self.bands]
        return mixed.tolist()

    def add(self, doc_id: str, signature: np.ndarray | None, group: str | None = None) -> str:
        """Add an article; return its group's id (the id of the group's first article).

        ``group`` restores a known assignment (reloading saved state) instead
        of looking for one.
        """
        position = len(self.group)
        self.signatures.append(signature)
        if signature is None:
            self.group.append(group or doc_id)
            return self.group[-1]
        exact_key = signature.tobytes()
        twin = self._exact.get(exact_key)
        if twin is not None and group in (None, self.group[twin]):
            # The same signature as an earlier article: similarity 1.0, the best there
            # is, and that article is the earliest with it. Its twins need no bucket
            # places: any newcomer scores them alike, and the earliest wins ties.
            self.group.append(self.group[twin])
            return self.group[-1]
        keys = self._keys(signature)
        buckets = self._buckets
        if group is None:
            group, best = doc_id, self.threshold
            candidates = set()
            for key in keys:
                found = buckets.get(key)
                if found:
                    candidates.update(found)
            for candidate in sorted(candidates):  # earliest first: a tie keeps the earliest
                score = similarity(signature, self.signatures[candidate])
                if score > best or score == best and group == doc_id:
                    group, best = self.group[candidate], score
        self.group.append(group)
        if twin is None:
            self._exact[exact_key] = position
        for key in keys:
            found = buckets.get(key)
            if found is None:
                buckets[key] = [position]
            elif len(found) < self.max_bucket:
                found.append(position)
        return group
