"""Duplicate grouping stays near-linear when many articles share a text (#24, item 11).

8,000 identical articles took 52 s of grouping: each new one was compared with every
earlier one in its LSH buckets. Identical signatures now join their first article at
once, and a bucket holds at most ``MAX_BUCKET`` articles. The work is counted here
(comparisons), not timed; the times are in BENCHMARKS.md (``python -m
benchmarks.identical``).
"""

from __future__ import annotations

import numpy as np

from searcher import duplicates
from searcher.duplicates import BANDS, MAX_BUCKET, DuplicateGroups, Signer
from tests.support import sample_records


class Counting:
    def __init__(self, monkeypatch):
        self.calls = 0
        real = duplicates.similarity

        def counted(first, second):
            self.calls += 1
            return real(first, second)

        monkeypatch.setattr(duplicates, "similarity", counted)


def reference_groups(signatures, threshold=duplicates.THRESHOLD) -> list[int]:
    """The definition: each article joins the group of its most similar earlier article
    at or above the threshold (the earliest on ties), compared with all of them."""
    groups = []
    for i, signature in enumerate(signatures):
        best, group = threshold, i
        for j in range(i):
            score = duplicates.similarity(signature, signatures[j])
            if score > best or score == best and group == i:
                best, group = score, groups[j]
        groups.append(group)
    return groups


def test_identical_articles_need_no_comparisons(monkeypatch):
    signature = Signer().sign(sample_records()[0]["body"])
    counter = Counting(monkeypatch)
    groups = DuplicateGroups()
    assigned = [groups.add(f"copy-{n}", signature) for n in range(3000)]
    assert set(assigned) == {"copy-0"}
    assert counter.calls == 0
    assert max(map(len, groups._buckets.values())) == 1


def test_near_identical_articles_are_compared_with_a_bounded_number(monkeypatch):
    body = sample_records()[0]["body"].split()
    signer = Signer()
    signatures = []
    for n in range(600):
        words = list(body)
        words[n % len(words)] = f"kata{n}"
        signatures.append(signer.sign(" ".join(words)))
    counter = Counting(monkeypatch)
    groups = DuplicateGroups()
    assigned = [groups.add(f"near-{n}", s) for n, s in enumerate(signatures)]
    assert set(assigned) == {"near-0"}
    assert counter.calls <= len(signatures) * min(BANDS * MAX_BUCKET, len(signatures))
    assert counter.calls < len(signatures) * MAX_BUCKET * 2  # not 600 * 599 / 2
    assert max(map(len, groups._buckets.values())) <= MAX_BUCKET


def test_the_groups_are_those_of_comparing_with_every_earlier_article():
    # Sample articles, each printed several times, some with a word changed: buckets
    # stay under the cap, so the result must equal the definition's.
    signer = Signer()
    rng = np.random.RandomState(24)
    signatures = []
    for record in sample_records()[:12]:
        words = record["body"].split()
        for copy in range(4):
            changed = list(words)
            for _ in range(copy):
                changed[rng.randint(len(changed))] = f"ubah{rng.randint(1000)}"
            signatures.append(signer.sign(" ".join(changed)))
            if copy == 1:
                signatures.append(signatures[-1])  # an exact twin
    order = rng.permutation(len(signatures))
    signatures = [signatures[i] for i in order]
    groups = DuplicateGroups()
    found = [groups.add(str(n), s) for n, s in enumerate(signatures)]
    assert found == [str(g) for g in reference_groups(signatures)]
    assert len(set(found)) < len(found)  # there were duplicates to find


def test_a_restored_group_different_from_its_twins_is_kept():
    signature = Signer().sign(sample_records()[0]["body"])
    groups = DuplicateGroups()
    assert groups.add("a", signature) == "a"
    assert groups.add("b", signature, group="b") == "b"  # as saved by an earlier run
    assert groups.add("c", signature) == "a"
