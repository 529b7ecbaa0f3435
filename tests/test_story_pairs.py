"""The judged sample of CLICK-ID article pairs (tests/data/story_pairs.tsv, issue #15).

The file holds ids and hand labels only; tests/data/story_pairs.md tells how it was
drawn (benchmarks/story_pairs_sample.py) and labelled. These tests check its format,
and that every id is a real CLICK-ID article (reads ../shared; fails under ``$CI``
when it is missing).
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest

from benchmarks.story_pairs_sample import BANDS, RANDOM_BAND
from tests.support import shared_path

PAIRS = Path(__file__).resolve().parent / "data" / "story_pairs.tsv"
HEADER = ["id_a", "id_b", "label", "band", "note"]
LABELS = {"duplicate", "same_story", "different"}
BAND_NAMES = {band[0] for band in BANDS} | {RANDOM_BAND[0]}


def read_pairs() -> list[dict[str, str]]:
    with open(PAIRS, encoding="utf-8", newline="") as stream:
        lines = stream.read().split("\n")
    assert lines[-1] == "", "the file ends with a newline"
    assert lines[0].split("\t") == HEADER
    rows = []
    for number, line in enumerate(lines[1:-1], 2):
        fields = line.split("\t")
        assert len(fields) == len(HEADER), f"story_pairs.tsv:{number}: {len(fields)} fields"
        rows.append(dict(zip(HEADER, fields, strict=True)))
    return rows


@pytest.fixture(scope="module")
def pairs() -> list[dict[str, str]]:
    return read_pairs()


def test_labels_and_bands_are_known(pairs):
    assert {row["label"] for row in pairs} <= LABELS
    assert {row["band"] for row in pairs} <= BAND_NAMES
    assert all(row["note"] == row["note"].strip() for row in pairs)


def test_pairs_are_ordered_and_distinct(pairs):
    keys = [(row["id_a"], row["id_b"]) for row in pairs]
    assert all(a < b for a, b in keys), "id_a < id_b in every row"
    assert len(set(keys)) == len(keys), "no pair twice"
    # The sampler takes each article at most once, so labels are independent pairs.
    uses = Counter(article for key in keys for article in key)
    assert uses.most_common(1)[0][1] == 1


def test_sample_is_complete(pairs):
    counts = Counter(row["band"] for row in pairs)
    wanted = {name: want for name, _, _, want in BANDS} | {RANDOM_BAND[0]: RANDOM_BAND[1]}
    assert counts == wanted
    labels = Counter(row["label"] for row in pairs)
    assert all(labels[label] >= 20 for label in LABELS), labels


def test_every_id_is_a_clickid_article(pairs):
    with gzip.open(shared_path("data/news/clickid-2019.jsonl.gz"), "rt", encoding="utf-8") as src:
        known = {json.loads(line)["id"] for line in src if line.strip()}
    missing = {row[key] for row in pairs for key in ("id_a", "id_b")} - known
    assert not missing
