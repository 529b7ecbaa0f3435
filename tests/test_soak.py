"""A small soak (#12, #24): hostile requests to a real ``searcher serve`` on 127.0.0.1.

The full run is ``python -m benchmarks.soak --mixed --writers`` (BENCHMARKS.md,
"Soak"). Here: every answer is 200 or 400, no connection breaks, no traceback reaches
the server's log, and the run stops at its request count; with ``fetch --every`` and
``delete`` running against the hostile feed site, every acknowledged article is in
the index at the end and every acknowledged deletion is not.
"""

from __future__ import annotations

import random
import time
import urllib.parse

import pytest

from benchmarks.feedsite import FeedSite, article_page
from benchmarks.soak import hostile_request, mixed_query, passed, run_soak
from tests.support import ROOT

assert ROOT  # tests/conftest.py puts the repository (and benchmarks/) on sys.path


def test_300_hostile_requests_are_all_200_or_400_with_no_traceback(sample_index, tmp_path):
    log = tmp_path / "server.log"
    result = run_soak(str(sample_index), requests=300, seconds=600, clients=2, seed=3, log=log)
    assert result["requests"] == 300 and result["stopped_by"] == "count"
    assert set(result["statuses"]) <= {"200", "400"}, result["failures"]
    assert result["statuses"].get("200", 0) > 0 and result["statuses"].get("400", 0) > 0
    assert (result["server_errors"], result["broken_connections"]) == (0, 0)
    assert result["tracebacks_in_log"] == 0, log.read_text()
    assert result["server_alive_at_end"] and result["server_exit_code"] == 0
    assert passed(result) is result["memory_flat"]


def test_the_generator_is_seeded_and_covers_both_routes_and_the_hostile_kinds():
    first = [hostile_request(random.Random(5)) for _ in range(3)]
    assert first == [hostile_request(random.Random(5)) for _ in range(3)]
    rng = random.Random(7)
    requests = [hostile_request(rng) for _ in range(2000)]
    assert {r.split("?")[0] for r in requests} == {"/search", "/api/search"}
    queries = [
        urllib.parse.parse_qs(r.split("?", 1)[1], keep_blank_values=True)["q"][0] for r in requests
    ]
    assert any(" - " in q for q in queries) and any(" TO " in q for q in queries)
    assert any(len(q) > 1000 for q in queries) and any("~" in q for q in queries)
    assert any("(" * 20 in q for q in queries)
    assert any(any(ord(c) > 0x2FF for c in q) for q in queries)


@pytest.mark.slow
def test_a_small_soak_with_fetch_and_delete_loses_nothing(sample_index, tmp_path):
    log = tmp_path / "server.log"
    result = run_soak(
        str(sample_index),
        requests=400,
        seconds=600,
        clients=2,
        seed=5,
        log=log,
        mode="mixed",
        writers=True,
        fetch_every="2s",
        delete_every=2.0,
    )
    assert result["stopped_by"] == "count" and result["server_errors"] == 0, result["failures"]
    assert result["broken_connections"] == 0 and result["tracebacks_in_log"] == 0
    assert result["fetch_rounds"] >= 1 and result["fetch_new"] >= 1
    assert result["fetch_failure_lines"] >= 10  # the hostile items: one line each
    assert result["tracebacks_in_fetch_log"] == result["fetch_rounds_that_raised"] == 0
    assert result["tracebacks_in_delete_log"] == result["delete_runs_failed"] == 0
    assert result["acknowledged_articles"] >= 1
    assert result["acknowledged_missing"] == [] and result["deleted_but_present"] == []


def test_the_feed_site_publishes_new_articles_and_hostile_items():
    site = FeedSite(per_request=2)
    try:
        import urllib.request

        with urllib.request.urlopen(site.feed_url, timeout=10) as answer:
            first = answer.read().decode()
        with urllib.request.urlopen(site.feed_url, timeout=10) as answer:
            second = answer.read().decode()
        assert "/berita/2<" in first and "/berita/3<" not in first
        assert "/berita/4<" in second and "/bad/chunked<" in second
        with urllib.request.urlopen(site.base + "/berita/3", timeout=10) as answer:
            assert answer.read() == article_page(site.base, 3)
        for _ in range(100):  # recorded once sent: the client may read it first
            if site.served:
                break
            time.sleep(0.05)
        assert [url for url, _ in site.served] == [site.base + "/berita/3"]
    finally:
        site.close()


def test_mixed_queries_hold_new_words_fuzzy_words_and_operators():
    rng = random.Random(3)
    queries = [mixed_query(rng) for _ in range(2000)]
    assert len(set(queries)) > 1500  # (nearly) all distinct
    assert any("~" in q for q in queries) and any(" OR " in q for q in queries)
    assert any(q.startswith('"') for q in queries) and any("judul:" in q for q in queries)
