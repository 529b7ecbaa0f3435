"""Retrieval metrics on hand-computed examples (searcher.evaluation)."""

from __future__ import annotations

import math

import pytest

from searcher.errors import QueryError, SearcherError
from searcher.evaluation import (
    evaluate,
    ndcg,
    read_judged,
    read_qrels,
    read_queries,
    recall,
    reciprocal_rank,
)


def test_reciprocal_rank_is_one_over_the_first_relevant_rank():
    assert reciprocal_rank(["a", "b", "c"], {"a": 1}) == 1.0
    assert reciprocal_rank(["x", "b", "c"], {"c": 1, "b": 1}) == 0.5
    assert reciprocal_rank(["x", "y", "c"], {"c": 1}) == pytest.approx(1 / 3)


def test_reciprocal_rank_counts_only_the_top_10():
    ranked = [f"x{i}" for i in range(10)] + ["a"]
    assert reciprocal_rank(ranked, {"a": 1}) == 0.0
    assert reciprocal_rank(ranked[1:], {"a": 1}) == 0.1


def test_reciprocal_rank_of_nothing_found_is_zero():
    assert reciprocal_rank([], {"a": 1}) == 0.0


def test_ndcg_of_the_ideal_ranking_is_one():
    assert ndcg(["a", "b"], {"a": 1, "b": 1}) == 1.0
    assert ndcg(["a", "b", "c"], {"a": 2, "b": 1}) == 1.0


def test_ndcg_with_one_relevant_document_at_rank_two():
    assert ndcg(["x", "a"], {"a": 1}) == pytest.approx(1 / math.log2(3))  # 0.6309


def test_ndcg_with_graded_relevance_in_the_wrong_order():
    # gains: b (grade 1) first, a (grade 2) second
    dcg = (2**1 - 1) / math.log2(2) + (2**2 - 1) / math.log2(3)
    ideal = (2**2 - 1) / math.log2(2) + (2**1 - 1) / math.log2(3)
    assert ndcg(["b", "a"], {"a": 2, "b": 1}) == pytest.approx(dcg / ideal)  # 0.8597


def test_ndcg_counts_only_the_top_10_and_missing_documents_lower_it():
    ranked = [f"x{i}" for i in range(10)] + ["a"]
    assert ndcg(ranked, {"a": 1}) == 0.0
    assert ndcg(["a"], {"a": 1, "b": 1}) == pytest.approx(1 / (1 + 1 / math.log2(3)))


def test_ndcg_without_judgments_is_zero():
    assert ndcg(["a"], {}) == 0.0


def test_recall_is_the_share_of_relevant_documents_found_in_the_top_100():
    assert recall(["a", "x", "b"], {"a": 1, "b": 1, "c": 1, "d": 1}) == 0.5
    ranked = [f"x{i}" for i in range(100)] + ["a"]
    assert recall(ranked, {"a": 1}) == 0.0
    assert recall(["a", "a"], {"a": 1}) == 1.0
    assert recall(["a"], {}) == 0.0


def test_evaluate_averages_over_the_judged_queries():
    runs = {"one": ["a", "x"], "two": ["x", "b"], "three": [], "unjudged": ["a"]}
    report = evaluate(
        lambda text: runs[text],
        {"q1": "one", "q2": "two", "q3": "three", "q4": "unjudged"},
        {"q1": {"a": 1}, "q2": {"b": 1}, "q3": {"c": 1}},
    )
    assert report.queries == 3
    assert report.failed == 0
    assert report.mrr_at_10 == pytest.approx((1 + 0.5 + 0) / 3)
    assert report.ndcg_at_10 == pytest.approx((1 + 1 / math.log2(3) + 0) / 3)
    assert report.recall_at_100 == pytest.approx(2 / 3)
    assert report.to_json() == {
        "MRR@10": 0.5,
        "nDCG@10": 0.5436,
        "R@100": 0.6667,
        "queries": 3,
        "failed": 0,
    }


def test_a_query_that_fails_scores_zero_and_is_counted_as_failed():
    def run(text):
        if text == "bad":
            raise QueryError("cannot understand the query")
        return ["a"]

    report = evaluate(run, {"q1": "good", "q2": "bad"}, {"q1": {"a": 1}, "q2": {"a": 1}})
    assert (report.queries, report.failed, report.mrr_at_10) == (2, 1, 0.5)


def test_evaluate_with_no_judged_query_is_all_zero():
    report = evaluate(lambda text: ["a"], {"q1": "x"}, {})
    assert (report.queries, report.mrr_at_10, report.ndcg_at_10) == (0, 0.0, 0.0)


def test_read_queries_and_qrels(tmp_path):
    queries = tmp_path / "queries.tsv"
    queries.write_text("q1\tsiapa presiden pertama?\n\nq2\tbanjir\tbekasi\n", encoding="utf-8")
    qrels = tmp_path / "qrels.txt"
    qrels.write_text("q1 0 d1 1\nq1 0 d2 2\nq2 0 d3 0\n\nq3 0 d4 1\n", encoding="utf-8")
    assert read_queries(queries) == {"q1": "siapa presiden pertama?", "q2": "banjir\tbekasi"}
    # grade 0 is "not relevant" and is left out
    assert read_qrels(qrels) == {"q1": {"d1": 1, "d2": 2}, "q3": {"d4": 1}}


@pytest.mark.parametrize(
    ("reader", "text"),
    [
        (read_queries, "q1 without a tab\n"),
        (read_qrels, "q1 0 d1\n"),
        (read_qrels, "q1 0 d1 relevant\n"),
    ],
)
def test_malformed_lines_raise_with_file_and_line(tmp_path, reader, text):
    path = tmp_path / "file.txt"
    path.write_text("" if reader is read_queries else "q0 0 d0 1\n")
    with open(path, "a") as stream:
        stream.write(text)
    line = 1 if reader is read_queries else 2
    with pytest.raises(SearcherError, match=f"{path}:{line}"):
        reader(path)


def test_condensed_ndcg_leaves_unjudged_documents_out(tmp_path):
    qrels = {"q1": {"a": 2, "b": 1}}
    judged = {"q1": {"a": 2, "b": 1, "z": 0}}
    report = evaluate(lambda text: ["new", "a", "z", "b"], {"q1": "x"}, qrels, judged)
    (score,) = report.per_query
    assert score.unjudged_at_10 == 1  # "new" was never judged; "z" was judged 0
    # Condensed: the ranking a, z, b, against the ideal a, b.
    dcg = 3 / math.log2(2) + 1 / math.log2(4)
    ideal = 3 / math.log2(2) + 1 / math.log2(3)
    assert score.condensed_ndcg_at_10 == pytest.approx(dcg / ideal)
    assert score.ndcg_at_10 < score.condensed_ndcg_at_10
    assert report.condensed_ndcg_at_10 == score.condensed_ndcg_at_10


def test_without_every_judged_document_there_is_no_condensed_figure():
    report = evaluate(lambda text: ["a"], {"q1": "x"}, {"q1": {"a": 1}})
    assert report.per_query[0].condensed_ndcg_at_10 is None
    assert report.condensed_ndcg_at_10 is None


def test_read_judged_keeps_documents_judged_not_relevant(tmp_path):
    path = tmp_path / "qrels.txt"
    path.write_text("q1 0 a 2\nq1 0 b 0\nq2 0 c 0\n")
    assert read_judged(path) == {"q1": {"a": 2, "b": 0}, "q2": {"c": 0}}
    assert read_qrels(path) == {"q1": {"a": 2}}
