"""Neighbours learned from the corpus (#23) on small hand-built corpora, with exact
expectations: words used in the same contexts are neighbours, names are never
expanded nor offered, the file round-trips and a damaged one is named, and a
query word finds an article that uses its neighbour instead (best of, within
the word's concept), while a named entity is never replaced by another.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import numpy as np
import pytest

import searcher
from searcher import Article, neighbours
from searcher.ranking import DEFAULT

CELEBRITY = "{} terkenal itu resmi bercerai dari suaminya pekan lalu di pengadilan agama."
PRICES = "Harga {} naik tajam di pasar tradisional menjelang lebaran tahun ini."
RUPIAH = "Kurs rupiah {} tipis terhadap dolar sore ini menurut data bank sentral."
SWING = "Rupiah sempat melemah kemudian menguat tipis."
HAZE = "Kabut asap kiriman dari hutan terbakar sampai ke {} kemarin sore."


def _corpus() -> list[tuple[str, str]]:
    """(title, body) pairs: three words for celebrities, three for produce, two
    country names and a common word in the same contexts as the names."""
    texts = []
    for _ in range(4):
        for word in ("artis", "selebriti", "pesohor"):
            texts.append(("Kabar", "Kemarin " + CELEBRITY.format(word)))
        for word in ("cabai", "bawang", "beras"):
            texts.append(("Pasar", "Pagi ini " + PRICES.format(word).lower()))
        for word in ("menguat", "melemah", "stabil"):
            texts.append(("Kurs", "Pagi ini " + RUPIAH.format(word).lower()))
        texts.append(("Kurs", "Pagi ini " + SWING.lower()))
        texts.append(("Kurs", "Pagi ini " + SWING.lower()))
        for word in ("Malaysia", "Thailand", "perbatasan"):
            texts.append(
                ("Asap", "Warga melihat " + HAZE.format(word).lower().replace(word.lower(), word))
            )
    return texts


def _learn(texts) -> neighbours.Model:
    counts = neighbours.Counts()
    for title, body in texts:
        counts.add_document(title, body)
    model = neighbours.learn(counts, min_tokens=0, min_count=2)
    assert model is not None
    return model


@pytest.fixture(scope="module")
def model() -> neighbours.Model:
    return _learn(_corpus())


def test_words_in_the_same_contexts_are_neighbours(model):
    found = model.neighbours("artis", limit=2, threshold=0.5)
    assert {word for word, _ in found} == {"selebriti", "pesohor"}
    assert all(similarity > 0.9 for _, similarity in found)
    assert {word for word, _ in model.neighbours("cabai", 2, 0.5)} == {"bawang", "beras"}


def test_substitutes_leave_out_words_written_beside_the_word(model):
    # "melemah" stands in the same contexts as "menguat", and beside it.
    plain = [w for w, _ in model.neighbours("menguat", 4, -1.0)]
    assert plain == ["stabil", "rupiah", "dolar", "melemah"]
    substitutes = [w for w, _ in model.neighbours("menguat", 4, -1.0, substitutes=True)]
    assert "melemah" not in substitutes and substitutes[0] == "stabil"


def test_unrelated_words_are_below_the_threshold(model):
    assert all(
        word not in {"cabai", "bawang", "beras"} for word, _ in model.neighbours("artis", 10, 0.5)
    )


def test_names_are_never_expanded_nor_offered(model):
    assert model.is_name("malaysia") and model.is_name("thailand")
    assert not model.is_name("perbatasan")
    assert model.neighbours("malaysia", 5, 0.0) == []
    offered = [word for word, _ in model.neighbours("perbatasan", 10, -1.0)]
    assert "malaysia" not in offered and "thailand" not in offered
    assert offered  # the common word has neighbours, just not the names


def test_a_capital_after_a_sentence_end_or_in_a_title_is_no_name():
    texts = [
        ("Banjir Besar Melanda", "Banjir datang lagi. Banjir surut sore hari, kata warga.")
    ] * 3
    counts = neighbours.Counts()
    for title, body in texts:
        counts.add_document(title, body)
    assert counts.running["banjir"] == 0  # every "Banjir" opens a text or a sentence
    assert counts.capitalised["besar"] == 0  # titles are not counted
    assert counts.running["surut"] == 3 and counts.capitalised["surut"] == 0


def test_too_small_a_corpus_learns_nothing():
    counts = neighbours.Counts()
    counts.add_document("Judul", "Sedikit kata saja di sini.")
    assert neighbours.learn(counts) is None


def test_the_file_round_trips_and_a_damaged_one_is_named(model, tmp_path):
    neighbours.save(model, tmp_path)
    again = neighbours.load(tmp_path)
    assert again.words == model.words
    assert again.documents == model.documents
    np.testing.assert_allclose(again.vectors, model.vectors, atol=1e-3)
    assert again.neighbours("artis", 2, 0.5)[0][0] == model.neighbours("artis", 2, 0.5)[0][0]
    (tmp_path / neighbours.NEIGHBOURS_FILE).write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match=r"neighbours\.npz: cannot read"):
        neighbours.load(tmp_path)


def test_learning_is_deterministic():
    first, second = _learn(_corpus()), _learn(_corpus())
    assert first.words == second.words
    np.testing.assert_array_equal(first.vectors, second.vectors)


def test_stale_when_the_corpus_grew_by_a_fifth(model):
    assert neighbours.stale(None, 10)
    assert not neighbours.stale(model, model.documents + 1)
    assert neighbours.stale(model, model.documents * 2)


def test_without_vectors_only_names_are_learned(model):
    counts = neighbours.Counts(keep_texts=False)
    for title, body in _corpus():
        counts.add_document(title, body)
    names_only = neighbours.learn(counts, min_tokens=0, min_count=2, vectors=False)
    assert not counts.texts and not names_only.has_vectors and model.has_vectors
    assert names_only.words == model.words
    assert [w for w in model.words if names_only.is_name(w)] == [
        w for w in model.words if model.is_name(w)
    ]
    assert names_only.neighbours("artis", 2, 0.0) == []
    # asking for vectors makes a names-only model stale; a full one is not
    assert neighbours.stale(names_only, names_only.documents, vectors=True)
    assert not neighbours.stale(model, model.documents, vectors=True)


def test_an_index_run_learns_vectors_only_when_asked(tmp_path):
    from whoosh.index import open_dir

    from searcher.whoosh import learned
    from searcher.whoosh.storage import INDEX_NAME

    path = tmp_path / "ix"
    articles = [_article(f"a{i}", t, b) for i, (t, b) in enumerate(_corpus())]
    searcher.build_index(articles, str(path))
    ix = open_dir(str(path), indexname=INDEX_NAME)
    try:
        names_only = learned.refresh(path, ix, min_tokens=0, min_count=2)
        assert names_only is not None and not names_only.has_vectors
        assert neighbours.load(path).words == names_only.words
        full = learned.refresh(path, ix, vectors=True, min_tokens=0, min_count=2)
        assert full.has_vectors and full.neighbours("artis", 2, 0.5)
        kept = learned.refresh(path, ix, min_tokens=0, min_count=2)  # fresh: not learned again
        assert kept.has_vectors
    finally:
        ix.close()


# -- in a search --------------------------------------------------------------
def _article(doc_id: str, title: str, body: str) -> Article:
    return Article(
        doc_id,
        title,
        body,
        f"https://contoh.id/{doc_id}",
        "Tempo",
        "berita",
        datetime(2019, 9, 1, 8, 0),
    )


ARTICLES = [
    _article("artis", "Perceraian Artis Terkenal", "Perceraian artis terkenal itu diputus hakim."),
    _article(
        "selebriti",
        "Gugatan Perceraian Diputus",
        "Perceraian selebriti terkenal itu diputus hakim.",
    ),
    _article("cabai", "Harga Cabai Naik", "Harga cabai naik di pasar."),
    _article(
        "malaysia", "Asap Sampai Malaysia", "Kabut asap kiriman hutan terbakar sampai ke Malaysia."
    ),
    _article(
        "thailand", "Asap Sampai Thailand", "Kabut asap kiriman hutan terbakar sampai ke Thailand."
    ),
]
LEARNING = replace(DEFAULT, neighbour_weight=0.4, relax_below=1, require_names=False)


@pytest.fixture(scope="module")
def location(tmp_path_factory, model):
    path = tmp_path_factory.mktemp("neighbours") / "index"
    searcher.build_index(ARTICLES, str(path))
    assert not (path / neighbours.NEIGHBOURS_FILE).exists()  # too small to learn from
    neighbours.save(model, path)  # learned from the hand-built corpus above
    return str(path)


def _ids(location, text, ranking):
    with searcher.open_index(location, ranking=ranking) as index:
        return [hit.id for hit in index.search(text, per_page=10).hits]


def test_a_neighbour_finds_the_article_that_uses_it(location):
    assert _ids(location, "perceraian artis", replace(LEARNING, neighbour_weight=0.0)) == ["artis"]
    assert _ids(location, "perceraian artis", LEARNING) == ["artis", "selebriti"]


def test_a_named_entity_is_never_replaced_by_another(location):
    assert _ids(location, "asap malaysia", LEARNING) == ["malaysia"]


def test_no_neighbours_as_typed(location):
    with searcher.open_index(location, ranking=LEARNING) as index:
        assert [h.id for h in index.search("perceraian artis", as_typed=True).hits] == ["artis"]


def test_a_name_is_required_in_a_long_query_with_require_names(location):
    # Five words: a long query requires nothing, so the Thailand haze story
    # (four words of five) comes too; a name is required when names are.
    text = "kabut asap hutan terbakar malaysia"
    assert set(_ids(location, text, LEARNING)) == {"malaysia", "thailand"}
    assert _ids(location, text, replace(LEARNING, require_names=True)) == ["malaysia"]


def test_a_name_is_relaxed_away_last(location):
    # No article holds both words, so one is left out: of two equally rare
    # words the later goes first, unless it is a name.
    assert _ids(location, "harga malaysia", LEARNING) == ["cabai"]
    assert _ids(location, "harga malaysia", replace(LEARNING, require_names=True)) == ["malaysia"]


def test_scoring_only_neighbours_do_not_widen_the_match_set(location):
    scoring_only = replace(LEARNING, neighbours_match=False)
    assert _ids(location, "perceraian artis", scoring_only) == ["artis"]
    # When the set is relaxed to "perceraian", the neighbour ranks within it.
    relaxed = replace(scoring_only, relax_below=2)
    assert _ids(location, "perceraian artis", relaxed)[:2] == ["artis", "selebriti"]


def test_a_question_does_not_require_its_names(location):
    named = replace(LEARNING, require_names=True)
    assert set(_ids(location, "kapan kabut asap sampai malaysia", named)) == {
        "malaysia",
        "thailand",
    }


FLOOD = (
    "Banjir setinggi satu meter merendam ratusan rumah warga di kawasan Jakarta Utara sejak pagi."
)
STORY = [
    _article("banjir-1", "Banjir Rendam Jakarta Utara", FLOOD),
    _article("banjir-2", "Banjir Rendam Jakarta Utara", FLOOD),  # a copy: the same story
    _article("banjir-3", "Banjir di Jakarta", "Banjir merendam rumah warga di Jakarta Barat."),
]


def test_related_articles_of_the_same_story_weigh_more(tmp_path):
    path = str(tmp_path / "index")
    searcher.build_index(STORY, path)
    scores = {}
    for weight in (0.0, 1.0):
        with searcher.open_index(path, ranking=replace(DEFAULT, related_story_weight=weight)) as ix:
            scores[weight] = {hit.id: hit.score for hit in ix.more_like_this("banjir-1", 5)}
        assert set(scores[weight]) == {"banjir-2", "banjir-3"}
    assert scores[1.0]["banjir-2"] == pytest.approx(2 * scores[0.0]["banjir-2"])
    assert scores[1.0]["banjir-3"] == pytest.approx(scores[0.0]["banjir-3"])


def test_a_damaged_file_is_named_by_check_and_searches_work_without_it(tmp_path, model):
    from searcher.whoosh.verify import verify

    path = tmp_path / "index"
    searcher.build_index(ARTICLES, str(path))
    neighbours.save(model, path)
    assert verify(path) == []
    (path / neighbours.NEIGHBOURS_FILE).write_bytes(b"PK\x03\x04 broken")
    problems = verify(path)
    assert [(p.file, p.derived) for p in problems] == [(neighbours.NEIGHBOURS_FILE, True)]
    assert _ids(str(path), "perceraian artis", LEARNING) == ["artis"]  # no neighbours, no error
