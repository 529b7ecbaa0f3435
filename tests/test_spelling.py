"""Near spellings (searcher.spelling), used by "did you mean" and fuzzy terms."""

from searcher.spelling import edits


def test_every_kind_of_edit_and_nothing_else():
    near = edits("presiden", 1)
    # a deletion, a swap, a replacement, an insertion
    assert {"presidn", "presdien", "presidan", "presidenx"} <= set(near)
    assert "presiden" not in near
    assert "xresiden" not in near  # the first letters are kept
    assert len(near) == len(set(near))
    assert "presiden" in edits("presidn", 1)


def test_the_kept_prefix():
    near = edits("korupsi", 2)
    assert {"korupsu", "korusi", "korpusi", "korupsii"} <= set(near)
    assert all(word.startswith("ko") for word in near)
    assert edits("ko", 2) == [word for word in edits("ko", 2) if len(word) > 2]
