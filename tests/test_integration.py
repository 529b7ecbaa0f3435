"""Integration runs over the shared real corpora in ../shared (slow: minutes).

Run with ``pytest -m slow``. Skipped when ../shared is missing (failed under CI).
"""

from __future__ import annotations

import json

import pytest

import searcher
from searcher import evaluation
from searcher.cli import main
from searcher.query.concepts import read_plain_query
from tests.support import shared_path

pytestmark = pytest.mark.slow

SEEDS = {"seeds/antara-jokowi-laos-tppo.txt", "seeds/prabowo-laos-tppo.txt"}
# The cluster backend on TyDi QA measured nDCG@10 0.728 / MRR@10 0.680 (Whoosh: 0.727 / 0.680).
NDCG_CLUSTER, MRR_CLUSTER = 0.72, 0.67
CLICKID_ARTICLES = 25_506


@pytest.fixture(scope="module", params=["whoosh", "manticore"])
def news_index(request, tmp_path_factory):
    """CLICK-ID plus the seeds, in a Whoosh folder and on a two-node Sphinx cluster."""
    seeds = shared_path("seeds")
    news = shared_path("data/news/clickid-2019.jsonl.gz")
    cluster = None
    if request.param == "whoosh":
        location = str(tmp_path_factory.mktemp("news") / "index")
    else:
        from tests.support import require_searchd

        require_searchd()
        from tests.cluster import Cluster

        cluster = Cluster(tmp_path_factory.mktemp("news-sphinx")).start()
        location = cluster.location
    try:  # the nodes stop even when indexing fails (else they outlive the test)
        report = searcher.index_sources([str(seeds), str(news)], location, procs=2)
        assert report.rejected == []
        assert report.added == CLICKID_ARTICLES + 2
        yield location
    finally:
        if cluster is not None:
            cluster.stop()


def _where(location) -> list[str]:
    """The CLI option naming ``location``."""
    return ["--backend" if "://" in str(location) else "--index", str(location)]


@pytest.fixture(scope="module")
def tydiqa_index(tmp_path_factory):
    corpus = shared_path("data/eval/tydiqa-id/corpus.jsonl")
    path = tmp_path_factory.mktemp("tydiqa") / "index"
    report = searcher.index_sources([str(corpus)], str(path), procs=2)
    assert report.rejected == []
    assert report.added == 4_650
    return path


def test_the_seed_articles_rank_high_for_perdagangan_orang(news_index):
    # Their titles come from their text since #21, no longer from the file names, whose
    # "tppo" (a synonym of the query) put them first; CLICK-ID's trafficking news now
    # shares the top.
    # The cluster ranks with its engine's own ranker: the ANTARA seed is 6th there.
    cut = seeds_within(news_index)
    with searcher.open_index(news_index) as ix:
        result = ix.search("perdagangan orang")
    assert result.total > 100
    top = [hit.id for hit in result.hits[:cut]]
    assert set(top) >= SEEDS, top
    for hit in result.hits[:cut]:
        assert "<mark>" in hit.snippet.html


def seeds_within(location) -> int:
    """How far down the seeds may rank for the mission query on this backend."""
    return 10 if "://" in str(location) else 5


def test_the_cli_json_agrees_with_the_library(news_index, capsys):
    assert main(["query", "perdagangan orang", *_where(news_index), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    with searcher.open_index(news_index) as ix:
        result = ix.search("perdagangan orang", collapse="story")  # as the CLI searches
    assert data["total"] == result.total
    assert [h["id"] for h in data["hits"]] == [hit.id for hit in result.hits]
    cut = seeds_within(news_index)
    assert {h["id"] for h in data["hits"][:cut]} >= SEEDS
    assert all("<mark>" in h["snippet"] for h in data["hits"][:cut])
    stories = [h["story"]["id"] for h in data["hits"] if h["story"]]
    assert len(stories) == len(set(stories))  # one result per story


def test_stats_count_every_article(news_index, capsys):
    assert main(["stats", *_where(news_index), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["documents"] == 25_508
    assert data["earliest"].startswith("2019-03-18")
    # 2019-12-09 was a Kompas.com article of 2019-09-12 with day and month swapped: its URL
    # (/2019/09/12/) puts it back at ingest. The latest is the ANTARA seed, dated by its
    # own text since #21 ("Senin (8/5)", "Copyright © ANTARA 2023"); CLICK-ID ends 2019-10-26.
    assert data["latest"].startswith("2023-05-08")


def test_filters_and_sorting_on_real_news(news_index):
    with searcher.open_index(news_index) as ix:
        result = ix.search(
            "banjir", filters={"since": "2019-09", "until": "2019-09"}, sort="newest", per_page=50
        )
    assert result.total > 0
    dates = [hit.published for hit in result.hits]
    assert all(d.year == 2019 and d.month == 9 for d in dates)
    assert dates == sorted(dates, reverse=True)


def holds_concepts(text: str, query: str) -> bool:
    """Whether ``text`` holds every concept of the plain ``query``: each word's stem,
    or every word of one of its thesaurus expressions (#21)."""
    plain = read_plain_query(query.split())
    stems = set(searcher.analyze(text))
    spans = {c.start: c for c in plain.concepts}
    i = 0
    while i < len(plain.words):
        concept = spans.get(i)
        end = concept.end if concept else i + 1
        ways = [plain.words[i:end], *(concept.alternatives if concept else ())]
        if not any(all(w.stem in stems for w in way) for way in ways):
            return False
        i = end
    return True


def test_banjir_jakarta_holds_both_concepts_in_every_result_and_sort(news_index):
    """Issue #21's targets: every result holds both concepts, the total is the size of
    that set, and the newest ten hold both too."""
    with searcher.open_index(news_index) as ix:
        first = ix.search("banjir jakarta", per_page=100, collapse=True)
        assert first.dropped == () and first.total >= 50  # 89 on CLICK-ID + seeds
        listed = []
        for number in range(1, first.pages + 1):
            page = (
                first
                if number == 1
                else ix.search("banjir jakarta", per_page=100, page=number, collapse=True)
            )
            listed += [hit.id for hit in page.hits]
        assert len(listed) == len(set(listed)) == first.total
        for doc_id in listed:
            document = ix.get(doc_id)
            assert holds_concepts(f"{document.title}\n{document.body}", "banjir jakarta"), doc_id
        for sort in ("newest", "blend", "oldest"):
            top = ix.search("banjir jakarta", sort=sort, collapse=True)
            assert top.total == first.total, sort
            for hit in top.hits:
                document = ix.get(hit.id)
                assert holds_concepts(f"{document.title}\n{document.body}", "banjir jakarta"), (
                    sort,
                    hit.id,
                )


def _tydiqa_report(location) -> evaluation.EvalReport:
    """All judged TyDi QA questions run on the index at ``location``."""
    folder = shared_path("data/eval/tydiqa-id")
    queries = evaluation.read_queries(folder / "queries.tsv")
    qrels = evaluation.read_qrels(folder / "qrels.txt")
    with searcher.open_index(location) as ix:

        def run(text):
            return [hit.id for hit in ix.search(text, per_page=100, snippets=False).hits]

        return evaluation.evaluate(run, queries, qrels)


def test_tydiqa_beats_the_reference_engine(tydiqa_index):
    """All 5,771 questions: the plain Whoosh BM25F + Sastrawi reference scores
    nDCG@10 0.702 / MRR@10 0.654 (shared/README.md); we measured 0.727 / 0.680.
    The first 500 questions alone are harder (0.65), so the whole set is used."""
    report = _tydiqa_report(tydiqa_index)
    assert report.queries == 5771
    assert report.failed == 0
    assert report.ndcg_at_10 >= 0.72, report
    assert report.mrr_at_10 >= 0.67, report
    assert report.recall_at_100 >= 0.947, report


@pytest.fixture(scope="module")
def tydiqa_cluster(tmp_path_factory):
    """The TyDi QA passages on a two-node Sphinx cluster of its own."""
    from tests.support import require_searchd

    require_searchd()
    corpus = shared_path("data/eval/tydiqa-id/corpus.jsonl")
    from tests.cluster import Cluster

    cluster = Cluster(tmp_path_factory.mktemp("tydiqa-sphinx")).start()
    report = searcher.index_sources([str(corpus)], cluster.location)
    assert (report.added, report.rejected) == (4_650, [])
    yield cluster.location
    cluster.stop()


def test_tydiqa_on_the_cluster_backend_matches_whoosh(tydiqa_cluster):
    """The same questions on the Manticore/Sphinx backend (2 shards): within
    about 0.01 of the Whoosh backend's figures, still above the reference."""
    report = _tydiqa_report(tydiqa_cluster)
    assert (report.queries, report.failed) == (5771, 0)
    assert report.ndcg_at_10 >= NDCG_CLUSTER, report
    assert report.mrr_at_10 >= MRR_CLUSTER, report
    assert report.recall_at_100 >= 0.947, report


def test_an_index_run_learns_names(tydiqa_index):
    """#23: the learned file is written after the commit, from the index's own text;
    neighbours only with ``learn_neighbours`` (test_neighbours)."""
    from searcher import neighbours

    model = neighbours.load(tydiqa_index)
    assert model.documents == 4_650
    assert model.is_name("jakarta") and model.is_name("indonesia")
    assert not model.is_name("kota") and not model.is_name("sungai")
    assert not model.has_vectors and model.neighbours("kota", 3, 0.0) == []
