"""A small soak (#12): 300 hostile requests to a real ``searcher serve`` on 127.0.0.1.

The full run (100,000 requests on CLICK-ID) is ``python -m benchmarks.soak``; its
figures are in BENCHMARKS.md. Here: every answer is 200 or 400, no connection breaks,
no traceback reaches the server's log, and the run stops at its request count.
"""

from __future__ import annotations

import random
import urllib.parse

from benchmarks.soak import hostile_request, passed, run_soak
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
