"""News relevance on small hand-built corpora (searcher.query.concepts, searcher.ranking).

Each test builds an index whose articles differ in one respect only (same
length, same other words), so the order of the results shows that one idea:
words standing together, the query's own derived form, concepts found through
their synonyms, a synonym group counted once, coordination, question words.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

import searcher
from searcher.query.concepts import read_plain_query
from searcher.ranking import DEFAULT, WORDS_ONLY
from searcher.synonyms import query_pieces
from tests.support import article

FILLER = (
    "rapat warga berlangsung di balai pada pagi hari dan dihadiri aparat setempat "
    "serta tokoh masyarakat yang memberi masukan"
)


def build(tmp_path, tiny_corpus, *records, ranking=DEFAULT):
    source = tiny_corpus.jsonl("news.jsonl", *records)
    report = searcher.index_sources([str(source)], str(tmp_path / "index"))
    assert report.added == len(records)
    return reopen(tmp_path, ranking)


def reopen(tmp_path, ranking=DEFAULT, **changes):
    """The test's index, opened with ``ranking`` (with ``changes`` to its weights)."""
    return searcher.open_index(str(tmp_path / "index"), ranking=replace(ranking, **changes))


def ranked(index, text) -> list[str]:
    return [hit.id for hit in index.search(text, per_page=50, snippets=False).hits]


def test_words_standing_together_rank_above_scattered_ones(tmp_path, tiny_corpus):
    together = article(
        "together", f"Warga menerima dana desa tahun ini. {FILLER}", title="Kabar dari kampung"
    )
    apart = article(
        "apart", f"Warga menerima dana tahun ini untuk desa. {FILLER}", title="Kabar dari kampung"
    )
    with build(tmp_path, tiny_corpus, apart, together) as index:
        assert ranked(index, "dana desa") == ["together", "apart"]
    # Without pairs the two are tied on words and the older document wins the tie.
    with reopen(tmp_path, pair_weight=0.0) as index:
        assert ranked(index, "dana desa") == ["apart", "together"]


def test_the_query_s_own_derived_form_outranks_a_root_mate(tmp_path, tiny_corpus):
    own = article("own", f"Soal perdagangan di pasar itu dibahas. {FILLER}", title="Pasar")
    mate = article("mate", f"Soal pedagang di pasar itu dibahas. {FILLER}", title="Pasar")
    with build(tmp_path, tiny_corpus, mate, own) as index:
        # Both are found (stemming keeps its recall); the exact form ranks first.
        assert ranked(index, "perdagangan") == ["own", "mate"]
        assert ranked(index, "pedagang") == ["mate", "own"]


def test_a_multiword_concept_is_found_through_its_synonym(tmp_path, tiny_corpus):
    acronym = article(
        "acronym", f"Polisi mengusut kasus TPPO di pelabuhan. {FILLER}", title="Kabar pelabuhan"
    )
    apart = article(
        "apart", f"Orang ramai berdagang di pelabuhan. {FILLER}", title="Kabar pelabuhan"
    )
    unrelated = article("unrelated", f"Nelayan pulang dari laut. {FILLER}", title="Kabar pelabuhan")
    with build(tmp_path, tiny_corpus, apart, unrelated, acronym) as index:
        # "tppo" holds neither query word, yet it is the concept: it comes first.
        assert ranked(index, "perdagangan orang") == ["acronym", "apart"]


def test_a_synonym_group_counts_once_not_once_per_variant(tmp_path, tiny_corpus):
    variants = article(
        "variants", f"Tiongkok, China, Cina dan RRT disebut. {FILLER}", title="Berita dunia"
    )
    answer = article(
        "answer", f"Tiongkok disebut lagi, Tiongkok lagi. {FILLER}", title="Berita dunia"
    )
    with build(tmp_path, tiny_corpus, variants, answer) as index:
        assert ranked(index, "tiongkok") == ["answer", "variants"]
    # Summed, as before: four names beat the answer.
    with reopen(tmp_path, WORDS_ONLY) as index:
        assert ranked(index, "tiongkok") == ["variants", "answer"]


def test_an_article_covering_every_query_word_beats_one_repeating_a_single_word(
    tmp_path, tiny_corpus
):
    # "banjir" and "bekasi" are in two articles each: equally rare.
    one_word = article(
        "one", f"Banjir lagi. Banjir meluas, banjir surut, banjir. {FILLER}", title="Banjir besar"
    )
    both = article(
        "both", f"Banjir melanda Bekasi sejak pagi tadi sekali. {FILLER}", title="Cuaca buruk"
    )
    other = article("other", f"Warga Bekasi menggelar rapat. {FILLER}", title="Rapat")
    with build(tmp_path, tiny_corpus, one_word, both, other) as index:
        assert ranked(index, "banjir bekasi")[0] == "both"
    with reopen(tmp_path, coordination=0.0, long_coordination=0.0) as index:
        assert ranked(index, "banjir bekasi")[0] == "one"


def test_a_multiword_concept_s_words_apart_count_less_than_the_concept(tmp_path, tiny_corpus):
    apart = article(
        "apart",
        f"Perdagangan di pasar ramai; orang datang, orang pergi, perdagangan lancar. {FILLER}",
        title="Pasar pagi",
    )
    together = article(
        "together",
        f"Polisi membongkar kasus perdagangan orang di pelabuhan. {FILLER}",
        title="Pasar pagi",
    )
    with build(tmp_path, tiny_corpus, apart, together) as index:
        assert ranked(index, "perdagangan orang") == ["together", "apart"]
        halved = {h.id: h.score for h in index.search("perdagangan orang").hits}
    with reopen(tmp_path, scattered_weight=1.0) as index:
        full = {h.id: h.score for h in index.search("perdagangan orang").hits}
    # Words apart count half (and cover half the query); together, in full.
    assert halved["apart"] < 0.5 * full["apart"]
    assert halved["together"] == pytest.approx(full["together"], rel=0.5)


def test_question_template_words_weigh_less_than_content_words(tmp_path, tiny_corpus):
    template = article(
        "template", f"Nama nama nama itu disebut dalam daftar. {FILLER}", title="Daftar"
    )
    content = article(
        "content", f"Gunung Rinjani disebut dalam daftar itu. {FILLER}", title="Daftar"
    )
    with build(tmp_path, tiny_corpus, template, content) as index:
        assert ranked(index, "siapa nama gunung rinjani")[0] == "content"


def test_question_words_weigh_less_only_in_questions():
    question = read_plain_query(query_pieces("siapa nama presiden pertama"))
    news = read_plain_query(query_pieces("nama presiden pertama"))
    assert [(w.exact, w.weight) for w in question.words] == [
        ("nama", 0.3),
        ("presiden", 1.0),
        ("pertama", 0.5),
    ]
    assert {w.weight for w in news.words} == {1.0}
    definition = read_plain_query(query_pieces("pengertian demokrasi"))
    assert [(w.exact, w.weight) for w in definition.words] == [
        ("pengertian", 0.3),
        ("demokrasi", 1.0),
    ]


def test_a_plain_query_is_read_as_words_concepts_and_pairs():
    plain = read_plain_query(query_pieces("kasus perdagangan orang di batam"))
    assert [w.exact for w in plain.words] == ["kasus", "perdagangan", "orang", "batam"]
    assert [w.stem for w in plain.words] == ["kasus", "dagang", "orang", "batam"]
    (concept,) = plain.concepts
    assert (concept.start, concept.end) == (1, 3)
    assert ("tppo",) in [tuple(w.exact for w in e) for e in concept.alternatives]
    assert [(i, a.stem, b.stem) for i, a, b in plain.pairs()] == [
        (0, "kasus", "dagang"),
        (1, "dagang", "orang"),
        (2, "orang", "batam"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        '"perdagangan orang"',
        "perdagangan OR orang",
        "-orang",
        "judul:banjir",
        "korup*",
        "banjir~",
        "kompas.com",
    ],
)
def test_queries_with_syntax_are_not_read_as_plain_words(text):
    assert read_plain_query(query_pieces(text)) is None


def test_highlights_mark_a_concept_s_other_expression(tmp_path, tiny_corpus):
    record = article("a", f"Polisi mengusut tindak pidana perdagangan orang. {FILLER}")
    with build(tmp_path, tiny_corpus, record) as index:
        (hit,) = index.search("tppo").hits
        assert (
            "<mark>tindak</mark> <mark>pidana</mark> <mark>perdagangan</mark> <mark>orang</mark>"
        ) in hit.snippet.html


def test_a_word_the_index_barely_knows_finds_better_known_spellings(tmp_path, tiny_corpus):
    records = [
        article(f"obat-{i}", f"Penggunaan antibiotika harus sesuai resep. {FILLER}")
        for i in range(3)
    ]
    records += [
        article(f"chip-{i}", f"Pabrik semikonduktor dibangun di Batam. {FILLER}") for i in range(3)
    ]
    records.append(article("exact", f"Resep antibiotik dari dokter. {FILLER}"))
    with build(tmp_path, tiny_corpus, *records) as index:
        found = ranked(index, "antibiotik")
        # The query's own spelling first, then the better-known variant.
        assert found[0] == "exact"
        assert sorted(found[1:]) == ["obat-0", "obat-1", "obat-2"]
        assert sorted(ranked(index, "semiconductor")) == ["chip-0", "chip-1", "chip-2"]
        # A word the index knows well is not respelled.
        assert sorted(ranked(index, "antibiotika")) == ["obat-0", "obat-1", "obat-2"]
    with reopen(tmp_path, variant_weight=0.0) as index:
        assert ranked(index, "semiconductor") == []
