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


def test_did_you_mean_with_given_document_counts():
    from searcher.spelling import did_you_mean

    documents = {"presiden": 40, "jokowi": 30, "presdien": 1, "dagang": 9, "banjir": 3}

    def counts(words):
        return {w: documents.get(w, 0) for w in words}

    assert did_you_mean("presidn Jokowi", counts, counts) == "presiden Jokowi"
    assert did_you_mean("presdien", counts, counts) == "presiden"  # 40 > 10 x 1
    assert did_you_mean("presiden jokowi", counts, counts) is None
    assert did_you_mean("perdagangan", counts, counts) is None  # its stem is common
    assert did_you_mean("PRESIDN", counts, counts) == "presiden"
    assert did_you_mean("BNJR", counts, counts) is None  # a short acronym is left alone
    assert did_you_mean("banjr", counts, counts) is None  # 3 documents: not enough
    assert did_you_mean("presdn", counts, counts, far=lambda w: ["presiden"]) == "presiden"


def test_known_words_spare_the_lookups_of_variants_the_index_cannot_hold():
    from searcher.spelling import did_you_mean

    documents = {"presiden": 40, "jokowi": 30}
    asked = []

    def counts(words):
        asked.extend(words)
        return {w: documents.get(w, 0) for w in words}

    assert did_you_mean("presidn", counts, counts, known=documents.__contains__) == "presiden"
    # The word itself and its stem, then its one variant the index holds, not all ~350.
    assert sorted(asked) == ["presiden", "presidn", "presidn"]
    asked.clear()
    assert did_you_mean("presidn", counts, counts) == "presiden"
    assert len(asked) > 300
