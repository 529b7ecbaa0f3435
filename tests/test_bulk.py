"""Bulk layout of a segment's columnar postings (searcher.whoosh.bulk), on hand-built
postings: terms in byte order, documents ascending within a term, each term's
statistics, positions following their postings."""

from __future__ import annotations

import numpy as np
import pytest

from searcher.whoosh.bulk import FieldPostings, smallest_dtype


def test_a_positional_fields_postings_are_sorted_with_their_positions():
    postings = FieldPostings(positional=True)
    assert postings.add(0, {"zebra": [0, 4], "apel": [1], "émas": [2]}) == 4
    assert postings.add(1, {"apel": [3, 5, 9], "zebra": [1]}) == 4
    assert postings.add(2, {}) == 0
    # A posting from Whoosh's pool (a merge) for an earlier document, given last.
    postings.add_posting(b"zebra", 3, 1.0, [7])
    postings.add_posting(b"apel", 3, 2.0, [0, 8])
    layout = postings.layout()
    # Byte order of UTF-8: "é" (0xC3 0xA9) after "z" (0x7A).
    assert layout.words == ["apel", "zebra", "émas"]
    assert layout.counts.tolist() == [3, 3, 1]
    assert layout.starts.tolist() == [0, 3, 6]
    assert layout.ids.tolist() == [0, 1, 3, 0, 1, 3, 0]
    assert layout.posting_weights.tolist() == [1, 3, 2, 2, 1, 1, 1]
    assert layout.weights.tolist() == [6, 4, 1]
    assert layout.max_weights.tolist() == [3, 2, 1]
    assert layout.first.tolist() == [0, 0, 0]
    assert layout.last.tolist() == [3, 3, 0]
    assert layout.positions.tolist() == [1, 3, 5, 9, 0, 8, 0, 4, 1, 7, 2]


def test_documents_stay_ascending_within_a_term_whatever_the_order_added():
    postings = FieldPostings(positional=False)
    postings.add(5, {"b": 1, "a": 2})
    postings.add(2, {"a": 1})
    postings.add_posting(b"a", 9, 4.0, None)
    layout = postings.layout()
    assert layout.words == ["a", "b"]
    assert layout.ids.tolist() == [2, 5, 9, 5]
    assert layout.posting_weights.tolist() == [1, 2, 4, 1]
    assert len(layout.positions) == 0


def test_an_empty_field_lays_out_nothing():
    layout = FieldPostings(positional=True).layout()
    assert layout.words == [] and len(layout.ids) == 0 and len(layout.positions) == 0


def test_a_positional_postings_weight_must_be_its_number_of_positions():
    with pytest.raises(ValueError, match="weight"):
        FieldPostings(positional=True).add_posting(b"a", 0, 2.0, [1])


@pytest.mark.parametrize(
    ("values", "dtype"),
    [
        (np.array([1, 2, 65535], dtype=np.uint32), "<u2"),
        (np.array([1, 65536], dtype=np.uint32), "<u4"),
        (np.array([1.0, 3.0], dtype=np.float32), "<u2"),
        (np.array([1.0, 1.5], dtype=np.float32), "<f4"),
        (np.array([1.0, 70000.0], dtype=np.float32), "<f4"),
    ],
)
def test_numbers_are_stored_in_16_bits_only_when_they_all_fit(values, dtype):
    assert smallest_dtype(values) == dtype
